"""A work order's rules hold whatever operators send: random event sequences, valid and
invalid, at random times (going backwards too), driven through `applied`.

The test writes down once more which action each status allows, and after every event
checks that `applied` accepted exactly what the rules allow, that a refusal changed
nothing, and that the ledger's counts and times add up; at the end, that replaying the
accepted events gives the same ledger.
"""

from datetime import UTC, datetime, timedelta, timezone

import hypothesis
from hypothesis import given, settings
from hypothesis import strategies as st

from bespoke.execution.work_orders import applied
from bespoke.model.errors import ConflictError, InputError
from bespoke.model.execution import (
    FloorAction,
    FloorEvent,
    PauseReason,
    ScrapReason,
    WorkOrderLedger,
    WorkOrderStatus,
)

A = FloorAction
S = WorkOrderStatus
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
HOUR_US = 3600 * 10**6
ZONES = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]
NEXT = {
    (S.READY, A.START): S.RUNNING,
    (S.READY, A.CANCEL): S.CANCELLED,
    (S.RUNNING, A.PAUSE): S.PAUSED,
    (S.RUNNING, A.BOOK): S.RUNNING,
    (S.RUNNING, A.FINISH): S.DONE,
    (S.PAUSED, A.RESUME): S.RUNNING,
    (S.PAUSED, A.BOOK): S.PAUSED,
    (S.PAUSED, A.FINISH): S.DONE,
}
"""Where each allowed action takes a work order: the rules, written down once more."""
SEQUENCES = 1_000
"""Random sequences per run. Each event builds a state machine (about 1.5 ms): this many
sequences of up to 16 events take about 15 s on one core."""


def allowed_by_status(status: WorkOrderStatus) -> list[FloorAction]:
    return [action for (source, action) in NEXT if source is status]


def expected_refusal(ledger: WorkOrderLedger, event: FloorEvent) -> type[Exception] | None:
    """The error `event` must be refused with, or None when it must be accepted."""
    if (ledger.status, event.action) not in NEXT:
        return ConflictError
    if ledger.last_event_at is not None and event.at < ledger.last_event_at:
        return ConflictError
    if event.action is A.START and (event.quantity or 0) > ledger.planned:
        return InputError
    booked = ledger.good + ledger.scrap + event.good + event.scrap
    if event.action in (A.BOOK, A.FINISH) and booked > ledger.started:
        return InputError
    if event.action is A.FINISH and booked != ledger.started:
        return InputError
    return None


@st.composite
def floor_events(draw: st.DrawFn, ledger: WorkOrderLedger) -> FloorEvent:
    """An event for `ledger`: mostly an action its status allows (a cancel seldom, so that
    most work orders start), with quantities that fit
    or just do not, at a time mostly after its last event and sometimes before."""
    likely = [a for a in allowed_by_status(ledger.status) if a is not A.CANCEL]
    action = draw(st.sampled_from(likely * 3 + list(A)))
    when = draw(st.sampled_from(["before", "sub-second", "same", *["later"] * 7]))
    step_us = {
        "before": st.integers(-HOUR_US, -1),
        "sub-second": st.integers(1, 999_999),
        "same": st.just(0),
        "later": st.integers(1, 4 * HOUR_US),
    }[when]
    last = ledger.last_event_at or T0
    at = last + timedelta(microseconds=draw(step_us))
    fields: dict[str, object] = {}
    if action is A.START:
        fields["quantity"] = draw(st.integers(1, ledger.planned + 1))
    elif action is A.PAUSE:
        fields["pause_reason"] = draw(st.sampled_from(list(PauseReason)))
    elif action in (A.BOOK, A.FINISH):
        least = 1 if action is A.BOOK else 0
        remaining = max(ledger.started - ledger.good - ledger.scrap, least)
        total = draw(st.just(remaining) | st.integers(least, remaining + 1))
        scrap = draw(st.integers(0, total))
        fields |= {"good": total - scrap, "scrap": scrap}
        if scrap:
            fields["scrap_reason"] = draw(st.sampled_from(list(ScrapReason)))
    zone = draw(st.sampled_from(ZONES))
    return FloorEvent.model_validate({"action": action, "at": at.astimezone(zone)} | fields)


def check(ledger: WorkOrderLedger, accepted: list[FloorEvent]) -> None:
    """The ledger's counts and times add up, and its status is the accepted actions'."""
    assert ledger.good + ledger.scrap <= ledger.started <= ledger.planned
    assert sum(ledger.scrap_by_reason.values()) == ledger.scrap
    if ledger.status is S.DONE:
        assert ledger.good + ledger.scrap == ledger.started
        assert ledger.closed_at == ledger.last_event_at
    booked_s = ledger.running_s + ledger.paused_s
    if ledger.first_start_at is None:
        assert booked_s == 0
    else:
        assert ledger.last_event_at is not None
        wall_s = (ledger.last_event_at - ledger.first_start_at).total_seconds()
        assert abs(booked_s - wall_s) <= 1e-6, (booked_s, wall_s)
    status = S.READY
    for event in accepted:
        status = NEXT[(status, event.action)]
    assert ledger.status is status


@settings(max_examples=SEQUENCES, deadline=None)
@given(planned=st.integers(1, 12), events=st.integers(1, 16), data=st.data())
def test_work_orders_follow_their_rules(planned: int, events: int, data: st.DataObject) -> None:
    ledger = WorkOrderLedger(planned=planned)
    accepted: list[FloorEvent] = []
    for _ in range(events):
        event = data.draw(floor_events(ledger))
        before = ledger.model_copy(deep=True)
        expected = expected_refusal(ledger, event)
        try:
            ledger = applied(ledger, event)
        except (ConflictError, InputError) as error:
            assert type(error) is expected, (event, error)
            assert ledger == before
            if not ledger.open:
                break  # refused after closing: the sequence has nothing more to show
            continue
        assert expected is None, (before, event)
        assert before.open, "accepted after done or cancelled"
        accepted.append(event)
        check(ledger, accepted)
    hypothesis.event(f"ended {ledger.status}")
    replayed = WorkOrderLedger(planned=planned)
    for event in accepted:
        replayed = applied(replayed, event)
    assert replayed == ledger
