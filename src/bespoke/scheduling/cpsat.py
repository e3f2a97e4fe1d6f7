"""The CP-SAT model of a problem, or of a neighbourhood of a schedule for the search.

Each task has a start and end, and an optional interval per machine that can run it,
exactly one present. Per machine: no two intervals overlap, closed periods block
(a pausable task only may not start in one), set-ups between families follow a circuit
over the tasks on the machine. Precedences and releases bound the starts. Objectives:
makespan, total weighted tardiness, or both lexicographically.

In a neighbourhood the `free` tasks are modelled whole; every other task either keeps its
machine and its order on it, or stays exactly where it is (`pin`, for
very large problems, with the free tasks held inside their time window).
"""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

from ortools.sat.python import cp_model

from bespoke.model.scheduling import Objective
from bespoke.scheduling.compiled import Compiled
from bespoke.scheduling.objective import TARDINESS_SCALE, Assignment, Score

CIRCUIT_LIMIT = 40  # tasks on one machine above which set-ups are modelled pair by pair


@dataclass
class Built:
    model: cp_model.CpModel
    starts: dict[int, cp_model.IntVar | int] = field(default_factory=dict)
    ends: dict[int, cp_model.IntVar | int] = field(default_factory=dict)
    choices: dict[int, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    objective: cp_model.LinearExprT = 0


def build(
    c: Compiled,
    incumbent: Assignment | None = None,
    free: set[int] | None = None,
    pin: bool = False,
    bound: Score | None = None,
) -> Built:
    """The model (with `incumbent` as a hint); no worse than `bound` when given."""
    b = Built(cp_model.CpModel())
    model = b.model
    horizon = c.horizon
    everything = free is None
    freed = free if free is not None else set()
    window = _window(c, incumbent, freed) if pin and incumbent and free is not None else None
    reachable = {m for t in freed for m, _ in c.options[t]}
    reach = max((max(row) for row in c.setup), default=0)
    on_machine: dict[int, list[tuple[int, cp_model.IntervalVar, cp_model.IntVar | None]]] = (
        defaultdict(list)
    )
    markers: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    for t in range(c.size):
        if t in c.fixed or (pin and not everything and t not in freed):
            m, start, end = c.fixed[t] if t in c.fixed else incumbent[t]  # type: ignore[index]
            if window is not None and (
                m not in reachable or (t not in c.fixed and not _near(start, end, window, reach))
            ):
                b.starts[t], b.ends[t] = start, end
                continue
            interval = model.new_fixed_size_interval_var(start, end - start, f"fixed{t}")
            b.starts[t], b.ends[t] = start, end
            on_machine[m].append((t, interval, None))
            if c.pausable[t] and c.closed[m]:
                markers[m].append(model.new_fixed_size_interval_var(start, 1, f"mark{t}"))
            continue
        low, high = c.release[t], horizon
        if window is not None:
            low, high = max(low, window[0]), window[1]
        start_var = model.new_int_var(low, high, f"s{t}")
        end_var = model.new_int_var(low, high, f"e{t}")
        b.starts[t], b.ends[t] = start_var, end_var
        options = c.options[t]
        if not everything and t not in freed and incumbent is not None:
            options = [o for o in options if o[0] == incumbent[t][0]]
        literals = []
        b.choices[t] = []
        for m, duration in options:
            literal = model.new_bool_var(f"p{t}_{m}") if len(options) > 1 else model.new_constant(1)
            interval = model.new_optional_fixed_size_interval_var(
                start_var, duration, literal, f"i{t}_{m}"
            )
            model.add(end_var == start_var + duration).only_enforce_if(literal)
            on_machine[m].append((t, interval, literal))
            b.choices[t].append((m, literal))
            literals.append(literal)
            if c.pausable[t] and c.closed[m]:
                markers[m].append(
                    model.new_optional_fixed_size_interval_var(start_var, 1, literal, f"m{t}_{m}")
                )
        model.add_exactly_one(literals)
    _precedences(c, b)
    _machines(c, b, on_machine, markers, incumbent, everything, freed, pin)
    b.objective = _objective(c, b, horizon, bound)
    model.minimize(b.objective)
    if incumbent is not None:
        _hint(c, b, incumbent)
    return b


def _window(c: Compiled, incumbent: Assignment, free: set[int]) -> tuple[int, int]:
    """The time span the free tasks occupy now: they are re-placed inside it."""
    low = min(incumbent[t][1] for t in free)
    high = max(incumbent[t][2] for t in free)
    return low, high


def _near(start: int, end: int, window: tuple[int, int], reach: int) -> bool:
    """A held task close enough to the window for a set-up to tie it to a free one."""
    return start < window[1] + reach and end > window[0] - reach


def _precedences(c: Compiled, b: Built) -> None:
    for t in range(c.size):
        for s in c.successors[t]:
            if t in b.ends and s in b.starts:
                before, after = b.ends[t], b.starts[s]
                if isinstance(before, int) and isinstance(after, int):
                    continue
                b.model.add(after >= before)


def _machines(
    c: Compiled,
    b: Built,
    on_machine: dict[int, list[tuple[int, cp_model.IntervalVar, cp_model.IntVar | None]]],
    markers: dict[int, list[cp_model.IntervalVar]],
    incumbent: Assignment | None,
    everything: bool,
    free: set[int],
    pin: bool,
) -> None:
    model = b.model
    has_setups = any(any(row) for row in c.setup)
    for m, items in on_machine.items():
        closed = [
            model.new_fixed_size_interval_var(begin, end - begin, f"closed{m}_{i}")
            for i, (begin, end) in enumerate(c.closed[m])
        ]
        pausable = any(c.pausable[t] for t, _, _ in items)
        tasks = [interval for _, interval, _ in items]
        if pausable and closed:
            model.add_no_overlap(tasks)
            solid = [interval for t, interval, _ in items if not c.pausable[t]]
            model.add_no_overlap(solid + closed + markers[m])
        else:
            model.add_no_overlap(tasks + closed)
        if not everything and not pin and incumbent is not None:
            _keep_order(c, b, m, items, incumbent, free)
        if has_setups and any(literal is not None for _, _, literal in items):
            if len(items) <= CIRCUIT_LIMIT:
                _setups(c, b, m, items)
            else:
                _setups_pairwise(c, b, items)


def _keep_order(
    c: Compiled,
    b: Built,
    m: int,
    items: list[tuple[int, cp_model.IntervalVar, cp_model.IntVar | None]],
    incumbent: Assignment,
    free: set[int],
) -> None:
    """Tasks that are not free keep their order on the machine (with set-ups between)."""
    kept = sorted(
        (incumbent[t][1], t) for t, _, _ in items if t not in free and incumbent[t][0] == m
    )
    for (_, a), (_, z) in itertools.pairwise(kept):
        b.model.add(b.starts[z] >= b.ends[a] + c.setup_time(c.family[a], c.family[z]))


def _setups(
    c: Compiled,
    b: Built,
    m: int,
    items: list[tuple[int, cp_model.IntervalVar, cp_model.IntVar | None]],
) -> None:
    """A circuit through the tasks present on the machine: an arc i -> j means j follows
    i directly, and j starts after i ends plus the set-up between their families."""
    model = b.model
    arcs: list[tuple[int, int, cp_model.LiteralT]] = []
    nodes = [(t, literal) for t, _, literal in items]
    for i, (t, present) in enumerate(nodes, start=1):
        first = model.new_bool_var(f"first{m}_{t}")
        last = model.new_bool_var(f"last{m}_{t}")
        arcs += [(0, i, first), (i, 0, last)]
        if present is not None:
            arcs.append((i, i, ~present))
        for j, (u, _) in enumerate(nodes, start=1):
            if i == j:
                continue
            follows = model.new_bool_var(f"next{m}_{t}_{u}")
            arcs.append((i, j, follows))
            gap = c.setup_time(c.family[t], c.family[u])
            model.add(b.starts[u] >= b.ends[t] + gap).only_enforce_if(follows)
    if nodes:
        arcs.append((0, 0, model.new_bool_var(f"idle{m}")))  # no task on the machine at all
        model.add_circuit(arcs)


def _setups_pairwise(
    c: Compiled,
    b: Built,
    items: list[tuple[int, cp_model.IntervalVar, cp_model.IntVar | None]],
) -> None:
    """Set-ups on a busy machine: for each pair with a task that can move, one goes first
    and the other starts after it plus the set-up (sound when set-ups obey the triangle
    inequality, as family changes do)."""
    model = b.model
    for i, (t, _, present_t) in enumerate(items):
        for u, _, present_u in items[i + 1 :]:
            if present_t is None and present_u is None:
                continue  # both held: their order and gap are already right
            if (
                c.setup_time(c.family[t], c.family[u])
                == 0
                == c.setup_time(c.family[u], c.family[t])
            ):
                continue  # the no-overlap covers them
            first = model.new_bool_var(f"order{t}_{u}")
            both = [x for x in (present_t, present_u) if x is not None]
            model.add(
                b.starts[u] >= b.ends[t] + c.setup_time(c.family[t], c.family[u])
            ).only_enforce_if([first, *both])
            model.add(
                b.starts[t] >= b.ends[u] + c.setup_time(c.family[u], c.family[t])
            ).only_enforce_if([~first, *both])


def _objective(c: Compiled, b: Built, horizon: int, bound: Score | None) -> cp_model.LinearExprT:
    """The primary objective (bounded by `bound`), then the tasks moved. With both
    objectives and no tardiness left, the makespan is minimised keeping it at zero."""
    model = b.model
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, [b.ends[t] for t in range(c.size) if t in b.ends])
    if c.problem.objective == Objective.MAKESPAN:
        primary: cp_model.LinearExprT = makespan
    else:
        primary = _tardiness(c, b, horizon)
    if bound is not None:
        model.add(primary <= bound[0])
        if c.problem.objective == Objective.BOTH and bound[0] == 0:
            model.add(makespan <= bound[1])
            primary = makespan
    if not c.previous:
        return primary
    return cast(cp_model.LinearExpr, primary) * (len(c.previous) + 1) + _stability(c, b)


def _tardiness(c: Compiled, b: Built, horizon: int) -> cp_model.LinearExpr:
    terms = []
    for j, due in enumerate(c.due):
        if due is None:
            continue
        lateness = b.model.new_int_var(0, horizon, f"late{j}")
        for t in c.job_ends(j):
            b.model.add(lateness >= b.ends[t] - due)
        terms.append(round(c.weight[j] * TARDINESS_SCALE) * lateness)
    return cp_model.LinearExpr.sum(terms)


def _stability(c: Compiled, b: Built) -> cp_model.LinearExpr:
    """How many tasks leave the machine or start the previous schedule gave them."""
    stays = []
    for t, (m, start) in c.previous.items():
        choices = dict(b.choices.get(t, []))
        if m not in choices:
            continue
        same = b.model.new_bool_var(f"same{t}")
        b.model.add(b.starts[t] == start).only_enforce_if(same)
        b.model.add_implication(same, choices[m])
        stays.append(same)
    kept_elsewhere = sum(
        1 for t, (m, start) in c.previous.items() if t not in b.choices and b.starts.get(t) == start
    )
    return cp_model.LinearExpr.sum(stays) * -1 + (len(c.previous) - kept_elsewhere)


def _hint(c: Compiled, b: Built, incumbent: Assignment) -> None:
    for t, choices in b.choices.items():
        m, start, end = incumbent[t]
        start_var, end_var = b.starts[t], b.ends[t]
        assert not isinstance(start_var, int) and not isinstance(end_var, int)
        b.model.add_hint(start_var, start)
        b.model.add_hint(end_var, end)
        if len(choices) > 1:
            for machine, literal in choices:
                b.model.add_hint(literal, machine == m)


def read(
    c: Compiled, b: Built, solver: cp_model.CpSolver, incumbent: Assignment | None
) -> Assignment:
    """The solver's schedule (tasks not modelled keep their incumbent place)."""
    result: Assignment = []
    for t in range(c.size):
        choices = b.choices.get(t)
        if choices is None:
            result.append(c.fixed[t] if t in c.fixed else incumbent[t])  # type: ignore[index]
            continue
        machine = next(m for m, literal in choices if solver.boolean_value(literal))
        result.append((machine, solver.value(b.starts[t]), solver.value(b.ends[t])))
    return result
