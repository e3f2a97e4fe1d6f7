"""An order's own work as a job of the shop's schedule: its operations that did not join
a batch, in pieces on the stations that may run them, following each other along the
order's routing; the operations that joined batches are tied in by links."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bespoke.model import Catalog, Operation
from bespoke.model.scheduling import Job, Task
from bespoke.planning.kinds import Workpiece
from bespoke.production.operations import family, operation_seconds, tasks

TASK_PREFIX = "order-"


@dataclass(frozen=True)
class Step:
    """An operation of an order, how many times it is done, and what it works on."""

    operation: Operation
    count: int
    piece: Workpiece


def order_job(
    order: str,
    steps: Sequence[Step],
    edges: Sequence[tuple[str, str]],
    catalog: Catalog,
    *,
    due: int | None,
    longest_s: int | None,
    joined: Mapping[str, str] | None = None,
) -> tuple[Job | None, list[tuple[str, str]]]:
    """The order's job (None when all its work joined batches) and the links from and to
    the batches its `joined` operations (operation id -> batch id) are in."""
    joined = joined or {}
    own: list[Task] = []
    chain: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    ends: dict[str, tuple[str, str]] = {}  # operation -> (its first task, its last)
    for step in steps:
        op = step.operation
        batch = joined.get(op.id)
        if batch is not None:
            ends[op.id] = (batch, batch)
            continue
        made = tasks(
            f"{TASK_PREFIX}{order}/{op.id}",
            operation_seconds(op, step.count),
            family(op, step.piece, catalog),
            op.process_id,
            op.machine_id,
            catalog,
            longest_s,
        )
        own += made
        chain += [(a.id, b.id) for a, b in pairwise(made)]
        ends[op.id] = (made[0].id, made[-1].id)
    for before, after in dict.fromkeys(edges):
        pair = (ends[before][1], ends[after][0])
        (links if before in joined or after in joined else chain).append(pair)
    if not own:
        return None, links
    return Job(id=order, tasks=own, precedences=chain, due=due), links
