"""Long work split in pieces, so that a shift can end between them."""

import math

MAX_PIECES = 500
"""Pieces of one operation at most: past that, pieces grow longer than asked, so that the
size of a schedule does not grow with the quantity ordered."""


def pieces(name: str, duration: int, longest_s: int) -> list[tuple[str, int]]:
    """(name, duration) of each piece: `name` itself when it takes at most `longest_s`,
    else `name#1`, `name#2` ... of near-equal durations adding up to `duration`; never
    more than `MAX_PIECES` of them."""
    count = min(max(1, math.ceil(duration / longest_s)), MAX_PIECES)
    if count == 1:
        return [(name, duration)]
    return [
        (f"{name}#{i + 1}", duration // count + (1 if i < duration % count else 0))
        for i in range(count)
    ]
