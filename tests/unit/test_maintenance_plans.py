"""Maintenance plans and their triggers as given (RFC 5545 rules read and refused, bounds,
defaults), meters counting a machine's use from readings, observations and booked work,
and due work handed to the schedule as a job or a closure."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bespoke.maintenance import (
    closure_from_request,
    maintenance_job,
    reading_from_observation,
    readings_from_usage,
    recorded,
    work_usage,
)
from bespoke.maintenance.schedule import FAMILY, WEIGHT
from bespoke.model.errors import InputError
from bespoke.model.execution import WorkOrderLedger, WorkOrderStatus
from bespoke.model.maintenance import (
    CalendarTrigger,
    CatchUp,
    ConditionTrigger,
    Due,
    MaintenancePlan,
    MaintenanceRequest,
    Meter,
    MeterReading,
    PartUsage,
    RequestKind,
    TimeWindow,
    UsageTrigger,
)
from bespoke.model.monitoring import Observation, Signal
from bespoke.model.recurrence import recurrence

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
HOUR = timedelta(hours=1)

PLAN = {
    "id": "laser-1.optics",
    "machine": "laser-1",
    "component": "Cutting head",
    "title": "Clean the optics and check the nozzle",
    "trigger": {"kind": "calendar", "rule": "DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY"},
    "tasks": ["Clean the protective window", "Centre the nozzle"],
    "duration_s": 1800,
    "skills": ["laser-operator"],
    "parts": [{"part": "protective-window-30", "quantity": 1}],
    "window": {"early": -2 * 86400, "late": 3 * 86400},
}


def test_a_plan_reads_its_trigger_by_kind_and_catches_up_by_its_default() -> None:
    plan = MaintenancePlan.model_validate(PLAN)
    assert isinstance(plan.trigger, CalendarTrigger) and plan.catching_up is CatchUp.ALL
    usage = {"kind": "usage", "meter": "cut_m", "every": 5000, "first_at": 5000}
    plan = MaintenancePlan.model_validate({**PLAN, "trigger": usage, "window": {"early": -100}})
    assert isinstance(plan.trigger, UsageTrigger) and plan.catching_up is CatchUp.LATEST
    assert plan.trigger.mark(2) == 15_000
    condition = {"kind": "condition", "item": "chiller_temp", "above": 28, "hold_s": 600}
    plan = MaintenancePlan.model_validate({**PLAN, "trigger": condition, "catch_up": "all"})
    assert isinstance(plan.trigger, ConditionTrigger) and plan.catching_up is CatchUp.ALL
    assert MaintenancePlan.model_validate_json(plan.model_dump_json()) == plan


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "../etc"}, "pattern"),
        ({"duration_s": 8 * 86400}, "less than or equal"),
        ({"tasks": ["x"] * 101}, "at most 100"),
        ({"window": {"early": 3600}}, "less than or equal to 0"),
        ({"window": {"late": 400 * 86400}}, "each at most"),
        ({"trigger": {"kind": "usage", "meter": "cut_m", "every": 0, "first_at": 0}}, "greater"),
        ({"trigger": {"kind": "usage", "meter": "oil_l", "every": 5, "first_at": 0}}, "run_hours"),
        ({"trigger": {"kind": "weekly"}}, "calendar"),
        ({"trigger": {"kind": "condition", "item": "t"}}, "one test"),
        ({"trigger": {"kind": "condition", "item": "t", "above": 1, "below": 0}}, "one test"),
        (
            {"trigger": {"kind": "condition", "item": "t", "above": 1, "signal": "alarm"}},
            "not a number",
        ),
        (
            {
                "trigger": {
                    "kind": "condition",
                    "item": "t",
                    "trend": {"window_s": 60, "limit_per_h": 0},
                }
            },
            "not 0",
        ),
    ],
)
def test_a_plan_out_of_bounds_is_refused_saying_what_is_accepted(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        MaintenancePlan.model_validate({**PLAN, **change})


def test_a_usage_window_reaching_back_a_whole_interval_is_refused() -> None:
    usage = {"kind": "usage", "meter": "run_hours", "every": 250, "first_at": 250}
    with pytest.raises(ValidationError, match="reaches back a whole interval"):
        MaintenancePlan.model_validate({**PLAN, "trigger": usage, "window": {"early": -250}})


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31", "does not fire"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "does not fire"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU", "does not fire"),
        (
            "DTSTART:20250105T070000Z\nRRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
            "does not fire",
        ),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;UNTIL=20251231T000000Z", "before DTSTART"),
        (
            "DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20260106T000000Z;BYHOUR=6",
            "does not fire",
        ),
        ("DTSTART:20260105T070000\nRRULE:FREQ=WEEKLY", "UTC time or a local time"),
        ("DTSTART;TZID=Mars/Olympus:20260105T070000\nRRULE:FREQ=WEEKLY", "Mars/Olympus"),
        ("RRULE:FREQ=WEEKLY", "one DTSTART line and one RRULE line"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY\nRRULE:FREQ=DAILY", "one DTSTART"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=HOURLY", "yearly, monthly, weekly or daily"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;BYEASTER=0", "BYEASTER is not accepted"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;INTERVAL=0", "from 1 to 522"),
        (
            "DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000Z",
            "COUNT and UNTIL",
        ),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=0", "1 to 31 or -31 to -1"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;BYDAY=XX", "invalid 'BYDAY'"),
        ("DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;FREQ=DAILY", "FREQ twice"),
        ("DTSTART:18000105T070000Z\nRRULE:FREQ=WEEKLY", "not in 1970 to 2199"),
        (
            "DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;BYDAY=" + ",".join(["MO"] * 61),
            "at most 60",
        ),
        ("DTSTART:20260105T070000Z\nRRULE:" + "FREQ=WEEKLY;" * 50, "at most 500"),
    ],
)
def test_a_rule_that_is_malformed_or_never_fires_is_refused(rule: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        CalendarTrigger(rule=rule)
    assert "a rule is two lines" in str(refused.value) and refused.value.path == "rule"


def test_rules_that_fire_are_read_with_their_defaults_spelt_out() -> None:
    rule = "DTSTART;TZID=Europe/Berlin:20260105T070000\nRRULE:FREQ=MONTHLY;BYSETPOS=-1;" + (
        "BYDAY=MO,TU,WE,TH,FR"
    )
    found = recurrence(rule)
    first = next(iter(found.rule))
    assert (first.date().isoformat(), first.hour) == ("2026-01-30", 7)
    # Every 4 years on 29 February, from a leap year; the last day of February.
    assert CalendarTrigger(
        rule="DTSTART:20240101T000000Z\nRRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"
    )
    assert CalendarTrigger(
        rule="DTSTART:20260101T000000Z\nRRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-1"
    )


# Meters


def reading(value: float, hours: float, reset: bool = False) -> MeterReading:
    return MeterReading(
        machine="laser-1", meter=Meter.RUN_HOURS, value=value, at=NOW + hours * HOUR, reset=reset
    )


def test_a_meter_counts_up_through_a_declared_reset() -> None:
    state = recorded(None, reading(1200, 0))
    state = recorded(state, reading(1210, 10))
    assert recorded(state, reading(1210, 10)) == state  # given twice
    state = recorded(state, reading(0, 10, reset=True))  # zeroed after reading 1210
    state = recorded(state, reading(15, 25))
    assert (state.value, state.shown, state.at) == (1225, 15, NOW + 25 * HOUR)
    assert state.rate_per_s == pytest.approx(25 / (25 * 3600))


def test_a_meter_refuses_a_drop_without_a_reset_a_negative_or_an_older_reading() -> None:
    state = recorded(None, reading(1200, 5))
    with pytest.raises(InputError, match=r"went down from 1200 to 1100.*declare a reset"):
        recorded(state, reading(1100, 6))
    with pytest.raises(InputError, match="before its last reading"):
        recorded(state, reading(1300, 4))
    with pytest.raises(InputError, match="counts up from 0"):
        reading(-1, 7)
    other = MeterReading(machine="laser-2", meter=Meter.RUN_HOURS, value=1300, at=NOW + 6 * HOUR)
    with pytest.raises(InputError, match="laser-2 run_hours given for the meter laser-1"):
        recorded(state, other)
    with pytest.raises(ValidationError):
        reading(float("nan"), 8)


def observation(signal: Signal, value: float | str | None) -> Observation:
    return Observation(machine="laser-1", item="counter", signal=signal, value=value, at=NOW)


def test_observations_of_counters_become_meter_readings() -> None:
    hours = reading_from_observation(observation(Signal.RUN_HOURS, 1234.5), None)
    assert hours == MeterReading(machine="laser-1", meter=Meter.RUN_HOURS, value=1234.5, at=NOW)
    counted = recorded(None, MeterReading(machine="laser-1", meter=Meter.CYCLES, value=80, at=NOW))
    dropped = reading_from_observation(observation(Signal.PART_COUNT, "3"), counted)
    assert dropped is not None and dropped.reset and dropped.meter is Meter.CYCLES
    state = recorded(counted, dropped)
    assert state.value == 83
    assert reading_from_observation(observation(Signal.PART_COUNT, None), state) is None
    assert reading_from_observation(observation(Signal.SAMPLE, 5.0), state) is None
    with pytest.raises(InputError, match="'lots' is not a cycles value"):
        reading_from_observation(observation(Signal.PART_COUNT, "lots"), state)
    # A run-hours counter that drops is not taken for a reset: recording it is refused.
    run = recorded(None, hours)
    back = reading_from_observation(observation(Signal.RUN_HOURS, 3.0), run)
    assert back is not None and not back.reset
    with pytest.raises(InputError, match="went down"):
        recorded(run, back)


def ledger(running_s: float, good: int, scrap: int = 0) -> WorkOrderLedger:
    return WorkOrderLedger(
        planned=100,
        status=WorkOrderStatus.RUNNING,
        started=100,
        good=good,
        scrap=scrap,
        scrap_by_reason={"dimension": scrap} if scrap else {},
        first_start_at=NOW,
        last_event_at=NOW + timedelta(seconds=running_s),
        running_s=running_s,
    )


def test_booked_work_becomes_usage_and_readings_of_the_machines_meters() -> None:
    part = PartUsage(cut_length_mm=1500, mass_kg=0.2, cycles=2)
    meters = [Meter.RUN_HOURS, Meter.CUT_M, Meter.CYCLES]
    first = work_usage(None, ledger(1800, 10), part, meters)
    assert first == {Meter.RUN_HOURS: 0.5, Meter.CUT_M: 15.0, Meter.CYCLES: 20}
    # 2 h more running, 8 good and 2 scrap parts: 10 more parts cut.
    more = work_usage(ledger(1800, 10), ledger(9000, 18, 2), part, meters)
    assert more == {Meter.RUN_HOURS: 2.0, Meter.CUT_M: 15.0, Meter.CYCLES: 20}
    printer = work_usage(None, ledger(7200, 4), part, [Meter.PRINTED_H, Meter.PRINTED_KG])
    assert printer == {Meter.PRINTED_H: 2.0, Meter.PRINTED_KG: 0.8}
    assert work_usage(ledger(1800, 10), ledger(1800, 10), part, meters) == {}
    with pytest.raises(InputError, match="earlier first"):
        work_usage(ledger(9000, 18), ledger(1800, 10), part, meters)

    states = {
        Meter.CUT_M: recorded(
            None, MeterReading(machine="laser-1", meter=Meter.CUT_M, value=100, at=NOW)
        )
    }
    readings = readings_from_usage("laser-1", more, states, NOW + HOUR)
    assert [(r.meter, r.value) for r in readings] == [
        (Meter.RUN_HOURS, 2.0),
        (Meter.CUT_M, 115.0),
        (Meter.CYCLES, 20),
    ]


# Handed to the schedule


def due(earliest: datetime, latest: datetime | None) -> Due:
    return Due(
        plan_id="laser-1.optics",
        machine="laser-1",
        key="laser-1.optics@20260305T070000Z",
        title="Clean the optics",
        duration_s=1800,
        due_at=datetime(2026, 3, 5, 7, tzinfo=UTC),
        window=TimeWindow(earliest=earliest, latest=latest),
    )


def test_a_due_occurrence_is_a_maintenance_job_on_its_machine_within_its_window() -> None:
    job = maintenance_job(due(NOW + 24 * HOUR, NOW + 96 * HOUR), origin=NOW)
    (task,) = job.tasks
    assert [(a.machine, a.duration) for a in task.alternatives] == [("laser-1", 1800)]
    assert task.family == FAMILY == "maintenance"
    assert (job.release, job.due, job.weight) == (86_400, 345_600, WEIGHT)
    assert job.id == "maintenance:laser-1.optics@20260305T070000Z"
    # A window already open is released now; one shorter than the work gives it time.
    late = maintenance_job(due(NOW - 48 * HOUR, NOW - 47 * HOUR), origin=NOW)
    assert (late.release, late.due) == (0, 1800)
    unknown = maintenance_job(due(NOW, None), origin=NOW)
    assert (unknown.release, unknown.due) == (0, None)


def test_a_request_closes_its_machine_for_its_repair_time() -> None:
    request = MaintenanceRequest(
        machine="laser-1",
        kind=RequestKind.FAILURE,
        reason="Chiller fault E12",
        reported_at=NOW,
        repair_s=3 * 3600,
    )
    closure = closure_from_request(request)
    assert (closure.machine, closure.hours, closure.reason) == (
        "laser-1",
        3.0,
        "failure: Chiller fault E12",
    )
    assert closure_from_request(request, hours=30 * 24).hours == 14 * 24
    condition = request.model_copy(update={"kind": RequestKind.CONDITION, "repair_s": None})
    assert closure_from_request(condition).hours == 4.0
