"""A feed from an MTConnect adapter's SHDR stream over TCP, as an agent connects to it: it
sends `* PING`, the adapter answers `* PONG <ms>` and the feed pings again every <ms>;
nothing heard for twice that long (or `receive_timeout_s` from an adapter that does not
answer pings) and the feed connects again, as it does when the adapter closes."""

import logging
import socket
import threading
import time

from bespoke.adapters.feeds import FeedStats, Sink
from bespoke.adapters.mtconnect.devices import Device
from bespoke.adapters.mtconnect.readings import Refusals
from bespoke.adapters.mtconnect.shdr import MAX_LINE, ShdrParser
from bespoke.adapters.mtconnect.sources import SourceUnreachableError
from bespoke.model.monitoring import Observation

log = logging.getLogger("bespoke.feeds.mtconnect")

READ = 64 * 1024
"""Bytes read from the socket at once; the observations of each read are one batch."""
HEARTBEAT_MS = (100, 30 * 60 * 1000)
"""Heartbeats accepted from an adapter, in ms (the reference agent's limit is 30 min)."""
LOOK_S = 0.25
"""How often the feed looks at `stop` and its timers while waiting for data."""


class ShdrFeed:
    """Observations of the shop's `machine`, the MTConnect `device` whose adapter listens
    at `host`:`port`."""

    def __init__(
        self,
        host: str,
        port: int,
        device: Device,
        machine: str,
        *,
        delays: bool = False,
        retry_s: float = 10.0,
        connect_timeout_s: float = 10.0,
        receive_timeout_s: float = 600.0,
    ) -> None:
        self.host = host
        self.port = port
        self.device = device
        self.machine = machine
        self.delays = delays
        self.retry_s = retry_s
        self.connect_timeout_s = connect_timeout_s
        self.receive_timeout_s = receive_timeout_s
        self.stats = FeedStats()
        self.connections = 0
        """Connections made so far."""
        self.heartbeat_ms: int | None = None
        """The adapter's heartbeat, once it answered a ping."""
        self._refusals = Refusals(self.stats)

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Deliver until `stop` is set; raises `SourceUnreachableError` only when the adapter
        cannot be reached at the start."""
        while not stop.is_set():
            try:
                connection = socket.create_connection(
                    (self.host, self.port), timeout=self.connect_timeout_s
                )
            except OSError as error:
                if self.connections == 0:
                    raise SourceUnreachableError(
                        f"SHDR adapter {self.host}:{self.port}: {error}"
                    ) from error
                log.warning("SHDR adapter %s:%d: %s", self.host, self.port, error)
                stop.wait(self.retry_s)
                continue
            self.connections += 1
            with connection:
                try:
                    self._session(connection, sink, stop)
                except OSError as error:
                    log.warning("SHDR adapter %s:%d: %s", self.host, self.port, error)
            if not stop.is_set():
                stop.wait(self.retry_s)

    def _session(self, connection: socket.socket, sink: Sink, stop: threading.Event) -> None:
        """Read one connection until it ends, it falls silent or `stop` is set."""
        parser = ShdrParser(self.device, self.stats, delays=self.delays, refusals=self._refusals)
        connection.settimeout(LOOK_S)
        connection.sendall(b"* PING\n")
        self.heartbeat_ms = None
        pinged = heard = time.monotonic()
        pending = bytearray()
        discarding = False
        while not stop.is_set():
            now = time.monotonic()
            beat = None if self.heartbeat_ms is None else self.heartbeat_ms / 1000
            if now - heard > (self.receive_timeout_s if beat is None else 2 * beat):
                log.warning("SHDR adapter %s:%d silent; connecting again", self.host, self.port)
                return
            if beat is not None and now - pinged >= beat:
                connection.sendall(b"* PING\n")
                pinged = now
            try:
                data = connection.recv(READ)
            except TimeoutError:
                continue
            if not data:
                log.info("SHDR adapter %s:%d closed the connection", self.host, self.port)
                return
            heard = time.monotonic()
            pending += data
            batch: list[Observation] = []
            while True:
                end = pending.find(b"\n")
                if end < 0:
                    if len(pending) > MAX_LINE and not discarding:
                        self.stats.received += 1
                        self._refusals.refuse("overlong line", f"more than {MAX_LINE} bytes")
                        discarding = True
                    if discarding:
                        pending.clear()
                    break
                line = bytes(pending[:end])
                del pending[: end + 1]
                if discarding:
                    discarding = False
                    continue
                batch.extend(self._line(line, parser))
            if batch:
                sink(batch)
                self.stats.delivered += len(batch)

    def _line(self, raw: bytes, parser: ShdrParser) -> list[Observation]:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self.stats.received += 1
            self._refusals.refuse("not UTF-8", f"{error}")
            return []
        if line.startswith("* PONG"):
            self._heartbeat(line)
            return []
        return parser.observations(line, self.machine)

    def _heartbeat(self, line: str) -> None:
        low, high = HEARTBEAT_MS
        text = line[len("* PONG") :].strip()
        if text.isdigit() and low <= int(text) <= high:
            self.heartbeat_ms = int(text)
        else:
            log.warning("SHDR adapter heartbeat %r ignored: ms from %d to %d", text[:20], low, high)
