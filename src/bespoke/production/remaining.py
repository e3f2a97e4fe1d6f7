"""What is left of an order's work once the floor has booked some of it.

The floor books, for each of an order's operations, how many parts came out good, how
many were scrapped, and how many are being worked on now. A scrapped part is gone: it is
made again from the first operation. A part that came out good waits for the next
operation. So a part's work of quantity Q along operations 1..n splits into groups:

- parts finished: good at operation n;
- parts waiting after operation j (j < n): good at j, not yet through j + 1, that is
  good(j) - good(j + 1) - scrap(j + 1), where parts being worked on count as good (a part
  made again counts at each operation like any other);
- parts to make from the start: the rest.

No group holds more than the parts still needed, those nearest to done counted first, so
a miscount on the floor never schedules more than the order asks for.

Each group still to make is a work of its own, from its next operation on; its
operation ids carry a suffix (`~2` for "from operation 2", `~r` for a re-make from the
start) so that they stay distinct among the order's. A product's own operations
(checking, assembly, packing) are left when fewer are done than it needs.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from bespoke.model import Operation
from bespoke.production.work import FrozenWork, OrderAssembly, OrderWork

AGAIN = "~"
"""Between an operation's id and the group of parts it is done for again."""


@dataclass(frozen=True)
class Booked:
    """An operation's parts as the floor has booked them."""

    good: int = 0
    scrap: int = 0
    underway: int = 0
    """Parts on a started work order not yet booked: expected to come out good."""

    def __add__(self, other: "Booked") -> "Booked":
        return Booked(
            self.good + other.good, self.scrap + other.scrap, self.underway + other.underway
        )


NOTHING = Booked()


def operation_of(task_operation: str) -> str:
    """The order's own operation id behind a (possibly re-made) operation's id."""
    return task_operation.split(AGAIN, 1)[0]


def remaining_work(work: FrozenWork, booked: Mapping[str, Booked]) -> FrozenWork:
    """`work` less what `booked` (operation id -> its booked parts) says is done or under
    way: the groups of parts still to make, each from its next operation on."""
    parts = [group for part in work.parts for group in _part_groups(part, booked)]
    present: dict[str, list[str]] = {}
    for group in parts:
        for op in group.operations:
            present.setdefault(operation_of(op.id), []).append(op.id)
    assembly = _assembly_left(work.assembly, booked, present) if work.assembly else None
    return FrozenWork(parts=parts, assembly=assembly)


def finished(work: FrozenWork, booked: Mapping[str, Booked]) -> bool:
    """Whether the floor has made everything `work` asks for, nothing under way."""
    left = remaining_work(work, booked)
    if left.parts or left.assembly:
        return False
    ops = [op.id for p in work.parts for op in p.operations]
    ops += [op.id for op, _ in work.assembly.operations] if work.assembly else []
    return not any(booked.get(op, NOTHING).underway for op in ops)


def _part_groups(part: OrderWork, booked: Mapping[str, Booked]) -> list[OrderWork]:
    ops = part.operations
    if not ops:
        return []
    made = [_counted(booked.get(op.id, NOTHING)) for op in ops]
    scrapped = [booked.get(op.id, NOTHING).scrap for op in ops]
    if not any(made) and not any(scrapped):
        return [part]
    needed = max(0, part.quantity - made[-1])
    groups: list[tuple[int, int]] = []  # (first operation index, parts), nearest done first
    for j in reversed(range(len(ops) - 1)):
        waiting = min(needed, max(0, made[j] - made[j + 1] - scrapped[j + 1]))
        needed -= waiting
        if waiting:
            groups.append((j + 1, waiting))
    if needed:
        groups.append((0, needed))
    return [_group(part, first, count) for first, count in reversed(groups)]


def _counted(booked: Booked) -> int:
    return booked.good + booked.underway


def _group(part: OrderWork, first: int, count: int) -> OrderWork:
    """The part's work for `count` parts from operation `first` on."""
    suffix = f"{AGAIN}r" if first == 0 else f"{AGAIN}{first + 1}"
    operations = [_again(op, suffix) for op in part.operations[first:]]
    return part.model_copy(update={"quantity": count, "operations": operations})


def _suffix(task_operation: str) -> str:
    return task_operation[len(operation_of(task_operation)) :]


def _again(op: Operation, suffix: str) -> Operation:
    return op.model_copy(update={"id": f"{op.id}{suffix}"})


def _assembly_left(
    assembly: OrderAssembly, booked: Mapping[str, Booked], parts: Mapping[str, list[str]]
) -> OrderAssembly | None:
    """The product's own operations not yet done, and the edges among what is left (an
    edge from a part's operation goes from each group that still does it)."""
    left = [
        (op, count)
        for op, count in assembly.operations
        if _counted(booked.get(op.id, NOTHING)) < count
    ]
    if not left:
        return None
    present = dict(parts) | {op.id: [op.id] for op, _ in left}
    edges = [
        (a, b)
        for before, after in assembly.edges
        for a in present.get(before, [])
        for b in present.get(after, [])
        if not (before in parts and after in parts) or _suffix(a) == _suffix(b)
    ]
    return assembly.model_copy(update={"operations": left, "edges": list(dict.fromkeys(edges))})
