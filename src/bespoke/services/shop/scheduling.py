"""The shop's schedule: its open orders as jobs on its machines and calendar, solved,
kept, and used to promise completion dates in quotes.

The operations that make orders' parts, a product's parts included, are batched with
other orders' of the same set-up family (batching.plan): a batch is a job of its own,
nested or packed, tied to its orders' other operations by links; an order's other work,
a product's assembly and packing too, is a job of its own. Work runs on every machine
of the shop that runs its process. Set-up families: cutting by process, material and thickness;
other machine work by process and material; finishing by process.

What the floor has done drives the next schedule: work orders under way stay where they
run for the time they still need, what was booked good is not made again, scrapped parts
are, and the rest moves as little as it can from the previous schedule. Each scheduled
operation and batch becomes a work order (services.shopfloor.release)."""

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    Closure,
    Job,
    KeptSchedule,
    KeptTask,
    Objective,
    OrderCompletion,
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
from bespoke.production.jobs import TASK_PREFIX
from bespoke.production.remaining import remaining_work
from bespoke.scheduling.calendars import closed_periods, maintenance_periods
from bespoke.scheduling.compiled import compile_problem
from bespoke.scheduling.dispatch import list_schedule
from bespoke.scheduling.solver import SolverSettings, solve
from bespoke.services.environment import Environment
from bespoke.services.maintenance.plans import check_due
from bespoke.services.maintenance.scheduled import (
    is_maintenance,
    maintenance_jobs,
    place_maintenance,
)
from bespoke.services.ordering.orders import move
from bespoke.services.ordering.work import order_work
from bespoke.services.shop.batches import batch_nest, batch_row, plan_members
from bespoke.services.shop.remnants import stock_by_kind
from bespoke.services.shop.shops import runs_shop, shop_catalog
from bespoke.services.shopfloor.actuals import (
    HELD_PREFIX,
    UNDER_WAY,
    booked_by_order,
    held_jobs,
    held_work_order,
    with_dispositions,
)
from bespoke.services.shopfloor.release import (
    PlannedWork,
    planned_works,
    release_work_orders,
    work_instructions,
)
from bespoke.services.tasks import keep_result
from bespoke.store import UnitOfWork, now
from bespoke.store.blobs import BlobStore
from bespoke.store.tables import OrderRow, QuoteRow, ScheduleRow, WorkOrderRow

OPEN = (OrderStatus.PLACED, OrderStatus.PLANNED, OrderStatus.SCHEDULED, OrderStatus.IN_PRODUCTION)
CALENDAR_DAYS = 366
CHUNK_S = 4 * 3600  # longer operations are split: a shift can end in the middle of an order
BATCH_WINDOW_S = 3 * 24 * 3600
"""How much later than a batch's most urgent order another may be due and still join it."""


def schedule_task(
    env: Environment,
    progress: Progress,
    shop_id: int,
    actor: Account,
    settings: SolverSettings,
    closures: Sequence[Closure] = (),
) -> str:
    """A shop's schedule as a background task: the URL of the schedule it keeps."""
    row = schedule_shop(env, shop_id, actor, settings, progress, closures)
    return f"/api/shop/schedules/{row.id}"


def schedule_shop(
    env: Environment,
    shop_id: int,
    actor: Account | None,
    settings: SolverSettings | None = None,
    progress: Progress | None = None,
    closures: Sequence[Closure] = (),
) -> ScheduleRow:
    """Schedule a shop's open orders; keep the schedule; mark the orders scheduled.
    `actor` None is the shop's own command line. `closures` take machines out from now
    (after the work under way on them)."""
    if actor is not None and not runs_shop(actor, shop_id):
        raise PermissionDeniedError("only a shop's operators and admins schedule its orders")
    started = now()
    origin = started.replace(second=0, microsecond=0)
    check_due(env, shop_id, started.replace(tzinfo=UTC))  # plans' maintenance comes due first
    with env.uow() as uow:
        uow.shops.by_id(shop_id)
        orders = uow.orders.open_in_shop(shop_id, [s.value for s in OPEN])
        if not orders:
            raise InputError("the shop has no open orders to schedule")
        catalog = shop_catalog(uow, shop_id)
        calendar = Calendar.model_validate(uow.shops.by_id(shop_id).calendar)
        previous = uow.schedules.latest(shop_id)
        work = shop_work(
            uow, env.blobs, orders, catalog, calendar, origin, previous, progress, started, closures
        )
        problem, plan = work.problem, work.plan
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
            document=_document(schedule, problem, plan_members(plan), work.held),
        )
        uow.schedules.add(row)
        uow.flush()
        for planned in plan.batches:
            uow.batches.add(batch_row(planned, schedule, row, catalog.shop.currency))
        kept = ScheduleDocument.model_validate(row.document).tasks
        release_work_orders(uow, row, kept, work.planned, started)
        place_maintenance(uow, row, kept, started)
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
        keep_result(uow, f"/api/shop/schedules/{row.id}")
        uow.commit()
        return row


def schedule_view(uow: UnitOfWork, row: ScheduleRow) -> KeptSchedule:
    """A stored schedule as the API and pages show it, with when it finishes each order it
    holds that is still open (late ones first, with their new date)."""
    tasks = ScheduleDocument.model_validate(row.document).tasks
    completions = []
    for order_id, expected in completions_of(row, tasks).items():
        order = uow.orders.by_id(order_id)
        if order.status in OPEN:
            late = expected > order.due_date
            completions.append(
                OrderCompletion(order_id=order_id, due=order.due_date, expected=expected, late=late)
            )
    completions.sort(key=lambda c: (not c.late, c.expected))
    return KeptSchedule(
        id=row.id,
        created_at=row.created_at,
        origin=row.origin,
        status=row.status,
        makespan_s=row.makespan_s,
        weighted_tardiness=row.weighted_tardiness,
        setups=row.setups,
        moved=row.moved,
        tasks=tasks,
        completions=completions,
    )


def completions_of(row: ScheduleRow, tasks: Sequence[KeptTask]) -> dict[int, datetime]:
    """When the schedule finishes each order's work: its last task's end."""
    ends: dict[int, int] = {}
    for task in tasks:
        for order in task.orders:
            ends[order] = max(ends.get(order, 0), task.end)
    return {order: row.origin + timedelta(seconds=end) for order, end in ends.items()}


def stored_tasks(document: dict[str, Any]) -> list[ScheduledTask]:
    """The tasks of a kept schedule's stored document, as placed."""
    return [t.placed() for t in ScheduleDocument.model_validate(document).tasks]


@dataclass(frozen=True)
class ShopWork:
    """A shop's open work as a scheduling problem, with the batch plan it was made of,
    what each task makes (for its work order) and the work orders held under way."""

    problem: Problem
    plan: BatchPlan
    planned: dict[str, PlannedWork]
    held: dict[str, WorkOrderRow]


def shop_work(
    uow: UnitOfWork,
    blobs: BlobStore,
    orders: list[OrderRow],
    catalog: Catalog,
    calendar: Calendar,
    origin: datetime,
    previous: ScheduleRow | None,
    progress: Progress | None = None,
    moment: datetime | None = None,
    closures: Sequence[Closure] = (),
) -> ShopWork:
    """The open orders as a scheduling problem: what is left of their work after what the
    floor has booked, batched, nested (on the shop's off-cuts first) and packed; the rest
    of each order's work a job of its own; work orders under way held where they run."""
    moment = moment or origin
    shop_id = orders[0].shop_id
    floor = uow.work_orders.not_cancelled(shop_id)
    booked = with_dispositions(booked_by_order(floor), floor, uow.quality.dispositions(shop_id))
    under_way = [row for row in floor if row.status in UNDER_WAY]
    held, frozen, release = held_jobs(under_way, origin, moment)
    quotes = {o.id: uow.quotes.by_id(o.quote_id) for o in orders}
    works: list[OrderWork] = []
    assemblies: list[OrderAssembly] = []
    rest: list[OrderRow] = []
    for order in orders:
        frozen_work = order_work(uow, blobs, order, quotes[order.id], catalog, origin)
        if not frozen_work.parts and frozen_work.assembly is None:
            rest.append(order)
            continue
        left = remaining_work(frozen_work, booked.get(order.id, {}))
        works += left.parts
        assemblies += [left.assembly] if left.assembly else []
    if progress is not None:
        progress(0.0, f"batching the work of {len(orders)} orders")
    plan = plan_batches(
        works,
        catalog,
        window_s=BATCH_WINDOW_S,
        longest_s=CHUNK_S,
        remnants=stock_by_kind(uow, shop_id),
        known=_nests_of(uow, previous),
    )
    batch_jobs, links = scheduled_work(plan, works, catalog, CHUNK_S, assemblies)
    batch_jobs = [_released(job, plan, release) for job in batch_jobs]
    batch_jobs += maintenance_jobs(uow, shop_id, origin)
    closed = _closed_now(closures, catalog, origin, moment, frozen)
    problem = shop_problem(
        rest,
        quotes,
        catalog,
        calendar,
        origin,
        previous,
        [*batch_jobs, *held],
        links,
        frozen,
        closed,
    )
    families = {t.id.split("#", 1)[0]: t.family or "" for j in problem.jobs for t in j.tasks}
    planned = planned_works(works, assemblies, plan, families)
    for order in rest:
        planned |= _quote_works(order, quotes[order.id].typed_document(), families)
    return ShopWork(problem, plan, planned, {f"{HELD_PREFIX}{r.id}": r for r in under_way})


def _released(job: Job, plan: BatchPlan, release: dict[int, int]) -> Job:
    """An order's job, or a batch's, starting no earlier than its orders' work under way
    ends."""
    if not release:
        return job
    members = plan_members(plan)
    orders = members.get(job.id) or ([int(job.id)] if job.id.isdigit() else [])
    start = max((release.get(o, 0) for o in orders), default=0)
    return job.model_copy(update={"release": max(job.release, start)}) if start else job


def _quote_works(
    order: OrderRow, document: QuoteDocument | PlanDocument, families: dict[str, str]
) -> dict[str, PlannedWork]:
    """What the tasks of an order scheduled from its quote alone make."""
    steps, _ = quote_steps(document, order.quantity)
    works = {}
    for step in steps:
        task = f"{TASK_PREFIX}{order.id}/{step.operation.id}"
        works[task] = PlannedWork(
            operation=step.operation.id,
            name=step.operation.name,
            process=step.operation.process_id,
            family=families.get(task, ""),
            quantity=step.count,
            orders=[order.id],
            order_id=order.id,
            instructions=work_instructions(
                step.operation.name, step.count, None, step.operation.basis
            ),
        )
    return works


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
    frozen: Sequence[ScheduledTask] = (),
    closed_now: Mapping[str, tuple[int, int]] | None = None,
) -> Problem:
    """The open orders as jobs on the shop's machines, times in seconds from `origin`;
    `batch_jobs` and their `links` hold the orders whose work is batched, `frozen` the
    placements of work under way."""
    closed = _machine_closed(calendar, origin, catalog, closed_now or {})
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
    return Problem(
        jobs=jobs,
        machines=list(machines.values()),
        setup_times=changeovers((t.family for j in jobs for t in j.tasks if t.family), catalog),
        frozen=list(frozen),
        previous=_previous(previous, origin, jobs),
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
    steps, edges = quote_steps(document, quantity)
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


def quote_steps(
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
) -> list[ScheduledTask]:
    """The tasks of the previous schedule still wanted and not yet due to start: the new
    schedule moves as few of them as it can. (Work that has started is held by its work
    order, not by the clock.)"""
    if previous is None:
        return []
    shift = int((previous.origin - origin).total_seconds())
    wanted = {t.id for j in jobs for t in j.tasks}
    return [
        item.model_copy(update={"start": item.start + shift, "end": item.end + shift})
        for item in stored_tasks(previous.document)
        if item.task in wanted and item.start + shift >= 0 and held_work_order(item.task) is None
    ]


def _document(
    schedule: Schedule,
    problem: Problem,
    batches: dict[str, list[int]],
    held: dict[str, WorkOrderRow],
) -> dict[str, Any]:
    """The schedule as stored. Jobs are orders, batches or work orders under way: an
    order's task names its order, a batch's names the batch and the orders whose work it
    holds, a held work order's names its batch, if any, and its orders."""

    def kept(t: ScheduledTask) -> KeptTask:
        if is_maintenance(t.job):
            return KeptTask(**t.model_dump(), orders=[])
        if t.job in held:
            row = held[t.job]
            return KeptTask(
                **t.model_dump(), order_id=row.order_id, batch=row.batch, orders=row.orders
            )
        if t.job in batches:
            return KeptTask(**t.model_dump(), batch=t.job, orders=batches[t.job])
        return KeptTask(**t.model_dump(), order_id=int(t.job), orders=[int(t.job)])

    return ScheduleDocument(
        objective=problem.objective,
        tasks=[kept(t) for t in sorted(schedule.tasks, key=lambda t: (t.start, t.machine))],
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
    calendar: Calendar,
    origin: datetime,
    catalog: Catalog,
    closed_now: Mapping[str, tuple[int, int]] | None = None,
) -> Callable[[str], list[tuple[int, int]]]:
    """Per machine: the shop's closed hours (none for a partner's machine), its own
    maintenance windows, and a closure from now, if any."""
    shop = _closed(calendar.model_dump_json(exclude={"maintenance"}), origin)
    service = maintenance_periods(calendar, origin)
    outsourced = {m.id for m in catalog.machines.values() if m.outsourced}
    now_closed = closed_now or {}

    def closed(machine: str) -> list[tuple[int, int]]:
        extra = [now_closed[machine]] if machine in now_closed else []
        return ([] if machine in outsourced else shop) + service.get(machine, []) + extra

    return closed


def _closed_now(
    closures: Sequence[Closure],
    catalog: Catalog,
    origin: datetime,
    moment: datetime,
    under_way: Sequence[ScheduledTask],
) -> dict[str, tuple[int, int]]:
    """The periods, in seconds from `origin`, of machines closed from now: each starts
    after the work under way on its machine (which stays where it runs)."""
    unknown = sorted({c.machine for c in closures} - set(catalog.machines))
    if unknown:
        known = ", ".join(sorted(catalog.machines))
        raise InputError(f"closed: no machine {unknown[0]!r} in the shop (machines: {known})")
    now_s = max(0, int((moment - origin).total_seconds()))
    periods = {}
    for closure in closures:
        busy = [t.end for t in under_way if t.machine == closure.machine]
        start = max([now_s, *busy])
        periods[closure.machine] = (start, start + int(closure.hours * 3600))
    return periods


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
