"""A machine standing (unavailable, or stopped with a fault) longer than the shop's alert
time, with work scheduled on it, is proposed to be scheduled without."""

from datetime import UTC, datetime, timedelta

from bespoke.model.monitoring import AlarmLevel, MachineState
from bespoke.services.shopfloor.machines import PROPOSED_HOURS, proposal
from bespoke.services.shopfloor.monitoring import AlarmView, MachineLive

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ALERT_S = 15 * 60


def live(state: MachineState, minutes: float | None, *alarms: AlarmView) -> MachineLive:
    since = None if minutes is None else NOW - timedelta(minutes=minutes)
    return MachineLive(
        machine="laser",
        state=state,
        since=since,
        alarms=list(alarms),
        parts_made=0,
        last_at=since,
    )


def fault(level: AlarmLevel) -> AlarmView:
    return AlarmView(code="E7", item="servo", level=level, message=None, since=NOW)


def test_a_machine_unavailable_past_the_alert_time_is_proposed_out() -> None:
    proposed = proposal(live(MachineState.UNAVAILABLE, 20), 3, ALERT_S, NOW)
    assert proposed is not None
    assert (proposed.machine, proposed.hours) == ("laser", PROPOSED_HOURS)
    assert proposed.reason == "unavailable since Mon 11:40 UTC (no data)"


def test_a_stopped_machine_is_proposed_out_only_for_a_fault() -> None:
    faulted = proposal(live(MachineState.STOPPED, 30, fault(AlarmLevel.FAULT)), 1, ALERT_S, NOW)
    assert faulted is not None and "(E7)" in faulted.reason
    warned = live(MachineState.STOPPED, 30, fault(AlarmLevel.WARNING))
    assert proposal(warned, 1, ALERT_S, NOW) is None


def test_no_proposal_before_the_alert_time_without_work_or_without_a_report() -> None:
    assert proposal(live(MachineState.UNAVAILABLE, 10), 3, ALERT_S, NOW) is None
    assert proposal(live(MachineState.UNAVAILABLE, 20), 0, ALERT_S, NOW) is None
    assert proposal(live(MachineState.UNAVAILABLE, None), 3, ALERT_S, NOW) is None
    assert proposal(live(MachineState.IDLE, 600), 3, ALERT_S, NOW) is None
