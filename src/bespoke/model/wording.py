"""Counts in words, for messages anywhere: "1 bend", "2 bends", "1,500 pieces"."""

from decimal import Decimal

_IRREGULAR = {
    "piece": "pieces",
    "batch": "batches",
    "box": "boxes",
    "inch": "inches",
    "entity": "entities",
    "body": "bodies",
}


def number(value: float | int | Decimal, decimals: int = 0) -> str:
    """A number with thousands separators and a fixed number of decimals."""
    return f"{float(value):,.{decimals}f}"


def plural(count: float | int, word: str, many: str | None = None) -> str:
    """ "1 pierce", "2 pierces", "1 piece", "3 pieces": a count with its noun."""
    shown = number(count) if float(count) == int(count) else number(count, 1)
    if count == 1:
        return f"{shown} {word}"
    return f"{shown} {many or _IRREGULAR.get(word) or _regular_plural(word)}"


def _regular_plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"
