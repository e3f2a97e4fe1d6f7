"""Control charts on Montgomery's piston rings and on cases worked by hand, the table of chart
factors against their definitions, run rules on series built to break each rule exactly
where expected, and process capability."""

import csv
import math
import statistics

import numpy as np
import pytest
from scipy import integrate, special
from tests.helpers import ROOT

from bespoke.model.errors import InputError
from bespoke.model.quality import ChartKind, ControlChart, Rule, Side, Violation
from bespoke.quality.capability import capability, individuals_capability
from bespoke.quality.chart_constants import CONSTANTS, E2
from bespoke.quality.run_rules import NELSON, WESTERN_ELECTRIC, violations
from bespoke.quality.spc import (
    individuals_chart,
    p_chart,
    u_chart,
    xbar_r_chart,
    xbar_s_chart,
)


@pytest.fixture(scope="module")
def rings() -> list[list[float]]:
    """Montgomery's Table 6.3: 25 subgroups of 5 piston-ring inside diameters (mm)."""
    path = ROOT / "tests" / "fixtures" / "quality" / "piston_rings.csv"
    subgroups: dict[int, list[float]] = {}
    with path.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            subgroups.setdefault(int(row["sample"]), []).append(float(row["diameter_mm"]))
    assert len(subgroups) == 25 and {len(s) for s in subgroups.values()} == {5}
    return list(subgroups.values())


def test_xbar_r_chart_of_the_piston_rings_matches_montgomery(rings: list[list[float]]) -> None:
    charts = xbar_r_chart(rings)
    xbar, r = charts.location, charts.spread
    assert (xbar.kind, r.kind) == (ChartKind.XBAR, ChartKind.RANGE)
    assert xbar.centre == pytest.approx(74.00118, abs=5e-6)
    assert xbar.upper == pytest.approx([74.01431] * 25, abs=5e-6)
    assert xbar.lower == pytest.approx([73.98804] * 25, abs=5e-6)
    assert r.centre == pytest.approx(0.02276, abs=5e-6)
    assert r.upper[0] == pytest.approx(0.04812, abs=1e-5)
    assert set(r.lower) == {0.0}
    assert xbar.points[0] == pytest.approx(74.0102)
    assert r.points[0] == pytest.approx(0.038)
    assert charts.sigma_within == pytest.approx(0.02276 / 2.326, rel=1e-4)
    # Montgomery finds the 25 trial subgroups in control.
    assert violations(xbar, NELSON) == [] and violations(r, NELSON) == []


def test_xbar_s_chart_of_the_piston_rings(rings: list[list[float]]) -> None:
    charts = xbar_s_chart(rings)
    s_bar = statistics.fmean(statistics.stdev(subgroup) for subgroup in rings)
    grand = statistics.fmean(statistics.fmean(subgroup) for subgroup in rings)
    assert charts.spread.kind is ChartKind.STD_DEV
    assert charts.spread.centre == pytest.approx(s_bar)
    assert charts.spread.upper[0] == pytest.approx(2.089 * s_bar)
    assert charts.spread.lower[0] == 0.0
    assert charts.location.upper[0] == pytest.approx(grand + 1.427 * s_bar)
    assert charts.location.lower[0] == pytest.approx(grand - 1.427 * s_bar)
    assert charts.sigma_within == pytest.approx(s_bar / 0.9400)


def test_r_and_s_charts_of_larger_subgroups_have_a_lower_limit() -> None:
    rng = np.random.default_rng(7)
    subgroups = rng.normal(10, 1, size=(20, 10)).tolist()
    r_chart = xbar_r_chart(subgroups).spread
    assert r_chart.lower[0] == pytest.approx(0.223 * r_chart.centre)
    assert r_chart.upper[0] == pytest.approx(1.777 * r_chart.centre)
    s_chart = xbar_s_chart(subgroups).spread
    assert s_chart.lower[0] == pytest.approx(0.284 * s_chart.centre)


def test_individuals_and_moving_range_worked_by_hand() -> None:
    charts = individuals_chart([10, 12, 11, 13, 12])
    i_chart, mr_chart = charts.location, charts.spread
    assert i_chart.points == [10, 12, 11, 13, 12]
    assert mr_chart.points == [2, 1, 2, 1]
    assert i_chart.centre == pytest.approx(11.6)
    assert i_chart.upper[0] == pytest.approx(11.6 + 2.660 * 1.5)
    assert i_chart.lower[0] == pytest.approx(11.6 - 2.660 * 1.5)
    assert (mr_chart.centre, mr_chart.lower[0]) == (1.5, 0.0)
    assert mr_chart.upper[0] == pytest.approx(3.267 * 1.5)
    assert charts.sigma_within == pytest.approx(1.5 / 1.128)


def test_p_chart_limits_vary_with_the_subgroup_size() -> None:
    found, sizes = [5, 8, 3, 12, 6], [100, 120, 80, 150, 400]
    chart = p_chart(found, sizes)
    p_bar = sum(found) / sum(sizes)
    assert chart.centre == pytest.approx(p_bar)
    assert chart.points == pytest.approx([f / n for f, n in zip(found, sizes, strict=True)])
    for n, lower, upper in zip(sizes, chart.lower, chart.upper, strict=True):
        sigma = math.sqrt(p_bar * (1 - p_bar) / n)
        assert upper == pytest.approx(p_bar + 3 * sigma)
        assert lower == pytest.approx(max(0.0, p_bar - 3 * sigma))
    assert chart.lower[:4] == [0.0] * 4 and chart.lower[4] > 0


def test_a_p_chart_flags_a_point_beyond_its_own_limit() -> None:
    # 6 % nonconforming is inside the limits of a subgroup of 50, beyond those of 1000.
    chart = p_chart([1] * 20 + [60], [50] * 20 + [1000])
    assert chart.upper[20] < 0.06 < chart.upper[0]
    assert violations(chart, [Rule.N1]) == [
        Violation(rule=Rule.N1, side=Side.ABOVE, points=[20], at=20)
    ]


def test_a_p_chart_without_nonconforming_items_has_no_spread_and_no_violations() -> None:
    chart = p_chart([0, 0, 0], [20, 30, 40])
    assert (chart.centre, chart.upper, chart.sigma) == (0.0, [0.0] * 3, [0.0] * 3)
    assert violations(chart, NELSON) == []


def test_u_chart_limits_vary_with_the_inspection_units() -> None:
    found, units = [10, 12, 8, 14, 10, 16, 11], [1.0, 1.0, 1.0, 1.0, 1.5, 1.5, 0.5]
    chart = u_chart(found, units)
    u_bar = sum(found) / sum(units)
    assert chart.kind is ChartKind.U
    for n, lower, upper in zip(units, chart.lower, chart.upper, strict=True):
        assert upper == pytest.approx(u_bar + 3 * math.sqrt(u_bar / n))
        assert lower == pytest.approx(max(0.0, u_bar - 3 * math.sqrt(u_bar / n)))


def test_the_table_of_factors_agrees_with_their_definitions() -> None:
    def d2(n: int) -> float:
        """The expected range of n standard normal values."""
        expected_range = integrate.quad(
            lambda x: 1 - special.ndtr(-x) ** n - special.ndtr(x) ** n, -np.inf, np.inf
        )
        return float(expected_range[0])

    for n, f in CONSTANTS.items():
        c4 = math.sqrt(2 / (n - 1)) * math.exp(
            special.gammaln(n / 2) - special.gammaln((n - 1) / 2)
        )
        spread, range_factor = 3 * math.sqrt(1 - c4**2) / c4, d2(n)
        assert f.c4 == pytest.approx(c4, abs=5e-5), n
        assert f.d2 == pytest.approx(range_factor, abs=5e-4), n
        assert f.a2 == pytest.approx(3 / (range_factor * math.sqrt(n)), abs=6e-4), n
        assert f.a3 == pytest.approx(3 / (c4 * math.sqrt(n)), abs=6e-4), n
        assert f.b3 == pytest.approx(max(0.0, 1 - spread), abs=6e-4), n
        assert f.b4 == pytest.approx(1 + spread, abs=6e-4), n
        assert f.d3 == 0 or f.d3 + f.d4 == pytest.approx(2, abs=1.5e-3), n
    assert pytest.approx(3 / CONSTANTS[2].d2, abs=5e-4) == E2


# A series (in sigmas from the centre line) that breaks no rule: no 6 points rising or
# falling, no 8 on one side, at most 6 within 1 sigma, ties that break alternation.
QUIET = [0.5, -0.5, 1.5, -0.3, 0.2, 1.2, -0.8, -0.8, -0.6, 0.3] * 4


def chart_of(changes: dict[int, float]) -> ControlChart:
    """The quiet series with the points `changes` names replaced, on a chart of centre 0 and
    sigma 1."""
    z = [changes.get(k, value) for k, value in enumerate(QUIET)]
    n = len(z)
    return ControlChart(
        kind=ChartKind.INDIVIDUALS,
        points=z,
        centre=0.0,
        lower=[-3.0] * n,
        upper=[3.0] * n,
        sigma=[1.0] * n,
    )


def found(changes: dict[int, float], rule: Rule) -> list[tuple[Side, list[int], int]]:
    return [(v.side, v.points, v.at) for v in violations(chart_of(changes), [rule])]


def test_the_quiet_series_breaks_no_rule() -> None:
    assert violations(chart_of({}), [*WESTERN_ELECTRIC, *NELSON]) == []


@pytest.mark.parametrize("rule", [Rule.WE1, Rule.N1])
def test_a_point_beyond_3_sigma(rule: Rule) -> None:
    changes = {12: 3.5, 30: -3.2, 20: 3.0}  # 3.0 is on the limit, not beyond
    assert found(changes, rule) == [(Side.ABOVE, [12], 12), (Side.BELOW, [30], 30)]


@pytest.mark.parametrize("rule", [Rule.WE2, Rule.N5])
def test_two_of_three_beyond_2_sigma_on_one_side(rule: Rule) -> None:
    changes = {5: 2.5, 7: 2.2, 20: 2.5, 21: -2.5, 33: -2.1, 34: -2.6}
    assert found(changes, rule) == [(Side.ABOVE, [5, 7], 7), (Side.BELOW, [33, 34], 34)]


@pytest.mark.parametrize("rule", [Rule.WE3, Rule.N6])
def test_four_of_five_beyond_1_sigma_on_one_side(rule: Rule) -> None:
    # Point 15 (1.2 in the quiet series) makes a second window 11 to 15 with 11, 12 and 14.
    above = {10: 1.2, 11: 1.5, 13: 0.4, 14: 1.1}
    below = {22: -1.5, 23: -1.5, 24: -1.5, 25: -1.5}
    assert found({**above, **below}, rule) == [
        (Side.ABOVE, [10, 11, 12, 14, 15], 14),
        (Side.BELOW, [22, 23, 24, 25], 25),
    ]


def test_eight_in_a_row_on_one_side() -> None:
    eight = {9: -0.3, **dict.fromkeys(range(10, 18), 0.4)}
    nine = dict.fromkeys(range(20, 29), -0.4)
    broken = {**dict.fromkeys(range(30, 38), 0.4), 33: 0.0}  # on the centre line
    changes = {**eight, **nine, **broken}
    assert found(changes, Rule.WE4) == [
        (Side.ABOVE, list(range(10, 18)), 17),
        (Side.BELOW, list(range(20, 29)), 27),
    ]
    assert found(changes, Rule.N2) == [(Side.BELOW, list(range(20, 29)), 28)]


def test_six_in_a_row_rising_or_falling() -> None:
    rising = dict(zip(range(10, 16), [-1.0, -0.6, -0.2, 0.2, 0.6, 1.0], strict=True))
    five = dict(zip(range(20, 25), [2.0, 1.5, 1.0, 0.5, 0.0], strict=True))
    falling = dict(zip(range(30, 37), [1.2, 0.8, 0.4, 0.0, -0.4, -0.8, -1.2], strict=True))
    assert found({**rising, **five, **falling}, Rule.N3) == [
        (Side.RISING, list(range(10, 16)), 15),
        (Side.FALLING, list(range(30, 37)), 35),
    ]


def test_fourteen_in_a_row_alternating() -> None:
    fourteen = {k: 0.5 if k % 2 == 0 else -0.5 for k in range(10, 24)}
    changes = {9: 0.5, **fourteen, 24: -0.5}  # ties before and after end the alternation
    assert found(changes, Rule.N4) == [(Side.BOTH, list(range(10, 24)), 23)]
    thirteen = {9: 0.5, **fourteen, 23: 0.5}
    assert found(thirteen, Rule.N4) == []


def test_fifteen_in_a_row_within_1_sigma() -> None:
    changes = {9: 1.1, 12: 0.9, 15: -0.9, 22: 0.1}
    assert found(changes, Rule.N7) == [(Side.BOTH, list(range(10, 25)), 24)]
    assert found({**changes, 17: 1.0}, Rule.N7) == []  # 1 sigma is not within


def test_eight_in_a_row_beyond_1_sigma_on_both_sides() -> None:
    both = {k: 1.5 if k % 2 == 0 else -1.5 for k in range(10, 18)}
    one_side = dict.fromkeys(range(25, 33), 1.5)
    assert found({**both, **one_side}, Rule.N8) == [(Side.BOTH, list(range(10, 18)), 17)]


def test_violations_name_their_rule_and_come_in_the_order_signalled() -> None:
    chart = chart_of({12: 3.5, **dict.fromkeys(range(20, 29), -0.4)})
    signalled = violations(chart, NELSON)
    # The nine points at -0.4 also make 16 in a row within 1 sigma, 16 to 31.
    assert [(v.rule, v.at) for v in signalled] == [(Rule.N1, 12), (Rule.N2, 28), (Rule.N7, 30)]
    assert Rule.N2.description == "9 points in a row on the same side of the centre line"


def test_capability_of_the_piston_rings(rings: list[list[float]]) -> None:
    result = capability(rings, 73.95, 74.05)
    values = [value for subgroup in rings for value in subgroup]
    sigma_within = 0.02276 / 2.326
    sigma_overall = statistics.stdev(values)
    mean = statistics.fmean(values)
    assert result.observations == 125
    assert result.sigma_within == pytest.approx(sigma_within, rel=1e-4)
    assert result.cp == pytest.approx(0.1 / (6 * sigma_within), rel=1e-4)
    assert result.cp == pytest.approx(1.70, abs=0.005)
    assert result.cpk == pytest.approx(
        (mean - 73.95 if mean < 74 else 74.05 - mean) / (3 * sigma_within), rel=1e-4
    )
    assert result.pp == pytest.approx(0.1 / (6 * sigma_overall))
    assert result.ppk == pytest.approx((74.05 - mean) / (3 * sigma_overall))
    by_s = capability(rings, 73.95, 74.05, within="std")
    assert by_s.sigma_within == pytest.approx(xbar_s_chart(rings).sigma_within)
    assert by_s.pp == result.pp


def test_capability_of_individuals() -> None:
    result = individuals_capability([10, 12, 11, 13, 12], 5, 18)
    assert result.sigma_within == pytest.approx(1.5 / 1.128)
    assert result.cp == pytest.approx(13 / (6 * 1.5 / 1.128))
    assert result.cpk == pytest.approx((18 - 11.6) / (3 * 1.5 / 1.128))


@pytest.mark.parametrize(
    ("lower", "upper", "message"),
    [
        (None, 74.05, "the lower specification limit is missing"),
        (73.95, None, "the upper specification limit is missing"),
        (None, None, "the lower and upper specification limit is missing"),
        (74.05, 73.95, "the lower below the upper"),
        (74.0, 74.0, "the lower below the upper"),
        (-math.inf, 74.0, "must be finite"),
    ],
)
def test_capability_needs_both_limits_in_order(
    rings: list[list[float]], lower: float | None, upper: float | None, message: str
) -> None:
    with pytest.raises(InputError) as refused:
        capability(rings, lower, upper)
    assert message in str(refused.value)


def test_capability_needs_two_points_that_vary() -> None:
    with pytest.raises(InputError, match="1 values: a chart or a capability study needs 2"):
        individuals_capability([10.0], 9, 11)
    with pytest.raises(InputError, match="sigma of 0"):
        individuals_capability([10.0, 10.0, 10.0], 9, 11)
    with pytest.raises(InputError, match="1 subgroups"):
        capability([[1.0, 2.0]], 0, 3)
    with pytest.raises(InputError, match="use range or std"):
        capability([[1.0, 2.0], [1.5, 2.5]], 0, 3, within="sd")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("subgroups", "message"),
    [
        ([[1.0, 2.0], [1.0, 2.0, 3.0]], "every subgroup must have the same size"),
        ([[1.0], [2.0]], "a subgroup has 2 to 25 values"),
        ([[1.0] * 26, [2.0] * 26], "a subgroup has 2 to 25 values"),
        ([[1.0, 2.0]], "1 subgroups"),
        ([[1.0, math.nan], [1.0, 2.0]], "must be finite"),
        ([[1.0, 1e13], [1.0, 2.0]], "must be finite numbers within"),
    ],
)
def test_bad_subgroups_are_refused(subgroups: list[list[float]], message: str) -> None:
    for chart in (xbar_r_chart, xbar_s_chart):
        with pytest.raises(InputError) as refused:
            chart(subgroups)
        assert message in str(refused.value)


def test_bad_attribute_counts_are_refused() -> None:
    with pytest.raises(InputError, match="more nonconforming items than items"):
        p_chart([5, 11], [10, 10])
    with pytest.raises(InputError, match="whole numbers of 0 or more"):
        p_chart([-1, 2], [10, 10])
    with pytest.raises(InputError, match="3 counts need as many sample_sizes, got 2"):
        p_chart([1, 2, 3], [10, 10])
    with pytest.raises(InputError, match="units must be above 0"):
        u_chart([1, 2], [1.0, 0.0])
    with pytest.raises(InputError, match="1 subgroups"):
        u_chart([1], [1.0])


def test_a_chart_needs_a_limit_and_a_sigma_for_each_point() -> None:
    with pytest.raises(ValueError, match="2 points need as many lower and upper limits"):
        ControlChart(
            kind=ChartKind.P, points=[0.1, 0.2], centre=0.1, lower=[0], upper=[1], sigma=[0.1]
        )
