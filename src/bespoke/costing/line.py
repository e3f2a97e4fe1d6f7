"""The cost and price of an order line: one way of making a part, at one quantity."""

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bespoke.costing.learning import total_time
from bespoke.costing.pricing import Costs, Price, breakdown, price_of
from bespoke.model import LeadTier, PriceBreak, ProcessOption, Shop

UNIT_PRECISION = Decimal("0.0001")


@dataclass(frozen=True)
class LineCost:
    """What a line costs by kind and the hours it takes, by station."""

    costs: Costs
    hours: float
    hours_by_station: dict[str, float]

    @property
    def busiest_hours(self) -> float:
        """Hours of the most loaded station: stations work side by side."""
        return max(self.hours_by_station.values(), default=0.0)

    @property
    def cost(self) -> float:
        return self.costs.total


def line_cost(option: ProcessOption, quantity: int, shop: Shop) -> LineCost:
    """Set-up once per operation, builds as needed, run per part (learning on manual work),
    material, tooling and bought-in work. A machine's hours are shared by the identical
    machines that can run them (a printer farm)."""
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
        side_by_side = option.machines if op.machine_id == option.machine_id else 1
        by_station[op.machine_id or "bench"] += (op.setup_s + run_s / side_by_side) / 3600
    costs = Costs(
        setup=setup,
        run=run,
        material=quantity * option.material_kg_per_part * option.material_price_per_kg,
        tooling=option.tooling_cost,
        consumables=quantity * option.consumables_per_part,
        purchased=option.supply.cost(quantity) if option.supply else 0.0,
    )
    return LineCost(costs, hours, dict(by_station))


def line_price(
    option: ProcessOption, quantity: int, shop: Shop, tier: LeadTier = "standard"
) -> Price:
    """The price of a line ordered on its own: the minimum order applies to it."""
    return price_of(line_cost(option, quantity, shop).costs, shop, tier)


def per_unit(total: Decimal, quantity: int) -> Decimal:
    """A line's total shared over its `quantity` units, to UNIT_PRECISION."""
    return (total / quantity).quantize(UNIT_PRECISION, ROUND_HALF_UP)


def unit_price(
    option: ProcessOption, quantity: int, shop: Shop, tier: LeadTier = "standard"
) -> float:
    return line_price(option, quantity, shop, tier).total / quantity


def lead_days(work_days: float, shop: Shop, tier: LeadTier) -> int:
    """Working days to ready: the shop's base days and the work's, scaled by the tier."""
    return max(1, math.ceil((shop.base_lead_days + work_days) * shop.lead_tiers[tier].days_factor))


def price_break(
    option: ProcessOption, quantity: int, shop: Shop, tier: LeadTier = "standard"
) -> PriceBreak:
    """The priced line with its breakdown and the lead time its busiest station implies."""
    assert option.machine_id is not None
    line = line_cost(option, quantity, shop)
    money_breakdown = breakdown(price_of(line.costs, shop, tier))
    work_days = option.lead_days + line.busiest_hours / shop.hours_per_day
    return PriceBreak(
        quantity=quantity,
        process_id=option.process_id,
        machine_id=option.machine_id,
        unit_price=per_unit(money_breakdown.total, quantity),
        total_price=money_breakdown.total,
        breakdown=money_breakdown,
        lead_time_days=lead_days(work_days, shop, tier),
        hours=round(line.hours, 3),
    )
