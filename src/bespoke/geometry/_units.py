"""Length units: the ones a design may be read in, and what a DXF declares.

A drawing's numbers carry no unit of their own: `$INSUNITS` in the header says what they
mean, and is often absent or wrong. Without it, `$MEASUREMENT = 0` (imperial) hints at
inches; else mm are assumed. Whether the reading gives a plausible part is judged by
`_plausible.check_units`.
"""

from dataclasses import dataclass

from ezdxf import units as ezdxf_units
from ezdxf.enums import InsertUnits

from bespoke.model.errors import InputError
from bespoke.model.geometry import UnitReading

UNITS_TO_MM: dict[str, float] = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "inch": 25.4, "ft": 304.8}
"""The units a design may be read in, by their one name, and their size in mm."""
UNIT_ALIASES: dict[str, str] = {"in": "inch"}
"""Other names a caller may give those units by."""


def accepted_units(with_alias: str) -> str:
    """Every accepted name, for a message: each unit with an alias written as `with_alias`
    says ("{unit}, {alias}" gives "mm, cm, m, inch, in, ft")."""
    names = {unit: unit for unit in UNITS_TO_MM}
    names |= {unit: with_alias.format(unit=unit, alias=a) for a, unit in UNIT_ALIASES.items()}
    return ", ".join(names.values())


@dataclass(frozen=True)
class Units:
    """A named length unit and its size in mm."""

    name: str
    factor_to_mm: float


MM = Units("mm", UNITS_TO_MM["mm"])
INCH = Units("inch", UNITS_TO_MM["inch"])


def unit_name(value: str) -> str | None:
    """The one name of the units `value` names (in any case, or by an alias); None when it
    names none of `UNITS_TO_MM`."""
    key = value.strip().lower()
    key = UNIT_ALIASES.get(key, key)
    return key if key in UNITS_TO_MM else None


def units_option(value: str | None) -> Units | None:
    """The units a caller asked for, None when not given."""
    if value is None:
        return None
    name = unit_name(value)
    if name is None:
        accepted = accepted_units("{unit}, {alias}")
        raise InputError(f"unknown drawing units {value!r}: use one of {accepted}")
    return Units(name, UNITS_TO_MM[name])


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
