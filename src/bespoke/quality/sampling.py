"""Sampling a lot for inspection by attributes: ISO 2859-1 single sampling plans for normal
inspection.

ISO 2859-1:1999 (Sampling procedures for inspection by attributes - Part 1: Sampling
schemes indexed by acceptance quality limit (AQL) for lot-by-lot inspection) chooses a plan
in two steps. Table 1 gives the lot's sample size code letter by lot size and inspection
level (general I, II, III; special S-1 to S-4). Table 2-A, the master table for single
sampling under normal inspection, gives for the code letter its sample size and, for each
AQL of the series 0.010 to 1000, the acceptance number Ac and rejection number Re
(Re = Ac + 1 for single sampling), or an arrow: use the first plan below (or above) the
arrow in the same AQL column, with that plan's sample size. When the sample size is the lot
size or more, every part of the lot is inspected. AQLs above 10 count nonconformities per
hundred items, not nonconforming items.

Tables 1 and 2-A of ISO 2859-1 are those of MIL-STD-105E (1989) Tables I and II-A and of
ANSI/ASQ Z1.4 (IS 2500 (Part 1):2000 adopts ISO 2859-1:1999 without deviation,
archive.org/download/gov.in.is.2500.1.2000/is.2500.1.2000.txt). Table 2-A here was checked
cell by cell, arrows followed, against two copies: MIL-STD-105E Table II-A as printed (each
letter's row of plans, www.scribd.com/document/563507790/Tablas) and the resolved plans of
the R package AQLSchemes (J. Lawson; `AAZ14Single` in github.com/fjgonzalezmgt/AQLSchemesCust).
Table 1 was checked against pdfcoffee.com/aql-sampling-chart-pdf-free.html and the same
package.

Table 2-A has a plan on a diagonal: letter index i (A = 0 .. R = 15) and AQL index j
(0.010 = 0 .. 1000 = 25) give d = i + j; d = 14 is Ac 0, d = 15 an arrow up, d = 16 an
arrow down, and d = 17, 18, ... are Ac 1, 2, 3, 5, 7, 10, 14, 21, 30, 44, up to d = 24 for
AQLs to 100, 25 for 150 and 26 for 250 to 1000; beyond, an arrow up, and before d = 14 an
arrow down. Where an arrow would leave the table (letter A at AQL 10, R at 0.015) it points
the other way.

Only normal inspection is planned: tightened and reduced inspection, and the switching
rules between them (clause 9), are not; neither are double and multiple sampling. A lot of
one part falls in the first row of Table 1 and is inspected whole.
"""

import math
from bisect import bisect_left
from typing import Literal

from bespoke.model.bounds import MAX_QUANTITY
from bespoke.model.catalog import AQLS
from bespoke.model.errors import InputError
from bespoke.model.quality import SamplingPlan

CODE_LETTERS = "ABCDEFGHJKLMNPQR"
"""Sample size code letters, smallest sample first (I and O are not used)."""
SAMPLE_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
"""Sample size of each code letter (Table 2-A)."""
LOT_UPPER_BOUNDS = (
    *(8, 15, 25, 50, 90, 150, 280, 500, 1200, 3200, 10_000, 35_000, 150_000, 500_000),
    MAX_QUANTITY,
)
"""Largest lot of each row of Table 1 (the last row, 500 001 and over, to the bound on any
quantity)."""
LETTERS_BY_LEVEL: dict[str, str] = {
    "S-1": "AAAABBBBCCCCDDD",
    "S-2": "AAABBBCCCDDDEEE",
    "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK",
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}
"""Table 1: each inspection level's code letter for each row of lot sizes."""

ACCEPTANCE_NUMBERS = (0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44)
"""Ac of Table 2-A's plans along a diagonal, from the smallest."""
_FIRST_PLAN = 14
"""The diagonal d = i + j holding Ac 0."""

Cell = int | Literal["up", "down"]


def sample_size_code(lot_size: int, level: str = "II") -> str:
    """The sample size code letter of a lot (Table 1).

    Raises InputError for a lot size outside 1 to MAX_QUANTITY or an unknown level."""
    letters = LETTERS_BY_LEVEL.get(level)
    if letters is None:
        raise InputError(
            f"unknown inspection level {level!r}: use one of {', '.join(LETTERS_BY_LEVEL)}",
            path="level",
        )
    if not 1 <= lot_size <= MAX_QUANTITY:
        raise InputError(
            f"lot size {lot_size} is out of range: a lot is 1 to {MAX_QUANTITY} parts",
            path="lot_size",
        )
    return letters[bisect_left(LOT_UPPER_BOUNDS, lot_size)]


def table_cell(letter: str, aql: float) -> Cell:
    """What Table 2-A holds for a code letter and an AQL: the plan's Ac, or the arrow."""
    if len(letter) != 1 or letter not in CODE_LETTERS:
        raise InputError(f"unknown code letter {letter!r}: use one of {', '.join(CODE_LETTERS)}")
    i, j = CODE_LETTERS.index(letter), _aql_index(aql)
    d = i + j
    last = 24 if AQLS[j] <= 100 else 25 if AQLS[j] == 150 else 26  # the last plan's diagonal
    if d < _FIRST_PLAN:
        return "down"
    if d == _FIRST_PLAN:
        return ACCEPTANCE_NUMBERS[0]
    if d == _FIRST_PLAN + 1:
        return "down" if i == 0 else "up"
    if d == _FIRST_PLAN + 2:
        return "up" if i == len(CODE_LETTERS) - 1 else "down"
    if d > last:
        return "up"
    return ACCEPTANCE_NUMBERS[d - _FIRST_PLAN - 2]


def sampling_plan(lot_size: int, aql: float, level: str = "II") -> SamplingPlan:
    """The single sampling plan for normal inspection of a lot at an AQL and inspection level.

    Raises InputError for a lot size outside 1 to MAX_QUANTITY, an AQL not in Table 2-A, or
    an unknown level, naming what is accepted."""
    lot_letter = sample_size_code(lot_size, level)
    standard_aql = AQLS[_aql_index(aql)]
    letter = lot_letter
    cell = table_cell(letter, standard_aql)
    while not isinstance(cell, int):
        step = 1 if cell == "down" else -1
        letter = CODE_LETTERS[CODE_LETTERS.index(letter) + step]
        cell = table_cell(letter, standard_aql)
    plan_size = SAMPLE_SIZES[CODE_LETTERS.index(letter)]
    return SamplingPlan(
        lot_size=lot_size,
        aql=standard_aql,
        level=level,
        lot_letter=lot_letter,
        code_letter=letter,
        sample_size=min(plan_size, lot_size),
        accept=cell,
        reject=cell + 1,
        inspect_all=plan_size >= lot_size,
    )


def _aql_index(aql: float) -> int:
    for index, value in enumerate(AQLS):
        if math.isclose(aql, value, rel_tol=1e-9):
            return index
    accepted = ", ".join(f"{value:g}" for value in AQLS)
    raise InputError(f"AQL {aql!r} is not in ISO 2859-1 Table 2-A: use one of {accepted}")
