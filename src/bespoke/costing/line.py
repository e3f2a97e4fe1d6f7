"""The cost and price of an order line: one way of making a part, at one quantity."""

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bespoke.costing.learning import total_time
from bespoke.model import CostBreakdown, PriceBreak, ProcessOption, Shop

CENT = Decimal("0.01")
UNIT_PRECISION = Decimal("0.0001")


@dataclass(frozen=True)
class LineCost:
    """Cost of a line by kind, and its price, in the shop's currency.

    `list_price` is cost and overhead over (1 - margin); `price` is that, but at least
    the shop's minimum order.
    """

    setup: float
    run: float
    material: float
    tooling: float
    consumables: float
    purchased: float
    overhead: float
    list_price: float
    price: float
    hours: float
    hours_by_station: dict[str, float]

    @property
    def busiest_hours(self) -> float:
        """Hours of the most loaded machine or bench: stations work side by side."""
        return max(self.hours_by_station.values(), default=0.0)

    @property
    def cost(self) -> float:
        return (
            self.setup + self.run + self.material + self.tooling + self.consumables + self.purchased
        )


def line_cost(option: ProcessOption, quantity: int, shop: Shop) -> LineCost:
    """Set-up once, builds as needed, run per part (learning on manual work), material,
    tooling, then overhead, margin and the minimum order price."""
    assert option.routing is not None, "only feasible options have a cost"
    setup = run = hours = 0.0
    by_station: dict[str, float] = defaultdict(float)
    for op in option.routing.operations:
        if op.manual:
            run_s = total_time(op.run_s, quantity, op.learning_rate, op.learning_floor)
        else:
            run_s = op.run_s * quantity
        run_s += math.ceil(quantity / op.parts_per_batch) * op.batch_s
        setup += op.setup_s / 3600 * op.rate_per_hour
        run += run_s / 3600 * op.rate_per_hour
        hours += (op.setup_s + run_s) / 3600
        by_station[op.machine_id or "bench"] += (op.setup_s + run_s) / 3600
    material_cost = quantity * option.material_kg_per_part * option.material_price_per_kg
    consumables = quantity * option.consumables_per_part
    purchased = option.supply.cost(quantity) if option.supply else 0.0
    cost = setup + run + material_cost + option.tooling_cost + consumables + purchased
    overhead = cost * shop.overhead
    list_price = (cost + overhead) / (1 - shop.margin)
    return LineCost(
        setup,
        run,
        material_cost,
        option.tooling_cost,
        consumables,
        purchased,
        overhead,
        list_price,
        max(list_price, shop.min_order_price),
        hours,
        dict(by_station),
    )


def per_unit(total: Decimal, quantity: int) -> Decimal:
    """A line's total shared over its `quantity` units, to UNIT_PRECISION."""
    return (total / quantity).quantize(UNIT_PRECISION, ROUND_HALF_UP)


def unit_price(option: ProcessOption, quantity: int, shop: Shop) -> float:
    return line_cost(option, quantity, shop).price / quantity


def price_break(option: ProcessOption, quantity: int, shop: Shop) -> PriceBreak:
    """The priced line with its breakdown and the lead time its busiest station implies."""
    assert option.machine_id is not None
    line = line_cost(option, quantity, shop)
    parts = [
        line.setup,
        line.run,
        line.material,
        line.tooling,
        line.consumables,
        line.purchased,
        line.overhead,
    ]
    setup, run, material_cost, tooling, consumables, purchased, overhead = (money(x) for x in parts)
    total = money(line.price)
    breakdown = CostBreakdown(
        setup=setup,
        run=run,
        material=material_cost,
        tooling=tooling,
        consumables=consumables,
        purchased=purchased,
        overhead=overhead,
        margin=total - (setup + run + material_cost + tooling + consumables + purchased + overhead),
        total=total,
    )
    days = shop.base_lead_days + option.lead_days + line.busiest_hours / shop.hours_per_day
    return PriceBreak(
        quantity=quantity,
        process_id=option.process_id,
        machine_id=option.machine_id,
        unit_price=per_unit(total, quantity),
        total_price=total,
        breakdown=breakdown,
        lead_time_days=math.ceil(days),
        hours=round(line.hours, 3),
    )


def money(value: float) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)
