"""Domain events: what happened, said once, for whoever must react (the audit log now;
the shop floor, notifications and machine monitoring as they come)."""

from datetime import datetime

from bespoke.model.execution import FloorAction, WorkOrderStatus
from bespoke.model.geometry import Frozen
from bespoke.model.orders import Mover, OrderStatus


class Event(Frozen):
    """Something that happened at `at`."""

    at: datetime


class OrderPlaced(Event):
    order_id: int
    quote_id: int
    quantity: int
    batched: bool
    confirmed_reading: bool


class OrderMoved(Event):
    order_id: int
    before: OrderStatus
    after: OrderStatus
    by: Mover
    reason: str | None = None


class ShopScheduled(Event):
    shop_id: int
    schedule_id: int
    orders: int
    makespan_s: int


class WorkOrderMoved(Event):
    """An operator did something to a work order on the floor."""

    shop_id: int
    work_order_id: int
    machine: str
    action: FloorAction
    before: WorkOrderStatus
    after: WorkOrderStatus


class QualityAlert(Event):
    """A feature's control chart broke a run rule: the process may be drifting."""

    shop_id: int
    machine: str
    work_order_id: int
    feature: str
    rule: str
    message: str
