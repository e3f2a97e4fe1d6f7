"""An order's life: placed -> planned -> scheduled -> in production -> done -> shipped."""

from enum import StrEnum


class OrderStatus(StrEnum):
    PLACED = "placed"
    PLANNED = "planned"
    SCHEDULED = "scheduled"
    IN_PRODUCTION = "in_production"
    DONE = "done"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


FLOW = [
    OrderStatus.PLACED,
    OrderStatus.PLANNED,
    OrderStatus.SCHEDULED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.DONE,
    OrderStatus.SHIPPED,
]
CANCELLABLE = {OrderStatus.PLACED, OrderStatus.PLANNED, OrderStatus.SCHEDULED}


def next_statuses(status: OrderStatus) -> list[OrderStatus]:
    """Where an order may go from `status`: the next step, or cancelled before production."""
    following = [FLOW[FLOW.index(status) + 1]] if status in FLOW[:-1] else []
    return following + ([OrderStatus.CANCELLED] if status in CANCELLABLE else [])
