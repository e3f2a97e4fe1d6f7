"""Process capability: how the spread of a process compares with its specification limits.

Cp = (USL - LSL) / 6 sigma and Cpk = min(USL - mean, mean - LSL) / 3 sigma, with the
within-subgroup (short-term) sigma: R-bar/d2 or S-bar/c4 of rational subgroups, MR-bar/d2
of individuals. Pp and Ppk are the same with the overall sample standard deviation of all
the values (n - 1 in the denominator, long-term).

The indices mean what they claim only when the measurements are independent, the process
is stable (in statistical control: check the control chart and its run rules first) and
its values are normally distributed; none of this is tested here. Both specification limits
are needed (one-sided indices are not computed), and at least 2 values.
"""

import math
from collections.abc import Sequence
from typing import Literal

from bespoke.model.errors import InputError
from bespoke.model.quality import Capability
from bespoke.quality._data import FloatArray, subgroup_array, value_array
from bespoke.quality.spc import individuals_chart, xbar_r_chart, xbar_s_chart

Within = Literal["range", "std"]
"""How the within-subgroup sigma is estimated: R-bar/d2 or S-bar/c4."""


def capability(
    subgroups: Sequence[Sequence[float]],
    lower: float | None,
    upper: float | None,
    within: Within = "range",
) -> Capability:
    """Cp, Cpk, Pp and Ppk of subgroups of one size (2 to 25) against the limits."""
    if within not in ("range", "std"):
        raise InputError(f"unknown sigma estimate {within!r}: use range or std", path="within")
    charts = xbar_r_chart(subgroups) if within == "range" else xbar_s_chart(subgroups)
    return _indices(subgroup_array(subgroups).ravel(), lower, upper, charts.sigma_within)


def individuals_capability(
    values: Sequence[float], lower: float | None, upper: float | None
) -> Capability:
    """Cp, Cpk, Pp and Ppk of individual values against the limits (sigma within MR-bar/d2)."""
    sigma_within = individuals_chart(values).sigma_within
    return _indices(value_array(values, "values"), lower, upper, sigma_within)


def _indices(
    values: FloatArray, lower: float | None, upper: float | None, sigma_within: float
) -> Capability:
    if lower is None or upper is None:
        missing = " and ".join(
            name for name, limit in (("lower", lower), ("upper", upper)) if limit is None
        )
        raise InputError(
            f"the {missing} specification limit is missing: capability needs both limits",
            path="limits",
        )
    if not (math.isfinite(lower) and math.isfinite(upper) and lower < upper):
        raise InputError(
            f"specification limits {lower:g} to {upper:g}: they must be finite, the lower "
            "below the upper",
            path="limits",
        )
    sigma_overall = float(values.std(ddof=1))
    if sigma_within <= 0 or sigma_overall <= 0:
        raise InputError(
            "the values do not vary: capability is undefined for a sigma of 0", path="values"
        )
    mean = float(values.mean())
    width, nearest = upper - lower, min(upper - mean, mean - lower)
    return Capability(
        observations=values.size,
        mean=mean,
        lower=lower,
        upper=upper,
        sigma_within=sigma_within,
        sigma_overall=sigma_overall,
        cp=width / (6 * sigma_within),
        cpk=nearest / (3 * sigma_within),
        pp=width / (6 * sigma_overall),
        ppk=nearest / (3 * sigma_overall),
    )
