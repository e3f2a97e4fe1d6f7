"""The price of a quantity of products: each part made the cheapest way at that quantity.

The product's price is the sum of its lines (parts, purchased items, assembly and packing),
each at cost plus overhead over (1 - margin); the shop's minimum order applies once, to the
whole.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bespoke.costing.curve import first_change
from bespoke.costing.line import LineCost, line_cost, money, per_unit, unit_price
from bespoke.model import (
    BreakEven,
    CostBreakdown,
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
    parts = {pid: line_cost(o, quantity * counts[pid], shop) for pid, o in chosen.items()}
    work_option = _work_option(plan)
    work = line_cost(work_option, quantity, shop) if work_option else None
    purchased = {i.id: quantity * i.quantity * i.unit_price for i in plan.product.purchased}
    every = [*parts.values(), *([work] if work else [])]
    return _Costed(chosen, parts, work, purchased, _breakdown(every, sum(purchased.values()), shop))


def unit_price_of(plan: ProductPlan, quantity: int, shop: Shop) -> Decimal:
    """The price of one product when `quantity` are made."""
    total = _cost(plan, quantity, shop).breakdown.total
    return per_unit(total, quantity)


def price_product(plan: ProductPlan, quantity: int, shop: Shop) -> ProductPrice:
    """Cost, price, BOM and materials of `quantity` products, each part made the cheapest way."""
    costed = _cost(plan, quantity, shop)
    counts = {p.part_id: p.quantity for p in plan.parts}
    lines = [
        _line(pid, "part", costed.chosen[pid].process_id, quantity * counts[pid], line)
        for pid, line in costed.parts.items()
    ]
    lines += [
        CostLine(
            item_id=i.id,
            kind="purchased",
            quantity=quantity * i.quantity,
            cost=costed.purchased[i.id],
            price=costed.purchased[i.id] * (1 + shop.overhead) / (1 - shop.margin),
        )
        for i in plan.product.purchased
    ]
    if costed.work is not None:
        lines.append(_line("assembly", "assembly", None, quantity, costed.work))
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


def _line(item: str, kind: str, process: str | None, units: int, line: LineCost) -> CostLine:
    return CostLine(
        item_id=item,
        kind=kind,
        process_id=process,
        quantity=units,
        cost=line.cost,
        price=line.list_price,
    )


def _breakdown(lines: list[LineCost], purchased: float, shop: Shop) -> CostBreakdown:
    """Cost by kind over all lines; the minimum order applies to the whole product."""
    setup, run, material, tooling, consumables = (
        money(sum(getattr(line, kind) for line in lines))
        for kind in ("setup", "run", "material", "tooling", "consumables")
    )
    bought = money(purchased + sum(line.purchased for line in lines))
    cost = setup + run + material + tooling + consumables + bought
    overhead = money(float(cost) * shop.overhead)
    listed = (cost + overhead) / Decimal(str(1 - shop.margin))
    total = money(max(float(listed), shop.min_order_price))
    return CostBreakdown(
        setup=setup,
        run=run,
        material=material,
        tooling=tooling,
        consumables=consumables,
        purchased=bought,
        overhead=overhead,
        margin=total - cost - overhead,
        total=total,
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
