"""The live floor over HTTP: machines at a glance, the event stream, a machine's
timeline, KPIs checked against a hand computation, the feeds; makers kept out and bad
dates refused with the field named."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import Service

from bespoke.model.calendar import Calendar, MaintenanceWindow
from bespoke.model.execution import FloorAction
from bespoke.model.monitoring import Observation, Signal
from bespoke.services.shopfloor.monitoring import floor_monitor
from bespoke.services.shopfloor.terminal import FloorRequest, act
from bespoke.store.tables import MachineSpanRow, WorkOrderEventRow, WorkOrderRow

LASER = "fiber-laser-3015"
MILL = "mill-vmc-3axis"
ROUTER = "cnc-router-2513"
DAY = date(2026, 3, 2)  # a Monday: open 08:00-16:00 UTC by the default calendar


def at(hour: float, day: date = DAY) -> datetime:
    """`hour` o'clock of `day`, UTC without a zone, as stored."""
    return datetime(day.year, day.month, day.day) + timedelta(hours=hour)


def work_order(
    service: Service,
    machine: str,
    quantity: int,
    planned_s: int,
    status: str = "ready",
    **more: Any,
) -> int:
    with service.env.uow() as uow:
        row = WorkOrderRow(
            shop_id=1,
            key=f"test/{machine}/{quantity}/{status}",
            orders=[],
            operation="cut",
            name=f"parts on {machine}",
            process="any",
            machine=machine,
            family="f",
            quantity=quantity,
            planned_start=at(8),
            planned_end=at(9),
            planned_s=planned_s,
            instructions="",
            status=status,
            created_at=at(7),
            updated_at=at(7),
            **more,
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def booked(service: Service, work_order_id: int, moment: datetime, good: int, scrap: int) -> None:
    with service.env.uow() as uow:
        uow.session.add(
            WorkOrderEventRow(
                work_order_id=work_order_id, at=moment, action="book", good=good, scrap=scrap
            )
        )
        uow.commit()


def spans(service: Service, machine: str, *states: tuple[str, float, float]) -> None:
    with service.env.uow() as uow:
        for state, start, end in states:
            uow.session.add(
                MachineSpanRow(
                    shop_id=1, machine=machine, state=state, start=at(start), end=at(end), alarms=[]
                )
            )
        uow.commit()


def now_seen(machine: str, signal: Signal, value: str | float, **more: str) -> Observation:
    return Observation(
        machine=machine, item=signal.value, signal=signal, value=value, at=datetime.now(UTC), **more
    )


@pytest.fixture
def operator(service: Service) -> Iterator[httpx.Client]:
    with service.client("operator") as client:
        yield client


def test_every_machine_shows_its_state_alarms_and_work_under_way(
    service: Service, operator: httpx.Client
) -> None:
    running = work_order(service, ROUTER, 10, 600, "running", good=3, scrap=1)
    floor_monitor(service.env).keep(
        1,
        [
            now_seen(ROUTER, Signal.EXECUTION, "ACTIVE"),
            now_seen(ROUTER, Signal.ALARM, "WARNING", code="T12", message="tool wear"),
        ],
    )
    answer = operator.get("/api/floor/machines")
    assert answer.status_code == 200, answer.text
    machines = {m["machine"]: m for m in answer.json()}
    assert "moulding-partner" not in machines  # run by a partner, not on the floor
    router = machines[ROUTER]
    assert router["state"] == "running"
    assert [(a["code"], a["level"], a["message"]) for a in router["alarms"]] == [
        ("T12", "WARNING", "tool wear")
    ]
    assert router["work"]["id"] == running
    assert router["work"]["progress"] == pytest.approx(0.4)
    assert machines["press-brake-100t"]["state"] == "unavailable"
    assert machines["press-brake-100t"]["work"] is None


def events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) of a server-sent event stream, comments and retry skipped."""
    kind = None
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind is not None:
            yield kind, json.loads(line.removeprefix("data: "))
            kind = None


def test_the_stream_sends_states_then_each_change_and_work_moved(
    service: Service, operator: httpx.Client
) -> None:
    machines = len(operator.get("/api/floor/machines").json())
    ready = work_order(service, MILL, 5, 300)
    with operator.stream("GET", "/api/floor/stream", timeout=30) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        stream = events(answer.iter_lines())
        first = [next(stream) for _ in range(machines)]
        assert {kind for kind, _ in first} == {"state"}
        floor_monitor(service.env).keep(1, [now_seen(MILL, Signal.EXECUTION, "FEED_HOLD")])
        _, data = next(e for e in stream if e[0] == "state")
        assert (data["machine"], data["state"]) == (MILL, "stopped")
        account = operator.account  # type: ignore[attr-defined]
        act(service.env, account, ready, FloorRequest(action=FloorAction.START, quantity=5))
        _, data = next(e for e in stream if e[0] == "work")
        assert (data["id"], data["status"], data["action"]) == (ready, "running", "start")


def test_the_stream_and_the_machines_are_for_the_shop_staff_only(service: Service) -> None:
    with service.client("maker") as maker:
        for path in ("/api/floor/machines", "/api/floor/stream", "/api/floor/kpis"):
            answer = maker.get(path)
            assert answer.status_code == 403, path
            assert answer.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{service.url}/api/floor/stream").status_code == 401


def test_a_timeline_lists_the_spans_and_seconds_in_each_state(
    service: Service, operator: httpx.Client
) -> None:
    day = date(2026, 2, 2)
    with service.env.uow() as uow:
        for state, start, end in (("running", 8, 10), ("idle", 10, 11)):
            uow.session.add(
                MachineSpanRow(
                    shop_id=1,
                    machine="waterjet-4020",
                    state=state,
                    start=at(start, day),
                    end=at(end, day),
                    alarms=[],
                )
            )
        uow.commit()
    answer = operator.get(
        "/api/floor/machines/waterjet-4020/timeline",
        params={"start": "2026-02-02T09:00:00Z", "end": "2026-02-02T12:00:00Z"},
    )
    assert answer.status_code == 200, answer.text
    timeline = answer.json()
    assert [s["state"] for s in timeline["spans"]] == ["running", "idle"]
    assert timeline["seconds"]["running"] == 3600 and timeline["seconds"]["idle"] == 3600
    assert operator.get("/api/floor/machines/no-such/timeline").status_code == 404


def test_kpis_of_a_day_match_a_hand_computation(service: Service, operator: httpx.Client) -> None:
    calendar = Calendar(
        maintenance=[MaintenanceWindow(machine=MILL, start=at(12), end=at(14))]
    ).model_dump(mode="json")
    assert operator.put("/api/shop/calendar", json=calendar).status_code == 200
    # laser: running 4 h, stopped 1 h, idle 1 h, running 4 h of which 2 h in open hours
    spans(service, LASER, ("running", 8, 12), ("stopped", 12, 13), ("idle", 13, 14))
    spans(service, LASER, ("running", 14, 18))
    laser = work_order(service, LASER, 60, 3600)  # 60 s a part
    booked(service, laser, at(11), 300, 20)
    booked(service, laser, at(17), 30, 0)
    booked(service, laser, at(9, DAY + timedelta(days=1)), 100, 0)  # the next day
    # mill: 2 h of maintenance planned at noon; running through it counts only outside
    spans(service, MILL, ("running", 8, 10), ("stopped", 10, 11), ("running", 11, 16))
    mill = work_order(service, MILL, 10, 600)
    booked(service, mill, at(15), 250, 0)

    answer = operator.get("/api/floor/kpis", params={"day": DAY.isoformat()})
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    machines = {m["machine"]: m for m in figures["machines"]}
    laser_kpis = machines[LASER]
    assert laser_kpis["elements"]["pbt"] == 8 * 3600
    assert laser_kpis["elements"]["apt"] == 6 * 3600
    assert laser_kpis["elements"]["adet"] == 3600
    assert (laser_kpis["elements"]["pq"], laser_kpis["elements"]["sq"]) == (350, 20)
    assert laser_kpis["kpis"]["availability"] == pytest.approx(0.75)
    assert laser_kpis["kpis"]["effectiveness"] == pytest.approx(60 * 350 / 21600)
    assert laser_kpis["kpis"]["quality_ratio"] == pytest.approx(330 / 350)
    assert laser_kpis["kpis"]["oee_index"] == pytest.approx(0.6875)
    mill_kpis = machines[MILL]
    assert mill_kpis["elements"]["pbt"] == 6 * 3600
    assert mill_kpis["elements"]["apt"] == 5 * 3600
    assert mill_kpis["kpis"]["oee_index"] == pytest.approx(5 / 6 * (60 * 250 / 18000) * 1.0)
    # rolled up: ratios of the sums, every machine's planned time counted
    pbt = 8 * 3600 * (len(machines) - 1) + 6 * 3600
    shop = figures["shop"]
    assert figures["elements"]["pbt"] == pbt
    assert shop["availability"] == pytest.approx(11 * 3600 / pbt)
    assert shop["effectiveness"] == pytest.approx(60 * 600 / (11 * 3600))
    assert shop["quality_ratio"] == pytest.approx(580 / 600)

    morning = operator.get(
        "/api/floor/kpis", params={"day": DAY.isoformat(), "shift": "08:00-16:00"}
    )
    assert morning.status_code == 200, morning.text
    assert morning.json()["machines"][0]["elements"]["period"] == 8 * 3600


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/floor/kpis", {"day": "2026-13-01"}, 422, "query.day"),
        ("/api/floor/kpis", {"day": "yesterday"}, 422, "query.day"),
        ("/api/floor/kpis", {"day": "2999-01-01"}, 422, "day"),
        ("/api/floor/kpis", {"day": "1999-01-01"}, 422, "day"),
        ("/api/floor/kpis", {"days": "0"}, 422, "query.days"),
        ("/api/floor/kpis", {"shift": "night"}, 422, "shift"),
        ("/api/floor/machines/mill-vmc-3axis/timeline", {"start": "soon"}, 422, "query.start"),
        (
            "/api/floor/machines/mill-vmc-3axis/timeline",
            {"start": "2026-03-02T10:00:00Z", "end": "2026-03-02T09:00:00Z"},
            422,
            "end",
        ),
        (
            "/api/floor/machines/mill-vmc-3axis/timeline",
            {"start": "2026-01-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"},
            422,
            "start",
        ),
    ],
)
def test_bad_dates_are_refused_naming_the_field(
    operator: httpx.Client, path: str, params: dict[str, str], status: int, field: str
) -> None:
    answer = operator.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert field in [e["path"] for e in answer.json()["errors"]]


def test_feeds_are_kept_in_the_shop_settings_and_checked(
    service: Service, operator: httpx.Client
) -> None:
    feeds = [
        {"kind": "mqtt", "host": "broker.local"},
        {
            "kind": "shdr",
            "host": "10.0.0.7",
            "device": "VMC",
            "machine": MILL,
            "probe_url": "http://10.0.0.7:5000/probe",
        },
        {"kind": "agent", "url": "http://10.0.0.8:5000", "machines": {"Mazak": LASER}},
    ]
    answer = operator.put("/api/floor/feeds", json=feeds)
    assert answer.status_code == 200, answer.text
    assert [f["kind"] for f in operator.get("/api/floor/feeds").json()] == ["mqtt", "shdr", "agent"]
    assert operator.get("/api/floor/feeds").json()[0]["port"] == 1883
    assert operator.get("/api/floor/machines").status_code == 200  # the catalog still reads
    bad = operator.put("/api/floor/feeds", json=[{"kind": "shdr", "host": "h", "port": 70000}])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"].startswith("feeds.0.shdr.port")
    assert operator.put("/api/floor/feeds", json=[]).status_code == 200
