import math

import pytest

from bespoke.costing.learning import total_time

FLOOR = 0.4


def test_no_learning_is_linear() -> None:
    assert total_time(10.0, 7, 1.0) == pytest.approx(70.0)


def test_one_unit_takes_the_first_time() -> None:
    assert total_time(10.0, 1, 0.85) == pytest.approx(10.0)


def test_small_quantities_sum_unit_times_exactly() -> None:
    b = math.log2(0.8)
    expected = sum(10.0 * k**b for k in range(1, 9))
    assert total_time(10.0, 8, 0.8) == pytest.approx(expected)


def test_each_doubling_cuts_unit_time_by_the_rate() -> None:
    unit_2 = total_time(10.0, 2, 0.8) - total_time(10.0, 1, 0.8)
    unit_4 = total_time(10.0, 4, 0.8) - total_time(10.0, 3, 0.8)
    assert unit_2 == pytest.approx(8.0)
    assert unit_4 == pytest.approx(6.4)


def test_large_quantities_stay_close_to_the_exact_sum() -> None:
    b = math.log2(0.9)
    exact = sum(max(k**b, FLOOR) for k in range(1, 5001))
    assert total_time(1.0, 5000, 0.9, FLOOR) == pytest.approx(exact, rel=1e-4)


def test_unit_time_never_falls_below_the_floor() -> None:
    late_unit = total_time(10.0, 100_001, 0.7, FLOOR) - total_time(10.0, 100_000, 0.7, FLOOR)
    assert late_unit == pytest.approx(10.0 * FLOOR)


def test_without_a_floor_practice_keeps_paying() -> None:
    b = math.log2(0.85)
    exact = sum(k**b for k in range(1, 3001))
    assert total_time(1.0, 3000, 0.85) == pytest.approx(exact, rel=1e-4)
    assert total_time(1.0, 3000, 0.85) < total_time(1.0, 3000, 0.85, FLOOR)
