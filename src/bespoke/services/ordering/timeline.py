"""An order's timeline: who did what to it, and when, from its audit entries (placed, each
move with its reason) and its work on the floor (each step started and finished)."""

from datetime import datetime

from pydantic import BaseModel

from bespoke.model.accounts import Account
from bespoke.model.execution import FloorAction
from bespoke.model.orders import Mover
from bespoke.services.environment import Environment
from bespoke.services.ordering.mails import status_words
from bespoke.store import UnitOfWork
from bespoke.store.tables import AuditRow, WorkOrderEventRow, WorkOrderRow

SHOWN_FLOOR_ACTIONS = {FloorAction.START: "started", FloorAction.FINISH: "finished"}


class TimelineEntry(BaseModel):
    """One change of an order: when, who (their name and e-mail; None: the system), what."""

    at: datetime
    who: str | None
    email: str | None
    what: str
    status: str | None = None
    """The status it moved to, if it moved."""
    reason: str | None = None
    machine: str | None = None
    """Where the work was done, for work on the floor."""


def order_timeline(env: Environment, viewer: Account, order_id: int) -> list[TimelineEntry]:
    """What happened to an order its `viewer` may see, oldest first."""
    with env.uow() as uow:
        order = uow.orders.get(viewer, order_id)
        people = _People(uow)
        entries = [
            entry
            for row in uow.audit.of_entity("order", order.id)
            if (entry := _audited(row, people)) is not None
        ]
        for work in uow.work_orders.of_order(order.shop_id, order.id):
            entries += [_on_floor(work, event, people) for event in _floor_events(uow, work)]
    return sorted(entries, key=lambda e: e.at)


class _People:
    """Users by id, each read once."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.known: dict[int, tuple[str, str] | None] = {}

    def of(self, user_id: int | None) -> tuple[str | None, str | None]:
        if user_id is None:
            return None, None
        if user_id not in self.known:
            user = self.uow.users.by_id(user_id)
            self.known[user_id] = (user.name or user.email, user.email) if user else None
        return self.known[user_id] or (None, None)


def _audited(row: AuditRow, people: _People) -> TimelineEntry | None:
    who, email = people.of(row.actor_id)
    detail = row.detail
    if row.action == "place":
        quantity = detail.get("quantity")
        return TimelineEntry(
            at=row.at,
            who=who,
            email=email,
            what=f"placed: {quantity} piece{'' if quantity == 1 else 's'}",
            status="placed",
        )
    if row.action == "move":
        before, after = detail["status"]
        by = detail.get("by")
        what = f"{status_words(before)} → {status_words(after)}"
        if by == Mover.SCHEDULE:
            what += " by the shop's schedule"
        elif by == Mover.FLOOR:
            what += " by its work on the floor"
        return TimelineEntry(
            at=row.at, who=who, email=email, what=what, status=after, reason=detail.get("reason")
        )
    return None


def _floor_events(uow: UnitOfWork, work: WorkOrderRow) -> list[WorkOrderEventRow]:
    return [e for e in uow.work_orders.events(work.id) if e.action in SHOWN_FLOOR_ACTIONS]


def _on_floor(work: WorkOrderRow, event: WorkOrderEventRow, people: _People) -> TimelineEntry:
    who, email = people.of(event.actor_id)
    done = SHOWN_FLOOR_ACTIONS[FloorAction(event.action)]
    step = work.name if work.batch is None else f"{work.process} with other orders"
    return TimelineEntry(
        at=event.at, who=who, email=email, what=f"{step} {done}", machine=work.machine
    )
