"""Learning curve for manual work: each doubling of output cuts the unit time by a rate.

Crawford's unit-time model, T_k = T_1 · k^b with b = log2(rate), optionally floored at
a share of T_1 (DeJong's incompressible work); rate and floor come from the catalog.
"""

import functools
import math

EXACT_UP_TO = 64


def total_time(first_s: float, quantity: int, rate: float, floor: float = 0.0) -> float:
    """Time for `quantity` units when the first takes `first_s` and each doubling saves (1-rate).

    No unit takes less than `floor` x `first_s`.
    """
    if rate >= 1.0 or quantity <= 1:
        return float(first_s * quantity)
    b = math.log2(rate)
    learning = quantity
    if floor > 0:
        floor_from = math.ceil(floor ** (1 / b))  # first unit at or below the floor
        learning = min(quantity, floor_from - 1)
    return float(first_s * (_sum_of_powers(learning, b) + (quantity - learning) * floor))


@functools.lru_cache(maxsize=4096)
def _sum_of_powers(n: int, b: float) -> float:
    """Σ k^b for k = 1..n, exact for small n, by the midpoint integral beyond."""
    if n <= EXACT_UP_TO:
        return float(sum(k**b for k in range(1, n + 1)))
    head = sum(k**b for k in range(1, EXACT_UP_TO + 1))
    lo, hi = EXACT_UP_TO + 0.5, n + 0.5
    return float(head + (hi ** (b + 1) - lo ** (b + 1)) / (b + 1))
