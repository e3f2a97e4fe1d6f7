"""The price of a quantity of products: each part made the cheapest way at that quantity.

The product's price is that of its lines' costs together (parts, purchased items, assembly
and packing), priced once by the shop's commercial layer (`costing.pricing`): parts made
on the same machine by the same process share one set-up, and the shop's minimum order
applies once, to the whole.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from bespoke.costing.curve import first_change
from bespoke.costing.line import LineCost, line_cost, per_unit, unit_price
from bespoke.costing.pricing import Costs, breakdown, pass_through, price_of
from bespoke.model import (
    BreakEven,
    CostBreakdown,
    Operation,
    ProcessOption,
    Routing,
    ScaleCurve,
    ScalePoint,
    Shop,
)
from bespoke.model.product_plan import BomLine, CostLine, MaterialNeed, ProductPlan, ProductPrice

PRODUCT = "product"


def choose(plan: ProductPlan, quantity: int, shop: Shop) -> dict[str, ProcessOption]:
    """The cheapest way to make each part at `quantity` products."""
    return {
        p.part_id: min(p.options, key=lambda o: unit_price(o, quantity * p.quantity, shop))
        for p in plan.parts
        if p.quantity and p.options
    }


@dataclass(frozen=True)
class _Costed:
    """A quantity of products costed line by line."""

    chosen: dict[str, ProcessOption]
    parts: dict[str, LineCost]
    work: LineCost | None
    purchased: dict[str, float]
    breakdown: CostBreakdown


def _cost(plan: ProductPlan, quantity: int, shop: Shop) -> _Costed:
    if not plan.feasible:
        raise ValueError(f"{plan.product.name} cannot be made: see the plan's findings")
    chosen = choose(plan, quantity, shop)
    counts = {p.part_id: p.quantity for p in plan.parts}
    parts = _one_setup_each(
        {pid: line_cost(o, quantity * counts[pid], shop) for pid, o in chosen.items()}, chosen
    )
    work_option = _work_option(plan)
    work = line_cost(work_option, quantity, shop) if work_option else None
    purchased = {i.id: quantity * i.quantity * i.unit_price for i in plan.product.purchased}
    costs = sum(
        (line.costs for line in [*parts.values(), *([work] if work else [])]),
        Costs(purchased=sum(purchased.values())),
    )
    return _Costed(chosen, parts, work, purchased, breakdown(price_of(costs, shop)))


def _one_setup_each(
    lines: dict[str, LineCost], chosen: dict[str, ProcessOption]
) -> dict[str, LineCost]:
    """Lines whose operations repeat one made earlier in the order (same process on the
    same machine) without that operation's set-up: the order sets it up once."""
    seen: set[tuple[str, str | None]] = set()
    shared = {}
    for part_id, line in lines.items():
        routing = chosen[part_id].routing
        repeated = [op for op in (routing.operations if routing else []) if _key(op) in seen]
        seen.update(_key(op) for op in (routing.operations if routing else []))
        saved = sum(op.setup_s / 3600 * op.rate_per_hour for op in repeated)
        shared[part_id] = LineCost(
            replace(line.costs, setup=line.costs.setup - saved),
            line.hours - sum(op.setup_s for op in repeated) / 3600,
            line.hours_by_station,
        )
    return shared


def _key(op: Operation) -> tuple[str, str | None]:
    return op.process_id, op.machine_id


def unit_price_of(plan: ProductPlan, quantity: int, shop: Shop) -> Decimal:
    """The price of one product when `quantity` are made."""
    total = _cost(plan, quantity, shop).breakdown.total
    return per_unit(total, quantity)


def price_product(plan: ProductPlan, quantity: int, shop: Shop) -> ProductPrice:
    """Cost, price, BOM and materials of `quantity` products, each part made the cheapest way."""
    costed = _cost(plan, quantity, shop)
    counts = {p.part_id: p.quantity for p in plan.parts}
    lines = [
        _line(pid, "part", costed.chosen[pid].process_id, quantity * counts[pid], line, shop)
        for pid, line in costed.parts.items()
    ]
    lines += [
        CostLine(
            item_id=i.id,
            kind="purchased",
            quantity=quantity * i.quantity,
            cost=costed.purchased[i.id],
            price=pass_through(costed.purchased[i.id], shop),
        )
        for i in plan.product.purchased
    ]
    if costed.work is not None:
        lines.append(_line("assembly", "assembly", None, quantity, costed.work, shop))
    every = [*costed.parts.values(), *([costed.work] if costed.work else [])]
    hours = sum(line.hours for line in every)
    by_station: dict[str, float] = defaultdict(float)
    for line in every:
        for station, station_hours in line.hours_by_station.items():
            by_station[station] += station_hours
    waits = [o.lead_days for o in costed.chosen.values()]
    waits += [i.lead_days for i in plan.product.purchased]
    busiest = max(by_station.values(), default=0.0)
    days = shop.base_lead_days + max(waits, default=0) + busiest / shop.hours_per_day
    total = costed.breakdown.total
    return ProductPrice(
        quantity=quantity,
        unit_price=float(per_unit(total, quantity)),
        total_price=float(total),
        breakdown=costed.breakdown,
        lines=lines,
        ways={pid: option.process_id for pid, option in costed.chosen.items()},
        bom=_bom(plan, costed.chosen, quantity),
        materials=_materials(plan, costed.chosen, quantity),
        lead_time_days=math.ceil(days),
        hours=round(hours, 3),
    )


def _work_option(plan: ProductPlan) -> ProcessOption | None:
    if not plan.assembly:
        return None
    return ProcessOption(
        process_id="assembly",
        process_name="Assembly and packing",
        machine_id=None,
        feasible=True,
        routing=Routing.chain(plan.assembly),
        consumables_per_part=plan.assembly_consumables,
    )


def _line(
    item: str, kind: str, process: str | None, units: int, line: LineCost, shop: Shop
) -> CostLine:
    return CostLine(
        item_id=item,
        kind=kind,
        process_id=process,
        quantity=units,
        cost=line.cost,
        price=price_of(line.costs, shop, minimum=False).total,
    )


def _bom(plan: ProductPlan, chosen: dict[str, ProcessOption], quantity: int) -> list[BomLine]:
    parts = {p.id: p for p in plan.product.parts}
    lines = [
        BomLine(
            item_id=p.part_id,
            name=parts[p.part_id].part.name,
            kind="part",
            per_product=p.quantity,
            total=quantity * p.quantity,
            process_id=chosen[p.part_id].process_id if p.part_id in chosen else None,
            material_id=parts[p.part_id].part.material_id,
        )
        for p in plan.parts
    ]
    return lines + [
        BomLine(
            item_id=i.id,
            name=i.name,
            kind="purchased",
            per_product=i.quantity,
            total=quantity * i.quantity,
            unit_price=i.unit_price,
        )
        for i in plan.product.purchased
    ]


def _materials(
    plan: ProductPlan, chosen: dict[str, ProcessOption], quantity: int
) -> list[MaterialNeed]:
    """Kilograms by material and stock; whole sheets when each part is nested on its own."""
    parts = {p.id: p for p in plan.product.parts}
    kg: dict[tuple[str, str], float] = defaultdict(float)
    sheets: dict[tuple[str, str], int] = defaultdict(int)
    for part_id, option in chosen.items():
        if option.supply is not None:
            continue  # bought parts come with their material
        item = parts[part_id]
        units = quantity * item.quantity
        if option.stock_sheet_mm is not None and option.parts_per_sheet:
            w, h = option.stock_sheet_mm
            stock = f"sheet {item.part.thickness_mm:g} mm {w:g} x {h:g}"
            sheets[(item.part.material_id, stock)] += math.ceil(units / option.parts_per_sheet)
        else:
            stock = option.material_stock
        kg[(item.part.material_id, stock)] += units * option.material_kg_per_part
    return [
        MaterialNeed(
            material_id=material,
            stock=stock,
            kg=round(total, 4),
            sheets=sheets.get((material, stock)),
        )
        for (material, stock), total in sorted(kg.items())
    ]


def product_curve(plan: ProductPlan, shop: Shop, quantities: list[int]) -> ScaleCurve:
    """Unit price of the product over quantity, and where a part changes its process."""
    points = [
        ScalePoint(
            quantity=q, unit_prices={PRODUCT: unit_price_of(plan, q, shop)}, cheapest=PRODUCT
        )
        for q in quantities
    ]
    break_evens = []
    for low, high in itertools.pairwise(quantities):
        before, after = choose(plan, low, shop), choose(plan, high, shop)
        for part, option in after.items():
            if before[part].process_id == option.process_id:
                continue
            switch = first_change(low, high, _way_of(plan, part, shop))
            break_evens.append(
                BreakEven(
                    quantity=switch,
                    from_process=f"{part}: {before[part].process_id}",
                    to_process=f"{part}: {choose(plan, switch, shop)[part].process_id}",
                    unit_price=unit_price_of(plan, switch, shop),
                )
            )
    return ScaleCurve(points=points, break_evens=break_evens)


def _way_of(plan: ProductPlan, part: str, shop: Shop) -> Callable[[int], str]:
    """The process that makes `part` most cheaply at a quantity of products."""
    item = next(p for p in plan.parts if p.part_id == part)

    def way(quantity: int) -> str:
        units = quantity * item.quantity
        return min(item.options, key=lambda o: unit_price(o, units, shop)).process_id

    return way
