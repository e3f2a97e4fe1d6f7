"""The shop floor: work orders from the schedule, what operators book on them, and what
the floor has done flowing back into the plan; machines watched through their feeds, their
states, the live floor, KPIs."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.shopfloor.feed_settings import feeds_of, set_feeds
    from bespoke.services.shopfloor.kpis import floor_kpis
    from bespoke.services.shopfloor.machines import floor_machines, machine_timeline
    from bespoke.services.shopfloor.monitoring import floor_monitor
    from bespoke.services.shopfloor.progress import order_progress
    from bespoke.services.shopfloor.retention import compact
    from bespoke.services.shopfloor.terminal import (
        act,
        add_note,
        work_order,
        work_order_events,
        work_orders,
    )
    from bespoke.services.shopfloor.travellers import order_traveller, work_order_traveller

EXPORTS = {
    "act": "terminal",
    "add_note": "terminal",
    "compact": "retention",
    "feeds_of": "feed_settings",
    "floor_kpis": "kpis",
    "floor_machines": "machines",
    "floor_monitor": "monitoring",
    "machine_timeline": "machines",
    "order_progress": "progress",
    "order_traveller": "travellers",
    "set_feeds": "feed_settings",
    "work_order": "terminal",
    "work_order_events": "terminal",
    "work_order_traveller": "travellers",
    "work_orders": "terminal",
}
__all__ = [
    "act",
    "add_note",
    "compact",
    "feeds_of",
    "floor_kpis",
    "floor_machines",
    "floor_monitor",
    "machine_timeline",
    "order_progress",
    "order_traveller",
    "set_feeds",
    "work_order",
    "work_order_events",
    "work_order_traveller",
    "work_orders",
]
__getattr__ = lazy(__name__, EXPORTS)
