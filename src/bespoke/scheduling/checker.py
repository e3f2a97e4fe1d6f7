"""An independent check of a schedule against every constraint of its problem.

It reads the problem itself (not the solver's model): every task placed once on a
machine that can run it, for its duration; precedences and releases kept; no two tasks
on a machine at once, with the set-up time between families; no task in a closed period
(a pausable one may run on through it but starts in an open one); frozen tasks unmoved.
"""

import itertools
from collections import defaultdict

from bespoke.model.scheduling import Problem, Schedule, ScheduledTask


def violations(problem: Problem, schedule: Schedule) -> list[str]:
    """Every broken constraint, as a sentence; empty when the schedule is feasible."""
    found: list[str] = []
    tasks = {t.id: (job, t) for job in problem.jobs for t in job.tasks}
    closed = {m.id: m.closed for m in problem.machines}
    placed: dict[str, ScheduledTask] = {}
    frozen = {f.task for f in problem.frozen}
    for item in schedule.tasks:
        if item.task in placed:
            found.append(f"task {item.task} is placed twice")
        placed[item.task] = item
    for name in tasks.keys() - placed.keys():
        found.append(f"task {name} is not placed")
    for name, item in placed.items():
        if name not in tasks:
            found.append(f"task {name} is not in the problem")
            continue
        job, task = tasks[name]
        durations = {a.machine: a.duration for a in task.alternatives}
        if item.machine not in durations:
            found.append(f"task {name} runs on {item.machine}, which cannot run it")
        elif item.end - item.start != durations[item.machine]:
            found.append(
                f"task {name} lasts {item.end - item.start}, not {durations[item.machine]}"
            )
        if item.start < job.release or (name not in frozen and item.start < problem.now):
            found.append(
                f"task {name} starts at {item.start}, before its release {job.release}"
                f" or now ({problem.now})"
            )
        for start, end in closed.get(item.machine, []):
            inside = start <= item.start < end
            if inside or (not task.pausable and item.start < end and start < item.end):
                found.append(f"task {name} on {item.machine} meets closed period {start}..{end}")
    edges = [e for job in problem.jobs for e in job.edges()] + problem.links
    for before, after in edges:
        a, b = placed.get(before), placed.get(after)
        if a and b and b.start < a.end:
            found.append(f"task {after} starts at {b.start}, before {before} ends at {a.end}")
    found += _machine_overlaps(problem, placed)
    for fixed in problem.frozen:
        if placed.get(fixed.task) != fixed:
            found.append(f"frozen task {fixed.task} was moved")
    ends = [t.end for t in schedule.tasks]
    if ends and schedule.makespan != max(ends):
        found.append(f"makespan is given as {schedule.makespan}, the last task ends {max(ends)}")
    return found


def _machine_overlaps(problem: Problem, placed: dict[str, ScheduledTask]) -> list[str]:
    family = {t.id: t.family for job in problem.jobs for t in job.tasks}
    by_machine: dict[str, list[ScheduledTask]] = defaultdict(list)
    for item in placed.values():
        by_machine[item.machine].append(item)
    found = []
    for machine, items in by_machine.items():
        items.sort(key=lambda t: (t.start, t.end))
        for a, b in itertools.pairwise(items):
            gap = problem.setup(family.get(a.task), family.get(b.task))
            if b.start < a.end + gap:
                need = f" + set-up {gap}" if gap else ""
                found.append(
                    f"tasks {a.task} and {b.task} overlap on {machine}"
                    f" ({a.task} ends {a.end}{need}, {b.task} starts {b.start})"
                )
    return found


def count_setups(problem: Problem, schedule: Schedule) -> int:
    """How many times a machine changes from one set-up family to another."""
    family = {t.id: t.family for job in problem.jobs for t in job.tasks}
    by_machine: dict[str, list[ScheduledTask]] = defaultdict(list)
    for item in schedule.tasks:
        by_machine[item.machine].append(item)
    changes = 0
    for items in by_machine.values():
        families = [family[t.task] for t in sorted(items, key=lambda t: t.start) if family[t.task]]
        changes += sum(1 for a, b in itertools.pairwise(families) if a != b)
    return changes
