"""A work order's life on the floor, as a declared state machine.

    ready --start--> running --pause--> paused --resume--> running
    running, paused --book--> (the same: parts booked so far)
    running, paused --finish--> done        ready --cancel--> cancelled

The transitions carry their rules as validators: events come in time order, a start
starts 1 to the planned quantity, bookings never exceed the parts started, and a finish
books every part started. Nothing is accepted once done or cancelled. The time since the
last event is booked as running or paused, whichever the work order was, so that booked
time is wall time.
"""

from typing import Any

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed
from statemachine.states import States

from bespoke.model.errors import ConflictError, InputError
from bespoke.model.execution import FloorAction, FloorEvent, WorkOrderLedger, WorkOrderStatus

_DONE_TO_IT = {
    FloorAction.START: "started",
    FloorAction.PAUSE: "paused",
    FloorAction.RESUME: "resumed",
    FloorAction.BOOK: "booked",
    FloorAction.FINISH: "finished",
    FloorAction.CANCEL: "cancelled",
}
_CLOCK = {WorkOrderStatus.RUNNING: "running_s", WorkOrderStatus.PAUSED: "paused_s"}
"""The ledger's field that the time spent in each status goes to."""


def applied(ledger: WorkOrderLedger, event: FloorEvent) -> WorkOrderLedger:
    """The ledger after `event`. Refused with a `ConflictError` when the work order's status
    does not allow the action or the event is older than its last one, and with an
    `InputError` when its quantities do not fit; a refused event changes nothing."""
    machine = _WorkOrderMachine(ledger)
    try:
        machine.send(event.action.value, floor_event=event)
    except TransitionNotAllowed:
        raise ConflictError(_not_allowed(machine, event.action), path="action") from None
    changes = machine.changes | {"status": machine.current_state_value}
    return WorkOrderLedger.model_validate(ledger.model_dump() | changes)


def allowed_actions(ledger: WorkOrderLedger) -> list[FloorAction]:
    """The actions the work order's status allows (its terminal's buttons); their times and
    quantities are checked when they are sent."""
    return _WorkOrderMachine(ledger).actions()


class _WorkOrderMachine(StateMachine):
    """One work order's machine, started at its ledger's status. Its validators refuse an
    event before anything changes; its actions gather the ledger's changes in `changes`."""

    _ = States.from_enum(
        WorkOrderStatus,
        initial=WorkOrderStatus.READY,
        final=[WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED],
    )

    start = _.READY.to(_.RUNNING, validators=["in_time", "start_fits"])
    pause = _.RUNNING.to(_.PAUSED, validators="in_time")
    resume = _.PAUSED.to(_.RUNNING, validators="in_time")
    book = _.RUNNING.to.itself(validators=["in_time", "booking_fits"]) | _.PAUSED.to.itself(
        validators=["in_time", "booking_fits"]
    )
    finish = _.RUNNING.to(_.DONE, validators=["in_time", "booking_fits", "all_booked"]) | (
        _.PAUSED.to(_.DONE, validators=["in_time", "booking_fits", "all_booked"])
    )
    cancel = _.READY.to(_.CANCELLED, validators="in_time")

    def __init__(self, ledger: WorkOrderLedger) -> None:
        self.ledger = ledger
        self.changes: dict[str, Any] = {}
        super().__init__(start_value=ledger.status)

    def actions(self) -> list[FloorAction]:
        return [FloorAction(event.id) for event in self.allowed_events]

    # Validators: raise to refuse the event.

    def in_time(self, floor_event: FloorEvent) -> None:
        last = self.ledger.last_event_at
        if last is not None and floor_event.at < last:
            raise ConflictError(
                f"{floor_event.action} at {floor_event.at.isoformat()} is before the work"
                f" order's last event at {last.isoformat()}; events are accepted in time order",
                path="at",
            )

    def start_fits(self, floor_event: FloorEvent) -> None:
        quantity, planned = floor_event.quantity or 0, self.ledger.planned
        if not 1 <= quantity <= planned:
            raise InputError(
                f"quantity: {quantity} cannot be started; a start is 1 to the {planned} planned",
                path="quantity",
            )

    def booking_fits(self, floor_event: FloorEvent) -> None:
        ledger, good, scrap = self.ledger, floor_event.good, floor_event.scrap
        if ledger.booked + good + scrap > ledger.started:
            raise InputError(
                f"good, scrap: {good} good + {scrap} scrap would book"
                f" {ledger.booked + good + scrap} of the {ledger.started} parts started;"
                f" at most {ledger.started - ledger.booked} more can be booked",
                path="good",
            )

    def all_booked(self, floor_event: FloorEvent) -> None:
        ledger = self.ledger
        booked = ledger.booked + floor_event.good + floor_event.scrap
        if booked != ledger.started:
            raise InputError(
                f"good, scrap: finishing books every part started: {booked} of the"
                f" {ledger.started} started would be booked; book"
                f" {ledger.started - booked} more as good or scrap with the finish",
                path="good",
            )

    # Actions: gather the ledger's changes.

    def before_transition(self, source: State, floor_event: FloorEvent) -> None:
        """Book the time since the last event to the status the work order was in."""
        ledger, at = self.ledger, floor_event.at
        self.changes["last_event_at"] = at
        clock = _CLOCK.get(source.value)
        if clock is not None and ledger.last_event_at is not None:
            elapsed = (at - ledger.last_event_at).total_seconds()
            self.changes[clock] = round(getattr(ledger, clock) + elapsed, 6)

    def on_start(self, floor_event: FloorEvent) -> None:
        self.changes.update({"started": floor_event.quantity, "first_start_at": floor_event.at})

    def on_pause(self) -> None:
        self.changes.update({"pauses": self.ledger.pauses + 1})

    def on_book(self, floor_event: FloorEvent) -> None:
        self.changes.update(_booking(self.ledger, floor_event))

    def on_finish(self, floor_event: FloorEvent) -> None:
        self.changes.update(_booking(self.ledger, floor_event) | {"closed_at": floor_event.at})

    def on_cancel(self, floor_event: FloorEvent) -> None:
        self.changes.update({"closed_at": floor_event.at})


def _booking(ledger: WorkOrderLedger, event: FloorEvent) -> dict[str, Any]:
    """The ledger's counts with the event's good and scrap parts added."""
    by_reason = dict(ledger.scrap_by_reason)
    if event.scrap_reason is not None:
        by_reason[event.scrap_reason] = by_reason.get(event.scrap_reason, 0) + event.scrap
    return {
        "good": ledger.good + event.good,
        "scrap": ledger.scrap + event.scrap,
        "scrap_by_reason": by_reason,
    }


def _not_allowed(machine: _WorkOrderMachine, action: FloorAction) -> str:
    status, allowed = machine.current_state_value, machine.actions()
    if not allowed:
        return f"work order is {status}; nothing can be {_DONE_TO_IT[action]} after it is closed"
    return (
        f"work order is {status}; it cannot be {_DONE_TO_IT[action]} now, only:"
        f" {', '.join(allowed)}"
    )
