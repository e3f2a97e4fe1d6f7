"""An order's work, frozen when it is placed (`frozen_work`) from what was kept: an order
of a part, the part of its quote made the way chosen at its quantity, with the shapes of
its stored design file; a product's order, its spec configured again with the quote's
settings, each part made the way the quote chose, and the product's own work. Scheduling
reads the frozen work (`order_work`), never the plan."""

import tempfile
from datetime import datetime
from pathlib import Path

from bespoke.costing.quote import quoted_part
from bespoke.model import Catalog, InputError
from bespoke.planning.part import plan_part
from bespoke.planning.product import plan_product
from bespoke.production import FrozenWork, OrderAssembly, OrderWork
from bespoke.production.orders import part_work, product_work
from bespoke.products.configure import configure
from bespoke.products.spec import parse_spec
from bespoke.services.quoting.designs import stored_design_file, stored_geometry, write_spec_designs
from bespoke.store import UnitOfWork
from bespoke.store.blobs import BlobStore
from bespoke.store.tables import OrderRow, QuoteRow


def frozen_work(
    uow: UnitOfWork, blobs: BlobStore, order: OrderRow, quote: QuoteRow, catalog: Catalog
) -> FrozenWork:
    """What an order asks of the shop with the shop's `catalog` of now: a product's parts
    and its assembly, or the one part of an order quoted from a stored design (nothing
    for an order quoted otherwise: it is scheduled from its quote alone).

    Raises:
        InputError: the catalog can no longer make the order the way it was quoted.
    """
    if quote.kind == "product":
        parts, assembly = _product_work(uow, blobs, order, quote, catalog)
        return FrozenWork(parts=parts, assembly=assembly)
    if quote.design_id is None:
        return FrozenWork()
    return FrozenWork(parts=[_part_work(uow, blobs, order, quote, catalog)])


def order_work(
    uow: UnitOfWork,
    blobs: BlobStore,
    order: OrderRow,
    quote: QuoteRow,
    catalog: Catalog,
    origin: datetime,
) -> FrozenWork:
    """An open order's frozen work, due in seconds from `origin`. An order placed before
    work was frozen has it worked out now and kept."""
    if order.work is None:
        order.work = frozen_work(uow, blobs, order, quote, catalog).stored()
    work = FrozenWork.model_validate(order.work)
    due = max(0, int((order.due_date - origin).total_seconds()))
    return FrozenWork(
        parts=[w.model_copy(update={"due": due}) for w in work.parts],
        assembly=work.assembly.model_copy(update={"due": due}) if work.assembly else None,
    )


def _part_work(
    uow: UnitOfWork, blobs: BlobStore, order: OrderRow, quote: QuoteRow, catalog: Catalog
) -> OrderWork:
    """The work of an order quoted from a stored design."""
    assert quote.design_id is not None
    design = uow.designs.by_id(quote.design_id)
    request = quote.request
    part = quoted_part(
        Path(design.filename),
        stored_geometry(design),
        request.get("material"),
        request.get("thickness_mm"),
        request.get("finish"),
        catalog,
    )
    process = quote.part_document().chosen_option(order.quantity, order.batched).process
    option = next((o for o in plan_part(part, catalog, [process]) if o.feasible), None)
    if option is None:
        raise InputError(
            f"order {order.id}: {process} can no longer make {design.filename} with the shop's"
            " catalog; quote it again"
        )
    with stored_design_file(blobs, design) as path:
        return part_work(
            str(order.id),
            design.filename,
            order.quantity,
            part,
            option,
            path,
            catalog,
            units=design.units,
        )


def _product_work(
    uow: UnitOfWork, blobs: BlobStore, order: OrderRow, quote: QuoteRow, catalog: Catalog
) -> tuple[list[OrderWork], OrderAssembly]:
    """The work of an order of a stored product, configured as it was quoted: with the
    quote's settings and the designs its owner had uploaded by then."""
    assert quote.product_id is not None, "a product's quote names its product"
    product = uow.products.by_id(quote.product_id)
    spec = parse_spec(product.spec, "spec")
    document = quote.plan_document()
    price = document.price_at(order.quantity)
    if price is None:
        quoted = ", ".join(str(p.quantity) for p in document.prices)
        raise InputError(f"order {order.id}: {order.quantity} was not quoted (quoted: {quoted})")
    with tempfile.TemporaryDirectory(prefix="product-") as folder:
        work = Path(folder)
        designs = uow.designs.of_owner(product.owner_id, quote.created_at)
        write_spec_designs(blobs, designs, spec, work / "designs")
        configured = configure(
            spec,
            quote.request.get("settings") or {},
            catalog,
            spec_dir=work / "designs",
            out_dir=work / "parts",
        )
        return product_work(
            str(order.id),
            order.quantity,
            plan_product(configured, catalog),
            document.ways_at(price, order.batched),
            catalog,
            units=spec.drawn_units(),
        )
