"""Shewhart control charts: x-bar with R or S (subgroups), individuals with moving range,
and p and u charts (attributes).

Limits are the centre line ± 3 standard errors of the plotted statistic, with the factors of
`chart_constants` for variables charts. On p and u charts the standard error, and so the
limits, vary with each subgroup's size: p-bar ± 3 sqrt(p-bar (1 - p-bar) / n_i) and
u-bar ± 3 sqrt(u-bar / n_i), a lower limit below 0 set to 0 (and a p chart's upper limit
above 1 set to 1). Each chart keeps the standard error of each point (`sigma`), which sets
the zones of the run rules (`run_rules`). The limits are trial limits computed from the data
charted (phase I); the moving range chart's point k is the range of individuals k and k + 1.
"""

from collections.abc import Sequence

import numpy as np

from bespoke.model.errors import InputError
from bespoke.model.quality import ChartKind, ControlChart, SubgroupCharts
from bespoke.quality._data import FloatArray, count, finite, subgroup_array, value_array
from bespoke.quality.chart_constants import CONSTANTS, E2

MAX_INSPECTED = 10**9
"""Largest number of items or inspection units in one subgroup of an attributes chart."""


def xbar_r_chart(subgroups: Sequence[Sequence[float]]) -> SubgroupCharts:
    """X-bar and R charts of subgroups of one size (2 to 25); sigma within is R-bar/d2."""
    data = subgroup_array(subgroups)
    factors = CONSTANTS[data.shape[1]]
    means, ranges = data.mean(axis=1), np.ptp(data, axis=1)
    grand_mean, mean_range = float(means.mean()), float(ranges.mean())
    return SubgroupCharts(
        location=_chart(ChartKind.XBAR, means, grand_mean, factors.a2 * mean_range / 3),
        spread=_chart(
            ChartKind.RANGE,
            ranges,
            mean_range,
            (factors.d4 - 1) * mean_range / 3,
            lower=factors.d3 * mean_range,
        ),
        sigma_within=mean_range / factors.d2,
    )


def xbar_s_chart(subgroups: Sequence[Sequence[float]]) -> SubgroupCharts:
    """X-bar and S charts of subgroups of one size (2 to 25); sigma within is S-bar/c4."""
    data = subgroup_array(subgroups)
    factors = CONSTANTS[data.shape[1]]
    means, deviations = data.mean(axis=1), data.std(axis=1, ddof=1)
    grand_mean, mean_deviation = float(means.mean()), float(deviations.mean())
    return SubgroupCharts(
        location=_chart(ChartKind.XBAR, means, grand_mean, factors.a3 * mean_deviation / 3),
        spread=_chart(
            ChartKind.STD_DEV,
            deviations,
            mean_deviation,
            (factors.b4 - 1) * mean_deviation / 3,
            lower=factors.b3 * mean_deviation,
        ),
        sigma_within=mean_deviation / factors.c4,
    )


def individuals_chart(values: Sequence[float]) -> SubgroupCharts:
    """Individuals and moving range charts (ranges of two in a row); sigma within is
    MR-bar/d2 with d2 for two."""
    data = value_array(values, "values")
    moving = np.abs(np.diff(data))
    mean_moving = float(moving.mean())
    factors = CONSTANTS[2]
    return SubgroupCharts(
        location=_chart(ChartKind.INDIVIDUALS, data, float(data.mean()), E2 * mean_moving / 3),
        spread=_chart(
            ChartKind.MOVING_RANGE,
            moving,
            mean_moving,
            (factors.d4 - 1) * mean_moving / 3,
            lower=factors.d3 * mean_moving,
        ),
        sigma_within=mean_moving / factors.d2,
    )


def p_chart(nonconforming: Sequence[int], sample_sizes: Sequence[int]) -> ControlChart:
    """p chart of the fraction nonconforming in subgroups of (possibly) different sizes."""
    found, sizes = _attributes(nonconforming, sample_sizes, "sample_sizes")
    if np.any(found > sizes):
        raise InputError(
            "a subgroup cannot have more nonconforming items than items", path="nonconforming"
        )
    p_bar = float(found.sum() / sizes.sum())
    sigma = np.sqrt(p_bar * (1 - p_bar) / sizes)
    return _chart(ChartKind.P, found / sizes, p_bar, sigma, upper_bound=1.0)


def u_chart(nonconformities: Sequence[int], units: Sequence[float]) -> ControlChart:
    """u chart of nonconformities per inspection unit, over (possibly) different numbers of
    units per subgroup."""
    found, sizes = _attributes(nonconformities, units, "units")
    u_bar = float(found.sum() / sizes.sum())
    return _chart(ChartKind.U, found / sizes, u_bar, np.sqrt(u_bar / sizes))


def _attributes(
    counted: Sequence[int], inspected: Sequence[float], name: str
) -> tuple[FloatArray, FloatArray]:
    count(len(counted), "subgroups")
    if len(inspected) != len(counted):
        raise InputError(
            f"{len(counted)} counts need as many {name}, got {len(inspected)}", path=name
        )
    found = finite(np.array(counted, dtype=np.float64), "counts")
    sizes = finite(np.array(inspected, dtype=np.float64), name)
    if np.any(found < 0) or np.any(found != np.round(found)):
        raise InputError("counts must be whole numbers of 0 or more", path="counts")
    if np.any(sizes <= 0) or np.any(sizes > MAX_INSPECTED):
        raise InputError(f"{name} must be above 0 and at most {MAX_INSPECTED}", path=name)
    return found, sizes


def _chart(
    kind: ChartKind,
    points: FloatArray,
    centre: float,
    sigma: FloatArray | float,
    *,
    lower: float | None = None,
    upper_bound: float | None = None,
) -> ControlChart:
    """A chart with limits at centre ± 3 sigma; the lower limit `lower` when given, else never
    below 0 for a statistic that cannot be; the upper limit at most `upper_bound`."""
    sigmas = np.broadcast_to(np.asarray(sigma, dtype=np.float64), points.shape)
    lowers = centre - 3 * sigmas if lower is None else np.full(points.shape, lower)
    if kind is not ChartKind.XBAR and kind is not ChartKind.INDIVIDUALS:
        lowers = np.maximum(lowers, 0.0)
    uppers = centre + 3 * sigmas
    if upper_bound is not None:
        uppers = np.minimum(uppers, upper_bound)
    return ControlChart(
        kind=kind,
        points=points.tolist(),
        centre=centre,
        lower=lowers.tolist(),
        upper=uppers.tolist(),
        sigma=sigmas.tolist(),
    )
