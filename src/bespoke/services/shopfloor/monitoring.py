"""Machines watched: a `FloorMonitor` per environment keeps what the machines' feeds
deliver (the raw observations, one statement per batch), follows each shop's machines with
a `ShopTracker`, keeps their state timeline in `machine_spans` (the open span closed and
the next opened in the batch's transaction), and publishes what changed to its live hub.

After a restart each machine's open span is taken for its current state, since the
service cannot tell what happened while it was not watching: the first observation after
the restart decides. If the machine is in the same state with the same alarms, the span
goes on; otherwise it closes at that observation's time. Until then the machine shows the
state and alarm codes of its open span. Readings older than a machine's open span are
kept raw but do not move its state. Parts made are counted from when this process began
watching."""

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import event

from bespoke.model.events import QualityAlert, WorkOrderMoved
from bespoke.model.monitoring import MAX_TEXT, AlarmLevel, MachineState, Observation, StateSpan
from bespoke.monitoring.states import MachineSnapshot, ShopTracker
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import shop_catalog
from bespoke.services.shopfloor.live import LiveHub
from bespoke.store import UnitOfWork
from bespoke.store.tables import WorkOrderRow

log = logging.getLogger("bespoke.floor")

RELOAD_MACHINES_S = 30.0
"""A shop's machines are read again, when an unknown one is named, at most this often."""


class AlarmView(BaseModel):
    """An alarm active on a machine; after a restart only its code is known until the
    machine reports again."""

    code: str | None
    item: str | None
    level: AlarmLevel | None
    message: str | None
    since: datetime


class MachineLive(BaseModel):
    """What a machine is doing now, as the floor shows it."""

    machine: str
    state: MachineState
    since: datetime | None
    """Start of the current state; None when the machine never reported."""
    alarms: list[AlarmView]
    parts_made: int
    """Parts the machine counted since this process began watching it."""
    last_at: datetime | None
    """Its latest observation taken by this process."""


class WorkLive(BaseModel):
    """A work order moved on the floor, with its progress."""

    id: int
    machine: str
    name: str
    status: str
    action: str
    quantity: int
    good: int
    scrap: int
    at: datetime


@dataclass
class _OpenSpan:
    """A machine's open span as stored: where its row starts, and the tracker's span it
    stands for (None: restored, not yet matched)."""

    row_start: datetime
    tracker_start: datetime | None
    state: MachineState
    alarms: list[str]


@dataclass
class _ShopFloor:
    """One shop's machines as this process follows them."""

    shop_id: int
    known: frozenset[str]
    open: dict[str, _OpenSpan]
    tracker: ShopTracker = field(default_factory=ShopTracker)
    lock: threading.Lock = field(default_factory=threading.Lock)
    refused: Counter[str] = field(default_factory=Counter)
    known_at: float = field(default_factory=time.monotonic)
    shown: dict[str, tuple[object, ...]] = field(default_factory=dict)

    def live(self, machine: str) -> MachineLive:
        tracker = self.tracker.trackers.get(machine)
        opened = self.open.get(machine)
        if tracker is not None and tracker.span is not None:
            return _from_snapshot(tracker.snapshot(), opened)
        if opened is not None:
            alarms = [
                AlarmView(code=c, item=None, level=None, message=None, since=opened.row_start)
                for c in opened.alarms
            ]
            return MachineLive(
                machine=machine,
                state=opened.state,
                since=opened.row_start,
                alarms=alarms,
                parts_made=0,
                last_at=None,
            )
        return MachineLive(
            machine=machine,
            state=MachineState.UNAVAILABLE,
            since=None,
            alarms=[],
            parts_made=0,
            last_at=None,
        )


def _from_snapshot(snapshot: MachineSnapshot, opened: _OpenSpan | None) -> MachineLive:
    return MachineLive(
        machine=snapshot.machine,
        state=snapshot.state,
        since=opened.row_start if opened is not None else snapshot.since,
        alarms=[
            AlarmView(code=a.code, item=a.item, level=a.level, message=a.message, since=a.at)
            for a in snapshot.alarms
        ],
        parts_made=snapshot.parts_made,
        last_at=snapshot.last_at,
    )


class FloorMonitor:
    """Keeps the observations of every shop's machines and follows their states; safe to
    call from many threads (one shop's batches are kept one at a time)."""

    def __init__(self, env: Environment, hub: LiveHub | None = None) -> None:
        self.env = env
        self.hub = hub or LiveHub()
        self._floors: dict[int, _ShopFloor] = {}
        self._lock = threading.Lock()
        env.bus.subscribe(WorkOrderMoved, self._work_moved)
        env.bus.subscribe(QualityAlert, self._quality_alert)

    def keep(self, shop_id: int, observations: Sequence[Observation]) -> int:
        """Keep a batch of one shop's observations, follow its machines' states, publish
        what changed; how many were kept. Observations of machines the shop does not
        have, or with a time without a zone, are refused (counted, logged). If the
        database refuses the batch, nothing of it is kept and the shop's states are read
        again from the database at the next batch."""
        floor = self._floor(shop_id)
        with floor.lock:
            try:
                return self._keep(floor, observations)
            except Exception:
                with self._lock:
                    self._floors.pop(shop_id, None)
                raise

    def live(self, shop_id: int) -> dict[str, MachineLive]:
        """What each machine of the shop is doing, by machine id (every machine it has)."""
        floor = self._floor(shop_id)
        with floor.lock:
            return {m: floor.live(m) for m in sorted(floor.known)}

    def refused(self, shop_id: int) -> dict[str, int]:
        """Observations refused so far, by reason (the trackers' included)."""
        floor = self._floor(shop_id)
        with floor.lock:
            counts = Counter(floor.refused) + floor.tracker.ignored
            for tracker in floor.tracker.trackers.values():
                counts += tracker.ignored
            return dict(counts)

    def _floor(self, shop_id: int) -> _ShopFloor:
        with self._lock:
            floor = self._floors.get(shop_id)
            if floor is None:
                floor = self._floors[shop_id] = self._restored(shop_id)
            return floor

    def _restored(self, shop_id: int) -> _ShopFloor:
        with self.env.uow() as uow:
            known = _machines(uow, shop_id)
            rows = uow.machine_spans.open_spans(shop_id)
            opened = {
                row.machine: _OpenSpan(
                    row_start=_aware(row.start),
                    tracker_start=None,
                    state=MachineState(row.state),
                    alarms=list(row.alarms),
                )
                for row in rows
            }
        return _ShopFloor(shop_id, known, opened)

    def _keep(self, floor: _ShopFloor, observations: Sequence[Observation]) -> int:
        rows, watched, refused = self._rows(floor, observations)
        spans = floor.tracker.observe(watched)
        opened = dict(floor.open)
        changes = _span_changes(spans, opened)
        with self.env.uow() as uow:
            uow.observations.add_all(rows)
            for change in changes:
                change.apply(uow, floor.shop_id)
            uow.commit()
        floor.open = opened
        if refused:
            floor.refused.update(refused)
            log.warning("shop %s: observations refused: %s", floor.shop_id, dict(refused))
        self._publish(floor, spans, {o.machine for o in watched})
        return len(rows)

    def _rows(
        self, floor: _ShopFloor, observations: Sequence[Observation]
    ) -> tuple[list[dict[str, object]], list[Observation], Counter[str]]:
        """The rows to store, the observations that may move a state, and the refused."""
        rows: list[dict[str, object]] = []
        watched: list[Observation] = []
        refused: Counter[str] = Counter()
        shop_id = floor.shop_id
        for observation in observations:
            machine = observation.machine
            if machine not in floor.known and not self._learn(floor, machine):
                refused["machine not in the shop"] += 1
                continue
            moment = observation.at
            if moment.utcoffset() is None:
                refused["time without a zone"] += 1
                continue
            at = moment.astimezone(UTC).replace(tzinfo=None)
            value = observation.value
            if isinstance(value, float) and not math.isfinite(value):
                refused["number not finite"] += 1
                continue
            rows.append(
                {
                    "shop_id": shop_id,
                    "machine": machine,
                    "item": observation.item,
                    "signal": observation.signal.value,
                    "number": value if isinstance(value, float | int) else None,
                    "text": value[:MAX_TEXT] if isinstance(value, str) else None,
                    "code": observation.code,
                    "at": at,
                }
            )
            opened = floor.open.get(machine)
            if opened is None or moment >= opened.row_start:
                watched.append(observation)
            else:
                refused["before the state kept"] += 1
        return rows, watched, refused

    def _learn(self, floor: _ShopFloor, machine: str) -> bool:
        """Whether `machine` is the shop's after reading its machines again (at most
        every RELOAD_MACHINES_S)."""
        if time.monotonic() - floor.known_at < RELOAD_MACHINES_S:
            return False
        with self.env.uow() as uow:
            floor.known = _machines(uow, floor.shop_id)
        floor.known_at = time.monotonic()
        return machine in floor.known

    def _publish(self, floor: _ShopFloor, spans: list[StateSpan], machines: set[str]) -> None:
        for span in spans:
            self.hub.publish(floor.shop_id, "span", span)
        for machine in sorted(machines):
            live = floor.live(machine)
            shown = (live.state, live.since, live.alarms, live.parts_made)
            if floor.shown.get(machine) != shown:
                floor.shown[machine] = shown
                self.hub.publish(floor.shop_id, "state", live)

    def _quality_alert(self, uow: UnitOfWork, _actor: object, alert: QualityAlert) -> None:
        """Tell the floor of a feature out of control once its measurements are kept."""
        _after_commit(self.hub, uow, alert.shop_id, "quality", alert)

    def _work_moved(self, uow: UnitOfWork, _actor: object, moved: WorkOrderMoved) -> None:
        """Publish a work order's move once its transaction is committed."""
        row = uow.work_orders.get(moved.shop_id, moved.work_order_id)
        _after_commit(self.hub, uow, moved.shop_id, "work", _work_live(row, moved))


def _after_commit(hub: LiveHub, uow: UnitOfWork, shop_id: int, kind: str, data: BaseModel) -> None:
    """Publish `data` on the live hub once the unit of work's transaction is committed (a
    rolled-back change is never shown)."""

    def committed(_session: object) -> None:
        hub.publish(shop_id, kind, data)

    event.listen(uow.session, "after_commit", committed, once=True)


def _work_live(row: WorkOrderRow, moved: WorkOrderMoved) -> WorkLive:
    return WorkLive(
        id=row.id,
        machine=row.machine,
        name=row.name,
        status=row.status,
        action=moved.action,
        quantity=row.quantity,
        good=row.good,
        scrap=row.scrap,
        at=moved.at,
    )


@dataclass(frozen=True)
class _SpanChange:
    """One change to a machine's spans: its open span changed or closed (`values`), or a
    span added (`added`)."""

    machine: str
    values: dict[str, object] | None = None
    added: dict[str, object] | None = None

    def apply(self, uow: UnitOfWork, shop_id: int) -> None:
        if self.values is not None:
            uow.machine_spans.change_open(shop_id, self.machine, **self.values)
        if self.added is not None:
            uow.machine_spans.add_all([{"shop_id": shop_id, **self.added}])


def _span_changes(spans: list[StateSpan], opened: dict[str, _OpenSpan]) -> list[_SpanChange]:
    """The changes to the stored spans that the tracker's changed `spans` make, with
    `opened` (each machine's open span as stored) brought up to date."""
    changes = []
    for span in sorted(spans, key=lambda s: (s.machine, s.start)):
        current = opened.get(span.machine)
        end = _naive(span.end) if span.end is not None else None
        same = current is not None and (current.state, current.alarms) == (span.state, span.alarms)
        if current is not None and (
            span.start in (current.tracker_start, current.row_start)
            or (current.tracker_start is None and same)
        ):
            values: dict[str, object] = {"end": end}
            if not same:
                values |= {"state": span.state.value, "alarms": span.alarms}
            if end is not None or not same:
                changes.append(_SpanChange(span.machine, values=values))
            row_start = current.row_start
        else:
            if current is not None:
                changes.append(_SpanChange(span.machine, values={"end": _naive(span.start)}))
            added: dict[str, object] = {
                "machine": span.machine,
                "state": span.state.value,
                "start": _naive(span.start),
                "end": end,
                "alarms": span.alarms,
            }
            changes.append(_SpanChange(span.machine, added=added))
            row_start = span.start
        if span.end is None:
            opened[span.machine] = _OpenSpan(row_start, span.start, span.state, span.alarms)
        else:
            opened.pop(span.machine, None)
    return changes


def _machines(uow: UnitOfWork, shop_id: int) -> frozenset[str]:
    """The shop's own machines (not those run by a partner)."""
    catalog = shop_catalog(uow, shop_id)
    return frozenset(m.id for m in catalog.machines.values() if not m.outsourced)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


_monitors: dict[int, FloorMonitor] = {}
_monitors_lock = threading.Lock()


def floor_monitor(env: Environment) -> FloorMonitor:
    """The environment's one monitor in this process, made at its first use and kept
    (with its environment) for the life of the process."""
    with _monitors_lock:
        monitor = _monitors.get(id(env))
        if monitor is None:
            monitor = _monitors[id(env)] = FloorMonitor(env)
        return monitor
