"""Delivery KPIs of a shop's orders over a period: on-time delivery, work in progress, and
actual against promised lead time. Ratios are of sums, never averages of ratios."""

from collections.abc import Iterable
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, model_validator

from bespoke.monitoring.timeline import Interval


class OrderDates(BaseModel):
    """When an order was placed, promised and finished (None: not yet)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    placed: AwareDatetime
    promised: AwareDatetime
    finished: AwareDatetime | None = None

    @model_validator(mode="after")
    def _after_placing(self) -> "OrderDates":
        if self.promised < self.placed:
            raise ValueError(f"promised ({self.promised}) before placed ({self.placed})")
        if self.finished is not None and self.finished < self.placed:
            raise ValueError(f"finished ({self.finished}) before placed ({self.placed})")
        return self


class DeliveryKpis(BaseModel):
    """Orders finished in a period, how many by their promised date, and their lead times
    (seconds); the orders in progress at the period's end."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    finished: int
    on_time: int
    on_time_delivery: float | None
    """Share of the orders finished in the period that were finished by their promise."""
    work_in_progress: int
    """Orders placed before the period's end and not finished by then."""
    actual_lead_time: float | None
    """Mean seconds from placing to finishing, of the orders finished in the period."""
    promised_lead_time: float | None
    """Mean seconds from placing to the promised date, of the same orders."""
    lead_time_ratio: float | None
    """Their actual over their promised lead time, in sum: above 1, later than promised."""


def delivery_kpis(orders: Iterable[OrderDates], period: Interval) -> DeliveryKpis:
    """Delivery KPIs of `orders` over `period` ([start, end))."""
    finished: list[tuple[OrderDates, datetime]] = []
    in_progress = 0
    for order in orders:
        if order.placed >= period.end:
            continue
        done = order.finished
        if done is None or done >= period.end:
            in_progress += 1
        elif done >= period.start:
            finished.append((order, done))
    on_time = sum(1 for order, done in finished if done <= order.promised)
    actual = sum((done - order.placed).total_seconds() for order, done in finished)
    promised = sum((order.promised - order.placed).total_seconds() for order, _ in finished)
    count = len(finished)
    return DeliveryKpis(
        finished=count,
        on_time=on_time,
        on_time_delivery=on_time / count if count else None,
        work_in_progress=in_progress,
        actual_lead_time=actual / count if count else None,
        promised_lead_time=promised / count if count else None,
        lead_time_ratio=actual / promised if promised > 0 else None,
    )
