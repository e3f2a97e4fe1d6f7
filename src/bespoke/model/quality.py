"""Quality of made parts: what is measured on a part and how (`InspectionPlan`), how many
parts of a lot are inspected (`SamplingPlan`, ISO 2859-1), measurements and their verdicts,
control charts with the rule violations found on them, and process capability.

Lengths are in mm unless a field names its unit; a `Measurement` carries its own unit.
"""

import unicodedata
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, field_validator, model_validator

from bespoke.model.catalog import ToleranceGrade
from bespoke.model.geometry import Frozen

MAX_NAME = 100
"""Characters in a feature's name."""
MAX_FEATURES = 1_000
"""Features in one inspection plan: each distinct hole size is one."""
MAX_SIZE_MM = 1e6
"""Largest size a part or a measurement may have: a kilometre."""
MAX_POINTS = 10_000
"""Points on one control chart: subgroups, or individual values."""
MAX_STATISTIC = 1e12
"""Largest magnitude of a plotted value or a control limit."""

LENGTH_UNITS_TO_MM: dict[str, float] = {"mm": 1.0, "µm": 0.001, "inch": 25.4}
"""The units a measurement may be given in, by their one name, and their size in mm."""
LENGTH_UNIT_ALIASES: dict[str, str] = {"um": "µm", "\u03bcm": "µm", "in": "inch"}
"""Other names of those units: `um` and the Greek mu for µm, `in` for inch."""


class _Value(Frozen):
    """Base of the quality types: immutable, and never holding an infinite or NaN number."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
SizeMm = Annotated[float, Field(gt=0, le=MAX_SIZE_MM)]
Statistic = Annotated[float, Field(ge=-MAX_STATISTIC, le=MAX_STATISTIC)]
Statistics = Annotated[list[Statistic], Field(max_length=MAX_POINTS)]


class SamplingPlan(_Value):
    """A single sampling plan for normal inspection (ISO 2859-1): inspect `sample_size`
    parts drawn at random from the lot; accept the lot when `accept` or fewer of them are
    nonconforming, reject it when `reject` or more are."""

    lot_size: int = Field(ge=1)
    aql: float = Field(gt=0, description="Acceptance quality limit, in percent nonconforming")
    level: str = Field(description="Inspection level: I, II, III or S-1 to S-4")
    lot_letter: str = Field(description="Sample size code letter of the lot (Table 1)")
    code_letter: str = Field(
        description="Code letter of the plan used: the lot's, or where Table 2-A's arrow "
        "leads from it"
    )
    sample_size: int = Field(ge=1, description="Parts to inspect: the plan's, or the whole lot")
    accept: int = Field(ge=0, description="Ac: the most nonconforming parts that accept the lot")
    reject: int = Field(ge=1, description="Re: the fewest nonconforming parts that reject it")
    inspect_all: bool = Field(
        description="The plan's sample is as large as the lot or larger: every part is inspected"
    )

    def accepts(self, nonconforming: int) -> bool:
        """Whether a sample with `nonconforming` parts accepts the lot."""
        return nonconforming <= self.accept


class Gauge(StrEnum):
    """What a feature is measured with."""

    CALIPER = "caliper"
    MICROMETER = "micrometer"
    PIN_GAUGE = "pin gauge"
    """Go and no-go pins at the hole's two limits."""
    BORE_GAUGE = "bore gauge"


class FeatureKind(StrEnum):
    LENGTH = "length"
    WIDTH = "width"
    HEIGHT = "height"
    THICKNESS = "thickness"
    HOLE = "hole diameter"


class Feature(_Value):
    """A size to measure on a part: its nominal, its symmetric tolerance, how many of it the
    part has, and the gauge to measure it with."""

    name: Name
    kind: FeatureKind
    nominal_mm: SizeMm
    tolerance_mm: float = Field(gt=0, le=MAX_SIZE_MM, description="The ± tolerance")
    count: int = Field(default=1, ge=1, description="Features of this size on the part")
    gauge: Gauge

    @property
    def lower_mm(self) -> float:
        return self.nominal_mm - self.tolerance_mm

    @property
    def upper_mm(self) -> float:
        return self.nominal_mm + self.tolerance_mm


class ToleranceFinding(_Value):
    """A feature whose tolerance cannot be planned as asked: the general tolerance class gives
    none at its size, or it is tighter than the process holds."""

    feature: Name
    nominal_mm: float
    required_mm: float | None = Field(description="The ± asked; None when the class gives none")
    process_mm: float | None = Field(default=None, description="The ± the process holds")
    message: str = Field(max_length=500)


class InspectionPlan(_Value):
    """What is measured on a part and how many parts are inspected.

    The first part made is always measured on every feature (first-article inspection)
    before the rest are made; a one-off is its own first article. For a batch, the lot
    (the batch's quantity) is then sampled by `sampling`, every feature on each sampled part.
    """

    tolerance_class: ToleranceGrade = Field(description="The ISO 2768-1 class of the features")
    quantity: int = Field(ge=1)
    features: list[Feature] = Field(max_length=MAX_FEATURES)
    sampling: SamplingPlan | None = Field(
        description="The lot's sampling plan after the first article; None for a one-off"
    )
    findings: list[ToleranceFinding] = Field(max_length=MAX_FEATURES)


def length_unit(name: str) -> str | None:
    """The one name of the length unit `name` names (in any case, or by an alias); None when
    it names none of `LENGTH_UNITS_TO_MM`."""
    key = unicodedata.normalize("NFC", name.strip())
    key = key if key in LENGTH_UNITS_TO_MM else key.lower()
    key = LENGTH_UNIT_ALIASES.get(key, key)
    return key if key in LENGTH_UNITS_TO_MM else None


class Measurement(_Value):
    """A size measured on a part, in the unit it was read in."""

    value: float = Field(gt=0, le=MAX_SIZE_MM)
    unit: str = Field(max_length=16, description="mm, µm or inch (um, in)")

    @field_validator("unit")
    @classmethod
    def _a_length(cls, unit: str) -> str:
        name = length_unit(unit)
        if name is None:
            accepted = ", ".join([*LENGTH_UNITS_TO_MM, *LENGTH_UNIT_ALIASES])
            raise ValueError(f"unit {unit!r} is not a length: use one of {accepted}")
        return name

    @property
    def value_mm(self) -> float:
        return self.value * LENGTH_UNITS_TO_MM[self.unit]


class MeasurementCheck(_Value):
    """A measurement against its feature: the size in mm, how far from nominal, and whether
    it is within the tolerance (the limits included)."""

    feature: Name
    value_mm: float
    deviation_mm: float = Field(description="Measured minus nominal")
    passed: bool


class ChartKind(StrEnum):
    XBAR = "x-bar"
    RANGE = "R"
    STD_DEV = "S"
    INDIVIDUALS = "individuals"
    MOVING_RANGE = "moving range"
    P = "p"
    U = "u"


class ControlChart(_Value):
    """Points with their centre line and control limits. Limits and sigma are given for each
    point: they vary with the subgroup size on p and u charts. `sigma` is the standard error
    of the plotted statistic, which sets the zones (1, 2, 3 sigma) of the run rules."""

    kind: ChartKind
    points: Statistics
    centre: Statistic
    lower: Statistics
    upper: Statistics
    sigma: Annotated[
        list[Annotated[float, Field(ge=0, le=MAX_STATISTIC)]], Field(max_length=MAX_POINTS)
    ]

    @model_validator(mode="after")
    def _one_limit_per_point(self) -> "ControlChart":
        sizes = {len(self.points), len(self.lower), len(self.upper), len(self.sigma)}
        if len(sizes) != 1:
            raise ValueError(
                f"{len(self.points)} points need as many lower and upper limits and sigmas; "
                f"got {len(self.lower)}, {len(self.upper)} and {len(self.sigma)}"
            )
        return self


class SubgroupCharts(_Value):
    """A location chart with its spread chart (x-bar with R or S, individuals with moving
    range), and the within-subgroup sigma they estimate."""

    location: ControlChart
    spread: ControlChart
    sigma_within: float = Field(ge=0)


class Rule(StrEnum):
    """Run rules for control charts: Western Electric (WE) and Nelson (N)."""

    WE1 = "WE1"
    WE2 = "WE2"
    WE3 = "WE3"
    WE4 = "WE4"
    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    N4 = "N4"
    N5 = "N5"
    N6 = "N6"
    N7 = "N7"
    N8 = "N8"

    @property
    def description(self) -> str:
        return RULE_DESCRIPTIONS[self]


RULE_DESCRIPTIONS: dict[Rule, str] = {
    Rule.WE1: "a point beyond 3 sigma",
    Rule.WE2: "2 of 3 points in a row beyond 2 sigma, on the same side",
    Rule.WE3: "4 of 5 points in a row beyond 1 sigma, on the same side",
    Rule.WE4: "8 points in a row on the same side of the centre line",
    Rule.N1: "a point beyond 3 sigma",
    Rule.N2: "9 points in a row on the same side of the centre line",
    Rule.N3: "6 points in a row steadily increasing or decreasing",
    Rule.N4: "14 points in a row alternating up and down",
    Rule.N5: "2 of 3 points in a row beyond 2 sigma, on the same side",
    Rule.N6: "4 of 5 points in a row beyond 1 sigma, on the same side",
    Rule.N7: "15 points in a row within 1 sigma, on either side",
    Rule.N8: "8 points in a row beyond 1 sigma, on both sides",
}


class Side(StrEnum):
    """Where a violation's points lie: above or below the centre line, rising or falling,
    or on both sides."""

    ABOVE = "above"
    BELOW = "below"
    RISING = "rising"
    FALLING = "falling"
    BOTH = "both"


class Violation(_Value):
    """Points of a chart that break a run rule, merged while the rule keeps firing."""

    rule: Rule
    side: Side
    points: list[int] = Field(min_length=1, description="Indexes of the points in the pattern")
    at: int = Field(ge=0, description="Index of the point that first completed the pattern")


class Capability(_Value):
    """Process capability against specification limits.

    Cp and Cpk use the within-subgroup sigma (short-term: R-bar/d2, S-bar/c4 or MR-bar/d2);
    Pp and Ppk the overall sample standard deviation (long-term)."""

    observations: int = Field(ge=2)
    mean: float
    lower: float
    upper: float
    sigma_within: float = Field(gt=0)
    sigma_overall: float = Field(gt=0)
    cp: float
    cpk: float
    pp: float
    ppk: float
