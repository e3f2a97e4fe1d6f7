"""The floor monitor against a real database: observations kept raw, the state timeline
kept span by span, a restart going on from the stored state, and old readings rolled up
into hours with the right figures."""

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from bespoke.adapters.feeds import FeedStats, Sink
from bespoke.adapters.mtconnect import AgentReplayServer, ShdrReplayServer
from bespoke.model.monitoring import MachineState, Observation, Signal
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Environment, Settings, open_environment
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.shopfloor.feed_settings import set_feeds
from bespoke.services.shopfloor.monitoring import FloorMonitor, floor_monitor
from bespoke.services.shopfloor.retention import compact
from bespoke.services.shopfloor.watching import watch, watch_floor
from bespoke.store.tables import MachineSpanRow, ObservationHourRow, ObservationRow

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
LASER = "fiber-laser-3015"
MILL = "mill-vmc-3axis"


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Environment]:
    url = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_url")
        name = f"floor_{uuid.uuid4().hex[:10]}"
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        url = server.rsplit("/", 1)[0] + f"/{name}"
    environment = open_environment(Settings(data_dir=tmp_path, database_url=url))
    ensure_shop(environment, "main", "Main workshop")
    yield environment


def seen(
    machine: str, signal: Signal, value: float | str | None, minutes: float, **more: str
) -> Observation:
    return Observation(
        machine=machine,
        item=more.pop("item", signal.value),
        signal=signal,
        value=value,
        at=T0 + timedelta(minutes=minutes),
        **more,
    )


def spans_of(env: Environment, machine: str) -> list[tuple[str, datetime, datetime | None]]:
    with env.uow() as uow:
        rows = uow.session.scalars(
            select(MachineSpanRow)
            .where(MachineSpanRow.machine == machine)
            .order_by(MachineSpanRow.start)
        ).all()
        return [(r.state, r.start, r.end) for r in rows]


def naive(minutes: float) -> datetime:
    return (T0 + timedelta(minutes=minutes)).replace(tzinfo=None)


def test_observations_are_kept_raw_with_numbers_and_text_apart(env: Environment) -> None:
    monitor = FloorMonitor(env)
    kept = monitor.keep(
        1,
        [
            seen(LASER, Signal.EXECUTION, "ACTIVE", 0),
            seen(LASER, Signal.SAMPLE, 41.5, 0, item="Sload"),
            seen(LASER, Signal.PROGRAM, None, 0),
            seen(LASER, Signal.ALARM, "FAULT", 1, code="E42", message="door open"),
            seen("no-such-machine", Signal.EXECUTION, "ACTIVE", 1),
        ],
    )
    assert kept == 4
    with env.uow() as uow:
        rows = uow.session.scalars(select(ObservationRow).order_by(ObservationRow.id)).all()
    assert [(r.item, r.number, r.text, r.code) for r in rows] == [
        ("execution", None, "ACTIVE", None),
        ("Sload", 41.5, None, None),
        ("program", None, None, None),
        ("alarm", None, "FAULT", "E42"),
    ]
    assert rows[0].at == naive(0)
    assert monitor.refused(1)["machine not in the shop"] == 1


def test_each_change_of_state_closes_the_open_span_and_opens_the_next(env: Environment) -> None:
    monitor = FloorMonitor(env)
    monitor.keep(1, [seen(LASER, Signal.EXECUTION, "READY", 0)])
    assert spans_of(env, LASER) == [("idle", naive(0), None)]
    monitor.keep(1, [seen(LASER, Signal.EXECUTION, "ACTIVE", 5)])
    monitor.keep(1, [seen(LASER, Signal.PART_COUNT, 1, 6)])  # no change of state
    monitor.keep(
        1,
        [
            seen(LASER, Signal.ALARM, "FAULT", 9, code="E42"),
            seen(LASER, Signal.ALARM, "NORMAL", 12, code="E42"),
            seen(MILL, Signal.EXECUTION, "ACTIVE", 12),
        ],
    )
    assert spans_of(env, LASER) == [
        ("idle", naive(0), naive(5)),
        ("running", naive(5), naive(9)),
        ("stopped", naive(9), naive(12)),
        ("running", naive(12), None),
    ]
    with env.uow() as uow:
        alarms = uow.session.scalars(
            select(MachineSpanRow.alarms).where(MachineSpanRow.state == "stopped")
        ).one()
    assert alarms == ["E42"]
    assert spans_of(env, MILL) == [("running", naive(12), None)]
    live = monitor.live(1)
    assert live[LASER].state == MachineState.RUNNING
    assert live[LASER].since == T0 + timedelta(minutes=12)
    assert live[MILL].state == MachineState.RUNNING
    assert live["press-brake-100t"].state == MachineState.UNAVAILABLE


def test_a_restart_goes_on_from_the_stored_state(env: Environment) -> None:
    before = FloorMonitor(env)
    before.keep(
        1,
        [
            seen(LASER, Signal.EXECUTION, "ACTIVE", 0),
            seen(MILL, Signal.EXECUTION, "ACTIVE", 0),
            seen(MILL, Signal.ALARM, "FAULT", 2, code="SP1"),
        ],
    )
    after = FloorMonitor(env)  # a new process: trackers know nothing yet
    live = after.live(1)
    assert live[LASER].state == MachineState.RUNNING
    assert live[LASER].since == T0
    assert live[MILL].state == MachineState.STOPPED
    assert [a.code for a in live[MILL].alarms] == ["SP1"]
    after.keep(
        1,
        [
            seen(LASER, Signal.EXECUTION, "ACTIVE", 30),  # still running: the span goes on
            seen(MILL, Signal.EXECUTION, "READY", 30),  # its alarm is gone: idle now
            seen(MILL, Signal.EXECUTION, "ACTIVE", 1),  # older than its stored state
        ],
    )
    assert spans_of(env, LASER) == [("running", naive(0), None)]
    assert spans_of(env, MILL) == [
        ("running", naive(0), naive(2)),
        ("stopped", naive(2), naive(30)),
        ("idle", naive(30), None),
    ]
    assert after.live(1)[LASER].since == T0
    assert after.refused(1)["before the state kept"] == 1
    after.keep(1, [seen(LASER, Signal.EXECUTION, "READY", 40)])
    assert spans_of(env, LASER) == [("running", naive(0), naive(40)), ("idle", naive(40), None)]


def test_a_batch_the_database_refuses_leaves_nothing_and_states_are_read_again(
    env: Environment,
) -> None:
    if env.settings.database_url is not None:
        pytest.skip("the refusing trigger is written for SQLite")
    with env.uow() as uow:
        uow.session.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON observations WHEN NEW.text = 'BOOM'"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
        uow.commit()
    monitor = FloorMonitor(env)
    monitor.keep(1, [seen(LASER, Signal.EXECUTION, "ACTIVE", 0)])
    with pytest.raises(IntegrityError):
        monitor.keep(
            1,
            [seen(LASER, Signal.EXECUTION, "READY", 1), seen(LASER, Signal.PROGRAM, "BOOM", 1)],
        )
    assert spans_of(env, LASER) == [("running", naive(0), None)]
    with env.uow() as uow:
        assert uow.observations.count(1) == 1
    monitor.keep(1, [seen(LASER, Signal.EXECUTION, "READY", 2)])
    assert spans_of(env, LASER) == [("running", naive(0), naive(2)), ("idle", naive(2), None)]


class ListFeed:
    """A feed of prepared batches, then idle until stopped."""

    def __init__(self, batches: Sequence[Sequence[Observation]]) -> None:
        self.batches = batches
        self.stats = FeedStats()
        self.done = threading.Event()

    def run(self, sink: Sink, stop: threading.Event) -> None:
        for batch in self.batches:
            sink(batch)
            self.stats.delivered += len(batch)
        self.done.set()
        stop.wait()


def test_a_watched_feed_is_kept_until_stopped(env: Environment) -> None:
    feed = ListFeed(
        [
            [seen(LASER, Signal.EXECUTION, "READY", 0)],
            [seen(LASER, Signal.EXECUTION, "ACTIVE", 1), seen(LASER, Signal.PART_COUNT, 10, 1)],
        ]
    )
    running = watch(env, 1, feed)
    assert feed.done.wait(30)
    running.stop()
    assert running.thread is not None and not running.thread.is_alive()
    assert spans_of(env, LASER) == [("idle", naive(0), naive(1)), ("running", naive(1), None)]


def test_compaction_rolls_old_readings_into_hours_and_deletes_them(env: Environment) -> None:
    monitor = FloorMonitor(env)
    readings = [
        seen(LASER, Signal.SAMPLE, 10.0, 0, item="Sload"),  # 08:00
        seen(LASER, Signal.SAMPLE, 30.0, 20, item="Sload"),
        seen(LASER, Signal.SAMPLE, 20.0, 59, item="Sload"),  # last of the 08:00 hour
        seen(LASER, Signal.PROGRAM, "O1234", 30),
        seen(LASER, Signal.PROGRAM, "O5678", 50),
        seen(LASER, Signal.SAMPLE, 5.0, 61, item="Sload"),  # 09:00
        seen(MILL, Signal.SAMPLE, 1.5, 10, item="Sload"),
        seen(LASER, Signal.SAMPLE, 99.0, 130, item="Sload"),  # 10:10: after the cut
    ]
    monitor.keep(1, readings)
    cut_from = T0 + timedelta(days=7, hours=2, minutes=30)  # cut: 10:00, 7 days before
    done = compact(env, 1, 7, now=cut_from, chunk=2)  # chunks of two: many transactions
    assert done.cut == naive(120)
    assert done.rows == 7
    with env.uow() as uow:
        hours = uow.session.scalars(
            select(ObservationHourRow).order_by(
                ObservationHourRow.machine, ObservationHourRow.item, ObservationHourRow.hour
            )
        ).all()
        left = uow.observations.count(1)
    assert left == 1
    figures = [
        (h.machine, h.item, h.hour, h.count, h.least, h.most, h.total, h.last_number, h.last_text)
        for h in hours
    ]
    assert figures == [
        (LASER, "Sload", naive(0), 3, 10.0, 30.0, 60.0, 20.0, None),
        (LASER, "Sload", naive(60), 1, 5.0, 5.0, 5.0, 5.0, None),
        (LASER, "program", naive(0), 2, None, None, None, None, "O5678"),
        (MILL, "Sload", naive(0), 1, 1.5, 1.5, 1.5, 1.5, None),
    ]
    late = seen(LASER, Signal.SAMPLE, 50.0, 5, item="Sload")  # a late reading of 08:00
    monitor.keep(1, [late])
    compact(env, 1, 7, now=cut_from)
    with env.uow() as uow:
        hour = uow.observations.hour(1, LASER, "Sload", naive(0))
        assert hour is not None
        assert (hour.count, hour.most, hour.total, hour.last_number) == (4, 50.0, 110.0, 20.0)


def test_compaction_refuses_a_retention_out_of_bounds(env: Environment) -> None:
    from bespoke.model.errors import InputError

    with pytest.raises(InputError, match="keep_days: 0 is not"):
        compact(env, 1, 0)


def test_the_server_watches_the_feeds_a_shop_configures(
    env: Environment, shared_fixtures: Path
) -> None:
    mtconnect = shared_fixtures / "mtconnect"
    probe = (mtconnect / "cppagent_demo_Devices.xml").read_bytes()
    lines = (mtconnect / "cppagent_demo_okuma_shdr.txt").read_text(encoding="utf-8").splitlines()
    operator = create_user(env, "op@example.com", "correct horse battery", role="operator")
    with (
        AgentReplayServer(probe, [], "OKUMA", autoplay=False) as agent,  # serves the probe
        ShdrReplayServer(lines[:1500]) as adapter,
    ):
        feeds = [
            {
                "kind": "shdr",
                "host": "127.0.0.1",
                "port": adapter.port,
                "device": "OKUMA",
                "machine": MILL,
                "probe_url": f"{agent.url}/probe",
            },
            {"kind": "moonraker", "url": "http://127.0.0.1:9", "machine": "no-such-machine"},
        ]
        set_feeds(env, operator, feeds)
        floor = watch_floor(env)
        try:
            assert len(floor.watches) == 1  # the feed of a machine the shop lacks is left out
            deadline = time.monotonic() + 60
            while floor_monitor(env).live(1)[MILL].last_at is None:
                assert time.monotonic() < deadline, "nothing kept from the SHDR feed"
                time.sleep(0.05)
            assert watch_floor(env).watches == []  # a second process of the server: no
        finally:
            floor.stop()
    assert spans_of(env, MILL)
    with env.uow() as uow:
        assert uow.observations.count(1) > 0
