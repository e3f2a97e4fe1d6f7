"""The scheduler: a dispatch schedule first, then CP-SAT improving it.

CP-SAT alone is weak on two cores, so it is given help: the dispatch heuristic's
schedule as a complete hint, then a large-neighbourhood search that frees part of the
best schedule (some jobs, the tasks of a few machines, a time window, the critical path)
and lets CP-SAT re-solve that part with the rest held, keeping any schedule at least as
good. It stops at the time limit (or Ctrl-C) and returns the best schedule found; a time
too short for any search returns the heuristic schedule, flagged as not optimised.
"""

import math
import random
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from bespoke.model.progress import Progress, silent
from bespoke.model.scheduling import Problem, Schedule
from bespoke.scheduling import cpsat
from bespoke.scheduling.compiled import Compiled, compile_problem
from bespoke.scheduling.dispatch import dispatch, to_schedule
from bespoke.scheduling.objective import Assignment, describe, score

FULL_MODEL_LIMIT = 2_000  # tasks: above this the search pins what it does not free
MIN_SEARCH_SECONDS = 0.2
FULL_SHARE, FULL_MAX_S = 0.3, 10.0  # of the time, for the whole model before the search
STEP_S = 1.0  # per neighbourhood


@dataclass(frozen=True)
class SolverSettings:
    time_limit: float = 30.0
    seed: int = 0
    workers: int = 2
    deterministic: bool = False  # effort in CP-SAT's deterministic time: same seed, same schedule


def solve(
    problem: Problem, settings: SolverSettings | None = None, progress: Progress | None = None
) -> Schedule:
    """The best schedule found within the time limit (status optimal, improved or heuristic)."""
    settings = settings or SolverSettings()
    report = progress or silent
    clock = _Clock(settings)
    c = compile_problem(problem)
    best = dispatch(c, settings.seed, seconds=min(4.0, 0.1 * settings.time_limit))
    report(0.02, f"dispatch schedule: {describe(c, best)}")
    if clock.left() < MIN_SEARCH_SECONDS or c.size == len(c.fixed):
        return to_schedule(c, best, "heuristic")
    search = _Search(c, settings, clock, best, report)
    return search.run()


def _related_machines(c: Compiled) -> list[set[int]]:
    """Per machine: itself and the machines any of its tasks could run on instead."""
    related = [{m} for m in range(len(c.machine_ids))]
    for options in c.options:
        machines = {m for m, _ in options}
        for m in machines:
            related[m] |= machines
    return related


class _Clock:
    """Wall time, or CP-SAT's deterministic time when runs must repeat exactly."""

    def __init__(self, settings: SolverSettings) -> None:
        self.settings = settings
        self.began = time.monotonic()
        self.spent_deterministic = 0.0

    def left(self) -> float:
        if self.settings.deterministic:
            return self.settings.time_limit - self.spent_deterministic
        return self.settings.time_limit - (time.monotonic() - self.began)

    def used(self) -> float:
        return self.settings.time_limit - self.left()


class _Search:
    def __init__(
        self,
        c: Compiled,
        settings: SolverSettings,
        clock: _Clock,
        best: Assignment,
        report: Progress,
    ) -> None:
        self.c, self.settings, self.clock, self.report = c, settings, clock, report
        self.best = best
        self.value = score(self.c, best)
        self.rng = random.Random(settings.seed)
        self.bound: int | None = None
        self.optimal = False
        self.size = 0.2  # share of jobs (or tasks) freed, adapted as the search goes
        self.pin = c.size > FULL_MODEL_LIMIT
        self.related = _related_machines(c)

    def run(self) -> Schedule:
        """Search until the time limit, the proof of optimality or Ctrl-C; the best wins."""
        try:
            if not self.pin:
                self._full(min(FULL_SHARE * self.clock.left(), FULL_MAX_S))
            iteration = 0
            while not self.optimal and self.clock.left() > MIN_SEARCH_SECONDS:
                iteration += 1
                self._neighbourhood(iteration)
        except KeyboardInterrupt:
            self.report(self._progress(), f"stopped: {describe(self.c, self.best)}")
        status = "optimal" if self.optimal else "improved"
        return to_schedule(self.c, self.best, status, self.bound)

    def _full(self, seconds: float) -> None:
        """The whole model, hinted with the best schedule."""
        built = cpsat.build(self.c, self.best)
        solver = self._solver(seconds, workers=self.settings.workers)
        status = solver.solve(built.model)
        self._account(solver)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self._keep_if_better(cpsat.read(self.c, built, solver, self.best))
            self.bound = math.floor(solver.best_objective_bound)
            self.optimal = status == cp_model.OPTIMAL
        self.report(self._progress(), f"full model: {describe(self.c, self.best)}")

    def _neighbourhood(self, iteration: int) -> None:
        free = self._choose(iteration)
        if not free:
            return
        built = cpsat.build(self.c, self.best, free, pin=self.pin, bound=self.value)
        seconds = min(self.clock.left(), STEP_S if not self.pin else 3 * STEP_S)
        solver = self._solver(seconds, workers=1 if self.pin else self.settings.workers)
        status = solver.solve(built.model)
        self._account(solver)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            improved = self._keep_if_better(cpsat.read(self.c, built, solver, self.best))
            if status == cp_model.OPTIMAL:
                self.size = min(self.size * 1.15, 0.9)
            if improved:
                self.report(self._progress(), f"search: {describe(self.c, self.best)}")
        else:
            self.size = max(self.size * 0.85, 0.02)

    def _choose(self, iteration: int) -> set[int]:
        """Tasks to free: jobs, machines, a time window or the critical path, in turn."""
        c, rng = self.c, self.rng
        movable = [t for t in range(c.size) if t not in c.fixed]
        kind = iteration % 4
        if self.pin:
            if kind == 0:
                return self._late_job()
            return self._machine_window() if kind % 2 else self._window(movable)
        if kind == 0:
            jobs = rng.sample(range(len(c.job_tasks)), max(1, round(self.size * len(c.job_tasks))))
            return {t for j in jobs for t in c.job_tasks[j] if t not in c.fixed}
        if kind == 1:
            machines = rng.sample(
                range(len(c.machine_ids)), max(1, round(self.size * len(c.machine_ids)))
            )
            chosen = set(machines)
            return {t for t in movable if self.best[t][0] in chosen}
        if kind == 2:
            return self._window(movable)
        critical = self._critical()
        extra = rng.sample(movable, min(len(movable), round(self.size * len(movable) / 2)))
        return critical | set(extra)

    def _machine_window(self) -> set[int]:
        """The tasks in a time window on a machine and the machines that share its work:
        where set-ups can be grouped and work moved between alike machines."""
        c, rng = self.c, self.rng
        machine = rng.randrange(len(c.machine_ids))
        on_machine = sorted(
            (start, end) for t, (m, start, end) in enumerate(self.best) if m == machine
        )
        if not on_machine:
            return set()
        count = max(4, round(self.size * 40))
        first = rng.randrange(len(on_machine))
        low = on_machine[first][0]
        high = on_machine[min(first + count, len(on_machine)) - 1][1]
        related = self.related[machine]
        return {
            t
            for t, (m, start, _) in enumerate(self.best)
            if m in related and low <= start < high and t not in c.fixed
        }

    def _late_job(self) -> set[int]:
        """A late job's tasks and the work around them on their machines, so that the job
        can be pulled forward; a machine window when no job is late."""
        c, best = self.c, self.best
        late = [
            j
            for j, tasks in enumerate(c.job_tasks)
            if c.due[j] is not None and max(best[t][2] for t in tasks) > c.due[j]  # type: ignore[operator]
        ]
        if not late:
            return self._machine_window()
        job = self.rng.choice(late)
        own = [t for t in c.job_tasks[job] if t not in c.fixed][-3:]
        if not own:
            return set()
        low = min(best[t][1] for t in own)
        high = max(best[t][2] for t in own)
        machines = set().union(*(self.related[best[t][0]] for t in own))
        around = sorted(
            (abs(best[t][1] - high), t)
            for t, (m, start, _) in enumerate(best)
            if m in machines and low <= start < high and t not in c.fixed
        )
        limit = max(20, round(self.size * 300))
        return set(own) | {t for _, t in around[:limit]}

    def _window(self, movable: list[int]) -> set[int]:
        """The tasks starting in a random time window holding about `size` of the tasks."""
        order = sorted(movable, key=lambda t: self.best[t][1])
        if not order:
            return set()
        share = round(self.size * len(order)) if not self.pin else round(self.size * 300)
        count = min(len(order), max(2, share))
        first = self.rng.randrange(max(1, len(order) - count + 1))
        return set(order[first : first + count])

    def _critical(self) -> set[int]:
        """Tasks on a longest chain of touching tasks (job or machine) ending last."""
        c, best = self.c, self.best
        by_end: dict[tuple[int, int], int] = {(m, e): t for t, (m, _, e) in enumerate(best)}
        chain = set()
        t = max(range(c.size), key=lambda i: best[i][2])
        while True:
            chain.add(t)
            m, start, _ = best[t]
            before = [p for p in c.predecessors[t] if best[p][2] == start]
            if before:
                t = before[0]
                continue
            same = by_end.get((m, start))
            if same is None or same in chain:
                return chain
            t = same

    def _keep_if_better(self, candidate: Assignment) -> bool:
        value = score(self.c, candidate)
        if value <= self.value:
            improved = value < self.value
            self.best, self.value = candidate, value
            return improved
        return False

    def _solver(self, seconds: float, workers: int) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        parameters = solver.parameters
        parameters.num_workers = workers
        parameters.random_seed = self.settings.seed + int(self.clock.used() * 1000) % 1000
        if self.settings.deterministic:
            parameters.max_deterministic_time = max(seconds, 0.01)
            parameters.num_workers = 1
        else:
            parameters.max_time_in_seconds = max(seconds, 0.01)
        return solver

    def _account(self, solver: cp_model.CpSolver) -> None:
        self.clock.spent_deterministic += solver.deterministic_time

    def _progress(self) -> float:
        return min(0.99, 0.05 + 0.95 * self.clock.used() / self.settings.time_limit)
