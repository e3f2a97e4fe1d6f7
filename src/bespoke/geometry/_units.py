"""Drawing units: what a DXF declares, what the caller asks for, and whether it looks right.

A drawing's numbers carry no unit of their own: `$INSUNITS` in the header says
what they mean, and is often absent or wrong. A reading is suspicious when its
sizes are implausible for a cut part while reading the numbers in the other
common unit (mm for inch, inch for mm; metres as a last resort) gives plausible ones.
"""

from dataclasses import dataclass

from ezdxf import units as ezdxf_units
from ezdxf.enums import InsertUnits

from bespoke.model.errors import InputError
from bespoke.model.geometry import Contour, ContourKind, UnitReading

UNIT_OPTIONS: dict[str, InsertUnits] = {
    "mm": InsertUnits.Millimeters,
    "cm": InsertUnits.Centimeters,
    "m": InsertUnits.Meters,
    "inch": InsertUnits.Inches,
    "in": InsertUnits.Inches,
    "ft": InsertUnits.Feet,
}

MIN_PART_EXTENT_MM = 10.0
"""A whole drawing smaller than this across is not a plausible cut part."""
MAX_PART_EXTENT_MM = 20_000.0
"""A drawing larger than this across exceeds any cutting bed."""
LARGEST_SMALLEST_HOLE_MM = 40.0
"""A drawing whose every round hole is larger than this is suspicious."""
FASTENER_HOLE_MM = (1.0, 30.0)
"""Round holes in this range are fastener-sized: the typical smallest hole of a part."""


@dataclass(frozen=True)
class Units:
    """A named length unit and its size in mm."""

    name: str
    factor_to_mm: float
    imperial: bool = False


MM = Units("mm", 1.0)
INCH = Units("inch", 25.4, imperial=True)
METRE = Units("m", 1000.0)


def units_option(value: str | None) -> Units | None:
    """The units a caller asked for, None when not given."""
    if value is None:
        return None
    code = UNIT_OPTIONS.get(value.strip().lower())
    if code is None:
        accepted = ", ".join(UNIT_OPTIONS)
        raise InputError(f"unknown drawing units {value!r}: use one of {accepted}")
    return _units(code)


def _units(code: InsertUnits) -> Units:
    # ezdxf's factors are rounded to ~1e-11 (an inch comes out 25.4000000001 mm)
    factor = float(f"{ezdxf_units.conversion_factor(code, InsertUnits.Millimeters):.10g}")
    name = "inch" if code is InsertUnits.Inches else ezdxf_units.decode(code) or code.name
    return Units(name, factor, imperial=code in ezdxf_units.IMPERIAL_UNITS)


def declared_units(insunits: int) -> tuple[Units | None, str | None]:
    """The units a header's `$INSUNITS` declares, or None with the reason when it declares none."""
    if insunits == 0:
        return None, "the file declares no units ($INSUNITS absent or 0)"
    try:
        return _units(InsertUnits(insunits)), None
    except (ValueError, TypeError):
        return None, f"the file declares units that cannot be converted ($INSUNITS = {insunits})"


def unit_reading(declared: Units | None, option: Units | None) -> tuple[UnitReading, Units]:
    """The reading to measure with: the caller's units, else the header's, else mm."""
    if option is not None:
        used, source = option, "option"
    elif declared is not None:
        used, source = declared, "header"
    else:
        used, source = MM, "assumed"
    reading = UnitReading(
        declared=declared.name if declared else None,
        used=used.name,
        factor_to_mm=used.factor_to_mm,
        source=source,
    )
    return reading, used


def round_hole_diameters(contours: list[Contour]) -> list[float]:
    """Diameters of round holes; a drawing made only of circles is a pattern of holes."""
    holes = [c.width_mm for c in contours if c.is_circle and c.kind is ContourKind.HOLE]
    if holes or len(contours) < 2 or not all(c.is_circle for c in contours):
        return holes
    return [c.width_mm for c in contours]


def check_units(
    reading: UnitReading, used: Units, extent_mm: float, hole_diameters_mm: list[float]
) -> tuple[UnitReading, str | None]:
    """Flag a reading whose sizes are implausible when the other common unit fits.

    `extent_mm` and `hole_diameters_mm` are measured in `used`. Returns the
    reading, flagged or not, and a warning when flagged. A reading the caller
    chose is never flagged.
    """
    if reading.source == "option":
        return reading, None
    doubts = _implausibilities(extent_mm, hole_diameters_mm, used.name)
    if not doubts:
        return reading, None
    for other in (INCH, MM, METRE) if used.imperial else (MM, INCH, METRE):
        ratio = other.factor_to_mm / used.factor_to_mm
        extent, holes = extent_mm * ratio, [d * ratio for d in hole_diameters_mm]
        if other != used and _looks_like_cut_part(extent, holes):
            holes_text = f" with round holes from {min(holes):.1f} mm" if holes else ""
            reason = "; ".join(
                [*doubts, f"read as {other.name} it is {extent:.1f} mm across{holes_text}"]
            )
            flagged = reading.model_copy(
                update={
                    "suspicious": True,
                    "reason": reason,
                    "alternative_units": other.name,
                    "alternative_factor_to_mm": other.factor_to_mm,
                }
            )
            warning = (
                f"units look wrong: {reason}; measured as {used.name} "
                f"(give units {other.name!r} to measure it as {other.name})"
            )
            return flagged, warning
    return reading, None


def _implausibilities(extent_mm: float, hole_diameters_mm: list[float], unit: str) -> list[str]:
    doubts = []
    if extent_mm < MIN_PART_EXTENT_MM:
        doubts.append(
            f"read as {unit} the whole drawing is only {extent_mm:.2f} mm across "
            f"(under {MIN_PART_EXTENT_MM:g} mm)"
        )
    elif extent_mm > MAX_PART_EXTENT_MM:
        doubts.append(
            f"read as {unit} the drawing is {extent_mm / 1000:.1f} m across "
            f"(over {MAX_PART_EXTENT_MM / 1000:g} m)"
        )
    if hole_diameters_mm and min(hole_diameters_mm) > LARGEST_SMALLEST_HOLE_MM:
        doubts.append(
            f"read as {unit} its smallest round hole is {min(hole_diameters_mm):.1f} mm "
            f"(every hole over {LARGEST_SMALLEST_HOLE_MM:g} mm)"
        )
    return doubts


def _looks_like_cut_part(extent_mm: float, hole_diameters_mm: list[float]) -> bool:
    if not MIN_PART_EXTENT_MM <= extent_mm <= MAX_PART_EXTENT_MM:
        return False
    low, high = FASTENER_HOLE_MM
    return not hole_diameters_mm or low <= min(hole_diameters_mm) <= high
