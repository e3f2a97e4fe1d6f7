"""Replaying recordings as machines would send them: an SHDR adapter over TCP here, an
agent over HTTP in `agent_replay` (both for tests, `bespoke floor replay` and the demo).

A recording is SHDR lines. Each line is played after its recorded gap (the difference of
timestamps, or the delay of a simulator scenario) divided by `speed`; `speed` None or
infinite plays as fast as possible, a gap is never negative (recordings jump back when an
adapter restarted) and never longer than `max_gap_s`. `live` rewrites each data line's
time to the moment it is played; a scenario of delays is always played so.
"""

import logging
import math
import select
import socket
import socketserver
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from bespoke.adapters.mtconnect.readings import ReadingError, format_time, parse_time
from bespoke.adapters.mtconnect.shdr import MULTILINE

log = logging.getLogger("bespoke.feeds.replay")

Recording = Sequence[str | bytes]
"""SHDR lines without their line ends; bytes are played as they are."""
CHUNK = 64 * 1024
"""Bytes sent at once when playing as fast as possible."""
MAX_COMMAND = 4096
"""Longest line read from a client (a `* PING`)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """One line of a recording and when to play it."""

    line: bytes
    wait_s: float
    """Seconds to wait after the previous line."""
    timed: bool
    """Whether its first field is a time (or a delay) that `live` rewrites."""


def cues(
    recording: Recording,
    *,
    speed: float | None = None,
    delays: bool = False,
    max_gap_s: float = 60.0,
    loop: bool = False,
) -> Iterator[Cue]:
    """The lines of `recording` with their waits, again and again when `loop`."""
    if loop and not recording:
        return
    fast = speed is None or math.isinf(speed)
    if not fast and not (speed is not None and speed > 0):
        raise ValueError(f"speed {speed}: a positive number, infinite or None")
    previous: datetime | None = None
    while True:
        terminator: str | None = None
        for raw in recording:
            line = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
            text = line.decode("utf-8", "replace").rstrip()
            if terminator is not None:
                terminator = None if text == terminator else terminator
                yield Cue(line, 0.0, timed=False)
                continue
            if MULTILINE in text:
                terminator = text[text.find(MULTILINE) :]
            gap, timed = 0.0, False
            if text and not text.startswith("*"):
                first = text.partition("|")[0]
                if delays:
                    gap, timed = _delay(first)
                else:
                    try:
                        at = parse_time(first)
                    except ReadingError:
                        at = None
                    if at is not None:
                        gap = 0.0 if previous is None else (at - previous).total_seconds()
                        previous, timed = at, True
            wait = 0.0 if fast else min(max(gap, 0.0), max_gap_s) / (speed or 1.0)
            yield Cue(line, wait, timed)
        if not loop:
            return


def _delay(field: str) -> tuple[float, bool]:
    try:
        delay = float(field)
    except ValueError:
        return 0.0, False
    return (delay, True) if math.isfinite(delay) and delay >= 0 else (0.0, False)


def restamp(line: bytes, at: datetime) -> bytes:
    """`line` with its first field replaced by the time `at`."""
    _, bar, rest = line.partition(b"|")
    return format_time(at).encode("ascii") + bar + rest


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    replay: "ShdrReplayServer"


class _Session(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        self.server.replay.play(self.request)


class ShdrReplayServer:
    """An SHDR adapter on 127.0.0.1 playing `recording` to each client that connects,
    answering its `* PING` with `* PONG <heartbeat_ms>`; after the recording (unless
    `loop`), it keeps the connection open and answers pings, as an idle adapter does."""

    def __init__(
        self,
        recording: Recording,
        speed: float | None = None,
        loop: bool = False,
        *,
        live: bool = False,
        delays: bool = False,
        max_gap_s: float = 60.0,
        heartbeat_ms: int = 10_000,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if loop and (speed is None or math.isinf(speed)):
            raise ValueError("a looping replay needs a finite speed")
        self.recording = recording
        self.speed = speed
        self.loop = loop
        self.live = live or delays
        self.delays = delays
        self.max_gap_s = max_gap_s
        self.heartbeat_ms = heartbeat_ms
        self.sessions = 0
        """Clients served so far."""
        self._stop = threading.Event()
        self._server = _TcpServer((host, port), _Session, bind_and_activate=True)
        self._server.replay = self
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="shdr-replay", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and end every session."""
        self._stop.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def play(self, client: socket.socket) -> None:
        """Play the recording to one client, then idle until it leaves."""
        self.sessions += 1
        client.settimeout(30.0)
        pending = bytearray()
        inbox = bytearray()
        try:
            for cue in cues(
                self.recording,
                speed=self.speed,
                delays=self.delays,
                max_gap_s=self.max_gap_s,
                loop=self.loop,
            ):
                if cue.wait_s > 0 or len(pending) >= CHUNK:
                    client.sendall(pending)
                    pending.clear()
                    if not self._serve_pings(client, inbox, cue.wait_s):
                        return
                line = restamp(cue.line, datetime.now(UTC)) if self.live and cue.timed else cue.line
                pending += line + b"\n"
            client.sendall(pending)
            while self._serve_pings(client, inbox, 0.5):
                pass
        except OSError as error:
            log.info("replay session ended: %s", error)

    def _serve_pings(self, client: socket.socket, inbox: bytearray, wait_s: float) -> bool:
        """Answer the client's pings for `wait_s` seconds (at least one look); False when
        the client left or the server stops."""
        deadline = time.monotonic() + wait_s
        while True:
            if self._stop.is_set():
                return False
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([client], [], [], min(max(remaining, 0.0), 0.2))
            if ready:
                data = client.recv(MAX_COMMAND)
                if not data:
                    return False
                inbox += data
                self._answer(client, inbox)
            if remaining <= 0:
                return True

    def _answer(self, client: socket.socket, inbox: bytearray) -> None:
        while b"\n" in inbox:
            line, _, rest = bytes(inbox).partition(b"\n")
            inbox[:] = rest
            if line.strip() == b"* PING":
                client.sendall(b"* PONG %d\n" % self.heartbeat_ms)
        if len(inbox) > MAX_COMMAND:
            inbox.clear()
