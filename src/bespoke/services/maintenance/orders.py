"""Maintenance orders on the floor: those a plan made due, requests and failures an
operator raises (with a note and a photo, kept with the order), done on the terminal with
the checklist, the time taken, the spare parts used (taken from stock) and the findings;
MTBF and MTTR from the failures and their repairs."""

import re
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from bespoke.maintenance import closure_from_request, reliability
from bespoke.model.accounts import Account
from bespoke.model.errors import ConflictError, InputError
from bespoke.model.maintenance import FailureRecord, MaintenanceRequest, Reliability, RequestKind
from bespoke.model.scheduling import Closure
from bespoke.services.environment import Environment
from bespoke.services.maintenance.plans import MAINTAIN
from bespoke.services.shop.shops import shop_catalog, staff_shop
from bespoke.services.shopfloor.terminal import check_photo
from bespoke.store import now
from bespoke.store.tables import MaintenanceOrderRow, SparePartRow

OPEN = ("open", "scheduled", "running")
PART_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_PARTS_USED = 100


class PartUsed(BaseModel):
    part: str = Field(min_length=1, max_length=64)
    quantity: float = Field(gt=0, le=1_000_000)


class FinishRequest(BaseModel):
    done: list[int] = Field(
        default_factory=list, max_length=1000, description="Checklist items done, from 1"
    )
    time_s: int = Field(ge=0, le=30 * 24 * 3600, description="Time the work took")
    parts_used: list[PartUsed] = Field(default_factory=list, max_length=MAX_PARTS_USED)
    findings: str = Field(default="", max_length=5000)


class MaintenanceOrderView(BaseModel):
    id: int
    key: str
    kind: str
    machine: str
    title: str
    status: str
    due_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    duration_s: int
    planned_start: datetime | None
    planned_end: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    checklist: list[dict[str, object]]
    parts: list[dict[str, object]]
    parts_used: list[dict[str, object]]
    findings: str
    note: str
    photo: bool


class Raised(BaseModel):
    """A request raised, and the closure to reschedule with when the machine is down."""

    order: MaintenanceOrderView
    closure: Closure | None


def view(row: MaintenanceOrderRow) -> MaintenanceOrderView:
    return MaintenanceOrderView(
        id=row.id,
        key=row.key,
        kind=row.kind,
        machine=row.machine,
        title=row.title,
        status=row.status,
        due_at=row.due_at,
        window_start=row.window_start,
        window_end=row.window_end,
        duration_s=row.duration_s,
        planned_start=row.planned_start,
        planned_end=row.planned_end,
        started_at=row.started_at,
        finished_at=row.finished_at,
        checklist=row.checklist,
        parts=row.parts,
        parts_used=row.parts_used,
        findings=row.findings,
        note=row.note,
        photo=row.photo_sha256 is not None,
    )


def maintenance_orders(
    env: Environment, who: Account, open_only: bool = True, machine: str | None = None
) -> list[MaintenanceOrderView]:
    with env.uow() as uow:
        rows = uow.maintenance.orders(
            staff_shop(who, MAINTAIN), OPEN if open_only else None, machine
        )
        return [view(r) for r in rows]


def raise_request(
    env: Environment,
    who: Account,
    machine: str,
    kind: RequestKind,
    reason: str,
    photo: bytes | None = None,
    repair_s: int | None = None,
) -> Raised:
    """An operator's request for maintenance (or the report of a failure), with a note and
    a photo; a failure or condition closes the machine from now (the closure to
    reschedule with)."""
    shop_id = staff_shop(who, MAINTAIN)
    if photo is not None:
        check_photo(photo)
    moment = now()
    request = MaintenanceRequest(
        machine=machine,
        kind=kind,
        reason=reason,
        reported_at=moment.replace(tzinfo=UTC),
        repair_s=repair_s,
    )
    with env.uow() as uow:
        if machine not in shop_catalog(uow, shop_id).machines:
            raise InputError(f"machine: {machine!r} is not one of the shop's", path="machine")
        row = MaintenanceOrderRow(
            shop_id=shop_id,
            plan_id=None,
            key=f"{kind.value}@{machine}@{moment:%Y%m%dT%H%M%S.%f}",
            kind=kind.value,
            machine=machine,
            title=reason[:200],
            status="open",
            due_at=moment,
            window_start=moment,
            window_end=moment + timedelta(days=1),
            duration_s=repair_s or 3600,
            checklist=[],
            parts=[],
            parts_used=[],
            findings="",
            note=reason,
            photo_sha256=env.blobs.put(photo) if photo is not None else None,
            raised_by=who.id,
            created_at=moment,
            updated_at=moment,
        )
        uow.session.add(row)
        uow.flush()
        uow.audit.record(moment, who, "raise", "maintenance_order", row.id, kind=kind.value)
        uow.commit()
        down = kind in (RequestKind.FAILURE, RequestKind.CONDITION)
        return Raised(order=view(row), closure=closure_from_request(request) if down else None)


def start(env: Environment, who: Account, order_id: int) -> MaintenanceOrderView:
    with env.uow() as uow:
        row = uow.maintenance.order(staff_shop(who, MAINTAIN), order_id)
        if row.status not in ("open", "scheduled"):
            raise ConflictError(f"maintenance order {order_id} is {row.status}: it cannot start")
        row.status = "running"
        row.started_at = row.updated_at = now()
        uow.commit()
        return view(row)


def finish(
    env: Environment, who: Account, order_id: int, request: FinishRequest
) -> MaintenanceOrderView:
    """Close a maintenance order with its checklist, time, parts used (taken out of stock)
    and findings; refused whole when a part is not stocked or not enough are."""
    shop_id = staff_shop(who, MAINTAIN)
    with env.uow() as uow:
        row = uow.maintenance.order(shop_id, order_id)
        if row.status != "running":
            raise ConflictError(f"maintenance order {order_id} is {row.status}: start it first")
        items = len(row.checklist)
        if any(not 1 <= n <= items for n in request.done):
            raise InputError(f"done: checklist items are 1 to {items}", path="done")
        for used in request.parts_used:
            stocked = uow.maintenance.spare_part(shop_id, used.part)
            if stocked is None:
                raise InputError(f"parts_used: {used.part!r} is not a spare part the shop keeps")
            if stocked.on_hand < used.quantity:
                raise InputError(
                    f"parts_used: {used.quantity:g} {used.part} used, {stocked.on_hand:g} in stock"
                )
            stocked.on_hand -= used.quantity
        row.checklist = [
            {**item, "done": n in request.done} for n, item in enumerate(row.checklist, start=1)
        ]
        row.parts_used = [u.model_dump() for u in request.parts_used]
        row.findings = request.findings
        row.status = "done"
        row.finished_at = row.updated_at = now()
        row.duration_s = request.time_s or row.duration_s
        uow.audit.record(row.finished_at, who, "finish", "maintenance_order", row.id)
        uow.commit()
        return view(row)


def machine_reliability(env: Environment, who: Account, days: int = 365) -> dict[str, Reliability]:
    """MTBF, MTTR and availability per machine over the last `days`, from its failures
    (reported) and their repairs (finished)."""
    if not 1 <= days <= 3660:
        raise InputError("days: 1 to 3660", path="days")
    shop_id = staff_shop(who, MAINTAIN)
    end = datetime.now(UTC)
    with env.uow() as uow:
        rows = [r for r in uow.maintenance.orders(shop_id) if r.kind == RequestKind.FAILURE]
        machines = list(shop_catalog(uow, shop_id).machines)
    records = [
        FailureRecord(
            machine=r.machine,
            failed_at=r.created_at.replace(tzinfo=UTC),
            repaired_at=r.finished_at.replace(tzinfo=UTC) if r.finished_at else None,
        )
        for r in rows
    ]
    return reliability(records, end - timedelta(days=days), end, machines)


class SparePartView(BaseModel):
    part: str
    name: str
    on_hand: float
    unit: str


class SparePartRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    on_hand: float = Field(ge=0, le=1_000_000)
    unit: str = Field(default="pcs", min_length=1, max_length=16)


def spare_parts(env: Environment, who: Account) -> list[SparePartView]:
    with env.uow() as uow:
        return [
            SparePartView(part=r.part, name=r.name, on_hand=r.on_hand, unit=r.unit)
            for r in uow.maintenance.spare_parts(staff_shop(who, MAINTAIN))
        ]


def set_spare_part(
    env: Environment, who: Account, part: str, request: SparePartRequest
) -> SparePartView:
    """Put a spare part on the shelf, or count it again."""
    if not PART_ID.fullmatch(part):
        raise InputError("part: 1 to 64 letters, digits, '.', '-' or '_'", path="part")
    shop_id = staff_shop(who, MAINTAIN)
    with env.uow() as uow:
        row = uow.maintenance.spare_part(shop_id, part)
        if row is None:
            row = SparePartRow(shop_id=shop_id, part=part, name=request.name, on_hand=0.0)
            uow.session.add(row)
        row.name, row.on_hand, row.unit = request.name, request.on_hand, request.unit
        uow.audit.record(now(), who, "count", "spare_part", part, on_hand=request.on_hand)
        uow.commit()
        return SparePartView(part=row.part, name=row.name, on_hand=row.on_hand, unit=row.unit)
