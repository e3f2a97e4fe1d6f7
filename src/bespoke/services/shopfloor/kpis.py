"""The shop's equipment KPIs (ISO 22400-2) per machine and rolled up, for some days or
one shift of them, and its delivery KPIs over the same time.

For each machine and day (or shift): planned busy time is the shop calendar's open hours
in the window less the machine's planned maintenance; APT and ADET come from its state
timeline (`machine_spans`); the parts booked on its work orders in the window give PQ,
GQ and SQ, and each work order's planned seconds per part its PRI. Delivery KPIs read the
shop's orders: placed (created), promised (due date) and finished (the last change of an
order done or shipped). Shifts are named by their hours, e.g. "07:00-15:00"."""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from bespoke.model.accounts import Account
from bespoke.model.calendar import Calendar, Shift
from bespoke.model.errors import InputError
from bespoke.model.monitoring import MachineState, StateSpan
from bespoke.model.orders import OrderStatus
from bespoke.monitoring.delivery import DeliveryKpis, OrderDates, delivery_kpis
from bespoke.monitoring.elements import Booking, from_spans
from bespoke.monitoring.kpis import KpiInput, Kpis, kpis, rolled_up, summed
from bespoke.monitoring.timeline import Interval
from bespoke.scheduling.calendars import DAYS
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import shop_catalog, staff_shop
from bespoke.store import UnitOfWork

MAX_DAYS = 31
"""Days measured at once."""
OLDEST_DAYS = 5 * 366
"""How far back a first day may be."""
MAX_SPANS = 200_000
"""State spans read for one answer."""
FINISHED = (OrderStatus.DONE.value, OrderStatus.SHIPPED.value)


class MachineKpis(BaseModel):
    machine: str
    elements: KpiInput
    """Time elements (seconds) and quantities."""
    kpis: Kpis


class FloorKpis(BaseModel):
    """KPIs of the shop's machines from `first_day` for `days` days (of one shift)."""

    first_day: date
    days: int
    shift: str | None
    shifts: list[str]
    """The shifts of the shop's calendar, by name."""
    timezone: str
    start: datetime
    end: datetime
    machines: list[MachineKpis]
    elements: KpiInput
    """The machines' time elements and quantities summed."""
    shop: Kpis
    """All machines rolled up: ratios of the sums."""
    delivery: DeliveryKpis


def shift_name(shift: Shift) -> str:
    return f"{shift.start:%H:%M}-{shift.end:%H:%M}"


def floor_kpis(
    env: Environment,
    who: Account,
    first_day: date | None = None,
    days: int = 1,
    shift: str | None = None,
) -> FloorKpis:
    """The KPIs of the shop `who` runs (see `shop_kpis`)."""
    return shop_kpis(env, staff_shop(who, "see the floor's KPIs"), first_day, days, shift)


def shop_kpis(
    env: Environment,
    shop_id: int,
    first_day: date | None = None,
    days: int = 1,
    shift: str | None = None,
    *,
    now: datetime | None = None,
) -> FloorKpis:
    """KPIs per machine and rolled up from `first_day` (the shop's local date, by default
    today) for `days` days, of the whole days or of the shift named; time after `now` is
    not counted. InputError when a day or the shift is out of bounds."""
    moment = now or datetime.now(UTC)
    with env.uow() as uow:
        row = uow.shops.by_id(shop_id)
        calendar = Calendar.model_validate(row.calendar)
        zone = ZoneInfo(calendar.timezone)
        today = moment.astimezone(zone).date()
        first_day = first_day or today
        _check_days(first_day, days, today)
        names = sorted({shift_name(s) for s in calendar.shifts})
        dates = [first_day + timedelta(days=n) for n in range(days)]
        windows = [_window(zone, d, _shift(calendar, shift, names)) for d in dates]
        machines = sorted(
            m.id for m in shop_catalog(uow, shop_id).machines.values() if not m.outsourced
        )
        spans = _spans(uow, shop_id, windows[0].start, windows[-1].end)
        bookings = [_bookings(uow, shop_id, w) for w in windows]
        delivery = _delivery(uow, shop_id, Interval(windows[0].start, windows[-1].end))
    planned = _open_hours(calendar, zone, dates)
    upkeep = _maintenance(calendar)
    rows = []
    for machine in machines:
        elements = summed(
            from_spans(
                spans.get(machine, []),
                period=window,
                planned=planned,
                planned_downtime=upkeep.get(machine, []),
                bookings=booked.get(machine, []),
                now=moment,
            )
            for window, booked in zip(windows, bookings, strict=True)
        )
        rows.append(MachineKpis(machine=machine, elements=elements, kpis=kpis(elements)))
    inputs = [r.elements for r in rows]
    return FloorKpis(
        first_day=first_day,
        days=days,
        shift=shift,
        shifts=names,
        timezone=calendar.timezone,
        start=windows[0].start,
        end=windows[-1].end,
        machines=rows,
        elements=summed(inputs),
        shop=rolled_up(inputs),
        delivery=delivery,
    )


def _check_days(first_day: date, days: int, today: date) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"days: {days} is not a whole number from 1 to {MAX_DAYS}", path="days")
    if first_day > today:
        raise InputError(f"day: {first_day} is after today ({today})", path="day")
    if (today - first_day).days > OLDEST_DAYS:
        raise InputError(
            f"day: {first_day} is more than {OLDEST_DAYS} days before today", path="day"
        )


def _shift(calendar: Calendar, name: str | None, names: list[str]) -> tuple[time, time] | None:
    if name is None:
        return None
    for shift in calendar.shifts:
        if shift_name(shift) == name:
            return shift.start, shift.end
    accepted = ", ".join(names) or "none: the calendar has no shifts"
    raise InputError(
        f"shift: {name[:40]!r} is not a shift of the shop (accepted: {accepted})", path="shift"
    )


def _window(zone: ZoneInfo, day: date, hours: tuple[time, time] | None) -> Interval:
    start, end = hours or (time(0), time(0))
    end_day = day if hours else day + timedelta(days=1)
    return Interval(
        datetime.combine(day, start, zone).astimezone(UTC),
        datetime.combine(end_day, end, zone).astimezone(UTC),
    )


def _open_hours(calendar: Calendar, zone: ZoneInfo, dates: list[date]) -> list[Interval]:
    """The calendar's shifts on `dates`, closed days left out."""
    hours = []
    for day in dates:
        if day in calendar.closed:
            continue
        for shift in calendar.shifts:
            if DAYS[day.weekday()] in shift.days:
                hours.append(_window(zone, day, (shift.start, shift.end)))
    return hours


def _maintenance(calendar: Calendar) -> dict[str, list[Interval]]:
    windows: dict[str, list[Interval]] = defaultdict(list)
    for window in calendar.maintenance:
        windows[window.machine].append(Interval(_utc(window.start), _utc(window.end)))
    return windows


def _spans(
    uow: UnitOfWork, shop_id: int, start: datetime, end: datetime
) -> dict[str, list[StateSpan]]:
    rows = uow.machine_spans.between(shop_id, _naive(start), _naive(end), limit=MAX_SPANS + 1)
    if len(rows) > MAX_SPANS:
        raise InputError(
            f"days: more than {MAX_SPANS} state changes; ask for fewer days", path="days"
        )
    spans: dict[str, list[StateSpan]] = defaultdict(list)
    for row in rows:
        spans[row.machine].append(
            StateSpan(
                machine=row.machine,
                state=MachineState(row.state),
                start=_utc(row.start),
                end=_utc(row.end) if row.end is not None else None,
                alarms=list(row.alarms),
            )
        )
    return spans


def _bookings(uow: UnitOfWork, shop_id: int, window: Interval) -> dict[str, list[Booking]]:
    booked: dict[str, list[Booking]] = defaultdict(list)
    for machine, planned_s, quantity, good, scrap in uow.work_orders.booked_between(
        shop_id, _naive(window.start), _naive(window.end)
    ):
        good, scrap = int(good or 0), int(scrap or 0)
        if good + scrap:
            pri = planned_s / quantity if quantity > 0 else 0.0
            booked[machine].append(Booking(produced=good + scrap, scrap=scrap, pri=pri))
    return booked


def _delivery(uow: UnitOfWork, shop_id: int, period: Interval) -> DeliveryKpis:
    orders = []
    for placed, promised, status, changed in uow.orders.dates_in_shop(
        shop_id, _naive(period.start), _naive(period.end), FINISHED
    ):
        try:
            orders.append(
                OrderDates(
                    placed=_utc(placed),
                    promised=_utc(promised),
                    finished=_utc(changed) if status in FINISHED else None,
                )
            )
        except ValidationError:  # promised before placed: no lead time to measure
            continue
    return delivery_kpis(orders, period)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
