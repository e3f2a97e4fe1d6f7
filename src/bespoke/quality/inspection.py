"""Inspection plans from a part's measured geometry, and measurements checked against them.

A flat part (`Sheet2D`) is measured on its overall length and width (the longer and the
shorter side of the drawing's bounds, all its outlines together), the diameter of each size
of round hole (holes within 0.01 mm of each other are one size, with their count) and, when
given, its thickness; a solid (`Solid3D`) on the three sides of its bounding box. Each
feature gets the ± tolerance of the shop's ISO 2768-1 class (`tolerances`); a size the class
gives no tolerance for is left out with a finding saying so. Sheet thickness is the stock's:
its product standard may allow more than ISO 2768, so it may be given instead. When the
process that makes the part holds a tolerance (an ISO 2768 class, or a ± in mm), each feature
it makes that asks for less is a finding: the process cannot hold it without extra work.

Gauges follow the rule of ten (a gauge resolves a tenth of the tolerance band or finer):
a digital caliper reads 0.01 mm, so it serves ±0.05 mm and wider; tighter outside sizes take
a micrometer, tighter holes above 20 mm a bore gauge (both read 0.001 mm). Holes up to
20 mm, the range of common gauge pin sets, are checked with go and no-go pins at the two
limits.

The first part made is measured on every feature (first-article inspection), a one-off
being its own first article; a batch is then sampled by ISO 2859-1 (`sampling`), the lot
being the batch's quantity, at the AQL and inspection level the shop sets.
"""

import math
from collections import Counter

from bespoke.model.catalog import ToleranceGrade
from bespoke.model.errors import InputError
from bespoke.model.geometry import ContourKind, Sheet2D, Solid3D
from bespoke.model.quality import (
    MAX_FEATURES,
    MAX_SIZE_MM,
    Feature,
    FeatureKind,
    Gauge,
    InspectionPlan,
    Measurement,
    MeasurementCheck,
    ToleranceFinding,
)
from bespoke.quality.sampling import sampling_plan
from bespoke.quality.tolerances import general_tolerance, tolerance_class

CALIPER_FINEST_MM = 0.05
"""The tightest ± a caliper measures: a tenth of its band is its 0.01 mm resolution."""
PIN_GAUGE_LARGEST_MM = 20.0
"""The largest hole checked with gauge pins."""
HOLE_SIZE_STEP_MM = 0.01
"""Hole diameters are rounded to this before holes are grouped by size."""
NOMINAL_DECIMALS = 3
"""Nominal sizes are kept to the µm."""
LIMIT_SLACK_MM = 1e-9
"""A measurement this close outside a limit is on it: it passes."""

_Size = tuple[str, FeatureKind, float, int]
"""A size to inspect: its name, kind, nominal (mm) and count."""


def gauge_for(kind: FeatureKind, nominal_mm: float, tolerance_mm: float) -> Gauge:
    """The gauge to measure a feature with (see the module's rule)."""
    if kind is FeatureKind.HOLE:
        if nominal_mm <= PIN_GAUGE_LARGEST_MM:
            return Gauge.PIN_GAUGE
        return Gauge.CALIPER if tolerance_mm >= CALIPER_FINEST_MM else Gauge.BORE_GAUGE
    return Gauge.CALIPER if tolerance_mm >= CALIPER_FINEST_MM else Gauge.MICROMETER


def inspection_plan(
    part: Sheet2D | Solid3D,
    quantity: int,
    *,
    tolerance: str = "m",
    process_holds: str | float | None = None,
    thickness_mm: float | None = None,
    thickness_tolerance_mm: float | None = None,
    aql: float = 1.0,
    level: str = "II",
) -> InspectionPlan:
    """The plan to inspect `quantity` parts of `part` at ISO 2768-1 class `tolerance`.

    `process_holds` is what the making process holds: an ISO 2768-1 class or a ± in mm.
    Raises InputError for a quantity outside 1 to MAX_QUANTITY, an unknown class, a process
    tolerance or thickness that is not a positive size, or an AQL or level ISO 2859-1 does
    not have."""
    grade = tolerance_class(tolerance)
    held = _process_tolerance(process_holds)
    if thickness_tolerance_mm is not None:
        thickness_tolerance_mm = _positive(thickness_tolerance_mm, "thickness tolerance")
    sampling = sampling_plan(quantity, aql, level)
    sizes = _sizes(part)
    if thickness_mm is not None:
        sizes.append(("thickness", FeatureKind.THICKNESS, _positive(thickness_mm, "thickness"), 1))
    if len(sizes) > MAX_FEATURES:
        raise InputError(
            f"{len(sizes)} features to inspect: a plan holds at most {MAX_FEATURES}",
            path="part",
        )
    features: list[Feature] = []
    findings: list[ToleranceFinding] = []
    for name, kind, nominal, count in sizes:
        given = thickness_tolerance_mm if kind is FeatureKind.THICKNESS else None
        try:
            asked = given if given is not None else general_tolerance(nominal, grade)
        except InputError as error:
            findings.append(
                ToleranceFinding(
                    feature=name, nominal_mm=nominal, required_mm=None, message=str(error)
                )
            )
            continue
        features.append(
            Feature(
                name=name,
                kind=kind,
                nominal_mm=nominal,
                tolerance_mm=asked,
                count=count,
                gauge=gauge_for(kind, nominal, asked),
            )
        )
        if kind is not FeatureKind.THICKNESS:
            findings.extend(_beyond_process(name, nominal, asked, grade, held))
    return InspectionPlan(
        tolerance_class=grade,
        quantity=quantity,
        features=features,
        sampling=None if quantity == 1 else sampling,
        findings=findings,
    )


def check(measurement: Measurement, feature: Feature) -> MeasurementCheck:
    """A measurement against its feature's limits (both included)."""
    value = measurement.value_mm
    deviation = value - feature.nominal_mm
    return MeasurementCheck(
        feature=feature.name,
        value_mm=value,
        deviation_mm=deviation,
        passed=abs(deviation) <= feature.tolerance_mm + LIMIT_SLACK_MM,
    )


def _sizes(part: Sheet2D | Solid3D) -> list[_Size]:
    if isinstance(part, Solid3D):
        kinds = (FeatureKind.LENGTH, FeatureKind.WIDTH, FeatureKind.HEIGHT)
        return [
            (f"size {axis}", kind, round(extent, NOMINAL_DECIMALS), 1)
            for axis, kind, extent in zip("xyz", kinds, part.bbox_mm, strict=True)
        ]
    shorter, longer = sorted(part.bbox_mm)
    holes = Counter(
        round(round(contour.width_mm / HOLE_SIZE_STEP_MM) * HOLE_SIZE_STEP_MM, NOMINAL_DECIMALS)
        for contour in part.contours
        if contour.kind is ContourKind.HOLE and contour.is_circle
    )
    return [
        ("length", FeatureKind.LENGTH, round(longer, NOMINAL_DECIMALS), 1),
        ("width", FeatureKind.WIDTH, round(shorter, NOMINAL_DECIMALS), 1),
        *((f"hole Ø{size:g}", FeatureKind.HOLE, size, n) for size, n in sorted(holes.items())),
    ]


def _process_tolerance(holds: str | float | None) -> ToleranceGrade | float | None:
    if holds is None:
        return None
    if isinstance(holds, str):
        return tolerance_class(holds)
    return _positive(holds, "process tolerance")


def _beyond_process(
    name: str,
    nominal: float,
    asked: float,
    grade: ToleranceGrade,
    held: ToleranceGrade | float | None,
) -> list[ToleranceFinding]:
    """A finding when the process holds a wider tolerance than the feature asks."""
    if held is None:
        return []
    if isinstance(held, str):
        try:
            process = general_tolerance(nominal, held)
        except InputError:
            return []
        holds = f"ISO 2768-{held}, ±{process:g} mm"
    else:
        process, holds = held, f"±{held:g} mm"
    if process <= asked:
        return []
    return [
        ToleranceFinding(
            feature=name,
            nominal_mm=nominal,
            required_mm=asked,
            process_mm=process,
            message=f"{name} ({nominal:g} mm): ISO 2768-{grade} asks ±{asked:g} mm, tighter "
            f"than the process holds ({holds}): it needs extra work or a finer process",
        )
    ]


def _positive(size: float, name: str) -> float:
    if not (math.isfinite(size) and 0 < size <= MAX_SIZE_MM):
        raise InputError(f"{name} {size!r} must be a size above 0 mm", path=name)
    return float(size)
