"""Operations of many orders grouped into batches: one set-up for work of one family."""

import hashlib
from collections import defaultdict
from collections.abc import Collection, Sequence

from bespoke.model.batching import Batch, BatchWork


def form_batches(
    works: Sequence[BatchWork],
    window_s: int,
    longest_s: int,
    unbounded: Collection[str] = (),
) -> list[Batch]:
    """Works of each family, most urgent first, grouped: a batch takes the next work while
    it is due within `window_s` of the batch's first and the batch runs at most
    `longest_s` (a work longer than that makes a batch of its own), except on the
    `unbounded` processes, whose batches are queues that run on (printers' plates).

    The window is how long an urgent order may wait for later work to join it; the
    scheduler then decides when each batch runs against the orders' due dates.
    """
    by_family: dict[str, list[BatchWork]] = defaultdict(list)
    for work in works:
        by_family[work.family].append(work)
    batches: list[Batch] = []
    for family, members in sorted(by_family.items()):
        members.sort(key=lambda w: (w.due is None, w.due or 0, w.order))
        group: list[BatchWork] = []
        for work in members:
            longest = None if work.process in unbounded else longest_s
            if group and not _joins(group, work, window_s, longest):
                batches.append(_batch(family, group))
                group = []
            group.append(work)
        batches.append(_batch(family, group))
    return batches


def _joins(group: list[BatchWork], work: BatchWork, window_s: int, longest_s: int | None) -> bool:
    first = group[0].due
    in_window = first is None or (work.due is not None and work.due - first <= window_s)
    if longest_s is None:
        return in_window
    return in_window and sum(w.run_s for w in group) + work.run_s <= longest_s


def _batch(family: str, works: list[BatchWork]) -> Batch:
    """A batch named by what it holds: the same work batched again keeps its name, so a
    batch that has started is recognised in the next schedule."""
    held = "\n".join([family, *sorted(f"{w.order}/{w.task}" for w in works)])
    return Batch(
        id=f"batch-{hashlib.sha256(held.encode()).hexdigest()[:8]}",
        family=family,
        process=works[0].process,
        works=works,
        setup_s=max(w.setup_s for w in works),
    )
