"""Machine telemetry through MQTT into the floor: throughput, latency to the dashboard,
and what a broker restart loses. A throwaway Mosquitto broker with persistence on a free
port (tests/servers.py's), SQLite environments in a temporary folder, shop machines from
the default catalog; messages follow docs/mqtt.md (`bespoke/<shop>/<machine>/observations`,
QoS 1).

1. Throughput: a publisher process (MqttPublisher, one connection, 8 machines' topics in
   turn) sends N messages as fast as the broker acknowledges them, first to a plain paho
   subscriber that only counts them (the baselines, same run, same broker: MQTT 5 as the
   feed speaks, and 3.1.1, whose messages carry no properties for paho to read), then to
   MqttFeed -> FloorMonitor.keep (`watch`, as the server runs it) into SQLite. Two shapes:
   1 value a message (mostly samples; an execution change in 1 of a machine's 25
   messages, its part count in 1 of 10) and 20 values a message (a gateway's reading:
   execution, part count, 18 samples). Rates run from the first publish to the last
   message counted (baseline) or to the last observation kept; stored rows are counted
   in the observations table at the end. Goal: >= 20,000 observations/s stored.
2. Latency: `bespoke serve` (1 process) watching an MQTT feed set with
   PUT /api/floor/feeds (then restarted: feeds are read at start), an SSE client on
   /api/floor/stream; each of 8 machines switches between ACTIVE and READY in turn at a
   moderate rate, the reading's `at` being its send time; a `state` event's `since` is
   that time, so publish -> event arrival is measured per change (same clock). A plain
   paho subscriber in the bench measures publish -> broker -> subscriber alongside.
   Goal: p99 < 250 ms.
3. Broker restart: numbered messages (`seq`) at a steady rate into MqttFeed ->
   FloorMonitor; the broker is stopped as a service stops (SIGTERM, it saves its
   persistence) and started again a third of the way in; distinct sequence numbers
   stored vs. published. Goal: 0 lost.

Writes bench/results/telemetry.json.

    python bench/telemetry.py [--messages-1 100000] [--messages-20 10000] [--latency-s 30]
"""

import argparse
import json
import logging
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import distinct, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import MosquittoServer, mosquitto_available  # noqa: E402

from bespoke.adapters.feeds import MachineNames  # noqa: E402
from bespoke.adapters.mqtt import MqttFeed, MqttPublisher  # noqa: E402
from bespoke.adapters.mqtt_payloads import reading_payload, subscription_of  # noqa: E402
from bespoke.services.environment import Environment, Settings, open_environment  # noqa: E402
from bespoke.services.shop.shops import ensure_shop  # noqa: E402
from bespoke.services.shopfloor.watching import watch  # noqa: E402
from bespoke.store.tables import ObservationRow  # noqa: E402
from served import serving, user_token  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "telemetry.json"
MACHINES = [
    "fiber-laser-3015",
    "mill-vmc-3axis",
    "cnc-router-2513",
    "waterjet-4020",
    "plasma-3015",
    "prusa-mk3s",
    "raise3d-pro2",
    "co2-laser-1390",
]
WORDS = ["ACTIVE", "READY", "ACTIVE", "FEED_HOLD"]
SAMPLES = [
    "Sload",
    "Sspeed",
    "Xload",
    "Yload",
    "Zload",
    "Xpos",
    "Ypos",
    "Zpos",
    "feed_rate",
    "coolant_temp",
    "spindle_temp",
    "air_pressure",
    "power_kw",
    "vibration",
    "tool_life",
    "cycle_s",
    "door",
    "seq",
]
START = datetime(2026, 1, 1, tzinfo=UTC)
INFLIGHT = 200
"""Messages a publisher has unacknowledged on the wire (MqttPublisher's max_inflight)."""
WAIT_S = 300.0
"""Longest wait for a stage to finish before the bench gives up and says so."""
GOAL_STORED_PER_S = 20_000
GOAL_P99_MS = 250.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages-1", type=int, default=100_000, help="1-value messages")
    parser.add_argument("--messages-20", type=int, default=10_000, help="20-value messages")
    parser.add_argument("--latency-s", type=float, default=30.0, help="latency phase, seconds")
    parser.add_argument("--rate", type=float, default=20.0, help="state changes a second")
    parser.add_argument("--restart-messages", type=int, default=20_000)
    parser.add_argument("--restart-rate", type=float, default=2_000.0, help="messages a second")
    return parser.parse_args()


def payload(n: int, per_message: int) -> tuple[str, bytes]:
    """Message `n` of a stream: its machine and body (1 or 20 values)."""
    machine, k = MACHINES[n % len(MACHINES)], n // len(MACHINES)
    at = START + timedelta(milliseconds=n)
    values: dict[str, float | str | None]
    if per_message == 1:
        if k % 25 == 0:
            values = {"execution": WORDS[(k // 25) % len(WORDS)]}
        elif k % 10 == 5:
            values = {"part_count": float(k // 10)}
        else:
            values = {"Sload": float(n % 97)}
    else:
        values = {"execution": WORDS[(k // 25) % len(WORDS)], "part_count": float(k // 10)}
        values |= {name: float((n + i) % 97) for i, name in enumerate(SAMPLES[:-1])}
        values["seq"] = float(n)
    return machine, reading_payload(at, values)


def publish_stream(
    port: int,
    shop: str,
    messages: int,
    per_message: int,
    ready: ProcessEvent,
    go: ProcessEvent,
    results: "multiprocessing.Queue[tuple[float, float]]",
) -> None:
    """In a process of its own: publish `messages` as fast as the broker takes them once
    `go` is set; put (first publish, all acknowledged) wall-clock times on `results`."""
    bodies = [payload(n, per_message) for n in range(messages)]
    with MqttPublisher(
        "127.0.0.1", port, shop, max_inflight=INFLIGHT, max_pending=10 * INFLIGHT
    ) as publisher:
        ready.set()
        go.wait()
        started = time.time()
        for machine, body in bodies:
            publisher.publish(machine, body)
        publisher.flush(WAIT_S)
        results.put((started, time.time()))


@contextmanager
def publisher_process(
    port: int, shop: str, messages: int, per_message: int
) -> Iterator[Callable[[], tuple[float, float]]]:
    """A publisher process connected and waiting; the block calls `go()` to start it, which
    returns its (first publish, all acknowledged) times once done."""
    context = multiprocessing.get_context("spawn")
    ready, go = context.Event(), context.Event()
    results: multiprocessing.Queue[tuple[float, float]] = context.Queue()
    process = context.Process(
        target=publish_stream, args=(port, shop, messages, per_message, ready, go, results)
    )
    process.start()
    try:
        if not ready.wait(120):
            raise RuntimeError("the publisher did not connect to the broker")

        def run() -> tuple[float, float]:
            go.set()
            return results.get(timeout=WAIT_S)

        yield run
    finally:
        process.join(30)
        if process.is_alive():
            process.kill()
            process.join()


class Counting:
    """A plain paho subscriber (clean start, QoS 1) counting messages."""

    def __init__(
        self,
        port: int,
        topic: str,
        on_message: Callable[[str, bytes], None] | None = None,
        protocol: mqtt.MQTTProtocolVersion = mqtt.MQTTv5,
    ) -> None:
        self.count = 0
        self.last = 0.0
        self._on = on_message
        self._subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=protocol)
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(topic, qos=1)
        self.client.on_subscribe = lambda c, u, m, r, p: self._subscribed.set()
        self.client.on_message = self._message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        if not self._subscribed.wait(30):
            raise RuntimeError("the baseline subscriber did not subscribe")

    def _message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.count += 1
        self.last = time.time()
        if self._on is not None:
            self._on(message.topic, message.payload)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting after {timeout_s:g} s for {what}")
        time.sleep(0.005)


def shop_environment(folder: Path) -> tuple[Environment, int]:
    env = open_environment(Settings(data_dir=folder), migrate=True)
    return env, ensure_shop(env, "main", "Main workshop")


def stored(env: Environment, shop_id: int) -> int:
    with env.uow() as uow:
        return uow.observations.count(shop_id)


def baseline(
    port: int, topic_shop: str, messages: int, per: int, protocol: mqtt.MQTTProtocolVersion
) -> dict[str, int]:
    """A stream of messages published to a plain paho subscriber that only counts them."""
    counting = Counting(port, subscription_of(topic_shop), protocol=protocol)
    try:
        with publisher_process(port, topic_shop, messages, per) as go:
            started, acknowledged = go()
            wait_for(lambda: counting.count >= messages, f"{messages} messages at the baseline")
    finally:
        counting.close()
    seconds = counting.last - started
    return {
        "published_messages_per_s": round(messages / (acknowledged - started)),
        "received_messages_per_s": round(messages / seconds),
        "received_values_per_s": round(messages * per / seconds),
    }


def throughput(broker: MosquittoServer, folder: Path, messages: int, per: int) -> dict[str, Any]:
    """The baseline and the feed for one shape of message."""
    assert broker.port is not None
    topic_shop = f"throughput-{per}"
    observations = messages * per
    baselines = {
        "mqtt5": baseline(broker.port, topic_shop, messages, per, mqtt.MQTTv5),
        "mqtt311": baseline(broker.port, topic_shop, messages, per, mqtt.MQTTv311),
    }
    env, shop_id = shop_environment(folder / f"throughput-{per}")
    feed = MqttFeed(
        "127.0.0.1", broker.port, topic_shop, MachineNames(frozenset(MACHINES)), f"feed-{per}"
    )
    running = watch(env, shop_id, feed)
    try:
        wait_for(feed.connected.is_set, "the feed to subscribe", 60)
        with publisher_process(broker.port, topic_shop, messages, per) as go:
            feed_started, feed_acknowledged = go()
            wait_for(lambda: feed.stats.delivered >= observations, f"{observations} kept")
            kept_at = time.time()
    finally:
        running.stop()
    rows = stored(env, shop_id)
    feed_s = kept_at - feed_started
    figures = {
        "messages": messages,
        "values_per_message": per,
        "observations": observations,
        "baseline_paho": baselines,
        "feed": {
            "published_messages_per_s": round(messages / (feed_acknowledged - feed_started)),
            "published_observations_per_s": round(
                observations / (feed_acknowledged - feed_started)
            ),
            "stored_rows": rows,
            "seconds": round(feed_s, 2),
            "stored_per_s": round(rows / feed_s),
            "messages_refused": feed.stats.refused,
            "sink_failures": feed.sink_failures,
        },
    }
    figures["stored_to_baseline_ratio"] = round(
        figures["feed"]["stored_per_s"] / baselines["mqtt5"]["received_values_per_s"], 2
    )
    return figures


def print_throughput(figures: dict[str, Any]) -> None:
    base, feed = figures["baseline_paho"]["mqtt5"], figures["feed"]
    print(
        f"{figures['values_per_message']:>2} value(s)/message, {figures['messages']} messages:"
        f" published {feed['published_observations_per_s']} obs/s"
        f" ({feed['published_messages_per_s']} msg/s); stored {feed['stored_per_s']} obs/s"
        f" ({feed['stored_rows']} rows in {feed['seconds']} s);"
        f" plain paho (MQTT 5, as the feed) received {base['received_values_per_s']} values/s"
        f" ({base['received_messages_per_s']} msg/s; MQTT 3.1.1"
        f" {figures['baseline_paho']['mqtt311']['received_messages_per_s']} msg/s);"
        f" stored/baseline x{figures['stored_to_baseline_ratio']}"
    )


class Stream:
    """An SSE client on /api/floor/stream keeping each `state` event's machine, state,
    `since` and arrival time."""

    def __init__(self, url: str, token: str) -> None:
        self.events: list[tuple[str, str, datetime | None, float]] = []
        self.resyncs = 0
        self.error: str | None = None
        self.connected = threading.Event()
        self._closing = False
        self._client = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=None
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        kind = None
        try:
            with self._client.stream("GET", "/api/floor/stream") as answer:
                answer.raise_for_status()
                self.connected.set()
                for line in answer.iter_lines():
                    if line.startswith("event: "):
                        kind = line.removeprefix("event: ")
                    elif line.startswith("data: ") and kind is not None:
                        self._take(kind, line.removeprefix("data: "), time.time())
                        kind = None
        except httpx.HTTPError as error:
            if not self._closing:
                self.error = repr(error)[:200]

    def _take(self, kind: str, data: str, arrived: float) -> None:
        if kind == "resync":
            self.resyncs += 1
        if kind != "state":
            return
        live = json.loads(data)
        since = datetime.fromisoformat(live["since"]) if live["since"] else None
        self.events.append((live["machine"], live["state"], since, arrived))

    def close(self) -> None:
        self._closing = True
        self._client.close()


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 1)

    return {
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def latency(broker: MosquittoServer, folder: Path, seconds: float, rate: float) -> dict[str, Any]:
    """Publish -> SSE `state` event through a running service watching the broker."""
    assert broker.port is not None
    data_dir = folder / "latency"
    env, _ = shop_environment(data_dir)
    token = user_token(env, "operator@bench.example", "operator", "main")
    auth = {"Authorization": f"Bearer {token}"}
    with serving(data_dir) as (url, _pid):
        feeds = [{"kind": "mqtt", "host": "127.0.0.1", "port": broker.port}]
        httpx.put(f"{url}/api/floor/feeds", json=feeds, headers=auth).raise_for_status()
    sent: dict[tuple[str, datetime], float] = {}
    broker_seen: dict[tuple[str, datetime], float] = {}

    def at_broker(topic: str, body: bytes) -> None:
        machine = topic.split("/")[2]
        broker_seen[(machine, datetime.fromisoformat(json.loads(body)["at"]))] = time.time()

    raw = Counting(broker.port, subscription_of("main"), at_broker)
    with serving(data_dir) as (url, _pid), MqttPublisher("127.0.0.1", broker.port, "main") as pub:
        stream = Stream(url, token)
        if not stream.connected.wait(30):
            raise RuntimeError(f"the event stream did not open: {stream.error}")
        state = dict.fromkeys(MACHINES, "READY")

        def change(n: int) -> tuple[str, datetime]:
            machine = MACHINES[n % len(MACHINES)]
            state[machine] = "ACTIVE" if state[machine] == "READY" else "READY"
            at = datetime.now(UTC)
            pub.publish_reading(machine, at, {"execution": state[machine]})
            return machine, at

        warming = {change(0)}  # the service's feed subscribes a moment after it starts
        deadline = time.monotonic() + 60
        while not any((m, s) in warming for m, _, s, _ in stream.events):
            if time.monotonic() > deadline:
                raise RuntimeError("no state event came from the service's MQTT feed")
            time.sleep(0.5)
            warming.add(change(len(warming)))
        n = len(warming)
        time.sleep(1.0)
        warmed = len(stream.events)
        begin = time.monotonic()
        count = int(seconds * rate)
        for i in range(count):
            time.sleep(max(0.0, begin + i / rate - time.monotonic()))
            machine, at = change(n + i)
            sent[(machine, at)] = at.timestamp()
        time.sleep(2.0)
        stream.close()
    raw.close()
    arrived = {(m, s): t for m, _, s, t in stream.events[warmed:] if s is not None}
    to_stream = [(arrived[key] - t) * 1000 for key, t in sent.items() if key in arrived]
    to_broker = [(broker_seen[key] - t) * 1000 for key, t in sent.items() if key in broker_seen]
    return {
        "changes_published": len(sent),
        "rate_per_s": rate,
        "events_matched": len(to_stream),
        "events_missing": len(sent) - len(to_stream),
        "resyncs": stream.resyncs,
        "stream_error": stream.error,
        "publish_to_sse_ms": percentiles(to_stream) if to_stream else None,
        "baseline_publish_to_paho_subscriber_ms": percentiles(to_broker) if to_broker else None,
    }


def restart(broker: MosquittoServer, folder: Path, messages: int, rate: float) -> dict[str, Any]:
    """Numbered messages through MqttFeed -> FloorMonitor while the broker restarts."""
    assert broker.port is not None
    env, shop_id = shop_environment(folder / "restart")
    feed = MqttFeed(
        "127.0.0.1", broker.port, "restart", MachineNames(frozenset(MACHINES)), "feed-restart"
    )
    running = watch(env, shop_id, feed)
    restarted_s = 0.0
    try:
        wait_for(feed.connected.is_set, "the feed to subscribe", 60)
        with MqttPublisher("127.0.0.1", broker.port, "restart", max_inflight=INFLIGHT) as pub:
            begin = time.monotonic()
            restarting: threading.Thread | None = None
            for n in range(messages):
                if n % 50 == 0:
                    time.sleep(max(0.0, begin + n / rate - time.monotonic()))
                if n == messages // 3:

                    def bounce() -> None:
                        nonlocal restarted_s
                        started = time.monotonic()
                        broker.restart()
                        restarted_s = time.monotonic() - started

                    restarting = threading.Thread(target=bounce)
                    restarting.start()
                machine = MACHINES[n % len(MACHINES)]
                pub.publish_reading(machine, START + timedelta(milliseconds=n), {"seq": n})
            if restarting is not None:
                restarting.join()
            pub.flush(WAIT_S)
        published_s = time.monotonic() - begin

        def distinct_stored() -> int:
            with env.uow() as uow:
                query = select(func.count(distinct(ObservationRow.number))).where(
                    ObservationRow.shop_id == shop_id, ObservationRow.item == "seq"
                )
                return int(uow.session.scalar(query) or 0)

        try:
            wait_for(lambda: distinct_stored() >= messages, "every sequence number", 120)
        except RuntimeError as error:
            print(f"restart: {error}")
    finally:
        running.stop()
    kept = distinct_stored()
    rows = stored(env, shop_id)
    return {
        "published": messages,
        "rate_per_s": rate,
        "published_in_s": round(published_s, 2),
        "broker_down_s": round(restarted_s, 2),
        "distinct_stored": kept,
        "lost": messages - kept,
        "duplicates_stored": rows - kept,
        "messages_received_by_feed": feed.stats.received,
    }


def main() -> int:
    args = arguments()
    logging.basicConfig(level=logging.ERROR)  # refusals and reconnections are counted instead
    reason = mosquitto_available()
    if reason:
        print(f"skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-telemetry-") as scratch, MosquittoServer() as b:
        folder = Path(scratch)
        shapes = [throughput(b, folder, args.messages_1, 1)]
        print_throughput(shapes[-1])
        shapes.append(throughput(b, folder, args.messages_20, 20))
        print_throughput(shapes[-1])
        lost = restart(b, folder, args.restart_messages, args.restart_rate)
        print(
            f"broker restart: {lost['published']} published at {lost['rate_per_s']:g}/s,"
            f" broker down {lost['broker_down_s']} s; {lost['distinct_stored']} distinct stored,"
            f" {lost['lost']} lost, {lost['duplicates_stored']} duplicates"
        )
        delay = latency(b, folder, args.latency_s, args.rate)
    ms, raw = delay["publish_to_sse_ms"], delay["baseline_publish_to_paho_subscriber_ms"]
    print(
        f"publish -> SSE: {delay['events_matched']} of {delay['changes_published']} changes"
        f" at {args.rate:g}/s; {ms}; baseline publish -> paho subscriber: {raw}"
    )
    best = max(shape["feed"]["stored_per_s"] for shape in shapes)
    goals = {
        "stored_per_s": {"goal": GOAL_STORED_PER_S, "best": best, "met": best >= GOAL_STORED_PER_S},
        "p99_ms": {
            "goal": GOAL_P99_MS,
            "p99": ms["p99"] if ms else None,
            "met": bool(ms) and ms["p99"] < GOAL_P99_MS and delay["events_missing"] == 0,
        },
        "lost": {"goal": 0, "lost": lost["lost"], "met": lost["lost"] == 0},
    }
    for name, goal in goals.items():
        print(f"goal {name}: {'met' if goal['met'] else 'not met'} ({goal})")
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "throughput": shapes,
        "restart": lost,
        "latency": delay,
        "goals": goals,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
