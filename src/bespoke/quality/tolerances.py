"""General tolerances to ISO 2768-1:1989 (General tolerances - Part 1: Tolerances for linear
and angular dimensions without individual tolerance indications).

Four classes, f (fine), m (medium), c (coarse) and v (very coarse), each a symmetric
permissible deviation by range of nominal size. Table 1, linear dimensions (mm):

    nominal      0.5-3   >3-6   >6-30  >30-120  >120-400  >400-1000  >1000-2000  >2000-4000
    f            0.05    0.05   0.1    0.15     0.2       0.3        0.5         -
    m            0.1     0.1    0.2    0.3      0.5       0.8        1.2         2
    c            0.2     0.3    0.5    0.8      1.2       2          3           4
    v            -       0.5    1      1.5      2.5       4          6           8

Table 3, angular dimensions, by the length of the angle's shorter side (mm):

    shorter side  to 10    >10-50   >50-120  >120-400  >400
    f, m          1°       0°30'    0°20'    0°10'     0°5'
    c             1°30'    1°       0°30'    0°15'     0°10'
    v             3°       2°       1°       0°30'     0°20'

Below 0.5 mm, above 4000 mm, and where a class has no value ("-") the standard sets no
general tolerance: the drawing must state one next to the nominal. Sources: the tables of
ISO 2768-1 as given at handfest.engineer/Toleranz/Allgemeintol.html, cross-checked with the
English summary "According to DIN ISO 2768-1" (www.scribd.com/document/585640440), which
agrees except for class c below 6 mm, where it prints the older DIN 7168 values (0.15, 0.2)
that ISO 2768-1 replaced with 0.2 and 0.3.

A nominal on a range's upper bound belongs to that range ("over 3 up to and including 6");
nominals are rounded to 1 nm first, so that a size measured as 30.000000000004 mm is 30.
"""

import math
from bisect import bisect_left

from bespoke.model.catalog import TOLERANCE_ORDER, ToleranceGrade
from bespoke.model.errors import InputError

SMALLEST_MM = 0.5
"""Smallest nominal size with a general tolerance."""
RANGE_UPPER_MM = (3.0, 6.0, 30.0, 120.0, 400.0, 1000.0, 2000.0, 4000.0)
"""Upper bound (included) of each range of nominal sizes of Table 1."""
LINEAR_MM: dict[ToleranceGrade, tuple[float | None, ...]] = {
    "f": (0.05, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, None),
    "m": (0.1, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0),
    "c": (0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0, 4.0),
    "v": (None, 0.5, 1.0, 1.5, 2.5, 4.0, 6.0, 8.0),
}
"""Table 1: the ± deviation of each class in each range; None where the class has none."""

SHORTER_SIDE_UPPER_MM = (10.0, 50.0, 120.0, 400.0)
"""Upper bound (included) of each range of the shorter side of Table 3; the last is open."""
ANGULAR_MINUTES: dict[ToleranceGrade, tuple[int, ...]] = {
    "f": (60, 30, 20, 10, 5),
    "m": (60, 30, 20, 10, 5),
    "c": (90, 60, 30, 15, 10),
    "v": (180, 120, 60, 30, 20),
}
"""Table 3: the ± deviation of each class, in minutes of arc, by the shorter side."""
_ROUNDING = 6
"""Decimals of a mm a nominal is rounded to before it is looked up."""


def tolerance_class(value: str) -> ToleranceGrade:
    """`value` as an ISO 2768-1 class; InputError naming the classes for any other value."""
    if value not in TOLERANCE_ORDER:
        accepted = ", ".join(TOLERANCE_ORDER)
        raise InputError(
            f"unknown ISO 2768-1 tolerance class {value!r}: use one of {accepted}",
            path="tolerance_class",
        )
    return value


def general_tolerance(nominal_mm: float, cls: str) -> float:
    """The ± deviation (mm) ISO 2768-1 allows a linear dimension of `nominal_mm` in class `cls`.

    Raises InputError for an unknown class, or a nominal the class gives no tolerance for
    (below 0.5 mm, above 4000 mm, v up to 3 mm, f above 2000 mm)."""
    grade = tolerance_class(cls)
    nominal = round(nominal_mm, _ROUNDING)
    if not SMALLEST_MM <= nominal <= RANGE_UPPER_MM[-1]:
        raise InputError(
            f"ISO 2768-1 gives no general tolerance for {nominal_mm:g} mm: it covers "
            f"{SMALLEST_MM:g} to {RANGE_UPPER_MM[-1]:g} mm; state the tolerance on the drawing",
            path="nominal_mm",
        )
    deviation = LINEAR_MM[grade][bisect_left(RANGE_UPPER_MM, nominal)]
    if deviation is None:
        bounds = (SMALLEST_MM, *RANGE_UPPER_MM)
        defined = [k for k, value in enumerate(LINEAR_MM[grade]) if value is not None]
        start = "over" if defined[0] else "from"
        raise InputError(
            f"ISO 2768-{grade} gives no tolerance for {nominal_mm:g} mm: the class covers "
            f"{start} {bounds[defined[0]]:g} up to {bounds[defined[-1] + 1]:g} mm; state the "
            "tolerance on the drawing, or use another class",
            path="nominal_mm",
        )
    return deviation


def angular_tolerance(shorter_side_mm: float, cls: str) -> float:
    """The ± deviation (degrees) ISO 2768-1 allows an angle whose shorter side is
    `shorter_side_mm` long, in class `cls`.

    Raises InputError for an unknown class or a side that is not a positive length."""
    grade = tolerance_class(cls)
    if not (math.isfinite(shorter_side_mm) and shorter_side_mm > 0):
        raise InputError(
            f"the shorter side of an angle must be a positive length, not {shorter_side_mm!r}",
            path="shorter_side_mm",
        )
    side = round(shorter_side_mm, _ROUNDING)
    return ANGULAR_MINUTES[grade][bisect_left(SHORTER_SIDE_UPPER_MM, side)] / 60
