"""The operator's terminal: a machine's queue, and what operators do to a work order
(start, pause, resume, book, finish; notes and photos), checked by the work order's state
machine and timed by the server's clock, with what follows on the floor: an order goes
into production at its first start and is done at its last finish, a cutting batch takes
its off-cuts out of stock when it starts and puts back what its sheets leave when it
finishes."""

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bespoke.execution.work_orders import allowed_actions, applied
from bespoke.model.accounts import Account
from bespoke.model.bounds import Quantity
from bespoke.model.errors import InputError, NotFoundError
from bespoke.model.events import WorkOrderMoved
from bespoke.model.execution import (
    Count,
    FloorAction,
    FloorEvent,
    Note,
    PauseReason,
    ScrapReason,
    WorkOrderLedger,
    WorkOrderStatus,
)
from bespoke.model.orders import Mover, OrderStatus
from bespoke.model.wording import plural
from bespoke.production.remaining import finished
from bespoke.production.work import FrozenWork
from bespoke.services.environment import Environment
from bespoke.services.ordering.orders import move
from bespoke.services.shop.remnants import put_back_offcuts, take_cut_offcuts
from bespoke.services.shop.shops import staff_shop
from bespoke.services.shopfloor.actuals import UNDER_WAY, booked_by_order
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import BatchRow, OrderRow, WorkOrderEventRow, WorkOrderRow

WORK = "work on the shop floor"


class FloorRequest(BaseModel):
    """What an operator sends: an action with what it needs. The time is the server's."""

    model_config = ConfigDict(extra="forbid")

    action: FloorAction
    quantity: Quantity | None = Field(
        default=None, description="Parts started (start only; all planned when left out)"
    )
    good: Count = 0
    scrap: Count = 0
    scrap_reason: ScrapReason | None = None
    pause_reason: PauseReason | None = None
    share: str | None = Field(
        default=None,
        max_length=200,
        description="A batch's scrap: whose part it was (`order:operation`, see per_order)",
    )
    note: Note = ""


class FloorEventView(BaseModel):
    id: int
    at: datetime
    action: str
    actor_id: int | None
    quantity: int | None
    good: int
    scrap: int
    scrap_reason: str | None
    pause_reason: str | None
    order_id: int | None
    note: str | None
    photo: bool


class WorkOrderView(BaseModel):
    """A work order as the terminal and the API show it."""

    id: int
    key: str
    name: str
    machine: str
    process: str
    family: str
    order_id: int | None
    batch: str | None
    orders: list[int]
    quantity: int
    planned_start: datetime
    planned_end: datetime
    planned_s: int
    instructions: str
    status: WorkOrderStatus
    started: int
    good: int
    scrap: int
    scrap_by_reason: dict[str, int]
    per_order: dict[str, dict[str, int | str]]
    first_start_at: datetime | None
    closed_at: datetime | None
    running_s: float
    paused_s: float
    pauses: int
    actions: list[FloorAction]


def ledger_of(row: WorkOrderRow) -> WorkOrderLedger:
    """The work order's ledger, as its state machine reads it."""
    return WorkOrderLedger(
        planned=row.quantity,
        status=WorkOrderStatus(row.status),
        started=row.started,
        good=row.good,
        scrap=row.scrap,
        scrap_by_reason={ScrapReason(k): v for k, v in row.scrap_by_reason.items()},
        first_start_at=_aware(row.first_start_at),
        last_event_at=_aware(row.last_event_at),
        closed_at=_aware(row.closed_at),
        running_s=row.running_s,
        paused_s=row.paused_s,
        pauses=row.pauses,
    )


def work_order_view(row: WorkOrderRow) -> WorkOrderView:
    return WorkOrderView(
        id=row.id,
        key=row.key,
        name=row.name,
        machine=row.machine,
        process=row.process,
        family=row.family,
        order_id=row.order_id,
        batch=row.batch,
        orders=row.orders,
        quantity=row.quantity,
        planned_start=row.planned_start,
        planned_end=row.planned_end,
        planned_s=row.planned_s,
        instructions=row.instructions,
        status=WorkOrderStatus(row.status),
        started=row.started,
        good=row.good,
        scrap=row.scrap,
        scrap_by_reason=row.scrap_by_reason,
        per_order=row.per_order,
        first_start_at=row.first_start_at,
        closed_at=row.closed_at,
        running_s=row.running_s,
        paused_s=row.paused_s,
        pauses=row.pauses,
        actions=_actions(ledger_of(row)),
    )


_ACTIONS: dict[WorkOrderStatus, list[FloorAction]] = {}
"""The actions each status allows, asked of the state machine once per status."""


def _actions(ledger: WorkOrderLedger) -> list[FloorAction]:
    """The actions the work order's status allows: they depend on its status alone, and a
    state machine takes a millisecond to build, so each status's are kept."""
    actions = _ACTIONS.get(ledger.status)
    if actions is None:
        actions = _ACTIONS[ledger.status] = allowed_actions(ledger)
    return list(actions)


def event_view(row: WorkOrderEventRow) -> FloorEventView:
    return FloorEventView(
        id=row.id,
        at=row.at,
        action=row.action,
        actor_id=row.actor_id,
        quantity=row.quantity,
        good=row.good,
        scrap=row.scrap,
        scrap_reason=row.scrap_reason,
        pause_reason=row.pause_reason,
        order_id=row.order_id,
        note=row.note,
        photo=row.photo_sha256 is not None,
    )


def work_orders(
    env: Environment, who: Account, machine: str | None = None, open_only: bool = True
) -> list[WorkOrderView]:
    """The shop's work orders in schedule order (on one machine, when given): those still
    to do or under way, or all of them."""
    shop_id = staff_shop(who, WORK)
    statuses = ["ready", *UNDER_WAY] if open_only else None
    with env.uow() as uow:
        rows = uow.work_orders.of_shop(shop_id, statuses)
        return [work_order_view(r) for r in rows if machine is None or r.machine == machine]


def work_order(env: Environment, who: Account, work_order_id: int) -> WorkOrderView:
    with env.uow() as uow:
        return work_order_view(uow.work_orders.get(staff_shop(who, WORK), work_order_id))


def work_order_events(env: Environment, who: Account, work_order_id: int) -> list[FloorEventView]:
    with env.uow() as uow:
        row = uow.work_orders.get(staff_shop(who, WORK), work_order_id)
        return [event_view(e) for e in uow.work_orders.events(row.id)]


def act(env: Environment, who: Account, work_order_id: int, request: FloorRequest) -> WorkOrderView:
    """Do `request` to a work order now, with what follows from it; refused as a whole
    (ConflictError, InputError) when the work order's state or quantities do not allow it."""
    shop_id = staff_shop(who, WORK)
    moment = now()
    with env.uow() as uow:
        row = uow.work_orders.locked(shop_id, work_order_id)
        before = WorkOrderStatus(row.status)
        quantity = _started(row, request)
        event = _event(request, quantity, moment)
        ledger = applied(ledger_of(row), event)
        share = _scrapped_share(row, request)
        _keep(row, ledger, moment)
        uow.work_orders.add(
            WorkOrderEventRow(
                work_order_id=row.id,
                at=moment,
                actor_id=who.id,
                action=request.action,
                quantity=event.quantity,
                good=event.good,
                scrap=event.scrap,
                scrap_reason=event.scrap_reason,
                pause_reason=event.pause_reason,
                order_id=int(row.per_order[share]["order"]) if share else row.order_id,
                note=event.note or None,
            )
        )
        _follow(env, uow, who, row, before, moment)
        env.bus.publish(
            uow,
            who,
            WorkOrderMoved(
                at=moment,
                shop_id=shop_id,
                work_order_id=row.id,
                machine=row.machine,
                action=request.action,
                before=before,
                after=WorkOrderStatus(row.status),
            ),
        )
        uow.commit()
        return work_order_view(row)


PHOTO_TYPES = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
MAX_PHOTO_BYTES = 8_000_000


def check_photo(photo: bytes) -> None:
    """Refuse a photo that is too large or not a PNG or JPEG picture."""
    if len(photo) > MAX_PHOTO_BYTES:
        raise InputError(f"photo: at most {MAX_PHOTO_BYTES // 1_000_000} MB", path="photo")
    if not any(photo.startswith(magic) for magic in PHOTO_TYPES):
        raise InputError("photo: a PNG or JPEG picture is accepted", path="photo")


def add_note(
    env: Environment, who: Account, work_order_id: int, note: str, photo: bytes | None = None
) -> FloorEventView:
    """Keep an operator's note on a work order, with a photo (PNG or JPEG) if given; a note
    books nothing, so it is taken in any status."""
    shop_id = staff_shop(who, WORK)
    try:
        text = FloorRequest(action=FloorAction.BOOK, note=note).note.strip()
    except ValidationError:
        raise InputError("note: at most 2000 characters, without NUL", path="note") from None
    if not text and photo is None:
        raise InputError("note: give a note, a photo or both", path="note")
    if photo is not None:
        check_photo(photo)
    with env.uow() as uow:
        row = uow.work_orders.get(shop_id, work_order_id)
        event = WorkOrderEventRow(
            work_order_id=row.id,
            at=now(),
            actor_id=who.id,
            action="note",
            note=text or None,
            photo_sha256=env.blobs.put(photo) if photo is not None else None,
        )
        uow.work_orders.add(event)
        uow.commit()
        return event_view(event)


def event_photo(env: Environment, who: Account, work_order_id: int, event_id: int) -> bytes:
    """The photo kept with one of a work order's events."""
    with env.uow() as uow:
        row = uow.work_orders.get(staff_shop(who, WORK), work_order_id)
        event = next((e for e in uow.work_orders.events(row.id) if e.id == event_id), None)
    if event is None or event.photo_sha256 is None:
        raise NotFoundError(f"work order {work_order_id} has no photo {event_id}")
    return env.blobs.get(event.photo_sha256)


def _started(row: WorkOrderRow, request: FloorRequest) -> int | None:
    """The parts a start starts: those asked for, all planned when none are; a batch's
    nest or plates start whole."""
    if request.action != FloorAction.START:
        return request.quantity
    ready = row.status == WorkOrderStatus.READY  # else the state machine refuses the start
    if ready and row.batch is not None and request.quantity not in (None, row.quantity):
        raise InputError(
            f"quantity: a batch starts whole, its {plural(row.quantity, 'part')};"
            " leave quantity out",
            path="quantity",
        )
    return request.quantity or row.quantity


def _event(request: FloorRequest, quantity: int | None, moment: datetime) -> FloorEvent:
    try:
        return FloorEvent(
            action=request.action,
            at=moment.replace(tzinfo=UTC),
            quantity=quantity,
            good=request.good,
            scrap=request.scrap,
            scrap_reason=request.scrap_reason,
            pause_reason=request.pause_reason,
            note=request.note,
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise InputError(str(first["msg"]).removeprefix("Value error, ")) from None


def _scrapped_share(row: WorkOrderRow, request: FloorRequest) -> str | None:
    """The batch's share whose parts `request` scraps (the only one, or the one named),
    with its scrap counted; None for an order's own work order or no scrap."""
    if row.batch is None or not request.scrap:
        return None
    shares = row.per_order
    name = request.share or (next(iter(shares)) if len(shares) == 1 else None)
    if name not in shares:
        accepted = ", ".join(sorted(shares))
        raise InputError(f"share: say whose parts were scrapped, one of: {accepted}", path="share")
    share = dict(shares[name])
    if int(share.get("scrap", 0)) + request.scrap > int(share["planned"]):
        raise InputError(
            f"scrap: {name} has {plural(share['planned'], 'part')} in the batch,"
            f" {share.get('scrap', 0)} already scrapped",
            path="scrap",
        )
    share["scrap"] = int(share.get("scrap", 0)) + request.scrap
    row.per_order = shares | {name: share}
    return name


def _keep(row: WorkOrderRow, ledger: WorkOrderLedger, moment: datetime) -> None:
    row.status = ledger.status
    row.started = ledger.started
    row.good = ledger.good
    row.scrap = ledger.scrap
    row.scrap_by_reason = {str(k): v for k, v in ledger.scrap_by_reason.items()}
    row.first_start_at = _naive(ledger.first_start_at)
    row.last_event_at = _naive(ledger.last_event_at)
    row.closed_at = _naive(ledger.closed_at)
    row.running_s = ledger.running_s
    row.paused_s = ledger.paused_s
    row.pauses = ledger.pauses
    row.updated_at = moment


def _follow(
    env: Environment,
    uow: UnitOfWork,
    who: Account,
    row: WorkOrderRow,
    before: WorkOrderStatus,
    moment: datetime,
) -> None:
    """What a work order's first start or its finish means beyond it (nothing is read for
    the other actions: the write transaction they share with every terminal stays short)."""
    after = WorkOrderStatus(row.status)
    if before == WorkOrderStatus.READY and after in UNDER_WAY:
        if (batch := _batch(uow, row)) is not None:
            take_cut_offcuts(uow, batch, moment)
        for order in _orders(uow, row):
            if order.status in (OrderStatus.PLANNED, OrderStatus.SCHEDULED):
                move(env.bus, uow, order, OrderStatus.IN_PRODUCTION, who, Mover.FLOOR, moment)
    if after == WorkOrderStatus.DONE:
        if (batch := _batch(uow, row)) is not None:
            put_back_offcuts(uow, batch, moment)
        for order in _orders(uow, row):
            if order.status == OrderStatus.IN_PRODUCTION and _all_made(uow, order):
                move(env.bus, uow, order, OrderStatus.DONE, who, Mover.FLOOR, moment)


def _batch(uow: UnitOfWork, row: WorkOrderRow) -> BatchRow | None:
    """The batch a batch's work order makes (None for an order's own)."""
    if row.batch is None or row.schedule_id is None:
        return None
    return uow.batches.by_key(row.schedule_id, row.batch)


def _orders(uow: UnitOfWork, row: WorkOrderRow) -> list[OrderRow]:
    return [uow.orders.by_id(int(order_id)) for order_id in row.orders]


def _all_made(uow: UnitOfWork, order: OrderRow) -> bool:
    """Whether the floor has made all the order asks for: its frozen work booked good, or,
    for an order scheduled from its quote alone, every work order done."""
    rows = uow.work_orders.of_order(order.shop_id, order.id)
    if any(r.status != WorkOrderStatus.DONE for r in rows):
        return False
    work = FrozenWork.model_validate(order.work) if order.work else FrozenWork()
    if not work.parts and work.assembly is None:
        return bool(rows)
    return finished(work, booked_by_order(rows).get(order.id, {}))


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment else None


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None
