"""An order's real progress on the floor, as its maker and the shop see it: each step of
its work, planned and actual, and when the latest schedule finishes it."""

from datetime import datetime

from pydantic import BaseModel

from bespoke.model.accounts import Account
from bespoke.model.execution import WorkOrderStatus
from bespoke.model.scheduling import ScheduleDocument
from bespoke.services.environment import Environment
from bespoke.services.shop.scheduling import completions_of
from bespoke.store.tables import WorkOrderRow


class WorkStep(BaseModel):
    """One work order's part in the order: its share of a batch, or its own work."""

    id: int
    name: str
    machine: str
    status: WorkOrderStatus
    quantity: int
    good: int
    scrap: int
    planned_start: datetime
    planned_end: datetime
    started_at: datetime | None
    finished_at: datetime | None


class OrderProgress(BaseModel):
    order_id: int
    status: str
    due_date: datetime
    expected: datetime | None
    late: bool
    steps: list[WorkStep]
    done: int
    total: int


def order_progress(env: Environment, who: Account, order_id: int) -> OrderProgress:
    """The order's steps in planned order and its expected completion; a maker sees their
    own orders (and of a batch only their share)."""
    with env.uow() as uow:
        order = uow.orders.get(who, order_id)
        rows = uow.work_orders.of_order(order.shop_id, order.id)
        latest = uow.schedules.latest(order.shop_id)
        expected = None
        if latest is not None:
            tasks = ScheduleDocument.model_validate(latest.document).tasks
            expected = completions_of(latest, tasks).get(order.id)
    steps = [_step(row, order.id) for row in sorted(rows, key=lambda r: r.planned_start)]
    return OrderProgress(
        order_id=order.id,
        status=order.status,
        due_date=order.due_date,
        expected=expected,
        late=expected is not None and expected > order.due_date,
        steps=steps,
        done=sum(s.status == WorkOrderStatus.DONE for s in steps),
        total=len(steps),
    )


def _step(row: WorkOrderRow, order_id: int) -> WorkStep:
    status = WorkOrderStatus(row.status)
    if row.batch is None:
        quantity, good, scrap = row.quantity, row.good, row.scrap
    else:
        shares = [s for s in row.per_order.values() if int(s["order"]) == order_id]
        quantity = sum(int(s["planned"]) for s in shares)
        scrap = sum(int(s.get("scrap", 0)) for s in shares)
        good = quantity - scrap if status == WorkOrderStatus.DONE else 0
    return WorkStep(
        id=row.id,
        name=row.name if row.batch is None else f"{row.process} with other orders ({row.batch})",
        machine=row.machine,
        status=status,
        quantity=quantity,
        good=good,
        scrap=scrap,
        planned_start=row.planned_start,
        planned_end=row.planned_end,
        started_at=row.first_start_at,
        finished_at=row.closed_at if status == WorkOrderStatus.DONE else None,
    )
