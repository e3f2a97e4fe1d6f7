"""Quotes kept as frozen offers: a stored design quoted, a stored product spec planned.

A quote row holds the request, the whole document (plan, options, findings, curve) and
the price of each quantity, valid for the shop's validity period.
"""

import math
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from bespoke.costing.quote import quote_geometry
from bespoke.geometry.dxf import read_dxf_outlines
from bespoke.model import Catalog
from bespoke.model.accounts import Account
from bespoke.model.bounds import (
    MAX_CATALOG_ID,
    MAX_SETTINGS,
    MAX_TEXT,
    Quantities,
    RowId,
)
from bespoke.model.errors import InputError
from bespoke.model.plan_document import PlanDocument, ProductBatchedPrice
from bespoke.model.product import ProductSpec
from bespoke.model.product_plan import ProductQuote
from bespoke.model.progress import Progress
from bespoke.model.quote import ChoiceFields
from bespoke.model.quote_document import QuoteDocument
from bespoke.products.spec import parse_spec, read_spec_text
from bespoke.services.environment import Environment
from bespoke.services.quoting.batched import batched_prices, batched_product_prices
from bespoke.services.quoting.designs import (
    check_spec_files,
    outlines_area,
    stored_geometry,
    stored_outline_area,
)
from bespoke.services.quoting.plan_files import keep_files
from bespoke.services.quoting.products import (
    check_configuration,
    plan_product_spec,
    spec_folder,
)
from bespoke.services.shop.network import still_taking_work, taking_work
from bespoke.services.shop.scheduling import promised_completions
from bespoke.services.shop.shops import shop_catalog
from bespoke.services.tasks import TaskRunner, keep_result
from bespoke.services.workers import PLAN, QUOTE, READ_SPEC
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import DesignRow, ProductRow, QuotePriceRow, QuoteRow, TaskRunRow

MAX_SPEC_BYTES = 1024 * 1024
MAX_THICKNESS_MM = 1000.0
CatalogId = Annotated[str, Field(max_length=MAX_CATALOG_ID)]
Settings = Annotated[
    dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=MAX_TEXT)]],
    Field(max_length=MAX_SETTINGS),
]


class PartQuoteRequest(ChoiceFields):
    """What to quote a stored design for."""

    model_config = ConfigDict(extra="forbid")

    design_id: RowId
    material: CatalogId | None = Field(default=None, description="Catalog material id")
    thickness_mm: float | None = Field(default=None, gt=0, le=MAX_THICKNESS_MM)
    quantities: Quantities | None = None
    finish: CatalogId | None = None
    process: CatalogId | None = None


class PlanRequest(BaseModel):
    """How to configure and price a stored product spec."""

    model_config = ConfigDict(extra="forbid")

    settings: Settings = Field(default_factory=dict, description="Parameter -> value")
    quantities: Quantities | None = None
    shop: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="The shop (slug) to plan the whole product in; None: the product's own",
    )


def quote_stored_design(env: Environment, owner: Account, request: PartQuoteRequest) -> QuoteRow:
    """Quote one of the owner's designs in its shop's catalog and keep the offer (the
    work done by the environment's workers)."""
    kept = env.workers.run(QUOTE, keep_quote, env, owner, request)
    with env.uow() as uow:
        return uow.quotes.get(owner, kept)


def keep_quote(env: Environment, owner: Account, request: PartQuoteRequest) -> int:
    """Quote one of the owner's designs in the design's shop and keep the offer; its id."""
    with env.uow() as uow:
        design = owned_design(uow, owner, request.design_id)
        row = quote_in_shop(env, uow, owner, design, request, design.shop_id)
        uow.commit()
        return row.id


def owned_design(uow: UnitOfWork, owner: Account, design_id: int) -> DesignRow:
    """The owner's design `design_id`; a quote is asked for by the design's owner only."""
    design = uow.designs.get(owner, design_id)
    if design.owner_id != owner.id:
        raise InputError("design_id: a quote is asked for by the design's owner")
    return design


def quote_in_shop(
    env: Environment,
    uow: UnitOfWork,
    owner: Account,
    design: DesignRow,
    request: PartQuoteRequest,
    shop_id: int,
) -> QuoteRow:
    """Quote a design in the catalog of the shop `shop_id` and keep the offer, with the
    dates that shop's schedule promises (committed by the caller)."""
    catalog = shop_catalog(uow, shop_id)
    quote = quote_geometry(
        design.filename,
        stored_geometry(design),
        catalog,
        material=request.material,
        thickness_mm=request.thickness_mm,
        quantities=request.quantities,
        process=request.process,
        finish=request.finish,
        choices=request.choices(),
    )
    prices = [(b.quantity, b.unit_price, b.total_price, b.lead_time_days) for b in quote.best]
    batching = None
    if quote.makeable:
        area = stored_outline_area(env.blobs, design) if quote.part.sheet else 0.0
        batching = batched_prices(uow, shop_id, quote, catalog, now(), area)
    return _store_quote(
        uow,
        owner,
        catalog,
        shop_id,
        kind="part",
        title=design.filename,
        currency=quote.currency,
        request=request.model_dump(mode="json"),
        document=QuoteDocument.of(quote, batching),
        makeable=quote.makeable,
        prices=prices,
        valid_days=env.settings.quote_valid_days,
        design_id=design.id,
    )


def _outline_area(drawing: Path, units: str | None) -> float:
    return outlines_area(read_dxf_outlines(drawing, units))


def _product_batching(
    uow: UnitOfWork, shop_id: int, quote: ProductQuote, spec: ProductSpec, catalog: Catalog
) -> list[ProductBatchedPrice]:
    """The product's prices made alone and batched; its parts' files must still be there."""
    units = spec.drawn_units()
    areas = {
        p.id: _outline_area(Path(p.design_file), units.get(p.id))
        for p in quote.plan.product.parts
        if p.part.sheet is not None and p.quantity
    }
    return batched_product_prices(uow, shop_id, quote, catalog, now(), areas)


def submit_product(
    env: Environment, owner: Account, spec_text: str, *, json_format: bool
) -> ProductRow:
    """Check and keep a product spec (YAML, or JSON with `json_format`), read by the
    environment's workers."""
    if len(spec_text.encode()) > MAX_SPEC_BYTES:
        raise InputError(f"spec: larger than {MAX_SPEC_BYTES // 1024} KB")
    if owner.shop_id is None:
        raise InputError("this account belongs to no shop to submit products to")
    kept = env.workers.run(READ_SPEC, keep_product, env, owner, spec_text, json_format)
    with env.uow() as uow:
        return uow.products.get(owner, kept)


def keep_product(env: Environment, owner: Account, spec_text: str, json_format: bool) -> int:
    """Read, check and keep a product spec; its id."""
    spec = read_spec_text(spec_text, "spec", json_format=json_format)
    check_spec_files(spec)
    with env.uow() as uow:
        product_id = add_product(uow, owner, spec, spec_text)
        uow.commit()
        return product_id


def add_product(uow: UnitOfWork, owner: Account, spec: ProductSpec, spec_text: str) -> int:
    """A checked spec as the owner's new product, audited (committed by the caller); its id."""
    assert owner.shop_id is not None
    row = ProductRow(
        owner_id=owner.id,
        shop_id=owner.shop_id,
        name=spec.name,
        spec_text=spec_text,
        spec=spec.model_dump(mode="json", exclude_unset=True),
        created_at=now(),
    )
    uow.products.add(row)
    uow.flush()
    uow.audit.record(row.created_at, owner, "submit", "product", row.id, name=spec.name)
    return row.id


def plan_stored_product(
    env: Environment, owner: Account, product_id: int, request: PlanRequest, progress: Progress
) -> int:
    """Configure, plan and price a stored product; keep the offer and the files it made
    and return its quote id."""
    with env.uow() as uow:
        product = uow.products.get(owner, product_id)
        spec = parse_spec(product.spec, "spec")
        shop_id = plan_shop(uow, product.shop_id, request.shop)
        catalog = shop_catalog(uow, shop_id)
        with spec_folder(env, uow, owner, spec) as work:
            quote = plan_product_spec(
                spec,
                settings=request.settings,
                quantities=request.quantities,
                spec_dir=work / "designs",
                files_dir=work / "parts",
                source="spec",
                catalog=catalog,
                progress=progress,
            )
            batching = None
            if quote.prices:
                batching = _product_batching(uow, shop_id, quote, spec, catalog)
            progress(0.85, "drawing the parts and writing the plan")
            files = keep_files(env.blobs, quote, catalog.shop.name)
            document = PlanDocument.of(quote, batching, files)
        progress(0.95, "keeping the offer")
        still_taking_work(env, shop_id, "the plan")
        row = _store_quote(
            uow,
            owner,
            catalog,
            shop_id,
            kind="product",
            title=product.name,
            currency=quote.currency,
            request=plan_asked(product_id, request),
            document=document,
            makeable=quote.plan.feasible,
            prices=_product_prices(quote),
            valid_days=env.settings.quote_valid_days,
            product_id=product.id,
        )
        keep_result(uow, f"/api/quotes/{row.id}")
        uow.commit()
        return row.id


def plan_shop(uow: UnitOfWork, own_shop_id: int, slug: str | None) -> int:
    """The shop a product is planned in: the one named (known and taking work), or its
    own."""
    return taking_work(uow, slug).id if slug else own_shop_id


def plan_asked(product_id: int, request: PlanRequest) -> dict[str, Any]:
    """What a plan of a stored product was asked, as its quote and task run keep it."""
    return {"product_id": product_id, **request.model_dump(mode="json")}


def start_product_plan(
    runner: TaskRunner, owner: Account, product_id: int, request: PlanRequest
) -> TaskRunRow:
    """Plan a stored product in the background; the task's result is its quote.

    Its options are checked first (the product configured without planning), so that a
    refusal names the option before any task is queued.
    """
    env = runner.env
    with env.uow() as uow:
        product = uow.products.get(owner, product_id)  # not found before any task is queued
        spec = parse_spec(product.spec, "spec")
        shop_id = plan_shop(uow, product.shop_id, request.shop)
    env.workers.run(PLAN, check_configuration, env, owner, spec, request.settings, shop_id)
    return submit_plan(runner, owner, product_id, request)


def submit_plan(
    runner: TaskRunner, owner: Account, product_id: int, request: PlanRequest
) -> TaskRunRow:
    """Queue the plan of a stored product whose options were checked."""
    return runner.submit(
        owner,
        "product-plan",
        PLAN,
        plan_task,
        owner,
        product_id,
        request,
        asked=plan_asked(product_id, request),
    )


def plan_task(
    env: Environment, progress: Progress, owner: Account, product_id: int, request: PlanRequest
) -> str:
    """A product plan as a background task: the URL of the quote it keeps."""
    return f"/api/quotes/{plan_stored_product(env, owner, product_id, request, progress)}"


def _product_prices(quote: ProductQuote) -> list[tuple[int, Decimal, Decimal, int]]:
    return [
        (
            p.quantity,
            Decimal(str(round(p.unit_price, 2))),
            Decimal(str(round(p.total_price, 2))),
            p.lead_time_days,
        )
        for p in quote.prices
    ]


def ready_by(
    quoted: datetime, lead_days: int, scheduled: datetime | None
) -> tuple[datetime | None, int]:
    """When an order quoted at `quoted` is ready, and in how many days: the later of the
    priced lead time (material, outside work, hours on the busiest machine) and the end
    the shop's schedule can fit it by. Without a schedule's date: the lead time alone."""
    if scheduled is None:
        return None, lead_days
    ready = max(scheduled, quoted + timedelta(days=lead_days))
    return ready, math.ceil((ready - quoted) / timedelta(days=1))


def _store_quote(
    uow: UnitOfWork,
    owner: Account,
    catalog: Catalog,
    shop_id: int,
    *,
    kind: str,
    title: str,
    currency: str,
    request: dict[str, Any],
    document: QuoteDocument | PlanDocument,
    makeable: bool,
    prices: list[tuple[int, Decimal, Decimal, int]],
    valid_days: int,
    design_id: int | None = None,
    product_id: int | None = None,
) -> QuoteRow:
    created = now()
    promised = (
        promised_completions(uow, shop_id, document, [p[0] for p in prices], catalog, created)
        if makeable
        else {}
    )
    ready = {q: ready_by(created, days, promised.get(q)) for q, _, _, days in prices}
    row = QuoteRow(
        owner_id=owner.id,
        shop_id=shop_id,
        design_id=design_id,
        product_id=product_id,
        kind=kind,
        title=title,
        currency=currency,
        request=request,
        document=document.model_dump(mode="json"),
        makeable=makeable,
        created_at=created,
        valid_until=created + timedelta(days=valid_days),
        prices=[
            QuotePriceRow(
                quantity=q,
                unit_price=unit,
                total_price=total,
                lead_time_days=ready[q][1],
                promised_at=ready[q][0],
            )
            for q, unit, total, _ in prices
        ],
    )
    uow.quotes.add(row)
    uow.flush()
    uow.audit.record(created, owner, "quote", kind, row.id, title=title)
    return row
