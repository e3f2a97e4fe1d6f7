"""MTBF, MTTR and availability per machine from failure records, on cases worked by hand,
and records that cannot be right refused."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bespoke.maintenance import reliability
from bespoke.model.errors import InputError
from bespoke.model.maintenance import FailureRecord

START = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = 3600.0


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def failure(machine: str, failed: float, repaired: float | None) -> FailureRecord:
    return FailureRecord(
        machine=machine,
        failed_at=at(failed),
        repaired_at=None if repaired is None else at(repaired),
    )


def test_three_failures_in_a_thousand_hours() -> None:
    # Period 0-1000 h. Failures at 100 h (4 h to repair), 400 h (2 h) and 700 h (6 h).
    # Downtime 12 h; operating time 988 h. MTBF = 988 / 3 = 329.33 h; MTTR = 12 / 3 = 4 h;
    # availability = 329.33 / (329.33 + 4) = 0.98800.
    records = [failure("press", 400, 402), failure("press", 100, 104), failure("press", 700, 706)]
    (press,) = reliability(records, at(0), at(1000)).values()
    assert (press.failures, press.repairs) == (3, 3)
    assert (press.downtime_s, press.operating_s) == (12 * HOUR, 988 * HOUR)
    assert press.mtbf_s == pytest.approx(988 / 3 * HOUR)
    assert press.mttr_s == pytest.approx(4 * HOUR)
    assert press.availability == pytest.approx(0.98800, abs=1e-5)


def test_failures_cut_by_the_period_and_one_not_repaired_yet() -> None:
    # Period 100-300 h. A failure 90-110 h: 10 h down in the period, but it opened before,
    # so it is not one of the period's failures. A failure at 150 h repaired at 160 h, and
    # one at 290 h not repaired: down to the end, 10 h. Downtime 10 + 10 + 10 = 30 h;
    # operating 170 h; two failures: MTBF 85 h; one repair of 10 h: MTTR 10 h;
    # availability 85 / 95 = 0.894737.
    records = [failure("lathe", 90, 110), failure("lathe", 150, 160), failure("lathe", 290, None)]
    lathe = reliability(records, at(100), at(300))["lathe"]
    assert (lathe.failures, lathe.repairs, lathe.downtime_s) == (2, 1, 30 * HOUR)
    assert (lathe.mtbf_s, lathe.mttr_s) == (85 * HOUR, 10 * HOUR)
    assert lathe.availability == pytest.approx(85 / 95)


def test_machines_without_failures_have_no_mtbf_mttr_or_availability() -> None:
    figures = reliability([failure("press", 10, 12)], at(0), at(100), machines=["laser"])
    assert list(figures) == ["laser", "press"]
    laser = figures["laser"]
    assert (laser.failures, laser.operating_s, laser.period_s) == (0, 100 * HOUR, 100 * HOUR)
    assert (laser.mtbf_s, laser.mttr_s, laser.availability) == (None, None, None)


def test_overlapping_records_and_repairs_before_failures_are_refused() -> None:
    with pytest.raises(InputError, match="opens before the repair of the one at"):
        reliability([failure("press", 10, 30), failure("press", 20, 40)], at(0), at(100))
    with pytest.raises(InputError, match="do not overlap"):
        reliability([failure("press", 10, None), failure("press", 20, 40)], at(0), at(100))
    with pytest.raises(ValidationError, match="not after it failed"):
        failure("press", 30, 20)
    with pytest.raises(InputError, match="before it starts"):
        reliability([], at(10), at(5))
    # Back to back is not an overlap; other machines' records do not clash.
    fine = [failure("press", 10, 20), failure("press", 20, 30), failure("lathe", 15, 25)]
    assert reliability(fine, at(0), at(100))["press"].downtime_s == 20 * HOUR
