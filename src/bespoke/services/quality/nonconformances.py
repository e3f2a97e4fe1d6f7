"""Nonconformances: parts that failed inspection, what is done with them (rework, scrap,
use as is, return to supplier) and what it cost; reworked, scrapped and returned parts are
made again by the next schedule. Corrective and preventive actions close only with a check
that they worked, and a nonconformance only once it has a disposition and every action is
checked (one of them effective)."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bespoke.model.accounts import Account
from bespoke.model.errors import ConflictError, InputError
from bespoke.model.orders import Mover, OrderStatus
from bespoke.model.wording import plural
from bespoke.services.environment import Environment
from bespoke.services.ordering.orders import move
from bespoke.services.quality.measurements import CHECK
from bespoke.services.shop.shops import staff_shop
from bespoke.store import now
from bespoke.store.tables import NonconformanceRow

MAX_ACTIONS = 50


class Disposition(StrEnum):
    REWORK = "rework"
    SCRAP = "scrap"
    USE_AS_IS = "use_as_is"
    RETURN = "return"
    """Return to the supplier (bought parts, faulty stock)."""


REMADE = (Disposition.REWORK, Disposition.SCRAP, Disposition.RETURN)
"""Dispositions whose parts the next schedule makes again."""


class ActionKind(StrEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"


class ActionRequest(BaseModel):
    kind: ActionKind
    text: str = Field(min_length=1, max_length=2000)


class CheckRequest(BaseModel):
    effective: bool
    evidence: str = Field(min_length=1, max_length=2000, description="What showed it")


class DispositionRequest(BaseModel):
    disposition: Disposition
    cost: Decimal | None = Field(default=None, ge=0, le=10_000_000, decimal_places=2)


class NonconformanceView(BaseModel):
    id: int
    work_order_id: int | None
    order_id: int | None
    machine: str
    feature_key: str
    description: str
    quantity: int
    status: str
    disposition: str | None
    cost: Decimal | None
    actions: list[dict[str, Any]]
    created_at: datetime
    closed_at: datetime | None


def view(row: NonconformanceRow) -> NonconformanceView:
    return NonconformanceView(
        id=row.id,
        work_order_id=row.work_order_id,
        order_id=row.order_id,
        machine=row.machine,
        feature_key=row.feature_key,
        description=row.description,
        quantity=row.quantity,
        status=row.status,
        disposition=row.disposition,
        cost=row.cost,
        actions=row.actions,
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


def shop_nonconformances(
    env: Environment, who: Account, open_only: bool = True
) -> list[NonconformanceView]:
    with env.uow() as uow:
        return [view(r) for r in uow.quality.nonconformances(staff_shop(who, CHECK), open_only)]


def nonconformance(env: Environment, who: Account, nc_id: int) -> NonconformanceView:
    with env.uow() as uow:
        return view(uow.quality.nonconformance(staff_shop(who, CHECK), nc_id))


def set_disposition(
    env: Environment, who: Account, nc_id: int, request: DispositionRequest
) -> NonconformanceView:
    """Decide what happens to the parts, once; reworked, scrapped and returned parts are
    made again by the next schedule."""
    with env.uow() as uow:
        row = _open(uow.quality.nonconformance(staff_shop(who, CHECK), nc_id))
        if row.disposition is not None:
            raise ConflictError(
                f"nonconformance {nc_id} already has its disposition ({row.disposition})"
            )
        row.disposition = request.disposition
        row.cost = request.cost
        row.updated_at = now()
        if request.disposition in REMADE and row.order_id is not None:
            order = uow.orders.by_id(row.order_id)
            if order.status == OrderStatus.DONE:  # its parts are to be made again
                why = f"nonconformance {nc_id}: {plural(row.quantity, 'part')} made again"
                move(
                    env.bus,
                    uow,
                    order,
                    OrderStatus.IN_PRODUCTION,
                    who,
                    Mover.FLOOR,
                    row.updated_at,
                    why,
                )
        uow.audit.record(
            row.updated_at,
            who,
            "disposition",
            "nonconformance",
            nc_id,
            disposition=request.disposition,
            cost=str(request.cost),
        )
        uow.commit()
        return view(row)


def add_action(
    env: Environment, who: Account, nc_id: int, request: ActionRequest
) -> NonconformanceView:
    with env.uow() as uow:
        row = _open(uow.quality.nonconformance(staff_shop(who, CHECK), nc_id))
        if len(row.actions) >= MAX_ACTIONS:
            raise InputError(f"actions: at most {MAX_ACTIONS} on one nonconformance")
        moment = now()
        action = {
            "kind": request.kind,
            "text": request.text,
            "by": who.id,
            "at": moment.isoformat(),
            "check": None,
        }
        row.actions = [*row.actions, action]
        row.updated_at = moment
        uow.commit()
        return view(row)


def check_action(
    env: Environment, who: Account, nc_id: int, index: int, request: CheckRequest
) -> NonconformanceView:
    """Record whether an action worked: the effectiveness check that closes it."""
    with env.uow() as uow:
        row = _open(uow.quality.nonconformance(staff_shop(who, CHECK), nc_id))
        if not 1 <= index <= len(row.actions):
            raise InputError(f"action: {index} not found (actions 1 to {len(row.actions)})")
        moment = now()
        actions = [dict(a) for a in row.actions]
        actions[index - 1]["check"] = {
            "effective": request.effective,
            "evidence": request.evidence,
            "by": who.id,
            "at": moment.isoformat(),
        }
        row.actions = actions
        row.updated_at = moment
        uow.commit()
        return view(row)


def close(env: Environment, who: Account, nc_id: int) -> NonconformanceView:
    """Close a nonconformance: it needs its disposition, each action checked, and one of
    them (if it has any) found effective."""
    with env.uow() as uow:
        row = _open(uow.quality.nonconformance(staff_shop(who, CHECK), nc_id))
        if row.disposition is None:
            raise ConflictError(f"nonconformance {nc_id}: decide its disposition first")
        unchecked = [i + 1 for i, a in enumerate(row.actions) if a.get("check") is None]
        if unchecked:
            raise ConflictError(
                f"nonconformance {nc_id}: actions {unchecked} have no effectiveness check"
            )
        if row.actions and not any(a["check"]["effective"] for a in row.actions):
            raise ConflictError(f"nonconformance {nc_id}: no action was effective; add one that is")
        row.status = "closed"
        row.closed_at = row.updated_at = now()
        uow.audit.record(row.closed_at, who, "close", "nonconformance", nc_id)
        uow.commit()
        return view(row)


def _open(row: NonconformanceRow) -> NonconformanceRow:
    if row.status == "closed":
        raise ConflictError(f"nonconformance {row.id} is closed: it takes nothing more")
    return row
