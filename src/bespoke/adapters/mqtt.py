"""MQTT: a shop's machines publish observations to a broker (the convention is in
`bespoke.adapters.mqtt_payloads` and docs/mqtt.md); `MqttFeed` subscribes and hands them
to a sink, `MqttPublisher` publishes them (demos, benches, tests, gateways in Python).

Nothing is lost between the broker and the sink:

- QoS 1 and a persistent MQTT 5 session (a fixed client id, clean_start=False, a session
  expiry interval): what is published while the feed is away waits on the broker;
- a message is acknowledged only once the sink has kept it (paho's manual_ack): a crash,
  a lost connection or a failing sink leaves it unacknowledged, and the broker sends it
  again when the feed reconnects (a duplicate at worst, as QoS 1 allows);
- messages go to the sink in batches (`batch_size` observations or `batch_wait_s`,
  whichever comes first), and acknowledgements follow in the order messages came.

The broker must hold enough for a feed that is away: Mosquitto's `max_queued_messages`
(1000 by default) drops what is beyond it.
"""

import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from bespoke.adapters.feeds import FeedStats, MachineNames, Sink
from bespoke.adapters.mqtt_payloads import (
    SHOP_PATTERN,
    PayloadError,
    observations_of,
    reading_payload,
    subscription_of,
    topic_of,
)
from bespoke.model.monitoring import Observation

log = logging.getLogger("bespoke.mqtt")

CLIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_HOST = 253
MAX_BATCH = 100_000
"""Most observations a batch may be asked to hold."""
MAX_SESSION_EXPIRY_S = 2**32 - 1
"""MQTT 5's largest session expiry interval (it means: never)."""
WAIT_STEP_S = 0.1
"""How often a waiting feed looks whether it was told to stop."""
RETRY_AFTER_SINK_FAILURE_S = 1.0


def _bounded(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is not within {low}..{high}")


def _host(host: str) -> str:
    if not 0 < len(host) <= MAX_HOST or any(c.isspace() or c == "/" for c in host):
        raise ValueError(f"MQTT host {host[:80]!r} is not a host name or address")
    return host


def _client_id(client_id: str) -> str:
    if not CLIENT_ID_PATTERN.fullmatch(client_id):
        raise ValueError(f"client id {client_id[:80]!r} is not {CLIENT_ID_PATTERN.pattern}")
    return client_id


def _shop(shop: str) -> str:
    if not SHOP_PATTERN.fullmatch(shop):
        raise ValueError(f"shop {shop[:80]!r} is not {SHOP_PATTERN.pattern}")
    return shop


@dataclass(frozen=True)
class _Received:
    """A message as it came, on which connection (its mid means something only there)."""

    connection: int
    message: mqtt.MQTTMessage


class _Inbox:
    """Messages received and not yet handled, at most `max_bytes` of payload: when it is
    full the network thread waits, and the broker holds the rest."""

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._messages: deque[_Received] = deque()
        self._bytes = 0
        self._open = False
        self._changed = threading.Condition()

    def open(self) -> None:
        with self._changed:
            self._open = True

    def close(self) -> None:
        """Drop what is waiting (the broker sends it again) and refuse more."""
        with self._changed:
            self._open = False
            self._messages.clear()
            self._bytes = 0
            self._changed.notify_all()

    def put(self, received: _Received) -> None:
        size = len(received.message.payload)
        with self._changed:
            while self._open and self._messages and self._bytes + size > self._max_bytes:
                self._changed.wait()
            if self._open:
                if not self._messages:
                    self._changed.notify_all()  # the reader waits only on an empty inbox
                self._messages.append(received)
                self._bytes += size

    def take(self, timeout_s: float, most: int) -> list[_Received]:
        """Up to `most` messages, waiting at most `timeout_s` for the first."""
        with self._changed:
            if not self._messages:
                self._changed.wait(timeout_s)
            taken = [self._messages.popleft() for _ in range(min(most, len(self._messages)))]
            if taken:
                self._bytes -= sum(len(received.message.payload) for received in taken)
                self._changed.notify_all()  # the network thread may wait for room
            return taken


@dataclass
class _Batch:
    """Observations to deliver and the messages to acknowledge once they are kept."""

    observations: list[Observation] = field(default_factory=list)
    messages: list[_Received] = field(default_factory=list)


class MqttFeed:
    """One shop's observations from an MQTT broker (see the module's docstring).

    `stats.received` counts messages, `stats.delivered` observations kept by the sink,
    `stats.rejected` messages refused, by `Refusal`; `sink_failures` counts batches the
    sink raised for (they come again).
    """

    def __init__(
        self,
        host: str,
        port: int,
        shop: str,
        machines: MachineNames,
        client_id: str,
        *,
        session_expiry_s: int = 7 * 24 * 3600,
        batch_size: int = 2_000,
        batch_wait_s: float = 0.05,
        receive_maximum: int = 4_000,
        max_pending_bytes: int = 64 * 1024 * 1024,
        keepalive_s: int = 30,
        first_connect_s: float = 30.0,
    ) -> None:
        _bounded("port", port, 1, 65535)
        _bounded("session_expiry_s", session_expiry_s, 1, MAX_SESSION_EXPIRY_S)
        _bounded("batch_size", batch_size, 1, MAX_BATCH)
        _bounded("batch_wait_s", batch_wait_s, 0.0, 60.0)
        _bounded("receive_maximum", receive_maximum, 1, 65535)
        _bounded("max_pending_bytes", max_pending_bytes, 1024 * 1024, 2**31)
        _bounded("keepalive_s", keepalive_s, 5, 3600)
        _bounded("first_connect_s", first_connect_s, 0.1, 3600.0)
        self.host = _host(host)
        self.port = port
        self.shop = _shop(shop)
        self.machines = machines
        self.client_id = _client_id(client_id)
        self.session_expiry_s = session_expiry_s
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.receive_maximum = receive_maximum
        self.keepalive_s = keepalive_s
        self.first_connect_s = first_connect_s
        self.stats = FeedStats()
        self.sink_failures = 0
        self.connected = threading.Event()
        """Set while subscribed to the shop's topics."""
        self._inbox = _Inbox(max_pending_bytes)
        self._connection = 0
        self._connection_lock = threading.Lock()
        self._last_failure = "no answer yet"

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Deliver the shop's observations to `sink` until `stop` is set. Raises
        ConnectionError only when the broker cannot be reached at the start."""
        first = True
        while not stop.is_set():
            client = self._client()
            self._inbox.open()
            client.connect_async(
                self.host,
                self.port,
                keepalive=self.keepalive_s,
                clean_start=False,
                properties=self._connect_properties(),
            )
            client.loop_start()
            try:
                if first:
                    self._await_first_connection(stop)
                    first = False
                if self._pump(client, sink, stop):
                    return
                stop.wait(RETRY_AFTER_SINK_FAILURE_S)
            finally:
                self._inbox.close()
                client.disconnect()
                client.loop_stop()
                self.connected.clear()

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _connect_properties(self) -> Properties:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self.session_expiry_s
        properties.ReceiveMaximum = self.receive_maximum
        return properties

    def _await_first_connection(self, stop: threading.Event) -> None:
        deadline = time.monotonic() + self.first_connect_s
        while not self.connected.wait(WAIT_STEP_S):
            if stop.is_set():
                return
            if time.monotonic() > deadline:
                raise ConnectionError(
                    f"MQTT broker {self.host}:{self.port} not reachable within "
                    f"{self.first_connect_s} s: {self._last_failure}"
                )

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            self._last_failure = f"broker refused the connection: {reason}"
            log.error(
                "MQTT broker %s:%s refused %s: %s", self.host, self.port, self.client_id, reason
            )
            return
        if not flags.session_present:
            # On a first connection that is expected; later, what the broker held is lost.
            report = log.warning if self._connection else log.info
            report("MQTT broker has no session for %s: subscribing anew", self.client_id)
        options = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        client.subscribe(subscription_of(self.shop), options=options)

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        self._last_failure = "connection failed"
        log.warning("MQTT broker %s:%s not reachable; retrying", self.host, self.port)

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        if any(reason.is_failure for reason in reasons):
            self._last_failure = f"subscription refused: {reasons}"
            log.error("MQTT broker refused %s: %s", subscription_of(self.shop), reasons)
            return
        self.connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        with self._connection_lock:
            self._connection += 1
        self.connected.clear()
        log.warning("MQTT connection to %s:%s lost: %s", self.host, self.port, reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(_Received(self._connection, message))

    def _pump(self, client: mqtt.Client, sink: Sink, stop: threading.Event) -> bool:
        """Deliver batches until `stop` (True) or until the sink fails (False)."""
        while not stop.is_set():
            batch = self._next_batch()
            if not batch.messages:
                continue
            if batch.observations:
                try:
                    sink(batch.observations)
                except Exception:
                    self.sink_failures += 1
                    log.exception(
                        "sink failed on %d observations; they will come again",
                        len(batch.observations),
                    )
                    return False
                self.stats.delivered += len(batch.observations)
            self._acknowledge(client, batch.messages)
        return True

    def _next_batch(self) -> _Batch:
        """The messages that come within `batch_wait_s` of the first (or until the batch
        holds `batch_size` observations, give or take one message's), read; an empty batch
        when none came for a moment."""
        batch = _Batch()
        deadline: float | None = None
        widest = 1  # most observations in one message of this batch so far
        while len(batch.observations) < self.batch_size:
            wait = WAIT_STEP_S if deadline is None else deadline - time.monotonic()
            room = self.batch_size - len(batch.observations)
            limit = max(1, room // widest) if batch.messages else 1
            taken = self._inbox.take(max(wait, 0.0), limit)
            if not taken:
                break
            if deadline is None:
                deadline = time.monotonic() + self.batch_wait_s
            for received in taken:
                if received.connection != self._connection:
                    continue  # its connection is gone: the broker sends it again
                batch.messages.append(received)
                self.stats.received += 1
                read = self._read(received.message)
                widest = max(widest, len(read))
                batch.observations.extend(read)
        return batch

    def _read(self, message: mqtt.MQTTMessage) -> list[Observation]:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            self.stats.reject("bad_topic", "topic is not UTF-8")
            return []
        try:
            return observations_of(topic, message.payload, self.shop, self.machines)
        except PayloadError as error:
            self.stats.reject(error.reason, f"{topic[:120]}: {error.detail}")
            return []

    def _acknowledge(self, client: mqtt.Client, messages: list[_Received]) -> None:
        """Acknowledge kept messages that came on the connection still open; the others
        the broker sends again (their mid would name another message now)."""
        with self._connection_lock:
            for received in messages:
                if received.connection == self._connection:
                    client.ack(received.message.mid, received.message.qos)


class MqttPublisher:
    """Publishes one shop's observations at QoS 1: `with MqttPublisher(...) as publisher:`.
    Messages not yet acknowledged are sent again after a lost connection; `flush` waits
    until the broker has all of them. At most `max_pending` wait at once."""

    def __init__(
        self,
        host: str,
        port: int,
        shop: str,
        client_id: str | None = None,
        *,
        max_pending: int = 10_000,
        max_inflight: int = 20,
        connect_s: float = 30.0,
    ) -> None:
        _bounded("port", port, 1, 65535)
        _bounded("max_pending", max_pending, 1, 1_000_000)
        _bounded("max_inflight", max_inflight, 1, 65535)
        self.shop = _shop(shop)
        self.host = _host(host)
        self.port = port
        self.connect_s = connect_s
        self._max_pending = max_pending
        self._pending = 0
        self._changed = threading.Condition()
        self._connected = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=_client_id(client_id or f"publisher-{uuid.uuid4().hex[:16]}"),
            protocol=mqtt.MQTTv5,
        )
        self._client.max_inflight_messages_set(max_inflight)
        self._client.reconnect_delay_set(1, 5)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish

    def __enter__(self) -> Self:
        self._client.connect_async(self.host, self.port)
        self._client.loop_start()
        if not self._connected.wait(self.connect_s):
            self.close()
            raise ConnectionError(f"MQTT broker {self.host}:{self.port} not reachable")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Disconnect; what was not yet acknowledged is dropped (`flush` first)."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if not reason.is_failure:
            self._connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self._connected.clear()

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties,
    ) -> None:
        with self._changed:
            self._pending -= 1
            self._changed.notify_all()

    def publish(self, machine: str, payload: bytes) -> None:
        """Send `payload` on `machine`'s topic at QoS 1, waiting while `max_pending`
        messages are not yet acknowledged."""
        topic = topic_of(self.shop, machine)
        with self._changed:
            while self._pending >= self._max_pending:
                self._changed.wait()
            self._pending += 1
        info = self._client.publish(topic, payload, qos=1)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            with self._changed:
                self._pending -= 1
            raise ConnectionError(f"MQTT publish on {topic} refused: {mqtt.error_string(info.rc)}")

    def publish_reading(
        self,
        machine: str,
        at: datetime,
        values: Mapping[str, float | str | None],
        alarms: list[Mapping[str, str]] | None = None,
    ) -> None:
        """Send one reading of `machine` in the convention."""
        self.publish(machine, reading_payload(at, values, alarms))

    @property
    def pending(self) -> int:
        """Messages sent and not yet acknowledged by the broker."""
        with self._changed:
            return self._pending

    def flush(self, timeout_s: float = 60.0) -> None:
        """Wait until the broker has acknowledged every message; TimeoutError if not."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._pending == 0, timeout_s):
                raise TimeoutError(
                    f"{self._pending} messages not acknowledged by the MQTT broker "
                    f"{self.host}:{self.port} within {timeout_s} s"
                )
