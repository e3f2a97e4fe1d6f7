"""Which units make a design a plausible part: the check behind a flagged unit reading.

A file's numbers carry no unit of their own. A reading is doubtful when the part it
gives is too small or too large to be made, or its holes too large to be fastener holes.
The suggested reading is then the plausible one among mm, cm, m and inch: of those whose
part is between `MIN_PART_EXTENT_MM` and `MAX_PART_EXTENT_MM` across, with a smallest
round hole of fastener size when it has round holes, the one nearest a typical part
(`TYPICAL_PART_MM` across, holes of `TYPICAL_HOLE_MM`), in decades, plus a small penalty
for units that files of its kind are seldom drawn in (`Kind.rarity`).
"""

import math
from dataclasses import dataclass

from bespoke.geometry._units import UNITS_TO_MM
from bespoke.model.geometry import Contour, ContourKind, UnitReading

CANDIDATE_UNITS: dict[str, float] = {name: UNITS_TO_MM[name] for name in ("mm", "cm", "m", "inch")}
"""The units a doubtful reading may be read in instead, and their size in mm."""
MIN_PART_EXTENT_MM = 10.0
"""A part smaller than this across is not plausible."""
MAX_PART_EXTENT_MM = 20_000.0
"""A drawing larger than this across exceeds any cutting bed."""
LARGE_PART_MM = 3_000.0
"""Longer than a standard 3000 x 1500 mm sheet: plausible only with a plausible hole."""
LARGEST_SMALLEST_HOLE_MM = 40.0
"""A part whose every hole is wider than this (round holes; any hole on a large part)
is suspicious."""
FASTENER_HOLE_MM = (1.0, 30.0)
"""Round holes in this range are fastener-sized: the typical smallest hole of a part."""
TYPICAL_PART_MM = 100.0
TYPICAL_HOLE_MM = 5.0


@dataclass(frozen=True)
class Kind:
    """What kind of file is read: its name in messages and how seldom each unit is used."""

    noun: str
    rarity: dict[str, float]
    """Penalty in decades of size for a unit files of this kind are seldom drawn in."""


DRAWING = Kind("drawing", {"cm": 0.5, "m": 0.3})
"""DXF drawings are drawn in mm or inch; cm and m are rare."""
MESH = Kind("mesh", {})
"""Meshes come in any of mm (slicers), cm (some CAD exports), m (Blender), inch."""


@dataclass(frozen=True)
class Size:
    """What decides plausibility, in the file's own units: largest extent, the diameters of
    round holes and the widths of all holes."""

    extent: float
    round_holes: tuple[float, ...] = ()
    holes: tuple[float, ...] = ()

    def scaled(self, factor: float) -> "Size":
        return Size(
            self.extent * factor,
            tuple(d * factor for d in self.round_holes),
            tuple(w * factor for w in self.holes),
        )


@dataclass(frozen=True)
class Suggestion:
    """The plausible reading of a doubtful one, the reason, and the size of every reading."""

    units: str
    factor_to_mm: float
    reason: str
    sizes_mm: dict[str, float]


def suggest_units(size: Size, used: str, factor_to_mm: float, kind: Kind) -> Suggestion | None:
    """The plausible units when reading `size` in `used` gives an implausible part, or None
    when that reading is plausible or no other reading is."""
    doubts = _doubts(size.scaled(factor_to_mm), used, kind)
    if not doubts:
        return None
    scores = {
        name: _score(size.scaled(factor), name, kind)
        for name, factor in CANDIDATE_UNITS.items()
        if name != used
    }
    plausible = {name: score for name, score in scores.items() if score is not None}
    if not plausible:
        return None
    best = min(plausible, key=lambda name: plausible[name])
    sizes = {name: size.extent * factor for name, factor in CANDIDATE_UNITS.items()}
    read_as = size.scaled(CANDIDATE_UNITS[best])
    holes = (
        f" with round holes from {min(read_as.round_holes):.1f} mm" if read_as.round_holes else ""
    )
    others = ", ".join(f"{name} {_across(mm)}" for name, mm in sizes.items() if name != best)
    reason = "; ".join(
        [
            *doubts,
            f"read as {best} it is {read_as.extent:.1f} mm across{holes}, the most plausible "
            f"(other readings: {others})",
        ]
    )
    return Suggestion(best, CANDIDATE_UNITS[best], reason, sizes)


def _doubts(size_mm: Size, unit: str, kind: Kind) -> list[str]:
    doubts = []
    extent, round_holes, holes = size_mm.extent, size_mm.round_holes, size_mm.holes
    if extent < MIN_PART_EXTENT_MM:
        doubts.append(
            f"read as {unit} the whole {kind.noun} is only {extent:.2f} mm across "
            f"(under {MIN_PART_EXTENT_MM:g} mm)"
        )
    elif extent > MAX_PART_EXTENT_MM:
        doubts.append(
            f"read as {unit} the {kind.noun} is {extent / 1000:.1f} m across "
            f"(over {MAX_PART_EXTENT_MM / 1000:g} m)"
        )
    if round_holes and min(round_holes) > LARGEST_SMALLEST_HOLE_MM:
        doubts.append(
            f"read as {unit} its smallest round hole is {min(round_holes):.1f} mm "
            f"(every hole over {LARGEST_SMALLEST_HOLE_MM:g} mm)"
        )
    elif extent > LARGE_PART_MM and holes and min(holes) > LARGEST_SMALLEST_HOLE_MM:
        doubts.append(
            f"read as {unit} it is {extent / 1000:.2f} m across (longer than a "
            f"{LARGE_PART_MM / 1000:g} m sheet) and its smallest hole is {min(holes):.1f} mm "
            f"wide (every hole over {LARGEST_SMALLEST_HOLE_MM:g} mm)"
        )
    return doubts


def _score(size_mm: Size, unit: str, kind: Kind) -> float | None:
    """How far from a typical part `size_mm` is, in decades; None when not plausible."""
    if not MIN_PART_EXTENT_MM <= size_mm.extent <= MAX_PART_EXTENT_MM:
        return None
    score = abs(math.log10(size_mm.extent / TYPICAL_PART_MM)) + kind.rarity.get(unit, 0.0)
    if not size_mm.round_holes:
        return score
    low, high = FASTENER_HOLE_MM
    smallest = min(size_mm.round_holes)
    if not low <= smallest <= high:
        return None
    return score + abs(math.log10(smallest / TYPICAL_HOLE_MM))


def _across(mm: float) -> str:
    return f"{mm / 1000:.3g} m" if mm >= 1000 else f"{mm:.3g} mm"


def flagged(reading: UnitReading, suggestion: Suggestion) -> UnitReading:
    """`reading` flagged as suspicious, with the suggested units, the reason and the sizes."""
    return reading.model_copy(
        update={
            "suspicious": True,
            "reason": suggestion.reason,
            "alternative_units": suggestion.units,
            "alternative_factor_to_mm": suggestion.factor_to_mm,
            "sizes_mm": suggestion.sizes_mm,
        }
    )


def drawing_size(extent_mm: float, contours: list[Contour], factor_to_mm: float) -> Size:
    """What decides whether a drawing measured in mm is plausible, in its own units.

    A drawing made only of circles is a pattern of holes: its circles count as round holes.
    """
    holes = [c for c in contours if c.kind is ContourKind.HOLE]
    round_holes = [c.width_mm for c in holes if c.is_circle]
    if not holes and len(contours) >= 2 and all(c.is_circle for c in contours):
        round_holes = [c.width_mm for c in contours]
    return Size(
        extent_mm / factor_to_mm,
        tuple(d / factor_to_mm for d in round_holes),
        tuple(c.width_mm / factor_to_mm for c in holes),
    )


def check_units(reading: UnitReading, size: Size) -> tuple[UnitReading, str | None]:
    """Flag a reading whose part is implausible when another reading fits.

    `size` is in the drawing's own units. Returns the reading, flagged or not, and a
    warning when flagged. A reading the caller chose is never flagged.
    """
    if reading.source == "option":
        return reading, None
    suggestion = suggest_units(size, reading.used, reading.factor_to_mm, DRAWING)
    if suggestion is None:
        return reading, None
    other = suggestion.units
    warning = (
        f"units look wrong: {suggestion.reason}; measured as {reading.used} "
        f"(give units {other!r} to measure it as {other})"
    )
    return flagged(reading, suggestion), warning
