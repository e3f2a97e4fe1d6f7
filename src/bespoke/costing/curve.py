"""The economy-of-scale curve: unit price over quantity and where the cheapest process changes."""

import itertools
from collections.abc import Callable
from decimal import Decimal

import numpy as np

from bespoke.costing.line import UNIT_PRECISION, unit_price
from bespoke.model import BreakEven, LeadTier, ProcessOption, ScaleCurve, ScalePoint, Shop

MAX_QUANTITY = 100_000
POINTS_PER_DECADE = 8


def curve_quantities(max_quantity: int = MAX_QUANTITY) -> list[int]:
    """Quantities from 1 to `max_quantity`, evenly spread on a log axis."""
    decades = np.log10(max_quantity)
    points = np.logspace(0, decades, int(decades * POINTS_PER_DECADE) + 1)
    return sorted({round(q) for q in points})


def scale_curve(
    options: list[ProcessOption],
    shop: Shop,
    max_quantity: int = MAX_QUANTITY,
    tier: LeadTier = "standard",
) -> ScaleCurve:
    """Unit price of each feasible option from 1 to `max_quantity`, with the break-evens."""
    feasible = [o for o in options if o.feasible]
    if not feasible:
        return ScaleCurve(points=[], break_evens=[])

    def prices(quantity: int) -> dict[str, float]:
        return {o.process_id: unit_price(o, quantity, shop, tier) for o in feasible}

    def cheapest(quantity: int) -> str:
        at = prices(quantity)
        return min(at, key=lambda process: at[process])

    points = [_point(q, prices(q)) for q in curve_quantities(max_quantity)]
    break_evens = []
    for before, after in itertools.pairwise(points):
        if before.cheapest != after.cheapest:
            q = first_change(before.quantity, after.quantity, cheapest)
            winner = cheapest(q)
            break_evens.append(
                BreakEven(
                    quantity=q,
                    from_process=before.cheapest,
                    to_process=winner,
                    unit_price=_unit(prices(q)[winner]),
                )
            )
    return ScaleCurve(points=points, break_evens=break_evens)


def _point(quantity: int, prices: dict[str, float]) -> ScalePoint:
    return ScalePoint(
        quantity=quantity,
        unit_prices={p: _unit(v) for p, v in prices.items()},
        cheapest=min(prices, key=lambda p: prices[p]),
    )


def first_change(low: int, high: int, way: Callable[[int], str]) -> int:
    """Smallest quantity in (low, high] made another way than at `low`."""
    start = way(low)
    while high - low > 1:
        middle = (low + high) // 2
        if way(middle) == start:
            low = middle
        else:
            high = middle
    return high


def _unit(value: float) -> Decimal:
    return Decimal(value).quantize(UNIT_PRECISION)
