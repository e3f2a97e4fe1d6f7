"""A small in-process message bus: a use case publishes domain events; their handlers run
in the same unit of work, so that what happened and what it causes are kept together or
not at all. Entry points and adapters subscribe their own handlers at start-up."""

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from bespoke.model.accounts import Account
from bespoke.model.events import Event, OrderMoved, OrderPlaced, ShopScheduled
from bespoke.services.ordering.mails import queue_moved, queue_placed
from bespoke.store import UnitOfWork

E = TypeVar("E", bound=Event)
Handler = Callable[[UnitOfWork, Account | None, E], None]


class MessageBus:
    """Handlers by the kind of event they handle, run in the order they subscribed."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler[Any]]] = defaultdict(list)

    def subscribe(self, kind: type[E], handler: Handler[E]) -> None:
        self._handlers[kind].append(handler)

    def publish(self, uow: UnitOfWork, actor: Account | None, event: Event) -> None:
        """Run the handlers of `event`'s kind (and of the kinds it extends) in `uow`."""
        for kind in type(event).__mro__:
            for handler in self._handlers.get(kind, []):
                handler(uow, actor, event)


def standard_bus() -> MessageBus:
    """The bus every environment starts with: events recorded in the audit log, and a
    mail to the maker queued for each change of their order."""
    bus = MessageBus()
    bus.subscribe(OrderPlaced, _audit_placed)
    bus.subscribe(OrderMoved, _audit_moved)
    bus.subscribe(ShopScheduled, _audit_scheduled)
    bus.subscribe(OrderPlaced, queue_placed)
    bus.subscribe(OrderMoved, queue_moved)
    return bus


def _audit_placed(uow: UnitOfWork, actor: Account | None, event: OrderPlaced) -> None:
    uow.audit.record(
        event.at,
        actor,
        "place",
        "order",
        event.order_id,
        quote=event.quote_id,
        quantity=event.quantity,
        batched=event.batched,
        confirmed_reading=event.confirmed_reading,
    )


def _audit_moved(uow: UnitOfWork, actor: Account | None, event: OrderMoved) -> None:
    detail: dict[str, object] = {"status": [event.before, event.after], "by": event.by}
    if event.reason:
        detail["reason"] = event.reason
    uow.audit.record(event.at, actor, "move", "order", event.order_id, **detail)


def _audit_scheduled(uow: UnitOfWork, actor: Account | None, event: ShopScheduled) -> None:
    uow.audit.record(
        event.at,
        actor,
        "schedule",
        "shop",
        event.shop_id,
        schedule=event.schedule_id,
        orders=event.orders,
        makespan_s=event.makespan_s,
    )
