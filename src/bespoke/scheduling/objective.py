"""The objective as one whole number, the same in the heuristic, the search and CP-SAT:
the primary objective (makespan, weighted tardiness, or both lexicographically), then,
when repairing a schedule, the number of tasks moved from it."""

from bespoke.model.scheduling import Objective
from bespoke.scheduling.compiled import Compiled

Assignment = list[tuple[int, int, int]]  # per task: machine, start, end
TARDINESS_SCALE = 100  # weights to whole numbers


def score(c: Compiled, assignment: Assignment) -> int:
    """Lower is better."""
    primary = primary_value(c, makespan(assignment), weighted_tardiness(c, assignment))
    if not c.previous:
        return primary
    return primary * (len(c.previous) + 1) + moved(c, assignment)


def primary_value(c: Compiled, span: int, tardiness: float) -> int:
    scaled = round(tardiness * TARDINESS_SCALE)
    if c.problem.objective == Objective.MAKESPAN:
        return span
    if c.problem.objective == Objective.TARDINESS:
        return scaled
    return scaled * (c.horizon() + 1) + span


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
