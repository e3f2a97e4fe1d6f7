"""The cost and price of an order line: one way of making a part, at one quantity."""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bespoke.costing.learning import total_time
from bespoke.model import CostBreakdown, PriceBreak, ProcessOption, Shop

CENT = Decimal("0.01")
UNIT_PRECISION = Decimal("0.0001")


@dataclass(frozen=True)
class LineCost:
    """Cost of a line by kind, and the price it sells for, in the shop's currency."""

    setup: float
    run: float
    material: float
    tooling: float
    consumables: float
    overhead: float
    price: float
    hours: float

    @property
    def cost(self) -> float:
        return self.setup + self.run + self.material + self.tooling + self.consumables


def line_cost(option: ProcessOption, quantity: int, shop: Shop) -> LineCost:
    """Set-up once, builds as needed, run per part (learning on manual work), material,
    tooling, then overhead, margin and the minimum order price."""
    assert option.routing is not None, "only feasible options have a cost"
    setup = run = hours = 0.0
    for op in option.routing.operations:
        if op.manual:
            run_s = total_time(op.run_s, quantity, op.learning_rate, op.learning_floor)
        else:
            run_s = op.run_s * quantity
        run_s += math.ceil(quantity / op.parts_per_batch) * op.batch_s
        setup += op.setup_s / 3600 * op.rate_per_hour
        run += run_s / 3600 * op.rate_per_hour
        hours += (op.setup_s + run_s) / 3600
    material_cost = quantity * option.material_kg_per_part * option.material_price_per_kg
    consumables = quantity * option.consumables_per_part
    cost = setup + run + material_cost + option.tooling_cost + consumables
    overhead = cost * shop.overhead
    price = max((cost + overhead) / (1 - shop.margin), shop.min_order_price)
    return LineCost(
        setup, run, material_cost, option.tooling_cost, consumables, overhead, price, hours
    )


def unit_price(option: ProcessOption, quantity: int, shop: Shop) -> float:
    return line_cost(option, quantity, shop).price / quantity


def price_break(option: ProcessOption, quantity: int, shop: Shop) -> PriceBreak:
    """The priced line with its breakdown and the lead time its hours imply."""
    assert option.machine_id is not None
    line = line_cost(option, quantity, shop)
    parts = [line.setup, line.run, line.material, line.tooling, line.consumables, line.overhead]
    setup, run, material_cost, tooling, consumables, overhead = (_money(x) for x in parts)
    total = _money(line.price)
    breakdown = CostBreakdown(
        setup=setup,
        run=run,
        material=material_cost,
        tooling=tooling,
        consumables=consumables,
        overhead=overhead,
        margin=total - (setup + run + material_cost + tooling + consumables + overhead),
        total=total,
    )
    days = shop.base_lead_days + option.lead_days + line.hours / shop.hours_per_day
    return PriceBreak(
        quantity=quantity,
        process_id=option.process_id,
        machine_id=option.machine_id,
        unit_price=(total / quantity).quantize(UNIT_PRECISION, ROUND_HALF_UP),
        total_price=total,
        breakdown=breakdown,
        lead_time_days=math.ceil(days),
        hours=round(line.hours, 3),
    )


def _money(value: float) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)
