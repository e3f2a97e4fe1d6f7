"""A fast complete schedule by list scheduling: tasks in priority order as they become
ready, each inserted at the machine and gap where it finishes first.

Priority rules: most work remaining (makespan), least slack (due dates), each with
random tie-breaking; the best of several runs is kept. It places tens of thousands of
tasks in about a second and is the solver's starting point and fallback.
"""

import heapq
import itertools
import random
import time

from bespoke.model.scheduling import Objective, Schedule, ScheduledTask
from bespoke.scheduling.compiled import Compiled
from bespoke.scheduling.objective import (
    Assignment,
    Score,
    makespan,
    moved,
    score,
    weighted_tardiness,
)
from bespoke.scheduling.timeline import Timeline


def dispatch(c: Compiled, seed: int = 0, runs: int = 8, seconds: float = 2.0) -> Assignment:
    """The best of up to `runs` list schedules (within about `seconds`)."""
    rng = random.Random(seed)
    best: Assignment | None = None
    best_score: Score | None = None
    deadline = time.monotonic() + seconds
    for rule, group, noise in _plan(c, runs):
        assignment = list_schedule(c, _priorities(c, rule, group, noise, rng))
        value = score(c, assignment)
        if best_score is None or value < best_score:
            best, best_score = assignment, value
        if time.monotonic() > deadline:
            break
    assert best is not None
    return best


def _plan(c: Compiled, runs: int) -> list[tuple[str, float, float]]:
    """(rule, family grouping window, noise) of each run: plain rules first, then with
    same-family tasks of about the same urgency taken together, then randomised."""
    rule = "work" if c.problem.objective == Objective.MAKESPAN else "slack"
    plan = [("previous", 0.0, 0.0)] if c.previous else []
    plan.append((rule, 0.0, 0.0))
    if any(any(row) for row in c.setup):
        mean = sum(d for options in c.options for _, d in options) / max(c.size, 1)
        plan += [(rule, mean * factor, 0.0) for factor in (48, 8, 128)]
    best_group = plan[-1][1] if len(plan) > 1 else 0.0
    plan += [(rule, best_group, 0.15 * run / runs) for run in range(1, runs)]
    return plan


def _priorities(
    c: Compiled, rule: str, group: float, noise: float, rng: random.Random
) -> list[float]:
    """Lower first: most remaining work, least slack to the due date, or the previous
    start; with `group`, urgency in steps of `group` and then the set-up family."""
    keys = []
    families = max(len(c.families), 1)
    for t in range(c.size):
        if rule == "previous":  # repair: keep the previous order where it still works
            key = float(c.previous[t][1]) if t in c.previous else float(c.release[t])
        elif rule == "slack":
            due = c.due[c.job_of[t]]
            key = float((due if due is not None else 10**12) - c.tail[t])
        else:
            key = -float(c.tail[t])
        if noise:
            key *= 1 + rng.uniform(-noise, noise)
        if group:
            key = (key // group) * families + c.family[t]
        keys.append(key)
    return keys


def list_schedule(c: Compiled, priority: list[float]) -> Assignment:
    """Serial schedule generation with insertion; frozen tasks are booked first."""
    timelines = [Timeline(periods) for periods in c.closed]
    assignment: Assignment = [(-1, 0, 0)] * c.size
    waiting = [len(p) for p in c.predecessors]
    ready_at = list(c.release)
    heap: list[tuple[float, int]] = []

    def done(t: int, end: int) -> None:
        for s in c.successors[t]:
            ready_at[s] = max(ready_at[s], end)
            waiting[s] -= 1
            if waiting[s] == 0:
                heapq.heappush(heap, (priority[s], s))

    for t, (m, start, end) in c.fixed.items():
        timelines[m].book(t, start, end, c.family[t])
        assignment[t] = (m, start, end)
    for t, (_, _, end) in c.fixed.items():
        waiting[t] = -1
        done(t, end)
    for t in range(c.size):
        if waiting[t] == 0:
            heapq.heappush(heap, (priority[t], t))
    while heap:
        _, t = heapq.heappop(heap)
        if waiting[t] != 0:
            continue
        waiting[t] = -1
        best = None
        for m, duration in c.options[t]:
            start = timelines[m].earliest(
                ready_at[t], duration, c.family[t], c.pausable[t], c.setup
            )
            finish = (start + duration, duration, start, m)
            if best is None or finish < best:
                best = finish
        assert best is not None
        end, _, start, m = best
        timelines[m].book(t, start, end, c.family[t])
        assignment[t] = (m, start, end)
        done(t, end)
    return assignment


def to_schedule(
    c: Compiled, assignment: Assignment, status: str, bound: int | None = None
) -> Schedule:
    """The assignment as a `Schedule` of named tasks and machines."""
    tasks = [
        ScheduledTask(
            job=c.problem.jobs[c.job_of[t]].id,
            task=c.task_ids[t],
            machine=c.machine_ids[m],
            start=start,
            end=end,
        )
        for t, (m, start, end) in enumerate(assignment)
    ]
    return Schedule(
        tasks=tasks,
        makespan=makespan(assignment),
        weighted_tardiness=weighted_tardiness(c, assignment),
        moved=moved(c, assignment),
        status=status,
        lower_bound=bound,
        setups=setup_count(c, assignment),
    )


def setup_count(c: Compiled, assignment: Assignment) -> int:
    by_machine: dict[int, list[tuple[int, int]]] = {}
    for t, (m, start, _) in enumerate(assignment):
        if c.family[t] >= 0:
            by_machine.setdefault(m, []).append((start, c.family[t]))
    changes = 0
    for items in by_machine.values():
        items.sort()
        changes += sum(1 for (_, a), (_, b) in itertools.pairwise(items) if a != b)
    return changes
