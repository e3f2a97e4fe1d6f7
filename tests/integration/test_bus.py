"""The message bus runs each event's handlers, and those of the kinds it extends, in the
publisher's unit of work, in the order they subscribed."""

from datetime import UTC, datetime
from pathlib import Path

from bespoke.model.events import Event, OrderMoved
from bespoke.model.orders import Mover, OrderStatus
from bespoke.services.bus import MessageBus
from bespoke.services.environment import Settings, open_environment
from bespoke.store import UnitOfWork

AT = datetime(2026, 1, 5, tzinfo=UTC)


def test_handlers_run_in_order_for_the_event_and_its_kinds(tmp_path: Path) -> None:
    env = open_environment(Settings(data_dir=tmp_path))
    seen: list[str] = []
    bus = MessageBus()
    bus.subscribe(OrderMoved, lambda uow, who, e: seen.append(f"first {e.after}"))
    bus.subscribe(Event, lambda uow, who, e: seen.append("any event"))
    bus.subscribe(OrderMoved, lambda uow, who, e: seen.append(f"second {e.reason}"))
    moved = OrderMoved(
        at=AT,
        order_id=1,
        before=OrderStatus.PLACED,
        after=OrderStatus.CANCELLED,
        by=Mover.MAKER,
        reason="changed my mind",
    )
    with env.uow() as uow:
        bus.publish(uow, None, moved)
        bus.publish(uow, None, Event(at=AT))
    assert seen == ["first cancelled", "second changed my mind", "any event", "any event"]


def test_the_standard_bus_keeps_a_move_in_the_audit_log_of_its_unit_of_work(
    tmp_path: Path,
) -> None:
    env = open_environment(Settings(data_dir=tmp_path))
    moved = OrderMoved(
        at=AT,
        order_id=7,
        before=OrderStatus.SCHEDULED,
        after=OrderStatus.CANCELLED,
        by=Mover.SHOP,
        reason="customer asked",
    )
    uow: UnitOfWork
    with env.uow() as uow:
        env.bus.publish(uow, None, moved)  # not committed: nothing is kept
    with env.uow() as uow:
        assert uow.audit.count("order") == 0
        env.bus.publish(uow, None, moved)
        uow.commit()
    with env.uow() as uow:
        (entry,) = uow.audit.entries("order", 10, 0)
        assert entry.detail == {
            "status": ["scheduled", "cancelled"],
            "by": "shop",
            "reason": "customer asked",
        }
