"""Measured data for charts and capability, checked: bounded counts, finite values, subgroups
of one size that the table of chart factors covers."""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bespoke.model.errors import InputError
from bespoke.model.quality import MAX_POINTS, MAX_STATISTIC
from bespoke.quality.chart_constants import LARGEST_SUBGROUP, SMALLEST_SUBGROUP

FloatArray = npt.NDArray[np.float64]


def subgroup_array(subgroups: Sequence[Sequence[float]]) -> FloatArray:
    """The subgroups as a (subgroups x size) array.

    Raises InputError unless there are 2 to MAX_POINTS subgroups, all of one size from 2
    to 25, of finite values."""
    count(len(subgroups), "subgroups")
    sizes = {len(subgroup) for subgroup in subgroups}
    if len(sizes) != 1:
        raise InputError(
            f"subgroups of sizes {sorted(sizes)}: every subgroup must have the same size",
            path="subgroups",
        )
    size = sizes.pop()
    if not SMALLEST_SUBGROUP <= size <= LARGEST_SUBGROUP:
        raise InputError(
            f"subgroups of {size}: a subgroup has {SMALLEST_SUBGROUP} to {LARGEST_SUBGROUP} "
            "values (chart individuals one by one)",
            path="subgroups",
        )
    return finite(np.array(subgroups, dtype=np.float64), "subgroups")


def value_array(values: Sequence[float], name: str) -> FloatArray:
    """`values` as an array; InputError unless there are 2 to MAX_POINTS finite values."""
    count(len(values), name)
    return finite(np.array(values, dtype=np.float64), name)


def count(points: int, name: str) -> None:
    """InputError unless 2 to MAX_POINTS points are given."""
    if not 2 <= points <= MAX_POINTS:
        raise InputError(
            f"{points} {name}: a chart or a capability study needs 2 to {MAX_POINTS}",
            path=name,
        )


def finite(values: FloatArray, name: str) -> FloatArray:
    """`values`, refused with InputError when one is not finite or beyond MAX_STATISTIC."""
    if not np.all(np.isfinite(values)) or np.any(np.abs(values) > MAX_STATISTIC):
        raise InputError(f"{name} must be finite numbers within ±{MAX_STATISTIC:g}", path=name)
    return values
