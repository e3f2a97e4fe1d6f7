"""What batching needs of an order, read back from what was kept. An order of a part: the
part of its quote, the way chosen at its quantity, the shapes of its stored design file.
A product's order: its spec configured again with the quote's settings, each part made
the way the quote chose at the order's quantity, and the product's own work."""

import dataclasses
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from bespoke.batching.plan import OrderAssembly, OrderWork
from bespoke.geometry.dxf import read_dxf_outlines
from bespoke.model import Catalog, InputError, Part, ProcessOption
from bespoke.model.product_plan import ProductPlan
from bespoke.planning.part import plan_part
from bespoke.planning.product import plan_product, product_routing
from bespoke.products.configure import configure
from bespoke.products.spec import parse_spec
from bespoke.services.designs import stored_design_file, stored_geometry, write_spec_designs
from bespoke.services.quote import quoted_part
from bespoke.services.quote_document import batched_entry, chosen_option
from bespoke.store import UnitOfWork
from bespoke.store.blobs import BlobStore
from bespoke.store.tables import OrderRow, QuoteRow


def order_work(
    order: str,
    name: str,
    quantity: int,
    part: Part,
    option: ProcessOption,
    design: Path,
    catalog: Catalog,
    *,
    units: str | None = None,
    due: int | None = None,
) -> OrderWork:
    """An order of `quantity` parts made `option`'s way; `design` is its DXF or STL file."""
    assert option.routing is not None, "only a feasible option is made"
    outlines, footprint, height = [], None, 0.0
    if part.sheet is not None:
        outlines = read_dxf_outlines(design, units)
    else:
        from bespoke.geometry.stl import read_stl_footprint  # trimesh loads only for meshes

        footprint, height = read_stl_footprint(design, units)
    return OrderWork(
        order=order,
        name=name,
        quantity=quantity,
        operations=option.routing.operations,
        material=catalog.materials[part.material_id],
        thickness_mm=part.thickness_mm,
        material_kg_per_part=option.material_kg_per_part,
        material_price_per_kg=option.material_price_per_kg,
        consumables_per_part=option.consumables_per_part,
        due=due,
        finish=part.finish,
        outlines=outlines,
        footprint=footprint,
        height_mm=height,
    )


def stored_work(
    uow: UnitOfWork,
    blobs: BlobStore,
    order: OrderRow,
    quote: QuoteRow,
    catalog: Catalog,
    origin: datetime,
) -> tuple[list[OrderWork], OrderAssembly | None]:
    """An open order's work, its due time in seconds from `origin`: a product's parts and
    its assembly, or the one part of an order quoted from a stored design (no work for
    an order quoted otherwise: it is scheduled from its quote alone)."""
    if quote.kind == "product":
        return _product_work(uow, blobs, order, quote, catalog, origin)
    if quote.design_id is None:
        return [], None
    return [_part_work(uow, blobs, order, quote, catalog, origin)], None


def _due(order: OrderRow, origin: datetime) -> int:
    return max(0, int((order.due_date - origin).total_seconds()))


def _part_work(
    uow: UnitOfWork,
    blobs: BlobStore,
    order: OrderRow,
    quote: QuoteRow,
    catalog: Catalog,
    origin: datetime,
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
    process = str(chosen_option(quote.document, order.quantity, order.batched)["process"])
    option = next((o for o in plan_part(part, catalog, [process]) if o.feasible), None)
    if option is None:
        raise InputError(
            f"order {order.id}: {process} can no longer make {design.filename} with the shop's"
            " catalog; quote it again"
        )
    with stored_design_file(blobs, design) as path:
        return order_work(
            str(order.id),
            design.filename,
            order.quantity,
            part,
            option,
            path,
            catalog,
            units=design.units,
            due=_due(order, origin),
        )


def _ways(document: dict[str, Any], price: dict[str, Any], batched: bool) -> dict[str, str]:
    """How a product's quote made each part at the order's quantity: as priced alone, or
    (`batched`) as priced in the next batches its parts could join."""
    entry = batched_entry(document, price["quantity"]) if batched else None
    return dict((entry or {}).get("ways") or price["ways"])


def product_order_work(
    order: str,
    quantity: int,
    plan: ProductPlan,
    ways: Mapping[str, str],
    catalog: Catalog,
    *,
    units: Mapping[str, str | None],
    due: int | None = None,
) -> tuple[list[OrderWork], OrderAssembly]:
    """An order of `quantity` products: a work for each part made in the shop, each part
    made its `ways` entry's way (a process, or a supplier for a bought part); the
    checks of bought parts, assembly and packing are the order's own.

    Raises:
        InputError: a way the plan no longer offers for its part.
    """
    chosen: dict[str, ProcessOption] = {}
    for part in plan.parts:
        if part.quantity == 0:
            continue
        way = ways.get(part.part_id)
        option = next((o for o in part.options if o.process_id == way), None)
        if option is None:
            offered = ", ".join(o.process_id for o in part.options) or "none"
            raise InputError(
                f"order {order}: part {part.part_id} can no longer be made by {way}"
                f" (the catalog now offers: {offered}); quote it again"
            )
        chosen[part.part_id] = option
    routing = product_routing(plan, chosen)
    items = {p.id: p for p in plan.product.parts}
    works = []
    for part_id, option in chosen.items():
        if option.process_id not in catalog.processes:
            continue  # bought
        item = items[part_id]
        work = order_work(
            order,
            part_id,
            quantity * item.quantity,
            item.part,
            option,
            Path(item.design_file),
            catalog,
            units=units.get(part_id),
            due=due,
        )
        operations = [op for op in routing.operations if op.id.startswith(f"{part_id}/")]
        works.append(dataclasses.replace(work, operations=operations, part=part_id))
    made = {op.id for w in works for op in w.operations}
    per_product = {p.id: p.quantity for p in plan.product.parts}
    rest = [
        (op, quantity * per_product.get(op.id.split("/")[0], 1))
        for op in routing.operations
        if op.id not in made
    ]
    return works, OrderAssembly(order=order, operations=rest, edges=routing.edges, due=due)


def _product_work(
    uow: UnitOfWork,
    blobs: BlobStore,
    order: OrderRow,
    quote: QuoteRow,
    catalog: Catalog,
    origin: datetime,
) -> tuple[list[OrderWork], OrderAssembly]:
    """The work of an order of a stored product, configured as it was quoted: with the
    quote's settings and the designs its owner had uploaded by then."""
    assert quote.product_id is not None, "a product's quote names its product"
    product = uow.products.by_id(quote.product_id)
    spec = parse_spec(product.spec, "spec")
    price = next((p for p in quote.document["prices"] if p["quantity"] == order.quantity), None)
    if price is None:
        quoted = ", ".join(str(p["quantity"]) for p in quote.document["prices"])
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
        return product_order_work(
            str(order.id),
            order.quantity,
            plan_product(configured, catalog),
            _ways(quote.document, price, order.batched),
            catalog,
            units=spec.drawn_units(),
            due=_due(order, origin),
        )
