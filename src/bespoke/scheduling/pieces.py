"""Long work split in pieces, so that a shift can end between them."""

import math


def pieces(name: str, duration: int, longest_s: int) -> list[tuple[str, int]]:
    """(name, duration) of each piece: `name` itself when it takes at most `longest_s`,
    else `name#1`, `name#2` ... of near-equal durations adding up to `duration`."""
    count = max(1, math.ceil(duration / longest_s))
    if count == 1:
        return [(name, duration)]
    return [
        (f"{name}#{i + 1}", duration // count + (1 if i < duration % count else 0))
        for i in range(count)
    ]
