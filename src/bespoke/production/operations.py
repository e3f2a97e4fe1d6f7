"""One operation of an order as the shop's work: how long it takes for a quantity, its
set-up family, whether it joins a batch, and its tasks on the stations that may run it.
Batch planning, the shop's schedule and promised dates all ask here."""

import math
from collections.abc import Iterable

from bespoke.costing.learning import total_time
from bespoke.model import Catalog, InputError, Operation, Process
from bespoke.model.scheduling import Alternative, Task
from bespoke.planning.kinds import Workpiece, rules
from bespoke.scheduling.pieces import pieces


def run_seconds(op: Operation, quantity: int) -> float:
    """Machine or hand time of `quantity` parts, set-up and builds aside; hand work gets
    quicker with practice."""
    if op.manual:
        return total_time(op.run_s, quantity, op.learning_rate, op.learning_floor)
    return op.run_s * quantity


def build_seconds(op: Operation, quantity: int) -> float:
    """Time of the builds (plates, loads) `quantity` parts need when made alone."""
    return math.ceil(quantity / op.parts_per_batch) * op.batch_s if op.batch_s else 0.0


def operation_seconds(op: Operation, quantity: int) -> int:
    """The whole operation for `quantity` parts made alone: set-up, run and builds."""
    return math.ceil(op.setup_s + run_seconds(op, quantity) + build_seconds(op, quantity))


def process_of(process_id: str, catalog: Catalog) -> Process:
    """A process of the shop's catalog, by id."""
    process = catalog.processes.get(process_id)
    if process is None:
        raise InputError(
            f"the work needs {process_id}, which the shop's catalog no longer has;"
            " add the process back or quote the order again",
            path=f"processes.{process_id}",
        )
    return process


def family(op: Operation, piece: Workpiece, catalog: Catalog) -> str:
    """The operation's set-up family, by its kind's rule."""
    process = process_of(op.process_id, catalog)
    return rules(process).family(process, op, piece)


def batched(op: Operation, catalog: Catalog) -> bool:
    """Whether the operation joins other orders' of its family in a batch."""
    return rules(process_of(op.process_id, catalog)).batched(op.machine_id)


def tasks(
    name: str,
    seconds: int,
    family_name: str,
    process_id: str,
    machine_id: str | None,
    catalog: Catalog,
    longest_s: int | None,
) -> list[Task]:
    """`seconds` of work of a process planned on `machine_id` (None: by hand), as tasks on
    each station that may run it, as long as it takes there; split in pieces of at most
    `longest_s` (so that a shift can end between them) unless it runs on through closed
    hours."""
    process = process_of(process_id, catalog)
    kind = rules(process)
    stations = kind.stations(catalog, process, machine_id)
    pausable = kind.pausable(machine_id)
    split = [(name, seconds)]
    if longest_s is not None and not pausable:
        split = pieces(name, seconds, longest_s)
    planned = catalog.machines.get(machine_id) if machine_id else None
    return [
        Task(
            id=piece,
            alternatives=[
                Alternative(
                    machine=m, duration=kind.seconds_on(share, planned, catalog.machines.get(m))
                )
                for m in stations
            ],
            family=family_name,
            pausable=pausable,
        )
        for piece, share in split
    ]


def changeovers(families: Iterable[str], catalog: Catalog) -> dict[str, dict[str, int]]:
    """Changing family on a machine costs half its process's set-up (a program and fixture
    are per order already; this is the change of material, thickness or finish). A
    family's first field is its process."""
    names = set(families)
    setup: dict[str, dict[str, int]] = {}
    for a in names:
        process = catalog.processes.get(a.split(":")[0])
        half = int((process.setup_s if process is not None else 0) // 2)
        setup[a] = {b: half for b in names if b != a and b.split(":")[0] == a.split(":")[0]}
    return setup
