"""What the floor has done, as the next schedule reads it: the parts booked against each
order's operations, and the work orders under way, held where they run for as long as
they still need."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bespoke.model.execution import WorkOrderStatus
from bespoke.model.scheduling import Alternative, Job, ScheduledTask, Task
from bespoke.production.remaining import Booked, operation_of
from bespoke.store.tables import NonconformanceRow, WorkOrderRow

HELD_PREFIX = "wo-"
"""The job and task name of a work order under way in a schedule."""
UNDER_WAY = (WorkOrderStatus.RUNNING, WorkOrderStatus.PAUSED)
SHORTEST_LEFT_S = 300
"""A work order under way is held at least this much longer: it is not done until it is
finished on the floor, however long its plan said."""


def held_work_order(task: str) -> int | None:
    """The work order a held task stands for, or None for any other task."""
    rest = task.removeprefix(HELD_PREFIX)
    return int(rest) if rest != task and rest.isdigit() else None


def booked_by_order(rows: Sequence[WorkOrderRow]) -> dict[int, dict[str, Booked]]:
    """For each order, its operations' parts booked good or scrap, or under way, by the
    work orders `rows` (its own, and its share of batches')."""
    booked: dict[int, dict[str, Booked]] = defaultdict(dict)
    for row in rows:
        under_way = row.status in UNDER_WAY
        done = row.status == WorkOrderStatus.DONE
        if not (under_way or done):
            continue
        if row.batch is None and row.order_id is not None:
            got = (
                Booked(underway=row.quantity)
                if under_way
                else Booked(good=row.good, scrap=row.scrap)
            )
            _add(booked[row.order_id], operation_of(row.operation), got)
            continue
        for share in row.per_order.values():
            planned, scrap = int(share["planned"]), int(share.get("scrap", 0))
            got = Booked(underway=planned) if under_way else Booked(planned - scrap, scrap)
            _add(booked[int(share["order"])], operation_of(share["operation"]), got)
    return booked


def with_dispositions(
    booked: dict[int, dict[str, Booked]],
    rows: Sequence[WorkOrderRow],
    dispositions: Sequence[NonconformanceRow],
) -> dict[int, dict[str, Booked]]:
    """`booked` less the parts nonconformances sent back: scrapped and returned parts are
    made again from the start (booked scrap), reworked ones go through their operation
    again (no longer booked good)."""
    by_id = {row.id: row for row in rows}
    for nc in dispositions:
        row = by_id.get(nc.work_order_id or 0)
        if row is None or nc.order_id is None or row.status != WorkOrderStatus.DONE:
            continue
        operation = _operation_for(row, nc.order_id)
        if operation is None:
            continue
        scrap = nc.quantity if nc.disposition in ("scrap", "return") else 0
        _add(booked[nc.order_id], operation, Booked(good=-nc.quantity, scrap=scrap))
    return booked


def _operation_for(row: WorkOrderRow, order_id: int) -> str | None:
    """The order's operation a work order did (of a batch, the order's first share)."""
    if row.batch is None:
        return operation_of(row.operation)
    shares = [s for s in row.per_order.values() if int(s["order"]) == order_id]
    return operation_of(str(shares[0]["operation"])) if shares else None


def _add(booked: dict[str, Booked], operation: str, got: Booked) -> None:
    booked[operation] = booked.get(operation, Booked()) + got


def held_jobs(
    rows: Sequence[WorkOrderRow], origin: datetime, moment: datetime
) -> tuple[list[Job], list[ScheduledTask], dict[int, int]]:
    """The work orders under way as jobs held where they run, from their first start to
    `moment` plus the time they still need (times in seconds from `origin`): (jobs, their
    frozen placements, each order's earliest start for the rest of its work)."""
    jobs, frozen = [], []
    release: dict[int, int] = {}
    now_s = int((moment - origin).total_seconds())
    for row in rows:
        if row.status not in UNDER_WAY or row.first_start_at is None:
            continue
        name = f"{HELD_PREFIX}{row.id}"
        start = min(now_s, int((row.first_start_at - origin).total_seconds()))
        end = now_s + time_left(row)
        jobs.append(
            Job(
                id=name,
                tasks=[
                    Task(
                        id=name,
                        alternatives=[Alternative(machine=row.machine, duration=end - start)],
                        family=row.family or None,
                    )
                ],
            )
        )
        frozen.append(ScheduledTask(job=name, task=name, machine=row.machine, start=start, end=end))
        for order in row.orders:
            release[int(order)] = max(release.get(int(order), 0), end)
    return jobs, frozen, release


def time_left(row: WorkOrderRow) -> int:
    """How much longer a work order under way needs: its plan less the share of parts
    already booked, or less the time it has run when nothing is booked yet."""
    booked = row.good + row.scrap
    if booked:
        left = row.planned_s * max(0.0, 1 - booked / max(row.started, 1))
    else:
        left = row.planned_s - row.running_s
    return max(SHORTEST_LEFT_S, int(left))
