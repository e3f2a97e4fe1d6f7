"""ISO 22400-2 KPIs on cases worked by hand, roll-ups weighted by their denominators,
zero denominators, the time elements built from timelines, and delivery KPIs."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bespoke.model.monitoring import MachineState, StateSpan
from bespoke.monitoring.delivery import OrderDates, delivery_kpis
from bespoke.monitoring.elements import Booking, from_downtime, from_spans
from bespoke.monitoring.kpis import KpiInput, Kpis, kpis, rolled_up, summed
from bespoke.monitoring.timeline import Interval

DAY = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = 3600.0


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def between(start: float, end: float) -> Interval:
    return Interval(at(start), at(end))


SHIFT = between(6, 14)
BREAK = between(12, 12.5)
AFTER = at(20)
# 400 parts at 45 s planned each, 12 of them scrap.
PARTS = Booking(produced=400, scrap=12, pri=45)


def four(kpi: Kpis) -> tuple[float | None, ...]:
    values = (kpi.availability, kpi.effectiveness, kpi.quality_ratio, kpi.oee_index)
    return tuple(None if v is None else round(v, 4) for v in values)


def test_a_shift_with_a_break_and_two_overlapping_breakdowns() -> None:
    # Shift 06:00-14:00 (8 h), planned break 12:00-12:30: PBT = 7.5 h = 27 000 s.
    # Breakdowns 10:00-11:00 and 10:30-11:30 overlap: down 10:00-11:30 = 1.5 h, not 2 h.
    # APT = 7.5 h - 1.5 h = 6 h = 21 600 s.
    # Availability = APT / PBT = 21 600 / 27 000 = 0.8
    # Effectiveness = PRI x PQ / APT = 45 x 400 / 21 600 = 18 000 / 21 600 = 0.8333
    # Quality ratio = GQ / PQ = (400 - 12) / 400 = 0.97
    # OEE index = 0.8 x 0.83333 x 0.97 = 0.64667
    elements = from_downtime(
        period=SHIFT,
        planned=[SHIFT],
        planned_downtime=[BREAK],
        unplanned_downtime=[between(10, 11), between(10.5, 11.5)],
        bookings=[PARTS],
        now=AFTER,
    )
    assert (elements.pbt, elements.apt, elements.adet) == (27_000, 21_600, 5_400)
    assert (elements.pq, elements.gq, elements.sq) == (400, 388, 12)
    assert four(kpis(elements)) == (0.8, 0.8333, 0.97, 0.6467)
    # Utilisation: 6 h produced of the 8 h period. Technical efficiency 6 / (6 + 1.5).
    result = kpis(elements)
    assert result.utilisation == pytest.approx(0.75)
    assert result.technical_efficiency == pytest.approx(0.8)
    assert result.scrap_ratio == pytest.approx(0.03)


def test_the_same_shift_from_the_machines_state_spans() -> None:
    # Running 06:00-10:00, stopped 10:00-11:30, running 11:30-12:00, idle through the
    # break, running 12:30 on (open): APT = 4 + 0.5 + 1.5 = 6 h, ADET = 1.5 h, as above.
    def span(state: MachineState, start: float, end: float | None) -> StateSpan:
        return StateSpan(
            machine="m", state=state, start=at(start), end=None if end is None else at(end)
        )

    spans = [
        span(MachineState.RUNNING, 6, 10),
        span(MachineState.STOPPED, 10, 11.5),
        span(MachineState.RUNNING, 11.5, 12),
        span(MachineState.IDLE, 12, 12.5),
        span(MachineState.RUNNING, 12.5, None),
    ]
    elements = from_spans(
        spans, period=SHIFT, planned=[SHIFT], planned_downtime=[BREAK], bookings=[PARTS], now=AFTER
    )
    assert (elements.pbt, elements.apt, elements.adet) == (27_000, 21_600, 5_400)
    assert four(kpis(elements)) == (0.8, 0.8333, 0.97, 0.6467)
    # Utilisation efficiency = APT / AUBT = 6 / (6 + 1.5) = 0.8; no setup booked.
    assert kpis(elements).utilisation_efficiency == pytest.approx(0.8)
    assert kpis(elements).setup_rate == 0


def test_a_breakdown_during_the_planned_break_costs_nothing() -> None:
    # Down 11:45-12:15; the break is 12:00-12:30: only 11:45-12:00 (900 s) is in PBT.
    elements = from_downtime(
        period=SHIFT,
        planned=[SHIFT],
        planned_downtime=[BREAK],
        unplanned_downtime=[between(11.75, 12.25)],
        now=AFTER,
    )
    assert (elements.pbt, elements.apt) == (27_000, 26_100)
    assert kpis(elements).availability == pytest.approx(26_100 / 27_000)


def test_overlapping_planned_windows_and_breaks_count_once() -> None:
    # Windows 06-14 and 13-15 -> 06-15 (9 h); breaks 12-12.5 and 12.25-12.75 -> 0.75 h.
    elements = from_downtime(
        period=between(0, 24),
        planned=[SHIFT, between(13, 15)],
        planned_downtime=[BREAK, between(12.25, 12.75)],
        now=AFTER,
    )
    assert elements.pbt == 8.25 * HOUR


def test_a_shift_under_way_is_measured_up_to_now() -> None:
    # At 10:00, 4 h of the shift have gone, all running: availability 1, not 0.5.
    running = StateSpan(machine="m", state=MachineState.RUNNING, start=at(5))
    elements = from_spans([running], period=SHIFT, planned=[SHIFT], now=at(10))
    assert (elements.period, elements.pbt, elements.apt) == (4 * HOUR, 4 * HOUR, 4 * HOUR)
    assert kpis(elements).availability == 1


def test_a_roll_up_weighs_each_machine_by_its_own_time_and_quantities() -> None:
    # Machine A: PBT 10 h, APT 9 h (availability 0.9), 1000 parts at 30 s, 990 good.
    # Machine B: PBT 2 h, APT 1 h (availability 0.5), 10 parts at 60 s, 5 good.
    # Averaging ratios would give availability (0.9 + 0.5) / 2 = 0.7 and quality
    # (0.99 + 0.5) / 2 = 0.745. Summed: availability 10 h / 12 h = 0.8333; quality
    # 995 / 1010 = 0.9851; effectiveness (30 000 + 600) / (32 400 + 3 600) = 0.85;
    # OEE 0.83333 x 0.85 x 0.98515 = 0.6978.
    a = KpiInput(period=24 * HOUR, pbt=10 * HOUR, apt=9 * HOUR, pri=30, pq=1000, gq=990)
    b = KpiInput(period=24 * HOUR, pbt=2 * HOUR, apt=1 * HOUR, pri=60, pq=10, gq=5)
    result = rolled_up([a, b])
    assert four(result) == (0.8333, 0.85, 0.9851, 0.6978)
    averaged = sum(k.availability or 0 for k in (kpis(a), kpis(b))) / 2
    assert averaged == pytest.approx(0.7) and result.availability != pytest.approx(averaged)
    # The sums keep PRI x PQ: PRI is the PQ-weighted mean (30 x 1000 + 60 x 10) / 1010.
    total = summed([a, b])
    assert total.pri * total.pq == pytest.approx(30_600)


def test_zero_denominators_give_none() -> None:
    assert kpis(KpiInput()) == Kpis(
        availability=None,
        effectiveness=None,
        quality_ratio=None,
        oee_index=None,
        utilisation_efficiency=None,
        technical_efficiency=None,
        setup_rate=None,
        scrap_ratio=None,
        utilisation=None,
    )
    assert rolled_up([]) == kpis(KpiInput())
    # Planned but never ran: availability 0, effectiveness and OEE unknown.
    idle = kpis(KpiInput(period=HOUR, pbt=HOUR))
    assert (idle.availability, idle.effectiveness, idle.oee_index) == (0, None, None)
    # Ran but made nothing: effectiveness 0, quality unknown.
    ran = kpis(KpiInput(period=HOUR, pbt=HOUR, apt=HOUR, pri=30))
    assert (ran.effectiveness, ran.quality_ratio) == (0, None)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"period": HOUR, "pbt": HOUR, "apt": 2 * HOUR}, "APT"),
        ({"period": HOUR, "pbt": 2 * HOUR}, "PBT"),
        ({"pq": 10, "gq": 8, "sq": 3}, "produced quantity"),
        ({"apt": -1}, "greater than or equal"),
        ({"period": float("nan")}, "finite"),
    ],
)
def test_impossible_elements_are_refused(fields: dict[str, float], says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        KpiInput.model_validate(fields)


def test_a_booking_scraps_no_more_than_it_made() -> None:
    with pytest.raises(ValidationError, match="exceed the parts produced"):
        Booking(produced=5, scrap=4, rework=2, pri=10)


def test_times_without_a_zone_are_refused() -> None:
    naive = Interval(datetime(2026, 3, 2, 6), datetime(2026, 3, 2, 14))
    with pytest.raises(ValueError, match="no time zone"):
        from_downtime(period=naive, planned=[naive], now=AFTER)


STATES = st.sampled_from(list(MachineState))
MINUTES = st.integers(min_value=0, max_value=24 * 60)


@st.composite
def timelines(draw: st.DrawFn) -> list[StateSpan]:
    """Back-to-back spans of random states and lengths from a random start."""
    start = at(draw(st.integers(min_value=0, max_value=600)) / 60)
    spans = []
    for state, minutes in draw(st.lists(st.tuples(STATES, MINUTES), max_size=12)):
        end = start + timedelta(minutes=minutes)
        spans.append(StateSpan(machine="m", state=state, start=start, end=end))
        start = end
    return spans


def windows() -> st.SearchStrategy[list[Interval]]:
    """Random (overlapping, even backwards) windows over two days."""
    return st.lists(
        st.tuples(MINUTES, MINUTES).map(lambda m: Interval(at(m[0] / 60), at(m[1] / 30))),
        max_size=6,
    )


@st.composite
def bookings(draw: st.DrawFn) -> Booking:
    produced = draw(st.integers(min_value=0, max_value=10_000))
    scrap = draw(st.integers(min_value=0, max_value=produced))
    rework = draw(st.integers(min_value=0, max_value=produced - scrap))
    pri = draw(st.floats(min_value=0, max_value=3_600))
    return Booking(produced=produced, scrap=scrap, rework=rework, pri=pri)


def within_one(*values: float | None) -> bool:
    return all(v is None or 0 <= v <= 1 for v in values)


@settings(max_examples=300, deadline=None)
@given(
    spans=timelines(),
    planned=windows(),
    breaks=windows(),
    breakdowns=windows(),
    booked=st.lists(bookings(), max_size=4),
    now_minute=st.integers(min_value=0, max_value=3 * 24 * 60),
)
def test_availability_and_quality_stay_within_0_and_1(
    spans: list[StateSpan],
    planned: list[Interval],
    breaks: list[Interval],
    breakdowns: list[Interval],
    booked: list[Booking],
    now_minute: int,
) -> None:
    period, now = between(0, 48), at(now_minute / 60)
    observed = from_spans(
        spans, period=period, planned=planned, planned_downtime=breaks, bookings=booked, now=now
    )
    logged = from_downtime(
        period=period,
        planned=planned,
        planned_downtime=breaks,
        unplanned_downtime=breakdowns,
        bookings=booked,
        now=now,
    )
    for elements in (observed, logged):
        result = kpis(elements)
        assert within_one(result.availability, result.quality_ratio, result.utilisation)
        assert within_one(result.utilisation_efficiency, result.technical_efficiency)
        assert all(v is None or v >= 0 for v in result.model_dump().values())
    together = rolled_up([observed, logged])
    assert within_one(together.availability, together.quality_ratio)


def test_delivery_kpis_over_a_month() -> None:
    def order(placed: float, promised: float, finished: float | None) -> OrderDates:
        days = [DAY + timedelta(days=d) for d in (placed, promised)]
        done = None if finished is None else DAY + timedelta(days=finished)
        return OrderDates(placed=days[0], promised=days[1], finished=done)

    month = Interval(DAY, DAY + timedelta(days=30))
    orders = [
        order(0, 10, 8),  # on time: 8 days taken, 10 promised
        order(2, 6, 9),  # late: 7 days taken, 4 promised
        order(5, 40, None),  # in progress
        order(20, 25, 35),  # finished after the period: in progress at its end
        order(-20, -5, -6),  # finished before the period: not counted
        order(31, 40, None),  # placed after the period: not counted
    ]
    result = delivery_kpis(orders, month)
    # On time 1 of 2; lead times (8 + 7) / 2 = 7.5 days against (10 + 4) / 2 = 7 days.
    assert (result.finished, result.on_time, result.on_time_delivery) == (2, 1, 0.5)
    assert result.work_in_progress == 2
    assert result.actual_lead_time == 7.5 * 86_400
    assert result.promised_lead_time == 7 * 86_400
    assert result.lead_time_ratio == pytest.approx(15 / 14)


def test_delivery_kpis_without_finished_orders_are_none() -> None:
    result = delivery_kpis([], Interval(DAY, DAY + timedelta(days=1)))
    assert (result.on_time_delivery, result.actual_lead_time, result.lead_time_ratio) == (
        None,
        None,
        None,
    )


def test_an_order_promised_before_it_was_placed_is_refused() -> None:
    with pytest.raises(ValidationError, match="promised"):
        OrderDates(placed=DAY, promised=DAY - timedelta(days=1))
