"""Drawing units: what a DXF declares, what the caller asks for, and whether it looks right.

A drawing's numbers carry no unit of their own: `$INSUNITS` in the header says what they
mean, and is often absent or wrong. Without it, `$MEASUREMENT = 0` (imperial) hints at
inches; else mm are assumed. Whether the reading gives a plausible part is judged by
`_plausible.suggest_units`.
"""

from dataclasses import dataclass

from ezdxf import units as ezdxf_units
from ezdxf.enums import InsertUnits

from bespoke.geometry._plausible import DRAWING, Size, flagged, suggest_units
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


@dataclass(frozen=True)
class Units:
    """A named length unit and its size in mm."""

    name: str
    factor_to_mm: float


MM = Units("mm", 1.0)
INCH = Units("inch", 25.4)


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
    return Units(name, factor)


def declared_units(insunits: int) -> tuple[Units | None, str | None]:
    """The units a header's `$INSUNITS` declares, or None with the reason when it declares none."""
    if insunits == 0:
        return None, "the file declares no units ($INSUNITS absent or 0)"
    try:
        return _units(InsertUnits(insunits)), None
    except (ValueError, TypeError):
        return None, f"the file declares units that cannot be converted ($INSUNITS = {insunits})"


def unit_reading(
    declared: Units | None, option: Units | None, measurement: int | None = None
) -> UnitReading:
    """The reading to measure with: the caller's units, else the header's `$INSUNITS`, else
    inch when `$MEASUREMENT` (`measurement`) is 0 (imperial), else mm."""
    if option is not None:
        used, source, basis = option, "option", f"units given as {option.name}"
    elif declared is not None:
        used, source, basis = declared, "header", f"the header's $INSUNITS says {declared.name}"
    elif measurement == 0:
        used, source = INCH, "measurement"
        basis = "no $INSUNITS; the header's $MEASUREMENT = 0 says imperial: read as inch"
    else:
        used, source, basis = MM, "assumed", "no units declared ($INSUNITS absent or 0): mm assumed"
    return UnitReading(
        declared=declared.name if declared else None,
        used=used.name,
        factor_to_mm=used.factor_to_mm,
        source=source,
        basis=basis,
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
