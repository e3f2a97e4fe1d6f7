"""A problem as flat arrays, for the heuristic, the model builder and the checker."""

import functools
from dataclasses import dataclass, field

import networkx as nx

from bespoke.model.errors import InputError
from bespoke.model.scheduling import Problem


@dataclass
class Compiled:
    """Tasks numbered 0..n-1 in job order; machines 0..m-1; families 0..f-1 (-1: none)."""

    problem: Problem
    task_ids: list[str] = field(default_factory=list)
    job_of: list[int] = field(default_factory=list)
    options: list[list[tuple[int, int]]] = field(default_factory=list)  # (machine, duration)
    family: list[int] = field(default_factory=list)
    pausable: list[bool] = field(default_factory=list)
    predecessors: list[list[int]] = field(default_factory=list)
    successors: list[list[int]] = field(default_factory=list)
    release: list[int] = field(default_factory=list)  # per task: its job's release
    due: list[int | None] = field(default_factory=list)  # per job
    weight: list[float] = field(default_factory=list)  # per job
    job_tasks: list[list[int]] = field(default_factory=list)
    machine_ids: list[str] = field(default_factory=list)
    closed: list[list[tuple[int, int]]] = field(default_factory=list)  # per machine, sorted
    families: list[str] = field(default_factory=list)
    setup: list[list[int]] = field(default_factory=list)  # family x family
    fixed: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # task -> m, start, end
    previous: dict[int, tuple[int, int]] = field(default_factory=dict)  # task -> machine, start
    tail: list[int] = field(default_factory=list)  # shortest work from a task to its job's end

    def job_ends(self, j: int) -> list[int]:
        """The tasks of job `j` that no other task of the job follows: it ends with them."""
        own = set(self.job_tasks[j])
        return [t for t in self.job_tasks[j] if not own.intersection(self.successors[t])]

    @property
    def size(self) -> int:
        return len(self.task_ids)

    def setup_time(self, before: int, after: int) -> int:
        if before < 0 or after < 0:
            return 0
        return self.setup[before][after]

    @functools.cached_property
    def horizon(self) -> int:
        """A time by which any schedule without waiting could finish (an upper bound)."""
        work = sum(max(d for _, d in options) for options in self.options)
        setups = self.size * max((max(row) for row in self.setup), default=0)
        closed = sum(end - start for periods in self.closed for start, end in periods)
        last = max([0, *self.release, *(end for _, _, end in self.fixed.values())])
        return last + work + setups + closed + 1


def compile_problem(problem: Problem) -> Compiled:
    """Check the problem and number everything. Raises InputError naming what is wrong."""
    c = Compiled(problem)
    if not problem.machines:
        raise InputError("machines: the shop has no machines to schedule on")
    c.machine_ids = [m.id for m in problem.machines]
    machine_index = {m: i for i, m in enumerate(c.machine_ids)}
    if len(machine_index) != len(c.machine_ids):
        raise InputError("machines: a machine id is given twice")
    c.closed = [sorted(m.closed) for m in problem.machines]
    for m in problem.machines:
        for start, end in m.closed:
            if end <= start:
                raise InputError(
                    f"machines[{m.id}].closed: period {start}..{end} ends before it starts"
                )
    family_names = sorted(
        {t.family for j in problem.jobs for t in j.tasks if t.family}
        | set(problem.setup_times)
        | {f for row in problem.setup_times.values() for f in row}
    )
    family_index = {f: i for i, f in enumerate(family_names)}
    c.families = family_names
    c.setup = [[problem.setup(a, b) for b in family_names] for a in family_names]
    index: dict[str, int] = {}
    for j, job in enumerate(problem.jobs):
        c.due.append(job.due)
        c.weight.append(job.weight)
        c.job_tasks.append([])
        for task in job.tasks:
            if task.id in index:
                raise InputError(f"jobs[{job.id}].tasks: task id {task.id!r} is used twice")
            options = []
            for alternative in task.alternatives:
                if alternative.machine not in machine_index:
                    raise InputError(
                        f"jobs[{job.id}].tasks[{task.id}]: no machine {alternative.machine!r}"
                        f" in the shop (machines: {', '.join(c.machine_ids[:10])}"
                        f"{' ...' if len(c.machine_ids) > 10 else ''})"
                    )
                options.append((machine_index[alternative.machine], alternative.duration))
            index[task.id] = len(c.task_ids)
            c.job_tasks[j].append(len(c.task_ids))
            c.task_ids.append(task.id)
            c.job_of.append(j)
            c.options.append(options)
            c.family.append(family_index[task.family] if task.family else -1)
            c.pausable.append(task.pausable)
            c.release.append(max(job.release, problem.now))
    c.predecessors = [[] for _ in c.task_ids]
    c.successors = [[] for _ in c.task_ids]
    graph = nx.DiGraph()
    graph.add_nodes_from(range(c.size))
    for j, job in enumerate(problem.jobs):
        for before, after in job.edges():
            for name in (before, after):
                if name not in index or c.job_of[index[name]] != j:
                    raise InputError(f"jobs[{job.id}].precedences: no task {name!r} in this job")
            a, b = index[before], index[after]
            c.successors[a].append(b)
            c.predecessors[b].append(a)
            graph.add_edge(a, b)
    for before, after in problem.links:
        for name in (before, after):
            if name not in index:
                raise InputError(f"links: no task {name!r}")
        a, b = index[before], index[after]
        c.successors[a].append(b)
        c.predecessors[b].append(a)
        graph.add_edge(a, b)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        names = " -> ".join(c.task_ids[a] for a, _ in cycle)
        raise InputError(f"precedences: a cycle ({names} -> {c.task_ids[cycle[0][0]]})")
    for placed in problem.frozen:
        if placed.task not in index:
            raise InputError(f"frozen: no task {placed.task!r}")
        if placed.machine not in machine_index:
            raise InputError(f"frozen[{placed.task}]: no machine {placed.machine!r}")
        c.fixed[index[placed.task]] = (machine_index[placed.machine], placed.start, placed.end)
    for placed in problem.previous:
        if placed.task in index and placed.machine in machine_index:
            c.previous[index[placed.task]] = (machine_index[placed.machine], placed.start)
    c.tail = _tails(c, list(nx.topological_sort(graph)))
    return c


def _tails(c: Compiled, order: list[int]) -> list[int]:
    """Shortest remaining work from each task (itself included) to the end of its job."""
    tail = [0] * c.size
    for t in reversed(order):
        shortest = min(d for _, d in c.options[t])
        tail[t] = shortest + max((tail[s] for s in c.successors[t]), default=0)
    return tail
