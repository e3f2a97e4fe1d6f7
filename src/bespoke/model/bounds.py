"""Bounds on what anyone may ask of Bespoke: each number, list and name has a limit that
real work never reaches, so that no request can ask for unbounded memory or time."""

from typing import Annotated

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import AfterValidator

from bespoke.model.errors import InputError

MAX_ROW_ID = 2**31 - 1
"""The largest id a stored row can have: ids are 32-bit integers in PostgreSQL."""

MAX_QUANTITY = 1_000_000
"""Pieces in one quote line or order: a million, ten times the scale curve's end."""

MAX_QUANTITIES = 20
"""Quantities priced in one quote."""

MAX_PAGE = 200
"""Items in one page of a list; `offset` pages on."""

MAX_OFFSET = 10_000_000
"""How far a list may be paged."""

MAX_SHEETS = 100_000
"""Sheets or plates in one batch."""

MAX_TEXT = 4_000
MAX_REASON = 500
"""Characters of a reason given for a change (a cancellation, a pause)."""
"""Characters in a free-text field (a description, instructions, a note): a page."""

MAX_CATALOG_ID = 64
"""Characters in a catalog id (a material, process, machine)."""

MAX_SETTINGS = 100
"""Parameters set in one product plan."""


def _without_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("text may not contain NUL (0x00) characters")
    return text


WithoutNul = AfterValidator(_without_nul)
"""Text a database keeps as text: PostgreSQL refuses NUL characters in it."""

RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]
Quantity = Annotated[int, Ge(1), Le(MAX_QUANTITY)]
Quantities = Annotated[list[Quantity], MinLen(1), MaxLen(MAX_QUANTITIES)]
PageSize = Annotated[int, Ge(1), Le(MAX_PAGE)]
Offset = Annotated[int, Ge(0), Le(MAX_OFFSET)]
SheetNumber = Annotated[int, Ge(1), Le(MAX_SHEETS)]
Seed = Annotated[int, Ge(0), Le(2**31 - 1)]


def quantity_list(quantities: list[int]) -> list[int]:
    """The distinct quantities to price, in order; refused when one is out of bounds or
    there are too many."""
    bad = [q for q in quantities if not 1 <= q <= MAX_QUANTITY]
    if bad:
        raise InputError(
            f"quantities: each is a whole number from 1 to {MAX_QUANTITY:,}, got {bad[0]}",
            path="quantities",
        )
    distinct = sorted(set(quantities))
    if not 1 <= len(distinct) <= MAX_QUANTITIES:
        raise InputError(
            f"quantities: 1 to {MAX_QUANTITIES} in one quote, got {len(distinct)}",
            path="quantities",
        )
    return distinct


def quantities_in(text: str, field: str) -> list[int]:
    """Quantities written as text ("1, 10, 100", commas or semicolons), each checked
    against the bound; `field` names the text in errors."""
    tokens = [p.strip().lstrip("0") or "0" for p in text.replace(";", ",").split(",") if p.strip()]
    for token in tokens:
        if not (token.isascii() and token.isdigit() and 1 <= int(token[:8]) <= MAX_QUANTITY):
            raise InputError(
                f"{field}: {token[:20]!r} is not a whole number from 1 to {MAX_QUANTITY:,}"
                " (write them as 1, 10, 100)",
                path=field,
            )
    return quantity_list([int(t) for t in tokens]) if tokens else []


MIN_INFILL, MAX_INFILL = 0.05, 1.0
"""The least and most of a printed part's inside that may be filled."""
