"""The MQTT feed against a real Mosquitto broker: observations arrive as published,
nothing is lost while the feed is away, while the broker restarts or when the sink
fails, and bad messages are counted by reason while the feed keeps running."""

import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from tests.servers import MosquittoServer

from bespoke.adapters.feeds import MachineNames
from bespoke.adapters.mqtt import MqttFeed, MqttPublisher
from bespoke.adapters.mqtt_payloads import MAX_PAYLOAD, MAX_VALUES, reading_payload
from bespoke.model.monitoring import Observation, Signal

SHOP = "acme"
MACHINES = MachineNames(frozenset({"laser-1", "mill-2"}), {"L1": "laser-1"})
START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DEADLINE_S = 90
PUBLISHER_INFLIGHT = 20


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.02)


class Collector:
    """A sink keeping every observation (thread-safe)."""

    def __init__(self) -> None:
        self.observations: list[Observation] = []
        self.batches = 0
        self._lock = threading.Lock()

    def __call__(self, batch: Sequence[Observation]) -> None:
        with self._lock:
            self.observations.extend(batch)
            self.batches += 1

    def sequence_numbers(self) -> Counter[int]:
        """How often each sequence number (the sample `seq`) came."""
        with self._lock:
            return Counter(int(o.value) for o in self.observations if o.item == "seq")  # type: ignore[arg-type]


class FailingOnce(Collector):
    """A sink that raises on its first batch, as a database going away would."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def __call__(self, batch: Sequence[Observation]) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("database went away")
        super().__call__(batch)


def new_feed(broker: MosquittoServer, client_id: str | None = None) -> MqttFeed:
    assert broker.port is not None
    return MqttFeed(
        "127.0.0.1", broker.port, SHOP, MACHINES, client_id or f"feed-{uuid.uuid4().hex[:12]}"
    )


def new_publisher(broker: MosquittoServer, shop: str = SHOP) -> MqttPublisher:
    assert broker.port is not None
    return MqttPublisher("127.0.0.1", broker.port, shop, max_inflight=PUBLISHER_INFLIGHT)


@contextmanager
def running(feed: MqttFeed, sink: Callable[[Sequence[Observation]], None]) -> Iterator[None]:
    """The feed running in a thread, subscribed; stopped (and its error raised) at the end."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            feed.run(sink, stop)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: feed.connected.is_set() or bool(errors), "the feed to subscribe")
        yield
    finally:
        stop.set()
        thread.join(DEADLINE_S)
    assert not thread.is_alive(), "the feed did not stop"
    if errors:
        raise errors[0]


def publish_numbered(publisher: MqttPublisher, numbers: range, machine: str = "L1") -> None:
    for number in numbers:
        publisher.publish_reading(
            machine, START + timedelta(seconds=number), {"seq": number, "execution": "ACTIVE"}
        )


def test_published_readings_arrive_as_observations(mosquitto: MosquittoServer) -> None:
    feed, sink = new_feed(mosquitto), Collector()
    with running(feed, sink), new_publisher(mosquitto) as publisher:
        publisher.publish_reading(
            "L1",
            START,
            {"execution": "ACTIVE", "part_count": 12, "spindle_load": 31.5, "program": "O1234"},
            [{"code": "E101", "level": "FAULT", "message": "Spindle overheat"}],
        )
        publisher.publish(
            "mill-2",
            b'[{"at": "2026-12-07T11:00:00+01:00", "values": {"mode": "MANUAL"}},'
            b' {"at": "2026-12-07T10:00:05Z", "values": {"availability": "UNAVAILABLE"}}]',
        )
        publisher.flush()
        wait_until(lambda: len(sink.observations) == 7, "7 observations")
    got = {(o.machine, o.item): o for o in sink.observations}
    assert got["laser-1", "execution"].signal is Signal.EXECUTION
    assert got["laser-1", "execution"].value == "ACTIVE"
    assert got["laser-1", "part_count"].signal is Signal.PART_COUNT
    assert got["laser-1", "part_count"].value == 12
    assert got["laser-1", "spindle_load"].signal is Signal.SAMPLE
    assert got["laser-1", "spindle_load"].value == 31.5
    assert got["laser-1", "program"].value == "O1234"
    alarm = got["laser-1", "alarm"]
    assert (alarm.signal, alarm.value, alarm.code) == (Signal.ALARM, "FAULT", "E101")
    assert alarm.message == "Spindle overheat"
    assert all(o.at == START for o in sink.observations if o.machine == "laser-1")
    assert got["mill-2", "mode"].at == START
    assert got["mill-2", "availability"].at == START + timedelta(seconds=5)
    assert feed.stats.received == 2
    assert feed.stats.delivered == 7
    assert not feed.stats.rejected


def test_what_is_published_while_the_feed_is_away_arrives_when_it_returns(
    mosquitto: MosquittoServer,
) -> None:
    client_id, sink = "bespoke-acme-floor", Collector()
    with running(new_feed(mosquitto, client_id), sink):
        pass  # the broker now holds a session for this client id
    with new_publisher(mosquitto) as publisher:
        publish_numbered(publisher, range(1000))
        publisher.flush()
    with running(new_feed(mosquitto, client_id), sink):
        wait_until(lambda: len(sink.sequence_numbers()) == 1000, "1000 sequence numbers")
    assert set(sink.sequence_numbers()) == set(range(1000))


def test_nothing_is_lost_when_the_broker_restarts_mid_stream(
    mosquitto: MosquittoServer,
) -> None:
    total, sink = 3000, Collector()
    feed = new_feed(mosquitto)
    with running(feed, sink), new_publisher(mosquitto) as publisher:
        publish_numbered(publisher, range(total // 3))
        wait_until(lambda: len(sink.sequence_numbers()) >= 100, "the stream to flow")
        restart = threading.Thread(target=mosquitto.restart)
        restart.start()
        publish_numbered(publisher, range(total // 3, total))  # queued while it is down
        restart.join()
        publisher.flush(DEADLINE_S)
        wait_until(lambda: len(sink.sequence_numbers()) == total, f"{total} sequence numbers")
    seen = sink.sequence_numbers()
    assert set(seen) == set(range(total))
    # QoS 1 may deliver twice what was in flight at the restart: at most what the broker
    # had sent the feed unacknowledged, and what the publisher had sent it unacknowledged.
    duplicates = sum(seen.values()) - total
    assert duplicates <= feed.receive_maximum + PUBLISHER_INFLIGHT
    assert feed.stats.delivered == 2 * sum(seen.values())


def test_a_batch_the_sink_fails_on_comes_again(mosquitto: MosquittoServer) -> None:
    feed, sink = new_feed(mosquitto), FailingOnce()
    with running(feed, sink), new_publisher(mosquitto) as publisher:
        publish_numbered(publisher, range(50))
        publisher.flush()
        wait_until(lambda: len(sink.sequence_numbers()) == 50, "50 sequence numbers")
    assert sink.failed
    assert feed.sink_failures == 1
    assert set(sink.sequence_numbers()) == set(range(50))


def test_bad_messages_are_counted_by_reason_and_the_feed_keeps_running(
    mosquitto: MosquittoServer, caplog: pytest.LogCaptureFixture
) -> None:
    at = '"at": "2026-12-07T10:00:00Z"'
    bad = {
        "not_json": b"{not json",
        "not_object": b"[1, 2]",
        "unknown_machine": b"",  # published on an unknown machine's topic below
        "bad_time": b'{"at": "yesterday", "values": {"x": 1}}',
        "too_large": b" " * (MAX_PAYLOAD + 1),
        "too_many_values": reading_payload(START, {f"v{i}": i for i in range(MAX_VALUES + 1)}),
        "wrong_type": ("{" + at + ', "values": {"door_open": true}}').encode(),
        "bad_value": ("{" + at + ', "values": {"execution": "DANCING"}}').encode(),
        "unknown_field": ("{" + at + ', "value": {"x": 1}}').encode(),
    }
    feed, sink = new_feed(mosquitto), Collector()
    caplog.set_level(logging.WARNING, logger="bespoke.feeds")
    with running(feed, sink), new_publisher(mosquitto) as publisher:
        for reason, payload in bad.items():
            if reason == "unknown_machine":
                publisher.publish_reading("ghost", START, {"x": 1})
            else:
                publisher.publish("L1", payload)
        with new_publisher(mosquitto, shop="other-shop") as elsewhere:
            elsewhere.publish_reading("L1", START, {"x": 1})  # not this feed's to see
            elsewhere.flush()
        publish_numbered(publisher, range(1))
        publisher.flush()
        wait_until(lambda: feed.stats.received == len(bad) + 1, "every message")
        wait_until(lambda: len(sink.observations) == 2, "the good reading")
    assert feed.stats.rejected == Counter(dict.fromkeys(bad, 1))
    assert {o.item for o in sink.observations} == {"seq", "execution"}
    logged = caplog.text
    assert all(reason in logged for reason in bad)
    assert "ghost" in logged


def test_a_broker_that_cannot_be_reached_at_the_start_is_an_error() -> None:
    from tests.servers import free_port

    feed = MqttFeed("127.0.0.1", free_port(), SHOP, MACHINES, "nobody", first_connect_s=0.5)
    with pytest.raises(ConnectionError, match="not reachable"):
        feed.run(Collector(), threading.Event())
