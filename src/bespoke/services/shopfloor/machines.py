"""The floor at a glance: every machine of the shop with its state, alarms, parts made and
the work order under way on it; a machine's state timeline over a window."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from bespoke.model.accounts import Account
from bespoke.model.errors import InputError, NotFoundError
from bespoke.model.execution import WorkOrderStatus
from bespoke.model.monitoring import AlarmLevel, MachineState, StateSpan
from bespoke.model.scheduling import Closure
from bespoke.monitoring.timeline import Interval, seconds_in_state
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import shop_catalog, staff_shop
from bespoke.services.shopfloor.monitoring import MachineLive, floor_monitor
from bespoke.store.tables import WorkOrderRow

WATCH = "watch the floor"
UNDER_WAY = (WorkOrderStatus.RUNNING.value, WorkOrderStatus.PAUSED.value)
TO_DO = (WorkOrderStatus.READY.value, *UNDER_WAY)
DEFAULT_WINDOW = timedelta(hours=24)
LONGEST_WINDOW = timedelta(days=31)
MAX_TIMELINE_SPANS = 10_000


class CurrentWork(BaseModel):
    """The work order under way on a machine and how far it is."""

    id: int
    name: str
    status: str
    quantity: int
    good: int
    scrap: int
    progress: float | None
    """(good + scrap) / quantity; None for a quantity of 0."""


class MachineView(MachineLive):
    name: str
    process: str
    work: CurrentWork | None
    scheduled: int
    """Work orders on it still to do or under way."""
    proposal: Closure | None = None
    """Schedule without it for a while: it has stood with a fault, or without data, for
    longer than the shop's alert time and has work scheduled."""


PROPOSED_HOURS = 4.0
"""How long a proposal takes a stopped machine out: half a shift, for a repair or a call."""


def proposal(live: MachineLive, scheduled: int, alert_s: int, now: datetime) -> Closure | None:
    """Whether to propose scheduling without the machine, and for how long."""
    faults = [a for a in live.alarms if a.level == AlarmLevel.FAULT]
    standing = live.state == MachineState.UNAVAILABLE or (
        live.state == MachineState.STOPPED and faults
    )
    if not standing or live.since is None or not scheduled:
        return None
    since = _utc(live.since)
    if (now - since).total_seconds() < alert_s:
        return None
    why = ", ".join(a.code or a.item or "alarm" for a in faults) or "no data"
    reason = f"{live.state.value} since {since:%a %H:%M} UTC ({why})"
    return Closure(machine=live.machine, hours=PROPOSED_HOURS, reason=reason[:200])


class Timeline(BaseModel):
    """A machine's state spans overlapping [start, end) and seconds in each state in it."""

    machine: str
    start: datetime
    end: datetime
    spans: list[StateSpan]
    seconds: dict[MachineState, float]
    truncated: bool
    """More spans than MAX_TIMELINE_SPANS: the first ones only."""


def floor_machines(env: Environment, who: Account) -> list[MachineView]:
    return shop_machines(env, staff_shop(who, WATCH))


def shop_machines(env: Environment, shop_id: int) -> list[MachineView]:
    """Every machine of the shop (not those run by partners), by id."""
    live = floor_monitor(env).live(shop_id)
    with env.uow() as uow:
        machines = shop_catalog(uow, shop_id).machines
        under_way = uow.work_orders.of_shop(shop_id, UNDER_WAY)
        scheduled = Counter(r.machine for r in uow.work_orders.of_shop(shop_id, TO_DO))
    now = datetime.now(UTC)
    work: dict[str, WorkOrderRow] = {}
    for row in under_way:  # in planned order: the first running one, else the first paused
        known = work.get(row.machine)
        if known is None or (known.status != "running" and row.status == "running"):
            work[row.machine] = row
    return [
        MachineView(
            **dict(state),
            name=machines[machine].name,
            process=machines[machine].process,
            work=_current(work.get(machine)),
            scheduled=scheduled[machine],
            proposal=proposal(state, scheduled[machine], env.settings.stop_alert_s, now),
        )
        for machine, state in live.items()
        if machine in machines
    ]


def _current(row: WorkOrderRow | None) -> CurrentWork | None:
    if row is None:
        return None
    made = row.good + row.scrap
    return CurrentWork(
        id=row.id,
        name=row.name,
        status=row.status,
        quantity=row.quantity,
        good=row.good,
        scrap=row.scrap,
        progress=made / row.quantity if row.quantity > 0 else None,
    )


def machine_timeline(
    env: Environment,
    who: Account,
    machine: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Timeline:
    """The machine's timeline over [start, end) (times without a zone are UTC), by default
    the last 24 hours, at most 31 days."""
    shop_id = staff_shop(who, WATCH)
    now = datetime.now(UTC)
    end_at = _utc(end) if end is not None else now
    start_at = _utc(start) if start is not None else end_at - DEFAULT_WINDOW
    if end_at <= start_at:
        raise InputError(f"end: {end_at} is not after start ({start_at})", path="end")
    if end_at - start_at > LONGEST_WINDOW:
        raise InputError(f"start: a window of at most {LONGEST_WINDOW.days} days", path="start")
    with env.uow() as uow:
        if machine not in shop_catalog(uow, shop_id).machines:
            raise NotFoundError(f"machine {machine[:64]!r} not found")
        rows = uow.machine_spans.between(
            shop_id, _naive(start_at), _naive(end_at), machine, limit=MAX_TIMELINE_SPANS + 1
        )
    spans = [
        StateSpan(
            machine=r.machine,
            state=MachineState(r.state),
            start=_utc(r.start),
            end=_utc(r.end) if r.end is not None else None,
            alarms=list(r.alarms),
        )
        for r in rows[:MAX_TIMELINE_SPANS]
    ]
    return Timeline(
        machine=machine,
        start=start_at,
        end=end_at,
        spans=spans,
        seconds=seconds_in_state(spans, Interval(start_at, end_at), now=now),
        truncated=len(rows) > MAX_TIMELINE_SPANS,
    )


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
