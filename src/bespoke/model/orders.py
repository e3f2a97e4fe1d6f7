"""An order's life: placed -> planned -> scheduled -> in production -> done -> shipped,
or cancelled before production. Who moves it: its maker cancels it; the shop plans,
starts, finishes, ships or cancels it; only the shop's schedule makes it scheduled; the
floor's work orders start it (the first start) and finish it (the last finish), and
send a done order back into production when its parts must be made again."""

from enum import StrEnum


class OrderStatus(StrEnum):
    PLACED = "placed"
    PLANNED = "planned"
    SCHEDULED = "scheduled"
    IN_PRODUCTION = "in_production"
    DONE = "done"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class Mover(StrEnum):
    """Who moves an order."""

    MAKER = "maker"
    SHOP = "shop"
    SCHEDULE = "schedule"
    FLOOR = "floor"
    """The work on the floor: the first start and the last finish of an order's work."""


FLOW = (
    OrderStatus.PLACED,
    OrderStatus.PLANNED,
    OrderStatus.SCHEDULED,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.DONE,
    OrderStatus.SHIPPED,
)
"""The way through, as pages show it."""
CANCELLABLE = {OrderStatus.PLACED, OrderStatus.PLANNED, OrderStatus.SCHEDULED}
MOVES: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    OrderStatus.PLACED: (OrderStatus.PLANNED, OrderStatus.SCHEDULED, OrderStatus.CANCELLED),
    OrderStatus.PLANNED: (OrderStatus.SCHEDULED, OrderStatus.CANCELLED),
    OrderStatus.SCHEDULED: (OrderStatus.IN_PRODUCTION, OrderStatus.CANCELLED),
    OrderStatus.IN_PRODUCTION: (OrderStatus.DONE,),
    OrderStatus.DONE: (OrderStatus.SHIPPED, OrderStatus.IN_PRODUCTION),
    OrderStatus.SHIPPED: (),
    OrderStatus.CANCELLED: (),
}
"""Every status an order may go to from each."""
MOVED_BY: dict[Mover, frozenset[OrderStatus]] = {
    Mover.MAKER: frozenset({OrderStatus.CANCELLED}),
    Mover.SHOP: frozenset(set(OrderStatus) - {OrderStatus.SCHEDULED, OrderStatus.PLACED}),
    Mover.SCHEDULE: frozenset({OrderStatus.SCHEDULED}),
    Mover.FLOOR: frozenset({OrderStatus.IN_PRODUCTION, OrderStatus.DONE}),
}
"""The statuses each mover may move an order to."""


def next_statuses(status: OrderStatus, mover: Mover = Mover.SHOP) -> list[OrderStatus]:
    """Where `mover` may move an order from `status`."""
    return [s for s in MOVES[status] if s in MOVED_BY[mover]]


def refusal(current: OrderStatus, target: OrderStatus, mover: Mover) -> str | None:
    """Why `mover` may not move an order from `current` to `target` (None: it may)."""
    if target not in MOVES[current]:
        following = ", ".join(next_statuses(current, mover)) or "none: the order is closed"
        return f"it is {current}; it cannot become {target} (next: {following})"
    if target not in MOVED_BY[mover]:
        if target == OrderStatus.SCHEDULED:
            return "an order becomes scheduled when the shop's schedule is made"
        return "a maker may cancel an order; the shop moves it along"
    return None
