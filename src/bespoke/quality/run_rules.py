"""Run rules: patterns of points on a control chart that a stable process seldom makes.

Western Electric (Statistical Quality Control Handbook, 1956): WE1 a point beyond 3 sigma;
WE2 2 of 3 points in a row beyond 2 sigma on the same side; WE3 4 of 5 in a row beyond
1 sigma on the same side; WE4 8 in a row on the same side of the centre line.

Nelson (Journal of Quality Technology 16(4), 1984): N1 a point beyond 3 sigma; N2 9 in a row
on the same side; N3 6 in a row steadily increasing or decreasing; N4 14 in a row
alternating up and down; N5 2 of 3 beyond 2 sigma on the same side; N6 4 of 5 beyond 1 sigma
on the same side; N7 15 in a row within 1 sigma on either side; N8 8 in a row beyond 1 sigma
with points on both sides.

Zones are measured in each point's own standard error (`ControlChart.sigma`), so that they
follow the varying limits of p and u charts; "beyond k sigma" is strictly beyond, and a point
on the centre line is on neither side. Trends and alternation compare the plotted values
themselves; a tie breaks them. A pattern is found in a window of consecutive points; windows
of one rule and side that overlap are one violation, listing the points that make the
pattern (for "k of m", the k or more beyond the zone).
"""

from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from bespoke.model.quality import ControlChart, Rule, Side, Violation
from bespoke.quality._data import FloatArray

WESTERN_ELECTRIC = (Rule.WE1, Rule.WE2, Rule.WE3, Rule.WE4)
NELSON = (Rule.N1, Rule.N2, Rule.N3, Rule.N4, Rule.N5, Rule.N6, Rule.N7, Rule.N8)


class _Match(NamedTuple):
    """A window of points that shows a rule's pattern."""

    start: int
    end: int
    points: tuple[int, ...]
    side: Side


Finder = Callable[[FloatArray, FloatArray], list[_Match]]
"""Finds a rule's windows from the points' zones (z) and values (x)."""


def violations(chart: ControlChart, rules: Iterable[Rule] = WESTERN_ELECTRIC) -> list[Violation]:
    """The violations of `rules` on `chart`, in the order they were signalled."""
    values = np.array(chart.points, dtype=np.float64)
    zones = _zones(values, chart.centre, np.array(chart.sigma, dtype=np.float64))
    found = [
        violation
        for rule in dict.fromkeys(rules)
        for violation in _merged(rule, _FINDERS[rule](zones, values))
    ]
    return sorted(found, key=lambda violation: (violation.at, violation.rule))


def _zones(values: FloatArray, centre: float, sigma: FloatArray) -> FloatArray:
    """Each point's distance from the centre line in its standard errors; a point off the
    centre line of a chart with no spread is infinitely far."""
    offset = values - centre
    safe = np.where(sigma > 0, sigma, 1.0)
    endless = np.where(offset == 0, 0.0, np.copysign(np.inf, offset))
    return np.where(sigma > 0, offset / safe, endless)


def _merged(rule: Rule, matches: list[_Match]) -> list[Violation]:
    merged: list[Violation] = []
    for side in Side:
        end = -1
        points: set[int] = set()
        at = 0
        for match in (m for m in matches if m.side is side):
            if points and match.start > end:
                merged.append(Violation(rule=rule, side=side, points=sorted(points), at=at))
                points = set()
            if not points:
                at = max(match.points)
            points.update(match.points)
            end = max(end, match.end)
        if points:
            merged.append(Violation(rule=rule, side=side, points=sorted(points), at=at))
    return merged


def _beyond(limit: float, of: int = 1, within: int = 1) -> Finder:
    """`of` points of `within` in a row beyond `limit` sigma, on the same side."""

    def find(z: FloatArray, _x: FloatArray) -> list[_Match]:
        matches = []
        for end in range(within - 1, len(z)):
            start = end - within + 1
            for side, sign in ((Side.ABOVE, 1), (Side.BELOW, -1)):
                points = tuple(k for k in range(start, end + 1) if sign * z[k] > limit)
                if len(points) >= of:
                    matches.append(_Match(start, end, points, side))
        return matches

    return find


def _in_a_row(length: int, side_of: Callable[[FloatArray, FloatArray], Side | None]) -> Finder:
    """`length` points in a row whose zones and values `side_of` names a side for."""

    def find(z: FloatArray, x: FloatArray) -> list[_Match]:
        matches = []
        for end in range(length - 1, len(z)):
            start = end - length + 1
            side = side_of(z[start : end + 1], x[start : end + 1])
            if side is not None:
                matches.append(_Match(start, end, tuple(range(start, end + 1)), side))
        return matches

    return find


def _same_side(z: FloatArray, _x: FloatArray) -> Side | None:
    if np.all(z > 0):
        return Side.ABOVE
    if np.all(z < 0):
        return Side.BELOW
    return None


def _trend(_z: FloatArray, x: FloatArray) -> Side | None:
    steps = np.diff(x)
    if np.all(steps > 0):
        return Side.RISING
    if np.all(steps < 0):
        return Side.FALLING
    return None


def _alternating(_z: FloatArray, x: FloatArray) -> Side | None:
    signs = np.sign(np.diff(x))
    alternate = np.all(signs != 0) and np.all(signs[1:] == -signs[:-1])
    return Side.BOTH if alternate else None


def _within_one(z: FloatArray, _x: FloatArray) -> Side | None:
    return Side.BOTH if np.all(np.abs(z) < 1) else None


def _beyond_one_both_sides(z: FloatArray, _x: FloatArray) -> Side | None:
    spread = np.all(np.abs(z) > 1) and np.any(z > 0) and np.any(z < 0)
    return Side.BOTH if spread else None


_FINDERS: dict[Rule, Finder] = {
    Rule.WE1: _beyond(3),
    Rule.WE2: _beyond(2, of=2, within=3),
    Rule.WE3: _beyond(1, of=4, within=5),
    Rule.WE4: _in_a_row(8, _same_side),
    Rule.N1: _beyond(3),
    Rule.N2: _in_a_row(9, _same_side),
    Rule.N3: _in_a_row(6, _trend),
    Rule.N4: _in_a_row(14, _alternating),
    Rule.N5: _beyond(2, of=2, within=3),
    Rule.N6: _beyond(1, of=4, within=5),
    Rule.N7: _in_a_row(15, _within_one),
    Rule.N8: _in_a_row(8, _beyond_one_both_sides),
}
