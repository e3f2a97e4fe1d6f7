"""An order's work from its plan: a part's order made the way its quote chose, with the
outlines or footprint of its design file; a product's order, each part made its chosen
way, and the product's own work (checking bought parts, assembly, packing)."""

from collections.abc import Mapping
from pathlib import Path

from bespoke.geometry.dxf import read_dxf_outlines
from bespoke.model import Catalog, InputError, Part, ProcessOption
from bespoke.model.product_plan import ProductPlan
from bespoke.planning.product import product_routing
from bespoke.production.work import OrderAssembly, OrderWork


def part_work(
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
    work = made_as(order, name, quantity, part, option, catalog, due=due)
    if part.sheet is not None:
        return work.model_copy(update={"outlines": read_dxf_outlines(design, units)})
    from bespoke.geometry.stl import read_stl_footprint  # trimesh loads only for meshes

    footprint, height = read_stl_footprint(design, units)
    return work.model_copy(update={"footprint": footprint, "height_mm": height})


def made_as(
    order: str,
    name: str,
    quantity: int,
    part: Part,
    option: ProcessOption,
    catalog: Catalog,
    *,
    due: int | None = None,
) -> OrderWork:
    """`quantity` parts made `option`'s way, without their shapes."""
    assert option.routing is not None, "only a feasible option is made"
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
    )


def product_work(
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
        work = part_work(
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
        works.append(work.model_copy(update={"operations": operations, "part": part_id}))
    made = {op.id for w in works for op in w.operations}
    per_product = {p.id: p.quantity for p in plan.product.parts}
    rest = [
        (op, quantity * per_product.get(op.id.split("/")[0], 1))
        for op in routing.operations
        if op.id not in made
    ]
    return works, OrderAssembly(order=order, operations=rest, edges=routing.edges, due=due)
