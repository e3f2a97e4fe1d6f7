"""The shop's schedule: its open orders as jobs on its machines and calendar, solved,
kept, and used to promise completion dates in quotes.

The operations that make orders' parts, a product's parts included, are batched with
other orders' of the same set-up family (batching.plan): a batch is a job of its own,
nested or packed, tied to its orders' other operations by links; an order's other work,
a product's assembly and packing too, is a job of its own. Work runs on every machine
of the shop that runs its process. Set-up families: cutting by process, material and thickness;
other machine work by process and material; finishing by process. Tasks of the previous
schedule that have started stay where they are, and the rest moves as little as it can."""

import functools
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bespoke.batching.plan import BatchPlan, plan_batches, scheduled_work
from bespoke.model import Catalog
from bespoke.model.accounts import Account
from bespoke.model.batching import Nest
from bespoke.model.calendar import Calendar
from bespoke.model.errors import InputError, PermissionDeniedError
from bespoke.model.events import ShopScheduled
from bespoke.model.orders import Mover, OrderStatus
from bespoke.model.plan_document import PlanDocument
from bespoke.model.progress import Progress
from bespoke.model.quote_document import QuoteDocument
from bespoke.model.scheduling import (
    Alternative,
    Job,
    KeptSchedule,
    KeptTask,
    Objective,
    Problem,
    Schedule,
    ScheduleDocument,
    ScheduledTask,
    Station,
    Task,
)
from bespoke.planning.kinds import Workpiece
from bespoke.production import OrderAssembly, OrderWork, Step, changeovers
from bespoke.production import order_job as order_job_of
from bespoke.scheduling.calendars import closed_periods, maintenance_periods
from bespoke.scheduling.compiled import compile_problem
from bespoke.scheduling.dispatch import list_schedule
from bespoke.scheduling.solver import SolverSettings, solve
from bespoke.services.environment import Environment
from bespoke.services.ordering.orders import move
from bespoke.services.ordering.work import order_work
from bespoke.services.shop.batches import (
    batch_nest,
    batch_row,
    held_batches,
    plan_members,
    started_rows,
)
from bespoke.services.shop.remnants import record_started, stock_by_kind
from bespoke.services.shop.shops import runs_shop, shop_catalog
from bespoke.store import UnitOfWork, now
from bespoke.store.blobs import BlobStore
from bespoke.store.tables import OrderRow, QuoteRow, ScheduleRow

OPEN = (OrderStatus.PLACED, OrderStatus.PLANNED, OrderStatus.SCHEDULED, OrderStatus.IN_PRODUCTION)
CALENDAR_DAYS = 366
CHUNK_S = 4 * 3600  # longer operations are split: a shift can end in the middle of an order
BATCH_WINDOW_S = 3 * 24 * 3600
"""How much later than a batch's most urgent order another may be due and still join it."""


def schedule_task(
    env: Environment, progress: Progress, shop_id: int, actor: Account, settings: SolverSettings
) -> str:
    """A shop's schedule as a background task: the URL of the schedule it keeps."""
    return f"/api/shop/schedules/{schedule_shop(env, shop_id, actor, settings, progress).id}"


def schedule_shop(
    env: Environment,
    shop_id: int,
    actor: Account | None,
    settings: SolverSettings | None = None,
    progress: Progress | None = None,
) -> ScheduleRow:
    """Schedule a shop's open orders; keep the schedule; mark the orders scheduled.
    `actor` None is the shop's own command line."""
    if actor is not None and not runs_shop(actor, shop_id):
        raise PermissionDeniedError("only a shop's operators and admins schedule its orders")
    started = now()
    origin = started.replace(second=0, microsecond=0)
    with env.uow() as uow:
        # Off-cuts of batches that have started enter stock on their own: a fact of the
        # floor, kept apart from the new schedule, whose transaction stays open while it
        # is solved (a write held that long on SQLite would lock out the progress reports).
        record_started(uow, started_rows(uow, uow.schedules.latest(shop_id), origin))
        uow.commit()
    with env.uow() as uow:
        uow.shops.by_id(shop_id)
        orders = uow.orders.open_in_shop(shop_id, [s.value for s in OPEN])
        if not orders:
            raise InputError("the shop has no open orders to schedule")
        catalog = shop_catalog(uow, shop_id)
        calendar = Calendar.model_validate(uow.shops.by_id(shop_id).calendar)
        previous = uow.schedules.latest(shop_id)
        problem, plan = shop_work(
            uow, env.blobs, orders, catalog, calendar, origin, previous, progress
        )
        schedule = solve(problem, settings or SolverSettings(time_limit=10), progress)
        row = ScheduleRow(
            shop_id=shop_id,
            created_by=actor.id if actor else None,
            created_at=started,
            origin=origin,
            status=schedule.status,
            makespan_s=schedule.makespan,
            weighted_tardiness=schedule.weighted_tardiness,
            setups=schedule.setups,
            moved=schedule.moved,
            document=_document(schedule, problem, plan_members(plan)),
        )
        uow.schedules.add(row)
        uow.flush()
        for planned in plan.batches:
            uow.batches.add(batch_row(planned, schedule, row, catalog.shop.currency))
        for order in orders:
            if order.status in (OrderStatus.PLACED, OrderStatus.PLANNED):
                move(env.bus, uow, order, OrderStatus.SCHEDULED, actor, Mover.SCHEDULE, started)
        uow.flush()
        env.bus.publish(
            uow,
            actor,
            ShopScheduled(
                at=started,
                shop_id=shop_id,
                schedule_id=row.id,
                orders=len(orders),
                makespan_s=schedule.makespan,
            ),
        )
        uow.commit()
        return row


def schedule_view(row: ScheduleRow) -> KeptSchedule:
    """A stored schedule as the API and pages show it."""
    return KeptSchedule(
        id=row.id,
        created_at=row.created_at,
        origin=row.origin,
        status=row.status,
        makespan_s=row.makespan_s,
        weighted_tardiness=row.weighted_tardiness,
        setups=row.setups,
        moved=row.moved,
        tasks=ScheduleDocument.model_validate(row.document).tasks,
    )


def stored_tasks(document: dict[str, Any]) -> list[ScheduledTask]:
    """The tasks of a kept schedule's stored document, as placed."""
    return [t.placed() for t in ScheduleDocument.model_validate(document).tasks]


def shop_work(
    uow: UnitOfWork,
    blobs: BlobStore,
    orders: list[OrderRow],
    catalog: Catalog,
    calendar: Calendar,
    origin: datetime,
    previous: ScheduleRow | None,
    progress: Progress | None = None,
) -> tuple[Problem, BatchPlan]:
    """The open orders as a scheduling problem: their parts' operations batched, nested
    (on the shop's off-cuts first, brought up to `origin`) and packed; the rest of each
    order's work a job of its own."""
    quotes = {o.id: uow.quotes.by_id(o.quote_id) for o in orders}
    works: list[OrderWork] = []
    assemblies: list[OrderAssembly] = []
    for order in orders:
        frozen = order_work(uow, blobs, order, quotes[order.id], catalog, origin)
        works += frozen.parts
        assemblies += [frozen.assembly] if frozen.assembly else []
    if progress is not None:
        progress(0.0, f"batching the work of {len(orders)} orders")
    started = started_rows(uow, previous, origin)
    held = held_batches(started, {o.id for o in orders})
    plan = plan_batches(
        works,
        catalog,
        window_s=BATCH_WINDOW_S,
        longest_s=CHUNK_S,
        held=held,
        remnants=stock_by_kind(uow, orders[0].shop_id),
        known=_nests_of(uow, previous),
    )
    batch_jobs, links = scheduled_work(plan, works, catalog, CHUNK_S, assemblies)
    worked = {int(w.order) for w in works} | {int(a.order) for a in assemblies}
    rest = [o for o in orders if o.id not in worked]
    problem = shop_problem(rest, quotes, catalog, calendar, origin, previous, batch_jobs, links)
    return problem, plan


def _nests_of(uow: UnitOfWork, schedule: ScheduleRow | None) -> list[Nest]:
    """The nests of a schedule's batches, to keep where their batches have not changed."""
    if schedule is None:
        return []
    return [n for row in uow.batches.of_schedule(schedule.id) if (n := batch_nest(row))]


def shop_problem(
    orders: list[OrderRow],
    quotes: dict[int, QuoteRow],
    catalog: Catalog,
    calendar: Calendar,
    origin: datetime,
    previous: ScheduleRow | None,
    batch_jobs: Sequence[Job] = (),
    links: Sequence[tuple[str, str]] = (),
) -> Problem:
    """The open orders as jobs on the shop's machines, times in seconds from `origin`;
    `batch_jobs` and their `links` hold the orders whose work is batched."""
    closed = _machine_closed(calendar, origin, catalog)
    machines = {m.id: Station(id=m.id, closed=closed(m.id)) for m in catalog.machines.values()}
    jobs = [
        order_job(o.id, o.quantity, o.due_date, quotes[o.id].typed_document(), catalog, origin)
        for o in orders
    ]
    jobs += batch_jobs
    for job in jobs:
        for task in job.tasks:
            for alternative in task.alternatives:
                if alternative.machine not in machines:
                    machines[alternative.machine] = Station(
                        id=alternative.machine, closed=closed(alternative.machine)
                    )
    frozen, kept = _previous(previous, origin, jobs)
    return Problem(
        jobs=jobs,
        machines=list(machines.values()),
        setup_times=changeovers((t.family for j in jobs for t in j.tasks if t.family), catalog),
        frozen=frozen,
        previous=kept,
        links=list(links),
        now=0,
        objective=Objective.BOTH,
    )


def order_job(
    order_id: int,
    quantity: int,
    due: datetime,
    document: QuoteDocument | PlanDocument,
    catalog: Catalog,
    origin: datetime,
) -> Job:
    """An order scheduled from its quote alone: its operations for its whole quantity,
    due when its lead time said."""
    steps, edges = _steps(document, quantity)
    job, _ = order_job_of(
        str(order_id),
        steps,
        edges,
        catalog,
        due=max(0, int((due - origin).total_seconds())),
        longest_s=CHUNK_S,
    )
    assert job is not None, "an order scheduled from its quote has work of its own"
    return job


def _steps(
    document: QuoteDocument | PlanDocument, quantity: int
) -> tuple[list[Step], list[tuple[str, str]]]:
    """(steps, edges) of a quote document at `quantity`: a product plan's routing, or the
    operations of the way the quote chose for a part."""
    if isinstance(document, PlanDocument):
        if document.routing is None:
            return [], []
        piece = Workpiece("", None, None)
        per_product = {p.id: p.quantity for p in document.parts}
        steps = [
            Step(op.operation(), quantity * per_product.get(op.id.split("/")[0], 1), piece)
            for op in document.routing.operations
        ]
        return steps, list(document.routing.edges)
    piece = Workpiece(document.material, document.thickness_mm, document.finish)
    option = document.chosen_option(quantity)
    steps = [Step(op.operation(), quantity, piece) for op in option.operations]
    return steps, list(option.edges)


def _previous(
    previous: ScheduleRow | None, origin: datetime, jobs: list[Job]
) -> tuple[list[ScheduledTask], list[ScheduledTask]]:
    """(tasks that have started: frozen, tasks of the previous schedule still wanted)."""
    if previous is None:
        return [], []
    shift = int((previous.origin - origin).total_seconds())
    wanted = {t.id: t for j in jobs for t in j.tasks}
    frozen, kept = [], []
    for item in stored_tasks(previous.document):
        task = wanted.get(item.task)
        if task is None:
            continue
        placed = item.model_copy(update={"start": item.start + shift, "end": item.end + shift})
        if placed.start < 0 and placed.machine in {a.machine for a in task.alternatives}:
            duration = next(a.duration for a in task.alternatives if a.machine == placed.machine)
            if placed.end - placed.start == duration:
                frozen.append(placed)
                continue
        if placed.start >= 0:
            kept.append(placed)
    return frozen, kept


def _document(
    schedule: Schedule, problem: Problem, batches: dict[str, list[int]]
) -> dict[str, Any]:
    """The schedule as stored. Jobs are orders or batches: an order's task names its order,
    a batch's names the batch and the orders whose work it holds."""
    return ScheduleDocument(
        objective=problem.objective,
        tasks=[
            KeptTask(
                **t.model_dump(),
                order_id=None if t.job in batches else int(t.job),
                batch=t.job if t.job in batches else None,
                orders=batches[t.job] if t.job in batches else [int(t.job)],
            )
            for t in sorted(schedule.tasks, key=lambda t: (t.start, t.machine))
        ],
        lower_bound=schedule.lower_bound,
    ).model_dump(mode="json")


def promised_completions(
    uow: UnitOfWork,
    shop_id: int,
    document: QuoteDocument | PlanDocument,
    quantities: list[int],
    catalog: Catalog,
    moment: datetime,
) -> dict[int, datetime]:
    """When an order of each quantity, quoted with `document`, would be done if it joined
    the shop's current schedule now: fitted into its gaps, in the shop's working hours."""
    current = uow.schedules.latest(shop_id)
    calendar = Calendar.model_validate(uow.shops.by_id(shop_id).calendar)
    origin = current.origin if current else moment.replace(hour=0, minute=0, second=0)
    origin = origin.replace(microsecond=0)
    closed = _machine_closed(calendar, origin, catalog)
    booked = stored_tasks(current.document) if current else []
    release = max(0, int((moment - origin).total_seconds()))
    promised = {}
    for quantity in quantities:
        job = order_job(0, quantity, moment, document, catalog, origin)
        job = job.model_copy(update={"release": release})
        used = {a.machine for t in job.tasks for a in t.alternatives}
        held = [b for b in booked if b.machine in used]  # other machines cannot delay it
        machines = [Station(id=m, closed=closed(m)) for m in used]
        problem = Problem(jobs=[job, *_booked_jobs(held)], machines=machines, frozen=held)
        c = compile_problem(problem)
        assignment = list_schedule(c, [-float(t) for t in c.tail])
        end = max(assignment[t][2] for t in c.job_tasks[0])
        promised[quantity] = origin + timedelta(seconds=end)
    return promised


def _machine_closed(
    calendar: Calendar, origin: datetime, catalog: Catalog
) -> Callable[[str], list[tuple[int, int]]]:
    """Per machine: the shop's closed hours (none for a partner's machine) and its own
    maintenance windows."""
    shop = _closed(calendar.model_dump_json(exclude={"maintenance"}), origin)
    service = maintenance_periods(calendar, origin)
    outsourced = {m.id for m in catalog.machines.values() if m.outsourced}
    return lambda machine: ([] if machine in outsourced else shop) + service.get(machine, [])


@functools.lru_cache(maxsize=16)
def _closed(calendar: str, origin: datetime) -> list[tuple[int, int]]:
    """The calendar's closed periods from `origin`, kept for the quotes that follow."""
    return closed_periods(Calendar.model_validate_json(calendar), origin, CALENDAR_DAYS)


def _booked_jobs(booked: list[ScheduledTask]) -> list[Job]:
    """The current schedule's tasks as jobs of their own, held where they are."""
    return [
        Job(
            id=f"booked-{i}",
            tasks=[
                Task(
                    id=t.task,
                    alternatives=[Alternative(machine=t.machine, duration=t.end - t.start)],
                )
            ],
        )
        for i, t in enumerate(booked)
    ]
