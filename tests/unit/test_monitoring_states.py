"""Machine state from hand-written observation sequences: each rule of the state, alarms
raised and cleared by code, counters and their resets, spans, and what is ignored."""

from datetime import UTC, datetime, timedelta

import pytest

from bespoke.model.monitoring import (
    MAX_TEXT,
    AlarmLevel,
    MachineState,
    Observation,
    Signal,
    StateSpan,
)
from bespoke.monitoring.states import (
    MAX_ALARMS,
    MAX_ITEMS,
    MAX_MACHINES,
    MachineTracker,
    ShopTracker,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LASER = "laser-1"


def obs(
    signal: Signal,
    value: float | str | None,
    minute: float = 0,
    *,
    item: str | None = None,
    code: str | None = None,
    machine: str = LASER,
    message: str | None = None,
) -> Observation:
    return Observation(
        machine=machine,
        item=item or signal.value,
        signal=signal,
        value=value,
        at=T0 + timedelta(minutes=minute),
        code=code,
        message=message,
    )


def fed(*observations: Observation) -> MachineTracker:
    tracker = MachineTracker(LASER)
    for observation in observations:
        tracker.observe(observation)
    return tracker


def running() -> list[Observation]:
    return [obs(Signal.AVAILABILITY, "AVAILABLE"), obs(Signal.EXECUTION, "ACTIVE")]


def test_no_data_yet_is_unavailable() -> None:
    tracker = MachineTracker(LASER)
    assert tracker.state == MachineState.UNAVAILABLE
    assert tracker.span is None
    assert tracker.snapshot().since is None
    # Available, but nothing said about execution: still unavailable.
    assert fed(obs(Signal.AVAILABILITY, "AVAILABLE")).state == MachineState.UNAVAILABLE


def test_active_is_running() -> None:
    assert fed(*running()).state == MachineState.RUNNING


@pytest.mark.parametrize(
    "word", ["READY", "WAIT", "PROGRAM_COMPLETED", "OPTIONAL_STOP", "PROGRAM_OPTIONAL_STOP"]
)
def test_ready_and_waiting_words_are_idle(word: str) -> None:
    assert fed(obs(Signal.EXECUTION, word)).state == MachineState.IDLE


@pytest.mark.parametrize("word", ["STOPPED", "INTERRUPTED", "FEED_HOLD", "PROGRAM_STOPPED"])
def test_stopping_words_are_stopped(word: str) -> None:
    assert fed(obs(Signal.EXECUTION, word)).state == MachineState.STOPPED


def test_words_are_read_in_any_case() -> None:
    assert fed(obs(Signal.EXECUTION, " feed_hold ")).state == MachineState.STOPPED


@pytest.mark.parametrize("value", [None, "UNAVAILABLE"])
def test_execution_unavailable_is_unavailable(value: str | None) -> None:
    tracker = fed(*running(), obs(Signal.EXECUTION, value, 1))
    assert tracker.state == MachineState.UNAVAILABLE


def test_machine_unavailable_wins_over_its_last_execution() -> None:
    tracker = fed(*running(), obs(Signal.AVAILABILITY, "UNAVAILABLE", 1))
    assert tracker.state == MachineState.UNAVAILABLE
    tracker.observe(obs(Signal.AVAILABILITY, "AVAILABLE", 2))
    assert tracker.state == MachineState.RUNNING


def test_emergency_stop_triggered_stops_and_armed_lets_it_run() -> None:
    tracker = fed(*running(), obs(Signal.EMERGENCY_STOP, "TRIGGERED", 1))
    assert tracker.state == MachineState.STOPPED
    tracker.observe(obs(Signal.EMERGENCY_STOP, "ARMED", 2))
    assert tracker.state == MachineState.RUNNING


def test_a_fault_stops_a_warning_does_not() -> None:
    tracker = fed(*running(), obs(Signal.ALARM, "WARNING", 1, item="spindle", code="W12"))
    assert tracker.state == MachineState.RUNNING
    tracker.observe(obs(Signal.ALARM, "FAULT", 2, item="spindle", code="F7"))
    assert tracker.state == MachineState.STOPPED
    assert [(a.code, a.level) for a in tracker.snapshot().alarms] == [
        ("W12", AlarmLevel.WARNING),
        ("F7", AlarmLevel.FAULT),
    ]


def test_normal_with_a_code_clears_that_code_only() -> None:
    tracker = fed(
        *running(),
        obs(Signal.ALARM, "FAULT", 1, item="spindle", code="F7"),
        obs(Signal.ALARM, "WARNING", 1, item="spindle", code="W12"),
        obs(Signal.ALARM, "NORMAL", 2, item="spindle", code="F7"),
    )
    assert tracker.state == MachineState.RUNNING
    assert [a.code for a in tracker.snapshot().alarms] == ["W12"]


def test_normal_without_a_code_clears_all_of_the_items_alarms() -> None:
    tracker = fed(
        *running(),
        obs(Signal.ALARM, "FAULT", 1, item="spindle", code="F7"),
        obs(Signal.ALARM, "WARNING", 1, item="spindle", code="W12"),
        obs(Signal.ALARM, "FAULT", 1, item="coolant", code="C1"),
        obs(Signal.ALARM, "NORMAL", 2, item="spindle"),
    )
    assert [a.code for a in tracker.snapshot().alarms] == ["C1"]
    assert tracker.state == MachineState.STOPPED


@pytest.mark.parametrize("value", [None, "UNAVAILABLE"])
def test_an_unavailable_alarm_item_clears_its_alarms(value: str | None) -> None:
    tracker = fed(
        *running(),
        obs(Signal.ALARM, "FAULT", 1, item="spindle", code="F7"),
        obs(Signal.ALARM, value, 2, item="spindle"),
    )
    assert tracker.snapshot().alarms == []
    assert tracker.state == MachineState.RUNNING


def test_a_repeated_alarm_keeps_when_it_was_raised() -> None:
    tracker = fed(
        *running(),
        obs(Signal.ALARM, "WARNING", 1, item="spindle", code="W12", message="hot"),
        obs(Signal.ALARM, "WARNING", 5, item="spindle", code="W12", message="hotter"),
    )
    (alarm,) = tracker.snapshot().alarms
    assert (alarm.at, alarm.message) == (T0 + timedelta(minutes=1), "hotter")


def test_spans_close_and_open_when_the_state_or_the_alarms_change() -> None:
    tracker = MachineTracker(LASER)
    (first,) = tracker.observe(obs(Signal.EXECUTION, "READY"))
    assert first == StateSpan(machine=LASER, state=MachineState.IDLE, start=T0)
    assert tracker.observe(obs(Signal.PROGRAM, "bracket.nc", 1)) == []
    closed, opened = tracker.observe(obs(Signal.EXECUTION, "ACTIVE", 2))
    assert closed == first.model_copy(update={"end": T0 + timedelta(minutes=2)})
    assert opened == StateSpan(
        machine=LASER, state=MachineState.RUNNING, start=T0 + timedelta(minutes=2)
    )
    # Same state, one more alarm code: a new span, the warning named.
    closed, warned = tracker.observe(obs(Signal.ALARM, "WARNING", 3, item="x", code="W1"))
    assert (closed.end, warned.state, warned.alarms) == (warned.start, MachineState.RUNNING, ["W1"])
    assert tracker.snapshot().since == T0 + timedelta(minutes=3)


def test_a_change_at_the_time_a_span_opened_replaces_it() -> None:
    tracker = MachineTracker(LASER)
    assert tracker.observe(obs(Signal.AVAILABILITY, "AVAILABLE"))[0].state == "unavailable"
    (replaced,) = tracker.observe(obs(Signal.EXECUTION, "ACTIVE"))
    assert (replaced.start, replaced.state, replaced.end) == (T0, MachineState.RUNNING, None)


def test_parts_made_counts_rises_and_a_reset_starts_a_new_run() -> None:
    # 10 is the baseline; 12 (+2), 15 (+3); 3 is a reset and the new baseline; 5 (+2).
    tracker = fed(
        *[obs(Signal.PART_COUNT, v, minute) for minute, v in enumerate([10, 12, 15, 3, 5])]
    )
    assert tracker.parts_made == 7
    # Unavailable readings and repeats change nothing.
    tracker.observe(obs(Signal.PART_COUNT, None, 10))
    tracker.observe(obs(Signal.PART_COUNT, "5", 11))
    assert tracker.parts_made == 7


def test_part_counters_of_two_items_add_up() -> None:
    tracker = fed(
        obs(Signal.PART_COUNT, 0, 0, item="path1_count"),
        obs(Signal.PART_COUNT, 100, 0, item="path2_count"),
        obs(Signal.PART_COUNT, 4, 1, item="path1_count"),
        obs(Signal.PART_COUNT, 101, 1, item="path2_count"),
    )
    assert tracker.parts_made == 5


def test_run_hours_count_rises_across_a_reset() -> None:
    # 1200.0 baseline; +0.5; 0.2 is a reset; +0.5.
    tracker = fed(*[obs(Signal.RUN_HOURS, v, m) for m, v in enumerate([1200.0, 1200.5, 0.2, 0.7])])
    assert tracker.run_hours == pytest.approx(1.0)


@pytest.mark.parametrize("value", [2.5, -1, "lots", float("inf")])
def test_a_bad_part_count_is_ignored_and_counted(value: float | str) -> None:
    tracker = fed(obs(Signal.PART_COUNT, 10), obs(Signal.PART_COUNT, value, 1))
    tracker.observe(obs(Signal.PART_COUNT, 11, 2))
    assert tracker.parts_made == 1
    assert sum(tracker.ignored.values()) == 1
    assert tracker.snapshot().values["part_count"] == 11


def test_an_older_observation_is_ignored_and_counted() -> None:
    tracker = fed(obs(Signal.EXECUTION, "ACTIVE", 10))
    assert tracker.observe(obs(Signal.EXECUTION, "STOPPED", 5)) == []
    assert tracker.state == MachineState.RUNNING
    assert tracker.ignored == {"out of order": 1}
    assert tracker.snapshot().last_at == T0 + timedelta(minutes=10)
    # The same time as the last one is not older.
    tracker.observe(obs(Signal.EXECUTION, "STOPPED", 10))
    assert tracker.state == MachineState.STOPPED


def test_an_unknown_word_changes_nothing_and_says_what_is_accepted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracker = fed(obs(Signal.EXECUTION, "ACTIVE"))
    assert tracker.observe(obs(Signal.EXECUTION, "PRINTING", 1)) == []
    tracker.observe(obs(Signal.EXECUTION, "HEATING", 2))
    assert tracker.state == MachineState.RUNNING
    assert tracker.ignored == {"unknown execution": 2}
    assert "'PRINTING'; accepted: ACTIVE, FEED_HOLD" in caplog.text
    assert tracker.snapshot().values["execution"] == "ACTIVE"


def test_a_time_without_a_zone_is_ignored() -> None:
    tracker = MachineTracker(LASER)
    naive = obs(Signal.EXECUTION, "ACTIVE").model_copy(update={"at": datetime(2026, 3, 2, 8)})
    assert tracker.observe(naive) == []
    assert tracker.span is None
    assert tracker.ignored == {"time without a zone": 1}


def test_times_in_other_zones_are_kept_in_utc() -> None:
    local = obs(Signal.EXECUTION, "ACTIVE").model_copy(
        update={"at": datetime.fromisoformat("2026-03-02T09:00:00+01:00")}
    )
    (span,) = MachineTracker(LASER).observe(local)
    assert span.start == T0 and span.start.tzinfo == UTC


def test_alarms_active_at_once_are_bounded() -> None:
    tracker = fed(
        *[obs(Signal.ALARM, "WARNING", 0, item="a", code=f"W{n}") for n in range(MAX_ALARMS + 1)]
    )
    assert len(tracker.snapshot().alarms) == MAX_ALARMS
    assert sum(tracker.ignored.values()) == 1


def test_the_shop_tracker_sorts_each_machines_batch_and_reports_each_span_once() -> None:
    shop = ShopTracker()
    changed = shop.observe(
        [
            obs(Signal.EXECUTION, "ACTIVE", 5),
            obs(Signal.EXECUTION, "READY", 0, machine="printer-2"),
            obs(Signal.EXECUTION, "READY", 0),
            obs(Signal.PART_COUNT, 3, 6),
            obs(Signal.EXECUTION, "STOPPED", 9),
        ]
    )
    at = [T0 + timedelta(minutes=m) for m in (0, 5, 9)]
    assert [(s.machine, s.state, s.start, s.end) for s in changed] == [
        (LASER, MachineState.IDLE, at[0], at[1]),
        (LASER, MachineState.RUNNING, at[1], at[2]),
        (LASER, MachineState.STOPPED, at[2], None),
        ("printer-2", MachineState.IDLE, at[0], None),
    ]
    snapshot = shop.snapshot()
    assert snapshot[LASER].state == MachineState.STOPPED
    assert snapshot[LASER].since == at[2]
    assert snapshot[LASER].values == {"execution": "STOPPED", "part_count": 3}
    assert snapshot["printer-2"].state == MachineState.IDLE


def test_the_next_batch_closes_the_open_span() -> None:
    shop = ShopTracker()
    (opened,) = shop.observe([obs(Signal.EXECUTION, "ACTIVE")])
    closed, idle = shop.observe([obs(Signal.EXECUTION, "READY", 30)])
    assert closed == opened.model_copy(update={"end": T0 + timedelta(minutes=30)})
    assert idle.end is None


def test_the_machines_one_shop_tracker_follows_are_bounded() -> None:
    shop = ShopTracker()
    shop.observe(obs(Signal.EXECUTION, "READY", machine=f"m{n}") for n in range(MAX_MACHINES + 1))
    assert len(shop.trackers) == MAX_MACHINES
    assert shop.ignored == {"too many machines": 1}


def test_last_values_are_bounded() -> None:
    tracker = fed(obs(Signal.PROGRAM, "O" * 10_000))
    assert tracker.snapshot().values["program"] == "O" * MAX_TEXT
    tracker = fed(*[obs(Signal.SAMPLE, n, item=f"load{n}") for n in range(MAX_ITEMS + 1)])
    assert len(tracker.snapshot().values) == MAX_ITEMS
    assert tracker.ignored == {"too many data items": 1}
