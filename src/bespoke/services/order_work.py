"""What batching needs of an order, read back from what was kept: the part of its quote,
the way chosen at its quantity, and the shapes of its stored design file."""

from datetime import datetime
from pathlib import Path

from bespoke.batching.plan import OrderWork
from bespoke.geometry.dxf import read_dxf_outlines
from bespoke.model import Catalog, InputError, Part, ProcessOption
from bespoke.planning.part import plan_part
from bespoke.services.designs import stored_design_file, stored_geometry
from bespoke.services.quote import quoted_part
from bespoke.services.quote_document import chosen_option
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


def stored_order_work(
    uow: UnitOfWork,
    blobs: BlobStore,
    order: OrderRow,
    quote: QuoteRow,
    catalog: Catalog,
    origin: datetime,
) -> OrderWork | None:
    """The work of an order quoted from a stored design, None for a product's order
    (its parts are scheduled with the product's routing)."""
    if quote.kind != "part" or quote.design_id is None:
        return None
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
    process = str(chosen_option(quote.document, order.quantity)["process"])
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
            due=max(0, int((order.due_date - origin).total_seconds())),
        )
