"""A batch's cost shared among its orders: set-up by machine time, material by area used."""

from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal

from bespoke.model.costing import CostShare

CENT = Decimal("0.01")


def allocate(total: Decimal, weights: Sequence[float]) -> list[Decimal]:
    """`total` split in proportion to `weights`, in cents, adding up to it exactly.

    Each share is rounded down to the cent; the cents left over go to the largest
    remainders (ties to the earlier share). All-zero weights share equally.
    """
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    cents = int((total / CENT).to_integral_value())
    whole = sum(weights)
    basis = [Decimal(w) for w in weights] if whole > 0 else [Decimal(1)] * len(weights)
    exact = [cents * b / sum(basis) for b in basis]
    floors = [int(e.to_integral_value(ROUND_FLOOR)) for e in exact]
    left = cents - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [f * CENT for f in floors]


def batch_shares(
    setup: Decimal,
    material: Decimal,
    run: Mapping[str, Decimal],
    machine_s: Mapping[str, float],
    area_mm2: Mapping[str, float],
) -> list[CostShare]:
    """Each order's share of a batch: the set-up in proportion to its machine time, the
    material in proportion to the sheet or plate area its parts take, its own run cost."""
    orders = list(run)
    setups = allocate(setup, [machine_s[o] for o in orders])
    materials = allocate(material, [area_mm2[o] for o in orders])
    return [
        CostShare(order=o, setup=s, material=m, run=run[o], total=s + m + run[o])
        for o, s, m in zip(orders, setups, materials, strict=True)
    ]
