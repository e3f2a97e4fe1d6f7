"""What a maintenance plan has due: calendar occurrences with their windows and keys,
usage marks, condition runs, catching up after late checks, taking a rule up again where
it was left, and a year of a thousand machines checked at irregular times."""

import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from bespoke.maintenance import MAX_DUES, due_now, occurrences, recorded
from bespoke.model.errors import InputError
from bespoke.model.maintenance import (
    CalendarTrigger,
    CatchUp,
    ConditionTrigger,
    Due,
    MaintenancePlan,
    Meter,
    MeterReading,
    MeterState,
    PlanProgress,
    Tolerance,
    Trend,
    Trigger,
    UsageTrigger,
)
from bespoke.model.monitoring import Observation, Signal

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
START = datetime(2026, 1, 1, tzinfo=UTC)
WEEKLY = "DTSTART:20260105T070000Z\nRRULE:FREQ=WEEKLY;BYDAY=MO"


def plan(trigger: Trigger, early: float = 0, late: float = 0, **fields: object) -> MaintenancePlan:
    return MaintenancePlan.model_validate(
        {
            "id": fields.pop("id", "p1"),
            "machine": "laser-1",
            "title": "Clean the optics",
            "trigger": trigger,
            "duration_s": 1800,
            "window": Tolerance(early=early, late=late),
            **fields,
        }
    )


def stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%S}Z"


def run_checks(
    p: MaintenancePlan, times: list[datetime], **inputs: object
) -> tuple[list[Due], PlanProgress]:
    progress, dues = PlanProgress(), []
    for now in times:
        check = due_now(p, progress, now, **inputs)  # type: ignore[arg-type]
        dues += check.dues
        progress = check.progress
    return dues, progress


# Calendar plans


def test_a_weekly_plan_is_due_from_the_start_of_its_window_with_a_stable_key() -> None:
    p = plan(CalendarTrigger(rule=WEEKLY), early=-2 * 86400, late=3 * 86400)
    monday = datetime(2026, 1, 5, 7, tzinfo=UTC)
    before = due_now(p, PlanProgress(), monday - 2 * DAY - HOUR)
    assert before.dues == [] and before.progress == PlanProgress()
    check = due_now(p, PlanProgress(), monday - 2 * DAY)
    (due,) = check.dues
    assert due.key == "p1@20260105T070000Z"
    assert due.due_at == monday and due.due_meter is None
    assert (due.window.earliest, due.window.latest) == (monday - 2 * DAY, monday + 3 * DAY)
    assert (due.machine, due.duration_s, due.skipped) == ("laser-1", 1800, 0)
    assert check.progress.last_index == 0 and check.progress.last_at == monday
    # Checked again, nothing more; the next Monday is due from Saturday.
    assert due_now(p, check.progress, monday + DAY).dues == []
    (nxt,) = due_now(p, check.progress, monday + 5 * DAY).dues
    assert nxt.key == "p1@20260112T070000Z"
    assert not nxt.overdue(monday + 5 * DAY) and nxt.overdue(monday + 16 * DAY)


def test_a_late_check_catches_up_on_every_calendar_occurrence_or_only_the_latest() -> None:
    monday = datetime(2026, 1, 5, 7, tzinfo=UTC)
    every = due_now(plan(CalendarTrigger(rule=WEEKLY)), PlanProgress(), monday + 22 * DAY)
    assert [d.key[3:11] for d in every.dues] == ["20260105", "20260112", "20260119", "20260126"]
    assert every.progress.last_index == 3
    latest = plan(CalendarTrigger(rule=WEEKLY), catch_up=CatchUp.LATEST)
    (due,) = due_now(latest, PlanProgress(), monday + 22 * DAY).dues
    assert due.key == "p1@20260126T070000Z" and due.skipped == 3


def test_a_check_returns_at_most_max_dues_and_the_next_goes_on() -> None:
    # Twice a day from 2020 to 2025: 2 x 2192 days = 4384 occurrences.
    p = plan(CalendarTrigger(rule="DTSTART:20200101T060000Z\nRRULE:FREQ=DAILY;BYHOUR=6,18"))
    progress, sizes, keys = PlanProgress(), [], []
    for _ in range(6):
        check = due_now(p, progress, START)
        sizes.append(len(check.dues))
        keys += [d.key for d in check.dues]
        progress = check.progress
    assert sizes == [MAX_DUES] * 4 + [384, 0]
    assert keys[MAX_DUES] == "p1@20210515T060000Z"  # the 1001st: 500 days on
    assert len(set(keys)) == 4384 and keys[-1] == "p1@20251231T180000Z"


def test_a_rule_that_ends_stops_being_due() -> None:
    p = plan(CalendarTrigger(rule=WEEKLY + ";COUNT=3"))
    dues, progress = run_checks(p, [START + n * 5 * DAY for n in range(20)])
    assert [d.key for d in dues] == [
        "p1@20260105T070000Z",
        "p1@20260112T070000Z",
        "p1@20260119T070000Z",
    ]
    assert progress.last_index == 2


def test_a_local_rule_keeps_its_local_time_through_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    rule = "DTSTART;TZID=Europe/Berlin:20260316T080000\nRRULE:FREQ=WEEKLY"
    dues, _ = run_checks(plan(CalendarTrigger(rule=rule)), [START + n * DAY for n in range(90)])
    assert [d.key for d in dues] == [
        "p1@20260316T070000Z",
        "p1@20260323T070000Z",
        "p1@20260330T060000Z",
    ]
    assert all(d.due_at and d.due_at.astimezone(berlin).hour == 8 for d in dues)


RULE_PARTS = st.sampled_from(
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=3;BYHOUR=6,18",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=2",
        "FREQ=WEEKLY;BYDAY=TU,SA;BYSETPOS=-1;WKST=SU",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31",
        "FREQ=MONTHLY;BYDAY=2TU",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=YEARLY;BYWEEKNO=1,27;BYDAY=MO",
        "FREQ=YEARLY;INTERVAL=2;BYYEARDAY=1,-1",
        "FREQ=DAILY;BYMONTH=3,10;BYDAY=SU;BYHOUR=2;BYMINUTE=30",
        "FREQ=WEEKLY;COUNT=7",
    ]
)
ZONES = st.sampled_from(["Z", "Europe/Berlin", "America/New_York", "Australia/Sydney"])


@settings(max_examples=80, deadline=None)
@given(
    RULE_PARTS,
    ZONES,
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    st.integers(1, 25),
)
def test_a_rule_taken_up_again_after_any_occurrence_goes_on_as_from_its_start(
    parts: str, zone: str, start: datetime, step: int
) -> None:
    """Each occurrence after the nth is the same, taken from the start or after the nth,
    and the same as dateutil gives for the rule as written."""
    begin = f"{start:%Y%m%dT%H%M%S}"
    head = f"DTSTART:{begin}Z" if zone == "Z" else f"DTSTART;TZID={zone}:{begin}"
    trigger = CalendarTrigger(rule=f"{head}\nRRULE:{parts}")
    whole = list(islice(occurrences(trigger), 80))
    written = list(islice(rrulestr(trigger.rule), 80))
    assert [at.timestamp() for _, at in whole] == [at.timestamp() for at in written]
    assert [n for n, _ in whole] == list(range(len(whole)))
    for after in whole[:60:step]:
        taken_up = list(islice(occurrences(trigger, after), 8))
        assert taken_up == whole[after[0] + 1 : after[0] + 9]


# Usage plans


def meter_at(value: float, at: datetime, first: tuple[float, datetime] | None = None) -> MeterState:
    first_value, first_at = first or (value, at)
    return MeterState(
        machine="laser-1",
        meter=Meter.RUN_HOURS,
        value=value,
        shown=value,
        at=at,
        first_value=first_value,
        first_at=first_at,
    )


def test_a_usage_plan_is_due_as_its_meter_nears_each_mark() -> None:
    # Every 500 h from 1000 h, from 20 h before the mark to 30 h after it.
    p = plan(UsageTrigger(meter=Meter.RUN_HOURS, every=500, first_at=1000), -20, 30)
    assert due_now(p, PlanProgress(), START).dues == []
    assert due_now(p, PlanProgress(), START, meter=meter_at(979.9, START)).dues == []
    # 10 hours a day since 900 h ten days ago: 1000 h now, 1030 h in three more days.
    meter = meter_at(1000, START, (900, START - 10 * DAY))
    check = due_now(p, PlanProgress(), START, meter=meter)
    (due,) = check.dues
    assert (due.key, due.due_meter, due.meter_window, due.due_at) == (
        "p1#0",
        1000,
        (980, 1030),
        None,
    )
    assert (due.window.earliest, due.window.latest) == (START, START + 3 * DAY)
    assert check.progress.last_index == 0
    assert due_now(p, check.progress, START + HOUR, meter=meter_at(1479, START + HOUR)).dues == []
    (nxt,) = due_now(p, check.progress, START, meter=meter_at(1480, START)).dues
    assert nxt.key == "p1#1" and nxt.window.latest is None  # no rate known from one reading


def test_a_usage_plan_catches_up_on_the_latest_mark_unless_told_all() -> None:
    trigger = UsageTrigger(meter=Meter.RUN_HOURS, every=100, first_at=100)
    meter = meter_at(455, START)
    (latest,) = due_now(plan(trigger), PlanProgress(), START, meter=meter).dues
    assert (latest.key, latest.skipped) == ("p1#3", 3)
    every = due_now(plan(trigger, catch_up=CatchUp.ALL), PlanProgress(), START, meter=meter)
    assert [d.key for d in every.dues] == ["p1#0", "p1#1", "p1#2", "p1#3"]


def test_a_usage_plan_refuses_another_machines_meter() -> None:
    p = plan(UsageTrigger(meter=Meter.CYCLES, every=100, first_at=0))
    with pytest.raises(InputError, match="counts laser-1 cycles"):
        due_now(p, PlanProgress(), START, meter=meter_at(5, START))


# Condition plans


def reading(hours: float, value: float | str | None, item: str = "spindle_temp") -> Observation:
    return Observation(
        machine="laser-1", item=item, signal=Signal.SAMPLE, value=value, at=START + hours * HOUR
    )


HOT = ConditionTrigger(item="spindle_temp", above=80, readings=3, hold_s=3600)


def test_a_condition_fires_once_per_run_that_holds_long_and_often_enough() -> None:
    values = [70, 85, 86, None, 90, 70, 85, 86, 87, 88, 89, 70, 81, 82, 83]
    # Runs: 1-4 h (three readings but 3 h; fires at 4 h), 6-10 h (fires at 8 h),
    # 12-14 h (fires at 14 h). The None at 3 h neither meets nor ends the run.
    observations = [reading(h, v) for h, v in enumerate(values)]
    observations.append(reading(9, 999, item="other"))
    p = plan(HOT, late=7200, catch_up=CatchUp.ALL)
    check = due_now(p, PlanProgress(), START + 20 * HOUR, observations=observations)
    assert [(d.key, d.due_at) for d in check.dues] == [
        ("p1~20260101T010000Z", START + 4 * HOUR),
        ("p1~20260101T060000Z", START + 8 * HOUR),
        ("p1~20260101T120000Z", START + 14 * HOUR),
    ]
    assert check.dues[0].window.latest == START + 6 * HOUR
    (latest,) = due_now(
        plan(HOT), PlanProgress(), START + 20 * HOUR, observations=observations
    ).dues
    assert latest.key == "p1~20260101T120000Z" and latest.skipped == 2


def test_a_condition_weighed_over_many_checks_fires_as_over_one() -> None:
    rng = np.random.default_rng(3)
    values = np.where(rng.random(400) < 0.5, 90.0, 60.0)
    observations = [reading(h / 2, float(v)) for h, v in enumerate(values)]
    p = plan(HOT, catch_up=CatchUp.ALL)
    once, _ = run_checks(p, [START + 300 * HOUR], observations=observations)
    # Each check is given the readings since two checks before: some weighed again.
    times = sorted(START + float(h) * HOUR for h in rng.uniform(0, 220, 60))
    progress, many = PlanProgress(), []
    for before, now in zip([START, START, *times], times, strict=False):
        given_ = [o for o in observations if before - HOUR < o.at <= now + 5 * HOUR]
        check = due_now(p, progress, now, observations=given_)
        many += check.dues
        progress = check.progress
    many += due_now(p, progress, START + 300 * HOUR, observations=observations).dues
    assert len(once) > 5
    assert [d.key for d in many] == [d.key for d in once]


def test_a_trend_fires_when_the_slope_over_its_window_passes_the_limit() -> None:
    # Vibration rises 0.5 mm/s per hour from 10 h on; the limit is 0.4 per hour over 4 h.
    trigger = ConditionTrigger(
        item="vibration", trend=Trend(window_s=4 * 3600, limit_per_h=0.4), readings=2
    )
    values = [2.0 + (0.5 * (h - 10) if h > 10 else 0) for h in range(20)]
    observations = [reading(h, v, item="vibration") for h, v in enumerate(values)]
    (due,) = due_now(plan(trigger), PlanProgress(), START + DAY, observations=observations).dues
    # Slopes over (h-4, h]: at 12 h the readings 9..12 give 0.35, at 13 h 10..13 give 0.5.
    assert due.key == "p1~20260101T130000Z" and due.due_at == START + 14 * HOUR
    falling = trigger.model_copy(update={"trend": Trend(window_s=14400, limit_per_h=-0.4)})
    assert due_now(plan(falling), PlanProgress(), START + DAY, observations=observations).dues == []


def test_readings_after_now_wait_for_a_later_check() -> None:
    observations = [reading(h, 90) for h in range(6)]
    p = plan(HOT)
    early = due_now(p, PlanProgress(), START + 1.5 * HOUR, observations=observations)
    assert early.dues == [] and early.progress.seen_through == START + HOUR
    (due,) = due_now(p, early.progress, START + DAY, observations=observations).dues
    assert due.due_at == START + 2 * HOUR


# A year of a thousand machines


@dataclass
class Machine:
    plan: MaintenancePlan
    progress: PlanProgress = field(default_factory=PlanProgress)
    keys: list[str] = field(default_factory=list)
    meter: MeterState | None = None


CALENDAR_RULES = [
    "DTSTART:20251201T070000Z\nRRULE:FREQ=WEEKLY;BYDAY={weekday}",
    "DTSTART;TZID=Europe/Berlin:20251215T060000\nRRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;"
    "BYSETPOS=-1",
    "DTSTART:20260103T000000Z\nRRULE:FREQ=DAILY;INTERVAL={interval}",
    "DTSTART;TZID=America/New_York:20260110T090000\nRRULE:FREQ=MONTHLY;BYMONTHDAY={monthday}",
    "DTSTART:20260101T080000Z\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=30",
    "DTSTART:20260201T080000Z\nRRULE:FREQ=YEARLY;BYMONTH=3,9;BYMONTHDAY=1;UNTIL=20261001T000000Z",
    "DTSTART:20260101T060000Z\nRRULE:FREQ=DAILY;INTERVAL=2;BYHOUR=6,18",
    "DTSTART;TZID=Europe/Berlin:20260101T060000\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=2",
]


def year_of_plans(rng: np.random.Generator, count: int) -> list[MaintenancePlan]:
    plans = []
    for n in range(count):
        kind = rng.choice(["calendar", "usage", "condition"], p=[0.4, 0.4, 0.2])
        catch_up = CatchUp.LATEST if rng.random() < 0.2 else None
        if kind == "calendar":
            rule = CALENDAR_RULES[n % len(CALENDAR_RULES)].format(
                weekday=["MO", "TU", "WE", "TH", "FR"][n % 5],
                interval=1 + n % 10,
                monthday=1 + n % 28,
            )
            trigger: Trigger = CalendarTrigger(rule=rule)
            early, late = -float(rng.integers(0, 3 * 86400)), float(rng.integers(0, 3 * 86400))
        elif kind == "usage":
            every = float(rng.uniform(50, 500))
            trigger = UsageTrigger(
                meter=Meter.RUN_HOURS, every=every, first_at=float(rng.uniform(0, 600))
            )
            early, late = -float(rng.uniform(0, every / 5)), float(rng.uniform(0, 50))
        else:
            trigger = ConditionTrigger(
                item="spindle_temp",
                above=75,
                readings=int(rng.integers(1, 4)),
                hold_s=float(rng.choice([0, 12 * 3600])),
            )
            early, late = 0.0, 86400.0
            catch_up = CatchUp.ALL if rng.random() < 0.3 else None
        plans.append(
            MaintenancePlan(
                id=f"plan-{n}",
                machine=f"m-{n}",
                title="Service",
                trigger=trigger,
                duration_s=3600,
                window=Tolerance(early=early, late=late),
                catch_up=catch_up,
            )
        )
    return plans


def check_times(rng: np.random.Generator, days: int) -> list[datetime]:
    """Checks at irregular times, now and then skipped for days."""
    times, t = [], 0.0
    while t < days:
        t += rng.exponential(2.5) + (rng.uniform(2, 10) if rng.random() < 0.08 else 0)
        times.append(START + timedelta(days=min(t, days)))
    return times


def expected_calendar(p: MaintenancePlan, checks: list[datetime]) -> set[str] | int:
    """All occurrences due by the last check, or the number of checks finding a new one
    (catching up on the latest): read from dateutil's rule as written, from its start."""
    assert isinstance(p.trigger, CalendarTrigger)
    early = timedelta(seconds=p.window.early)
    starts = []
    for at in rrulestr(p.trigger.rule):
        if at + early > checks[-1]:
            break
        starts.append(at + early)
    if p.catching_up is CatchUp.ALL:
        return {f"{p.id}@{stamp(s - early)}" for s in starts}
    seconds = np.array([(s - START).total_seconds() for s in starts])
    found = np.searchsorted(seconds, [(c - START).total_seconds() for c in checks], "right") - 1
    return len(np.unique(found[found >= 0]))


def test_a_year_of_a_thousand_machines_checked_at_irregular_times() -> None:
    rng = np.random.default_rng(2026)
    machines = [Machine(p) for p in year_of_plans(rng, 1000)]
    checks = check_times(rng, 365)
    days = np.array([(c - START).total_seconds() / 86400 for c in checks])
    # Usage: each machine runs its own hours a day; some meters are reset once.
    rates = rng.uniform(0, 20, len(machines))
    resets = np.where(rng.random(len(machines)) < 0.1, rng.integers(5, len(checks)), -1)
    # Condition: a temperature every 12 hours, now and then hot for a few readings.
    hours = np.arange(0, 365 * 24, 12)
    temperatures = {}
    for n, m in enumerate(machines):
        if isinstance(m.plan.trigger, ConditionTrigger):
            hot = rng.random(len(hours)) < 0.04
            runs = hot | np.roll(hot, 1) | (np.roll(hot, 2) & (rng.random(len(hours)) < 0.5))
            temperatures[n] = np.where(runs, 90.0, 40.0)
    observed = {
        n: [
            Observation.model_construct(
                machine=f"m-{n}",
                item="spindle_temp",
                signal=Signal.SAMPLE,
                value=v,
                at=START + timedelta(hours=int(h)),
                code=None,
                message=None,
            )
            for h, v in zip(hours, values, strict=True)
        ]
        for n, values in temperatures.items()
    }
    observed_at = {n: [o.at for o in obs] for n, obs in observed.items()}

    for c, now in enumerate(checks):
        for n, m in enumerate(machines):
            inputs: dict[str, object] = {}
            if isinstance(m.plan.trigger, UsageTrigger):
                used = float(rates[n] * days[c])
                shown = used - (rates[n] * days[resets[n]] if 0 <= resets[n] <= c else 0.0)
                read = MeterReading(machine=f"m-{n}", meter=Meter.RUN_HOURS, value=used, at=now)
                if c == resets[n]:  # read, then zeroed
                    m.meter = recorded(m.meter, read)
                read = read.model_copy(update={"value": shown, "reset": c == resets[n]})
                m.meter = recorded(m.meter, read)
                inputs["meter"] = m.meter
            elif n in observed:
                # The readings since two checks before: some of them weighed again.
                since = checks[c - 2] if c >= 2 else START - DAY
                low = bisect.bisect_right(observed_at[n], since)
                high = bisect.bisect_right(observed_at[n], now)
                inputs["observations"] = observed[n][low:high]
            check = due_now(m.plan, m.progress, now, **inputs)  # type: ignore[arg-type]
            m.keys += [d.key for d in check.dues]
            m.progress = check.progress

    generated = expected = 0
    for n, m in enumerate(machines):
        assert len(m.keys) == len(set(m.keys)), m.plan.id
        generated += len(m.keys)
        p = m.plan
        if isinstance(p.trigger, CalendarTrigger):
            want = expected_calendar(p, checks)
        elif isinstance(p.trigger, UsageTrigger):
            reach = rates[n] * days - p.window.early
            marks = np.floor((reach - p.trigger.first_at) / p.trigger.every).astype(int)
            marks = marks[marks >= 0]
            if p.catching_up is CatchUp.ALL:
                want = {f"{p.id}#{k}" for k in range(marks.max() + 1)} if len(marks) else set()
            else:
                want = len(np.unique(marks))
        else:
            want = expected_condition(p, temperatures[n], hours, days)
        if isinstance(want, set):
            assert set(m.keys) == want, p.id
            expected += len(want)
        else:
            assert len(m.keys) == want, p.id
            expected += want
    assert generated == expected
    assert generated > 20_000
    kinds = {type(m.plan.trigger) for m in machines if m.keys}
    assert kinds == {CalendarTrigger, UsageTrigger, ConditionTrigger}


def expected_condition(
    p: MaintenancePlan, values: np.ndarray, hours: np.ndarray, days: np.ndarray
) -> set[str] | int:
    """The runs of hot readings that held long and often enough by the last check: their
    keys, or the number of checks that found at least one (catching up on the latest)."""
    assert isinstance(p.trigger, ConditionTrigger)
    hot = values > p.trigger.above  # type: ignore[operator]
    fired: list[tuple[float, float]] = []  # (run start, fired) in hours
    start = None
    for h, is_hot in zip(hours, hot, strict=True):
        if not is_hot:
            start = None
            continue
        start = h if start is None else start
        run = (h - start) // 12 + 1
        held = run >= p.trigger.readings and (h - start) * 3600 >= p.trigger.hold_s
        if held and (not fired or fired[-1][0] != start):
            fired.append((float(start), float(h)))
    check_hours = days * 24
    fired = [f for f in fired if f[1] <= check_hours[-1]]
    if p.catching_up is CatchUp.ALL:
        return {f"{p.id}~{stamp(START + timedelta(hours=s))}" for s, _ in fired}
    found = np.searchsorted(check_hours, [f for _, f in fired], "left")
    return len(np.unique(found))


def test_a_check_run_again_at_the_same_time_finds_nothing_new() -> None:
    p = plan(CalendarTrigger(rule=WEEKLY), early=-86400)
    check = due_now(p, PlanProgress(), START + 30 * DAY)
    assert len(check.dues) == 4
    assert due_now(p, check.progress, START + 30 * DAY) == type(check)(
        dues=[], progress=check.progress
    )
    assert due_now(p, check.progress, START + 31 * DAY).dues == []
