"""The scheduler on small problems: every schedule through the independent checker."""

import random

import pytest

from bespoke.model.errors import InputError
from bespoke.model.scheduling import (
    Alternative,
    Job,
    Objective,
    Problem,
    Schedule,
    ScheduledTask,
    Station,
    Task,
)
from bespoke.scheduling.checker import count_setups, violations
from bespoke.scheduling.compiled import compile_problem
from bespoke.scheduling.dispatch import list_schedule, to_schedule
from bespoke.scheduling.fjs import FjsError, parse_fjs
from bespoke.scheduling.pieces import MAX_PIECES, pieces
from bespoke.scheduling.solver import SolverSettings, solve

FJS = """2 3 1.5
2  2 1 4 2 6  1 3 3
3  1 2 2  2 1 3 3 5  1 1 4
"""


def quick(seconds: float = 3.0, seed: int = 0) -> SolverSettings:
    return SolverSettings(time_limit=seconds, seed=seed, workers=2)


def workshop(seed: int, jobs: int = 12, machines: int = 4) -> Problem:
    """Random jobs of 2-4 tasks over a few machines, with families, set-ups, nights,
    a maintenance window, releases and due dates."""
    rng = random.Random(seed)
    families = ["steel-2", "steel-3", "alu-2"]
    job_list = []
    for j in range(jobs):
        tasks = []
        for k in range(rng.randint(2, 4)):
            choices = rng.sample(range(machines), rng.randint(1, 2))
            tasks.append(
                Task(
                    id=f"j{j}.{k}",
                    alternatives=[
                        Alternative(machine=f"m{m}", duration=rng.randint(5, 40)) for m in choices
                    ],
                    family=rng.choice(families),
                    pausable=k == 0 and j % 5 == 0,
                )
            )
        job_list.append(
            Job(id=f"j{j}", tasks=tasks, release=rng.randint(0, 30), due=rng.randint(80, 300))
        )
    nights = [(200 * d + 160, 200 * d + 200) for d in range(6)]
    shop = [
        Station(id=f"m{m}", closed=nights + ([(50, 70)] if m == 1 else [])) for m in range(machines)
    ]
    setups = {a: {b: 0 if a == b else 15 for b in families} for a in families}
    return Problem(jobs=job_list, machines=shop, setup_times=setups)


def test_fjs_files_are_read_token_by_token() -> None:
    problem = parse_fjs(FJS.replace("\n", "\r\n"), "tiny.fjs")
    assert [len(j.tasks) for j in problem.jobs] == [2, 3]
    assert problem.jobs[1].tasks[1].alternatives == [
        Alternative(machine="1", duration=3),
        Alternative(machine="3", duration=5),
    ]
    assert [m.id for m in problem.machines] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2 3\n2 1 1 4 1 2 x\n", "line 2: token 'x' should be a duration of job 0 operation 1"),
        ("1 3\n1 1 4 5\n", "line 2: token '4' should be a machine of job 0 operation 0 (1..3)"),
        ("1 3\n1 0\n", "line 2: token '0' should be job 0 operation 0's number of machines"),
        ("1 3\n2 1 1 5\n", "the file ends where job 0 operation 1's number of machines"),
        ("1 3\n1 1 1 5 7\n", "line 2: token '7' after the last job"),
        ("", "the file ends where the number of jobs should be"),
        ("0 3\n", "line 1: token '0' should be the number of jobs (>= 1)"),
    ],
)
def test_a_malformed_fjs_file_names_the_line_and_token(text: str, message: str) -> None:
    with pytest.raises(FjsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_fjs(text, "bad.fjs")


def test_bad_problems_are_refused_with_the_reason() -> None:
    task = Task(id="a", alternatives=[Alternative(machine="laser", duration=5)])
    with pytest.raises(InputError, match="no machines"):
        compile_problem(Problem(jobs=[Job(id="1", tasks=[task])], machines=[]))
    with pytest.raises(InputError, match="no machine 'laser' in the shop"):
        compile_problem(Problem(jobs=[Job(id="1", tasks=[task])], machines=[Station(id="saw")]))
    b = Task(id="b", alternatives=[Alternative(machine="laser", duration=5)])
    looped = Job(id="1", tasks=[task, b], precedences=[("a", "b"), ("b", "a")])
    with pytest.raises(InputError, match=r"a cycle \(a -> b -> a\)|a cycle \(b -> a -> b\)"):
        compile_problem(Problem(jobs=[looped], machines=[Station(id="laser")]))
    with pytest.raises(ValueError, match="at least 1 item"):
        Task(id="c", alternatives=[])


def test_the_checker_finds_each_kind_of_violation() -> None:
    problem = parse_fjs(FJS, "tiny.fjs")
    good = solve(problem, quick(1))
    assert violations(problem, good) == []
    first, *rest = good.tasks
    cases = {
        "cannot run it": first.model_copy(update={"machine": "3"}),
        "lasts": first.model_copy(update={"end": first.end + 1}),
    }
    for message, broken in cases.items():
        found = violations(problem, good.model_copy(update={"tasks": [broken, *rest]}))
        assert any(message in v for v in found), found
    squeezed = [t.model_copy(update={"start": 0, "end": t.end - t.start}) for t in good.tasks]
    found = violations(problem, good.model_copy(update={"tasks": squeezed}))
    assert any("before" in v for v in found) and any("overlap" in v for v in found)
    missing = violations(problem, good.model_copy(update={"tasks": rest}))
    assert any(f"task {first.task} is not placed" in v for v in missing)


@pytest.mark.parametrize("objective", list(Objective))
@pytest.mark.parametrize("seed", [1, 2])
def test_schedules_with_calendars_setups_and_dates_are_feasible(
    seed: int, objective: Objective
) -> None:
    problem = workshop(seed).model_copy(update={"objective": objective})
    heuristic = to_schedule(*_heuristic(problem))
    assert violations(problem, heuristic) == []
    schedule = solve(problem, quick(2, seed))
    assert violations(problem, schedule) == []
    assert schedule.status in ("optimal", "improved")
    if objective == Objective.MAKESPAN:
        assert schedule.makespan <= heuristic.makespan
    else:
        assert schedule.weighted_tardiness <= heuristic.weighted_tardiness


def _heuristic(problem: Problem) -> tuple:  # type: ignore[type-arg]
    c = compile_problem(problem)
    return c, list_schedule(c, [-float(t) for t in c.tail]), "heuristic"


def test_a_fixed_seed_gives_the_same_schedule() -> None:
    problem = workshop(3)
    settings = SolverSettings(time_limit=1.5, seed=7, deterministic=True)
    assert solve(problem, settings) == solve(problem, settings)


def test_too_little_time_returns_the_heuristic_schedule_flagged() -> None:
    problem = workshop(4)
    schedule = solve(problem, SolverSettings(time_limit=0.01))
    assert schedule.status == "heuristic"
    assert violations(problem, schedule) == []


def test_set_up_aware_schedule_groups_families() -> None:
    """Orders arrive alternating steel and aluminium; cutting them in arrival order sets
    the machine up between every two; the solver groups them."""
    jobs = [
        Job(
            id=f"order-{i}",
            tasks=[
                Task(
                    id=f"cut-{i}",
                    family="steel" if i % 2 else "alu",
                    alternatives=[Alternative(machine="laser", duration=10)],
                )
            ],
        )
        for i in range(12)
    ]
    problem = Problem(
        jobs=jobs,
        machines=[Station(id="laser")],
        setup_times={"steel": {"alu": 30}, "alu": {"steel": 30}},
    )
    c = compile_problem(problem)
    in_order = to_schedule(c, list_schedule(c, [float(j) for j in c.job_of]), "heuristic")
    assert violations(problem, in_order) == []
    grouped = solve(problem, quick(3))
    assert violations(problem, grouped) == []
    assert count_setups(problem, in_order) == 11
    assert count_setups(problem, grouped) == grouped.setups == 1
    assert grouped.makespan == 12 * 10 + 30


def test_rescheduling_keeps_frozen_tasks_and_moves_few_others() -> None:
    problem = workshop(5)
    first = solve(problem, quick(2))
    now = sorted(t.start for t in first.tasks)[len(first.tasks) // 3]
    started = [t for t in first.tasks if t.start < now]
    urgent = Job(
        id="rush",
        tasks=[Task(id="rush.0", alternatives=[Alternative(machine="m0", duration=20)])],
        release=now,
        due=now + 40,
    )
    repaired_problem = problem.model_copy(
        update={
            "jobs": [*problem.jobs, urgent],
            "frozen": started,
            "previous": first.tasks,
            "now": now,
        }
    )
    repaired = solve(repaired_problem, quick(3))
    assert violations(repaired_problem, repaired) == []
    placed = {t.task: t for t in repaired.tasks}
    assert all(placed[t.task] == t for t in started)
    assert all(t.start >= now for t in repaired.tasks if t not in started)
    assert repaired.moved < len(first.tasks) - len(started)


def test_a_machine_going_down_is_absorbed() -> None:
    problem = workshop(6)
    first = solve(problem, quick(2))
    busy = [t for t in first.tasks if t.machine == "m2"]
    down = (busy[0].start, busy[0].end + 50)
    machines = [
        m.model_copy(update={"closed": [*m.closed, down]}) if m.id == "m2" else m
        for m in problem.machines
    ]
    changed = problem.model_copy(update={"machines": machines, "previous": first.tasks})
    repaired = solve(changed, quick(3))
    assert violations(changed, repaired) == []
    assert repaired.moved >= 1


def test_schedule_round_trips_as_json() -> None:
    schedule = Schedule(
        tasks=[ScheduledTask(job="1", task="1.0", machine="m", start=0, end=4)],
        makespan=4,
        status="heuristic",
    )
    assert Schedule.model_validate_json(schedule.model_dump_json()) == schedule


def test_a_calendar_becomes_closed_periods() -> None:
    from datetime import date, datetime, time

    from bespoke.model.calendar import Calendar, MaintenanceWindow, Shift
    from bespoke.scheduling.calendars import closed_periods, maintenance_periods

    hour = 3600
    week = Calendar(
        shifts=[Shift(days=["mon", "tue"], start=time(8), end=time(16))],
        closed=[date(2026, 11, 24)],  # the Tuesday
        maintenance=[
            MaintenanceWindow(
                machine="laser", start=datetime(2026, 11, 23, 12), end=datetime(2026, 11, 23, 14)
            )
        ],
    )
    monday = datetime(2026, 11, 23)
    closed = closed_periods(week, monday, days=7)
    assert closed == [(0, 8 * hour), (16 * hour, 7 * 24 * hour)]
    assert maintenance_periods(week, monday) == {"laser": [(12 * hour, 14 * hour)]}
    berlin = week.model_copy(update={"timezone": "Europe/Berlin", "closed": []})
    assert closed_periods(berlin, monday, days=2)[0] == (0, 7 * hour)  # 08:00 CET = 07:00 UTC


@pytest.mark.parametrize("duration", [1, 14_400, 14_401, 10**6, 10**12, 10**18])
def test_long_work_is_split_in_a_bounded_number_of_pieces(duration: int) -> None:
    split = pieces("op", duration, 14_400)
    assert sum(share for _, share in split) == duration
    assert 1 <= len(split) <= MAX_PIECES
    assert max(share for _, share in split) - min(share for _, share in split) <= 1
    if duration <= 14_400:
        assert split == [("op", duration)]
    elif duration <= 14_400 * MAX_PIECES:
        assert max(share for _, share in split) <= 14_400
