"""A shop's schedule as its pages show it: each task named by its order and part (or its
batch's orders, or its maintenance), the Gantt chart of them and each machine's jobs."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from bespoke.geometry.readers import part_title
from bespoke.maintenance.schedule import FAMILY
from bespoke.model.accounts import Account
from bespoke.model.batching import BatchDocument
from bespoke.model.catalog import Catalog
from bespoke.model.errors import PermissionDeniedError
from bespoke.model.scheduling import KeptSchedule, KeptTask
from bespoke.planning.kinds import BENCH
from bespoke.production.jobs import TASK_PREFIX
from bespoke.production.remaining import operation_of
from bespoke.production.work import FrozenWork
from bespoke.reports.gantt_chart import (
    Bar,
    FloorRun,
    MachineJobs,
    WorkKind,
    gantt_figure,
    machine_jobs,
)
from bespoke.services.environment import Environment
from bespoke.services.maintenance.scheduled import is_maintenance
from bespoke.services.shop.scheduling import schedule_view
from bespoke.services.shop.shops import runs_shop, shop_catalog
from bespoke.services.shopfloor.actuals import held_work_order
from bespoke.store import UnitOfWork, now


@dataclass(frozen=True)
class OrderNames:
    """An order's part or product as people read it (`title`), and for each of its
    operations the part it makes (a product's) and the operation's name."""

    title: str
    parts: Mapping[str, str] = field(default_factory=dict)
    steps: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchNames:
    """A kept batch: its page's id and the orders' operations it does."""

    id: int
    works: Sequence[tuple[int, str]]


@dataclass(frozen=True)
class ScheduleNames:
    """What the tasks of a schedule are called: orders, batches (by their job), open
    maintenance (by its job), and the operation of each work order held under way."""

    orders: Mapping[int, OrderNames]
    batches: Mapping[str, BatchNames] = field(default_factory=dict)
    maintenance: Mapping[str, str] = field(default_factory=dict)
    held: Mapping[str, str] = field(default_factory=dict)


class ChartedSchedule(BaseModel):
    """A schedule with its Gantt chart (a plotly figure) and each machine's jobs."""

    schedule: KeptSchedule
    figure: dict[str, Any]
    machines: list[MachineJobs]


def charted_schedule(env: Environment, who: Account, schedule_id: str) -> ChartedSchedule:
    """A schedule of the caller's shop ('latest' for the newest), its tasks named, drawn
    with the work orders as the floor ran them."""
    if who.shop_id is None or not runs_shop(who, who.shop_id):
        raise PermissionDeniedError("only a shop's operators and admins see its schedule")
    shop_id = who.shop_id
    with env.uow() as uow:
        row = uow.schedules.named(shop_id, schedule_id)
        view = schedule_view(uow, row)
        names = _names(uow, shop_id, row.id, view.tasks)
        machines = _station_names(shop_catalog(uow, shop_id), view.tasks)
        runs = _floor_runs(uow, shop_id, now())
    bars = [task_bar(t, view.origin, names) for t in view.tasks]
    return ChartedSchedule(
        schedule=view,
        figure=gantt_figure(bars, runs, machines),
        machines=machine_jobs(bars, machines),
    )


def task_bar(task: KeptTask, origin: datetime, names: ScheduleNames) -> Bar:
    """A kept task as people read it: labelled by its order and part, a batch by its
    orders, maintenance by its title."""
    start = origin + timedelta(seconds=task.start)
    end = origin + timedelta(seconds=task.end)
    if is_maintenance(task.job):
        title = names.maintenance.get(task.job, "maintenance")
        detail = f"Maintenance: {title}"
        return Bar(task.machine, start, end, WorkKind.MAINTENANCE, title, "maint.", detail)
    held = held_work_order(task.job)
    kind = WorkKind.UNDER_WAY if held is not None else WorkKind.ORDER
    if task.batch is not None:
        label, short, detail, link = _batch_words(task, names)
        kind = WorkKind.UNDER_WAY if held is not None else WorkKind.BATCH
    else:
        operation = names.held.get(task.job) or _operation(task)
        label, short, detail, link = _order_words(task.order_id or 0, operation, names)
    if held is not None:
        detail = f"Work order {held} under way: {detail}"
        link = f"/floor/work/{held}"
    return Bar(task.machine, start, end, kind, label, short, detail, link)


def _operation(task: KeptTask) -> str:
    """The order's operation a task of its job does (a piece of it, or a remake)."""
    name = task.task.split("#", 1)[0]
    return operation_of(name.removeprefix(f"{TASK_PREFIX}{task.order_id}/"))


def _order_words(order_id: int, operation: str, names: ScheduleNames) -> tuple[str, str, str, str]:
    order = names.orders.get(order_id, OrderNames(title=f"order {order_id}"))
    part = order.parts.get(operation) or order.title
    step = order.steps.get(operation, operation)
    made = order.title if part == order.title else f"{order.title}: {part}"
    return (
        f"#{order_id} {part}",
        f"#{order_id}",
        f"Order #{order_id} {made} · {step}",
        f"/orders/{order_id}",
    )


def _batch_words(task: KeptTask, names: ScheduleNames) -> tuple[str, str, str, str | None]:
    batch = names.batches.get(task.batch or "")
    works = batch.works if batch else []
    orders = sorted(set(task.orders))
    made = []
    for order_id in orders:
        order = names.orders.get(order_id, OrderNames(title=f"order {order_id}"))
        parts = sorted({order.parts.get(op, "") for o, op in works if o == order_id} - {""})
        made.append(f"#{order_id} {order.title}" + (f" ({', '.join(parts)})" if parts else ""))
    steps = sorted({names.orders[o].steps.get(op, op) for o, op in works if o in names.orders})
    what = f" · {', '.join(steps)}" if steps else ""
    link = f"/shop/batches/{batch.id}" if batch else None
    count = len(orders)
    detail = f"Batch of {count} order{'' if count == 1 else 's'}: {'; '.join(made)}{what}"
    if count == 1:
        order = names.orders.get(orders[0], OrderNames(title=f"order {orders[0]}"))
        return f"#{orders[0]} {order.title}", f"#{orders[0]}", detail, link
    return f"batch of {count} orders", f"{count} orders", detail, link


def _names(
    uow: UnitOfWork, shop_id: int, schedule_id: int, tasks: Sequence[KeptTask]
) -> ScheduleNames:
    """The names of a schedule's orders, batches, maintenance and work under way."""
    order_ids = {o for t in tasks for o in t.orders} | {t.order_id for t in tasks if t.order_id}
    orders = {}
    for order_id in sorted(order_ids):
        order = uow.orders.by_id(order_id)
        quote = uow.quotes.by_id(order.quote_id)
        work = FrozenWork.model_validate(order.work) if order.work else FrozenWork()
        orders[order_id] = _order_names(part_title(quote.title), work)
    batches = {
        row.key: BatchNames(
            row.id,
            [(int(w.order), w.task) for w in BatchDocument.model_validate(row.document).works],
        )
        for row in uow.batches.of_schedule(schedule_id)
    }
    maintenance = {
        f"{FAMILY}:{row.key}": row.title
        for row in uow.maintenance.orders(shop_id)
        if any(t.job == f"{FAMILY}:{row.key}" for t in tasks)
    }
    held = {}
    for task in tasks:
        work_order = held_work_order(task.job)
        if work_order is not None:
            held[task.job] = operation_of(uow.work_orders.get(shop_id, work_order).operation)
    return ScheduleNames(orders, batches, maintenance, held)


def _order_names(title: str, work: FrozenWork) -> OrderNames:
    parts = {op.id: w.part for w in work.parts for op in w.operations if w.part}
    steps = {op.id: op.name for w in work.parts for op in w.operations}
    if work.assembly is not None:
        steps |= {op.id: op.name for op, _ in work.assembly.operations}
    return OrderNames(title, parts, steps)


def _station_names(catalog: Catalog, tasks: Sequence[KeptTask]) -> dict[str, str]:
    """The machines' names, and a bench of a process's by its process."""
    names = {m.id: m.name for m in catalog.machines.values()}
    for task in tasks:
        process = catalog.processes.get(task.machine.removeprefix(BENCH))
        if task.machine.startswith(BENCH) and process is not None:
            names[task.machine] = f"Bench: {process.name}"
    return names


def _floor_runs(uow: UnitOfWork, shop_id: int, moment: datetime) -> list[FloorRun]:
    """The shop's work orders that started, from their first start to their finish (or
    to `moment`)."""
    return [
        FloorRun(
            machine=row.machine,
            start=row.first_start_at,
            end=row.closed_at or moment,
            detail=f"Work order {row.id}, {row.status}: {row.good} good, {row.scrap} scrap",
        )
        for row in uow.work_orders.of_shop(shop_id, None)
        if row.first_start_at is not None
    ]
