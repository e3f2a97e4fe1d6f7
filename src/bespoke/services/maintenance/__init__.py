"""Keeping the shop's machines fit: plans and what comes due, meters, maintenance orders
and requests, their place in the schedule, MTBF and MTTR."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.maintenance.orders import (
        finish,
        machine_reliability,
        maintenance_orders,
        raise_request,
        start,
    )
    from bespoke.services.maintenance.plans import (
        add_plan,
        check_due,
        maintenance_plans,
        record_meter,
    )

EXPORTS = {
    "add_plan": "plans",
    "check_due": "plans",
    "finish": "orders",
    "machine_reliability": "orders",
    "maintenance_orders": "orders",
    "maintenance_plans": "plans",
    "raise_request": "orders",
    "record_meter": "plans",
    "start": "orders",
}
__all__ = [
    "add_plan",
    "check_due",
    "finish",
    "machine_reliability",
    "maintenance_orders",
    "maintenance_plans",
    "raise_request",
    "record_meter",
    "start",
]
__getattr__ = lazy(__name__, EXPORTS)
