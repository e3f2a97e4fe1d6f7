"""A work order's life on the floor: worked cases of each action and each refusal."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from bespoke.execution.work_orders import allowed_actions, applied
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
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(action: FloorAction, minutes: float, **fields: Any) -> FloorEvent:
    return FloorEvent(action=action, at=at(minutes), **fields)


def run(planned: int, *events: FloorEvent) -> WorkOrderLedger:
    ledger = WorkOrderLedger(planned=planned)
    for each in events:
        ledger = applied(ledger, each)
    return ledger


def started(planned: int = 10, quantity: int = 10) -> WorkOrderLedger:
    return run(planned, event(A.START, 0, quantity=quantity))


def finished() -> WorkOrderLedger:
    return run(4, event(A.START, 0, quantity=4), event(A.FINISH, 30, good=4))


def test_a_new_work_order_may_be_started_or_cancelled() -> None:
    ledger = WorkOrderLedger(planned=10)
    assert ledger.status is S.READY and ledger.open and ledger.shortfall == 10
    assert allowed_actions(ledger) == [A.START, A.CANCEL]


def test_start_takes_its_quantity_and_time() -> None:
    ledger = started(planned=10, quantity=6)
    assert ledger.status is S.RUNNING
    assert (ledger.started, ledger.first_start_at, ledger.last_event_at) == (6, T0, T0)
    assert (ledger.running_s, ledger.paused_s) == (0, 0)
    assert allowed_actions(ledger) == [A.PAUSE, A.BOOK, A.FINISH]


def test_pause_with_its_reason_books_the_running_time() -> None:
    ledger = applied(started(), event(A.PAUSE, 45, pause_reason=PauseReason.MATERIAL))
    assert ledger.status is S.PAUSED
    assert (ledger.running_s, ledger.paused_s, ledger.pauses) == (45 * 60, 0, 1)
    assert allowed_actions(ledger) == [A.RESUME, A.BOOK, A.FINISH]


def test_resume_books_the_paused_time() -> None:
    ledger = run(
        10,
        event(A.START, 0, quantity=10),
        event(A.PAUSE, 45, pause_reason=PauseReason.BREAKDOWN),
        event(A.RESUME, 75),
    )
    assert ledger.status is S.RUNNING
    assert (ledger.running_s, ledger.paused_s, ledger.pauses) == (45 * 60, 30 * 60, 1)


def test_partial_bookings_add_up_while_running_or_paused() -> None:
    ledger = run(
        10,
        event(A.START, 0, quantity=10),
        event(A.BOOK, 20, good=3),
        event(A.PAUSE, 30, pause_reason=PauseReason.QUALITY),
        event(A.BOOK, 40, good=1, scrap=2, scrap_reason=ScrapReason.DIMENSION),
    )
    assert ledger.status is S.PAUSED
    assert (ledger.good, ledger.scrap, ledger.booked) == (4, 2, 6)
    assert ledger.scrap_by_reason == {ScrapReason.DIMENSION: 2}
    assert (ledger.running_s, ledger.paused_s) == (30 * 60, 10 * 60)


def test_finish_with_scrap_closes_the_work_order_and_its_time() -> None:
    ledger = run(
        10,
        event(A.START, 0, quantity=10),
        event(A.BOOK, 20, good=5, scrap=1, scrap_reason=ScrapReason.SETUP),
        event(A.PAUSE, 30, pause_reason=PauseReason.TOOLING),
        event(A.RESUME, 35),
        event(A.FINISH, 60, good=3, scrap=1, scrap_reason=ScrapReason.SETUP),
    )
    assert ledger.status is S.DONE and not ledger.open
    assert (ledger.good, ledger.scrap, ledger.shortfall) == (8, 2, 2)
    assert ledger.scrap_by_reason == {ScrapReason.SETUP: 2}
    assert ledger.closed_at == ledger.last_event_at == at(60)
    assert (ledger.running_s, ledger.paused_s) == (55 * 60, 5 * 60)
    assert allowed_actions(ledger) == []


def test_a_partial_start_finishes_short_of_the_plan() -> None:
    ledger = run(10, event(A.START, 0, quantity=4), event(A.FINISH, 10, good=4))
    assert (ledger.status, ledger.started, ledger.good, ledger.shortfall) == (S.DONE, 4, 4, 6)


def test_cancel_closes_a_work_order_that_never_started() -> None:
    ledger = run(10, event(A.CANCEL, 5, note="customer changed the design"))
    assert ledger.status is S.CANCELLED and not ledger.open
    assert (ledger.closed_at, ledger.first_start_at, ledger.running_s) == (at(5), None, 0)
    assert allowed_actions(ledger) == []


def refused(ledger: WorkOrderLedger, floor_event: FloorEvent, kind: type[Exception]) -> str:
    """The message `floor_event` is refused with, after checking it changed nothing."""
    before = ledger.model_copy(deep=True)
    with pytest.raises(kind) as error:
        applied(ledger, floor_event)
    assert ledger == before
    return str(error.value)


def test_nothing_is_booked_after_the_work_order_is_closed() -> None:
    message = refused(finished(), event(A.BOOK, 40, good=1), ConflictError)
    assert message == "work order is done; nothing can be booked after it is closed"


def test_a_finished_work_order_is_not_resumed() -> None:
    message = refused(finished(), event(A.RESUME, 40), ConflictError)
    assert message == "work order is done; nothing can be resumed after it is closed"


def test_a_cancelled_work_order_is_not_started() -> None:
    message = refused(run(3, event(A.CANCEL, 0)), event(A.START, 1, quantity=1), ConflictError)
    assert message == "work order is cancelled; nothing can be started after it is closed"


def test_a_work_order_is_started_once() -> None:
    message = refused(started(), event(A.START, 5, quantity=10), ConflictError)
    assert message == "work order is running; it cannot be started now, only: pause, book, finish"


def test_a_work_order_that_has_not_started_books_nothing() -> None:
    message = refused(WorkOrderLedger(planned=3), event(A.BOOK, 0, good=1), ConflictError)
    assert message == "work order is ready; it cannot be booked now, only: start, cancel"


def test_finish_books_every_part_started() -> None:
    ledger = applied(started(quantity=10), event(A.BOOK, 5, good=4))
    message = refused(ledger, event(A.FINISH, 10, good=3), InputError)
    assert message == (
        "good, scrap: finishing books every part started: 7 of the 10 started would be"
        " booked; book 3 more as good or scrap with the finish"
    )


def test_bookings_never_exceed_the_parts_started() -> None:
    ledger = applied(started(planned=10, quantity=5), event(A.BOOK, 5, good=4))
    message = refused(ledger, event(A.BOOK, 10, good=1, scrap=1, scrap_reason="other"), InputError)
    assert message == (
        "good, scrap: 1 good + 1 scrap would book 6 of the 5 parts started;"
        " at most 1 more can be booked"
    )
    refused(ledger, event(A.FINISH, 10, good=2), InputError)


def test_start_is_one_to_the_planned_quantity() -> None:
    message = refused(WorkOrderLedger(planned=3), event(A.START, 0, quantity=4), InputError)
    assert message == "quantity: 4 cannot be started; a start is 1 to the 3 planned"


def test_events_come_in_time_order() -> None:
    ledger = applied(started(), event(A.PAUSE, 30, pause_reason=PauseReason.BREAK))
    message = refused(ledger, event(A.RESUME, 29), ConflictError)
    assert message == (
        "resume at 2026-03-02T08:29:00+00:00 is before the work order's last event at"
        " 2026-03-02T08:30:00+00:00; events are accepted in time order"
    )
    assert applied(ledger, event(A.RESUME, 30)).paused_s == 0


def test_times_in_other_zones_compare_as_instants() -> None:
    an_hour_later_in_berlin = at(60).astimezone(timezone(timedelta(hours=1)))
    pause = FloorEvent(action=A.PAUSE, at=an_hour_later_in_berlin, pause_reason="shift_end")
    assert applied(started(), pause).running_s == 3600


@pytest.mark.parametrize(
    ("fields", "wrong"),
    [
        ({"action": A.BOOK, "good": 1, "scrap": 1}, "scrap_reason"),
        ({"action": A.BOOK, "good": 1, "scrap_reason": ScrapReason.OTHER}, "scrap_reason"),
        ({"action": A.BOOK}, "at least one part"),
        ({"action": A.PAUSE}, "pause_reason"),
        ({"action": A.RESUME, "pause_reason": PauseReason.SETUP}, "pause_reason"),
        ({"action": A.START}, "quantity"),
        ({"action": A.START, "quantity": 0}, "quantity"),
        ({"action": A.FINISH, "quantity": 3}, "quantity"),
        ({"action": A.PAUSE, "pause_reason": "break", "good": 2}, "only book and finish"),
        ({"action": A.BOOK, "good": 1_000_001}, "good"),
        ({"action": A.BOOK, "good": -1}, "good"),
        ({"action": A.CANCEL, "note": "x" * 2001}, "note"),
        ({"action": A.CANCEL, "note": "a\x00b"}, "NUL"),
    ],
)
def test_an_event_carries_what_its_action_needs(fields: dict[str, Any], wrong: str) -> None:
    with pytest.raises(ValidationError, match=wrong):
        FloorEvent(at=T0, **fields)


def test_an_event_time_has_a_zone() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        FloorEvent(action=A.RESUME, at=datetime(2026, 3, 2, 8, 0))


def test_a_ledger_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(ValidationError, match="started"):
        WorkOrderLedger(planned=3, started=4, status=S.RUNNING, first_start_at=T0)
    with pytest.raises(ValidationError, match="scrap_by_reason"):
        WorkOrderLedger(planned=3, started=3, scrap=1, status=S.RUNNING, first_start_at=T0)
    with pytest.raises(ValidationError, match="first_start_at"):
        WorkOrderLedger(planned=3, status=S.RUNNING)
    with pytest.raises(ValidationError, match="closed_at"):
        WorkOrderLedger(planned=3, status=S.CANCELLED)


def test_a_ledger_round_trips_through_json() -> None:
    ledger = run(
        5,
        event(A.START, 0, quantity=5),
        event(A.FINISH, 9.5, good=4, scrap=1, scrap_reason=ScrapReason.HANDLING),
    )
    assert WorkOrderLedger.model_validate_json(ledger.model_dump_json()) == ledger
