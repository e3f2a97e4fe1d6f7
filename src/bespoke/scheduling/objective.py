"""The objective, the same in the heuristic and the search: the primary objective
(makespan or weighted tardiness), the makespan after the tardiness when both count, then,
when repairing a schedule, the number of tasks moved from it."""

from bespoke.model.scheduling import Objective
from bespoke.scheduling.compiled import Compiled

Assignment = list[tuple[int, int, int]]  # per task: machine, start, end
TARDINESS_SCALE = 100  # weights to whole numbers


Score = tuple[int, int, int]


def score(c: Compiled, assignment: Assignment) -> Score:
    """(primary, secondary, moved), compared in that order; lower is better. The primary is
    the makespan, or the weighted tardiness (scaled to a whole number); the secondary is
    the makespan when both count; moved counts tasks off their previous place."""
    span = makespan(assignment)
    if c.problem.objective == Objective.MAKESPAN:
        primary, secondary = span, 0
    else:
        primary = round(weighted_tardiness(c, assignment) * TARDINESS_SCALE)
        secondary = span if c.problem.objective == Objective.BOTH else 0
    return primary, secondary, moved(c, assignment) if c.previous else 0


def makespan(assignment: Assignment) -> int:
    return max((end for _, _, end in assignment), default=0)


def weighted_tardiness(c: Compiled, assignment: Assignment) -> float:
    total = 0.0
    for j, tasks in enumerate(c.job_tasks):
        due = c.due[j]
        if due is not None:
            total += c.weight[j] * max(0, max(assignment[t][2] for t in tasks) - due)
    return total


def moved(c: Compiled, assignment: Assignment) -> int:
    """Tasks not on the machine and at the start the previous schedule gave them."""
    return sum(1 for t, (m, start) in c.previous.items() if assignment[t][:2] != (m, start))


def describe(c: Compiled, assignment: Assignment) -> str:
    text = f"makespan {makespan(assignment)}"
    if c.problem.objective != Objective.MAKESPAN:
        text += f", weighted tardiness {weighted_tardiness(c, assignment):g}"
    if c.previous:
        text += f", {moved(c, assignment)} moved"
    return text
