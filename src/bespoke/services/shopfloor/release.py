"""Work orders from a kept schedule: each scheduled operation of an order, and each batch
of many orders' parts, becomes an instruction on the machine or bench the schedule placed
it on. What each one makes comes from the same work the schedule was made of (the orders'
frozen work less what the floor has booked, and the batch plan), never a second reading.

A work order that has not started is updated in place when a new schedule places its work
again (its id, and a printed traveller's code, stay valid) and cancelled when the work is
no longer scheduled; one that has started stays as it is."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bespoke.batching.plan import BatchPlan
from bespoke.model.execution import WorkOrderStatus
from bespoke.model.scheduling import KeptTask
from bespoke.model.wording import plural
from bespoke.production import OrderAssembly, OrderWork
from bespoke.production.jobs import TASK_PREFIX
from bespoke.production.remaining import operation_of
from bespoke.services.shopfloor.actuals import held_work_order
from bespoke.store import UnitOfWork
from bespoke.store.tables import ScheduleRow, WorkOrderRow

SUPERSEDED = "no longer in the shop's schedule"


@dataclass(frozen=True)
class PlannedWork:
    """What one scheduled operation or batch makes, for its work order."""

    operation: str
    name: str
    process: str
    family: str
    quantity: int
    orders: list[int]
    instructions: str
    order_id: int | None = None
    batch: str | None = None
    per_order: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A batch's share of each order's part: `order:operation` -> order, operation, part,
    planned (and scrap, once booked)."""


def planned_works(
    works: Sequence[OrderWork],
    assemblies: Sequence[OrderAssembly],
    plan: BatchPlan,
    families: Mapping[str, str],
) -> dict[str, PlannedWork]:
    """Each task name of the work (an order's operation, or a batch) -> what it makes;
    `families` gives each task's set-up family."""
    planned: dict[str, PlannedWork] = {}
    batched = {(w.order, w.task) for b in plan.batches for w in b.batch.works}
    part_of: dict[tuple[str, str], OrderWork] = {}
    for work in works:
        for op in work.operations:
            part_of[work.order, op.id] = work
            if (work.order, op.id) in batched:
                continue
            task = f"{TASK_PREFIX}{work.order}/{op.id}"
            material = work.material.name + (
                f", {work.thickness_mm:g} mm" if work.thickness_mm else ""
            )
            planned[task] = PlannedWork(
                operation=op.id,
                name=f"{op.name}: {work.name}",
                process=op.process_id,
                family=families.get(task, ""),
                quantity=work.quantity,
                orders=[int(work.order)],
                order_id=int(work.order),
                instructions=work_instructions(op.name, work.quantity, material, op.basis),
            )
    for assembly in assemblies:
        for op, count in assembly.operations:
            task = f"{TASK_PREFIX}{assembly.order}/{op.id}"
            planned[task] = PlannedWork(
                operation=op.id,
                name=op.name,
                process=op.process_id,
                family=families.get(task, ""),
                quantity=count,
                orders=[int(assembly.order)],
                order_id=int(assembly.order),
                instructions=work_instructions(op.name, count, None, op.basis),
            )
    for planned_batch in plan.batches:
        batch = planned_batch.batch
        shares: dict[str, dict[str, Any]] = {}
        for w in batch.works:
            part = part_of[w.order, w.task]
            shares[f"{w.order}:{w.task}"] = {
                "order": int(w.order),
                "operation": w.task,
                "part": part.name,
                "planned": part.quantity,
                "scrap": 0,
            }
        quantity = sum(s["planned"] for s in shares.values())
        orders = sorted({s["order"] for s in shares.values()})
        sheets = len(planned_batch.nest.sheets) if planned_batch.nest else 0
        stock = f"{plural(sheets, 'sheet')}, see the nest" if sheets else None
        planned[batch.id] = PlannedWork(
            operation=batch.process,
            name=f"Batch {batch.id}: {plural(quantity, 'part')} of {plural(len(orders), 'order')}",
            process=batch.process,
            family=batch.family,
            quantity=quantity,
            orders=orders,
            batch=batch.id,
            per_order=shares,
            instructions=work_instructions(f"{batch.family}", quantity, stock, None),
        )
    return planned


def work_instructions(what: str, quantity: int, stock: str | None, basis: str | None) -> str:
    lines = [f"{what} x {quantity}"]
    lines += [f"Stock: {stock}"] if stock else []
    lines += [f"Planned as: {basis}"] if basis else []
    return "\n".join(lines)


def release_work_orders(
    uow: UnitOfWork,
    schedule: ScheduleRow,
    tasks: Sequence[KeptTask],
    planned: Mapping[str, PlannedWork],
    moment: datetime,
) -> list[WorkOrderRow]:
    """The shop's work orders for a newly kept schedule (its tasks in seconds from its
    origin): created, moved, or cancelled when their work is no longer scheduled."""
    pieces: dict[str, list[KeptTask]] = defaultdict(list)
    for task in tasks:
        pieces[task.task.split("#", 1)[0]].append(task)
    waiting = {row.key: row for row in uow.work_orders.of_shop(schedule.shop_id, ["ready"])}
    released: list[WorkOrderRow] = []
    for name, placed in pieces.items():
        held = held_work_order(name)
        if held is not None:
            released.append(uow.work_orders.get(schedule.shop_id, held))
            continue
        work = planned.get(name)
        if work is None:  # a task the schedule holds for work done elsewhere
            continue
        row = waiting.pop(name, None) or _new(schedule.shop_id, name, moment)
        _place(row, work, placed, schedule, moment)
        uow.work_orders.add(row)
        released.append(row)
    for row in waiting.values():
        row.status = WorkOrderStatus.CANCELLED
        row.closed_at = moment
        row.updated_at = moment
        row.instructions = f"{row.instructions}\nCancelled: {SUPERSEDED}"
    uow.flush()
    return released


def _new(shop_id: int, key: str, moment: datetime) -> WorkOrderRow:
    return WorkOrderRow(
        shop_id=shop_id,
        key=key,
        status=WorkOrderStatus.READY,
        started=0,
        good=0,
        scrap=0,
        scrap_by_reason={},
        running_s=0.0,
        paused_s=0.0,
        pauses=0,
        created_at=moment,
    )


def _place(
    row: WorkOrderRow,
    work: PlannedWork,
    placed: Sequence[KeptTask],
    schedule: ScheduleRow,
    moment: datetime,
) -> None:
    """Fill `row` from `work` and where the schedule put its pieces: on the machine that
    runs most of it (others, if any, named in the instructions)."""
    time_on: dict[str, int] = defaultdict(int)
    for piece in placed:
        time_on[piece.machine] += piece.end - piece.start
    machine = max(time_on, key=lambda m: time_on[m])
    instructions = work.instructions
    if len(time_on) > 1:
        others = ", ".join(sorted(set(time_on) - {machine}))
        instructions += f"\nPart of this work is scheduled on {others}"
    row.schedule_id = schedule.id
    row.order_id = work.order_id
    row.batch = work.batch
    row.orders = work.orders
    row.operation = operation_of(work.operation)[:120]
    row.name = work.name[:200]
    row.process = work.process
    row.machine = machine
    row.family = work.family[:200]
    row.quantity = work.quantity
    row.per_order = work.per_order
    row.planned_start = schedule.origin + timedelta(seconds=min(p.start for p in placed))
    row.planned_end = schedule.origin + timedelta(seconds=max(p.end for p in placed))
    row.planned_s = sum(time_on.values())
    row.instructions = instructions
    row.updated_at = moment
