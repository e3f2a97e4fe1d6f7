"""A due maintenance task is placed by the solver where it costs production least: inside
its window of tolerance, not in front of work that would then be late."""

from datetime import UTC, datetime, timedelta

from bespoke.maintenance import maintenance_job
from bespoke.model.maintenance import Due, TimeWindow
from bespoke.model.scheduling import Alternative, Job, Objective, Problem, Station, Task
from bespoke.scheduling.checker import violations
from bespoke.scheduling.solver import SolverSettings, solve

ORIGIN = datetime(2026, 3, 2, 6, tzinfo=UTC)
HOUR = 3600


def _order(name: str, due_h: int) -> Job:
    task = Task(id=f"{name}/cut", alternatives=[Alternative(machine="laser", duration=2 * HOUR)])
    return Job(id=name, tasks=[task], due=due_h * HOUR)


def _maintenance(earliest_h: int, latest_h: int) -> Job:
    due = Due(
        plan_id="p1",
        machine="laser",
        key="p1@20260302",
        title="Lens and nozzle",
        duration_s=HOUR,
        due_at=ORIGIN,
        window=TimeWindow(
            earliest=ORIGIN + timedelta(hours=earliest_h),
            latest=ORIGIN + timedelta(hours=latest_h),
        ),
    )
    return maintenance_job(due, ORIGIN)


def _solved(jobs: list[Job]) -> dict[str, tuple[int, int]]:
    problem = Problem(jobs=jobs, machines=[Station(id="laser")], objective=Objective.BOTH)
    schedule = solve(problem, SolverSettings(time_limit=5, deterministic=True))
    assert violations(problem, schedule) == []
    return {t.job: (t.start, t.end) for t in schedule.tasks}


def test_maintenance_waits_for_urgent_work_and_stays_in_its_window() -> None:
    placed = _solved([_order("a", 2), _order("b", 4), _maintenance(0, 8)])
    maintenance = next(v for k, v in placed.items() if k.startswith("maintenance:"))
    assert placed["a"][1] <= 2 * HOUR and placed["b"][1] <= 4 * HOUR  # nobody late
    assert maintenance[0] >= 4 * HOUR and maintenance[1] <= 8 * HOUR


def test_maintenance_goes_first_when_its_window_closes_before_the_work_is_due() -> None:
    placed = _solved([_order("a", 10), _order("b", 10), _maintenance(0, 1)])
    maintenance = next(v for k, v in placed.items() if k.startswith("maintenance:"))
    assert maintenance == (0, HOUR)
    assert placed["a"][1] <= 10 * HOUR and placed["b"][1] <= 10 * HOUR
