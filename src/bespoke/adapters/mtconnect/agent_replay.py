"""A small MTConnect agent replaying an SHDR recording of one device over HTTP: /probe,
/current and /sample?from=&count=, from a bounded circular buffer as a real agent keeps
(a client that falls behind finds `firstSequence` past its `from`: an OUT_OF_RANGE error).

Like an agent that has just started, it holds UNAVAILABLE for every data item of the probe
first; then the recording's readings, each with the next sequence number. It plays the
recording on its own (`autoplay`, timed as `replay.cues` says) or as a test drives it
(`advance`); `restart` is an agent restart: a new instanceId, sequences from 1 again.
"""

import itertools
import logging
import math
import threading
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from bespoke.adapters.feeds import FeedStats
from bespoke.adapters.mtconnect.devices import Category, Device, parse_probe
from bespoke.adapters.mtconnect.documents import first_child, parse_document
from bespoke.adapters.mtconnect.readings import UNAVAILABLE, Reading
from bespoke.adapters.mtconnect.replay import Cue, Recording, cues, restamp
from bespoke.adapters.mtconnect.shdr import ShdrParser
from bespoke.adapters.mtconnect.streams import StreamsHeader
from bespoke.adapters.mtconnect.writer import error_document, streams_document

log = logging.getLogger("bespoke.feeds.replay")

DEFAULT_COUNT = 100
"""Observations in a /sample answer when the request gives no count (as cppagent)."""


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    agent: "AgentReplayServer"


class _Request(BaseHTTPRequestHandler):
    server: _HttpServer

    def do_GET(self) -> None:
        status, body = self.server.agent.answer(self.path)
        self.send_response(status)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("agent replay: " + format, *args)


class AgentReplayServer:
    """An agent on 127.0.0.1 serving `probe_xml` and the recording of its device `device`
    (its name or uuid)."""

    def __init__(
        self,
        probe_xml: bytes,
        recording: Recording,
        device: str,
        *,
        buffer_size: int = 131_072,
        autoplay: bool = True,
        speed: float | None = None,
        loop: bool = False,
        live: bool = False,
        delays: bool = False,
        max_gap_s: float = 60.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not 1 <= buffer_size <= 10_000_000:
            raise ValueError(f"buffer_size {buffer_size}: from 1 to 10,000,000")
        if loop and (speed is None or math.isinf(speed)):
            raise ValueError("a looping replay needs a finite speed")
        self.probe = parse_probe(probe_xml)
        found = self.probe.device(device)
        if found is None:
            names = ", ".join(d.name for d in self.probe.devices)
            raise ValueError(f"no device {device!r} in the probe; it has {names}")
        self.device: Device = found
        self.buffer_size = buffer_size
        self.live = live or delays
        self.stats = FeedStats()
        """What reading the recording refused (unknown items, bad values)."""
        self._probe_root = parse_document(probe_xml, "MTConnectDevices")
        self._cues: Iterator[Cue] = cues(
            recording, speed=speed, delays=delays, max_gap_s=max_gap_s, loop=loop
        )
        self._parser = ShdrParser(self.device, self.stats)
        self._lock = threading.Lock()
        self._buffer: deque[tuple[int, Reading]] = deque(maxlen=buffer_size)
        self._latest: dict[str, tuple[int, Reading]] = {}
        self._next = 1
        self._instance = int(datetime.now(UTC).timestamp())
        self._injected: deque[tuple[int, bytes]] = deque()
        self._stop = threading.Event()
        self._autoplay = autoplay
        self._player: threading.Thread | None = None
        self._server = _HttpServer((host, port), _Request)
        self._server.agent = self
        self._thread: threading.Thread | None = None
        self._reset()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def instance_id(self) -> int:
        return self._instance

    @property
    def next_sequence(self) -> int:
        with self._lock:
            return self._next

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="agent-replay", daemon=True
        )
        self._thread.start()
        if self._autoplay:
            self._player = threading.Thread(target=self._play, name="agent-player", daemon=True)
            self._player.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        if self._player is not None:
            self._player.join()
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

    def advance(self, lines: int) -> int:
        """Take the next `lines` lines of the recording in at once; the readings added."""
        with self._lock:
            before = self._next
            for cue in itertools.islice(self._cues, lines):
                self._take(cue)
            return self._next - before

    def restart(self) -> None:
        """Restart as an agent does: a new instanceId, an empty buffer, sequences from 1,
        every item UNAVAILABLE; the recording goes on where it was."""
        with self._lock:
            self._instance += 1
            self._next = 1
            self._buffer.clear()
            self._latest.clear()
            self._reset()

    def inject(self, body: bytes, status: int = HTTPStatus.OK) -> None:
        """Answer the next /sample request with `body` (to rehearse a broken agent)."""
        with self._lock:
            self._injected.append((status, body))

    def _play(self) -> None:
        for cue in self._cues:
            if cue.wait_s > 0 and self._stop.wait(cue.wait_s):
                return
            if self._stop.is_set():
                return
            with self._lock:
                self._take(cue)

    def _reset(self) -> None:
        now = datetime.now(UTC)
        for device in self.probe.devices:
            for item in device.items:
                level = UNAVAILABLE if item.category is Category.CONDITION else None
                self._add(Reading(item, now, None, level))

    def _take(self, cue: Cue) -> None:
        line = restamp(cue.line, datetime.now(UTC)) if self.live and cue.timed else cue.line
        for reading in self._parser.readings(line.decode("utf-8", "replace")):
            self._add(reading)

    def _add(self, reading: Reading) -> None:
        entry = (self._next, reading)
        self._buffer.append(entry)
        self._latest[reading.item.id] = entry
        self._next += 1

    def answer(self, path: str) -> tuple[int, bytes]:
        """The status and document answering a GET of `path`."""
        parts = urlsplit(path)
        request = parts.path.rstrip("/").rpartition("/")[2]
        query = parse_qs(parts.query)
        with self._lock:
            if request == "probe":
                return HTTPStatus.OK, self._probe_document()
            if request == "current":
                entries = sorted(self._latest.values(), key=lambda entry: entry[0])
                return HTTPStatus.OK, self._streams(entries, self._next)
            if request == "sample":
                if self._injected:
                    return self._injected.popleft()
                return self._sample(query)
            return self._error(HTTPStatus.NOT_FOUND, "UNSUPPORTED", f"no request {request!r}")

    def _sample(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        first = self._buffer[0][0] if self._buffer else self._next
        try:
            start = int(query.get("from", [str(first)])[0])
            count = int(query.get("count", [str(DEFAULT_COUNT)])[0])
        except ValueError:
            return self._error(HTTPStatus.BAD_REQUEST, "INVALID_REQUEST", "from and count: numbers")
        if start < first:
            return self._out_of_range(f"'from' must be greater than {first - 1}")
        if start > self._next:
            return self._out_of_range(f"'from' must be less than {self._next + 1}")
        if not 1 <= count <= self.buffer_size:
            return self._out_of_range(f"'count' must be from 1 to {self.buffer_size}")
        entries = list(itertools.islice(self._buffer, start - first, start - first + count))
        after = entries[-1][0] + 1 if entries else self._next
        return HTTPStatus.OK, self._streams(entries, after)

    def _streams(self, entries: list[tuple[int, Reading]], next_sequence: int) -> bytes:
        first = self._buffer[0][0] if self._buffer else self._next
        last = self._next - 1
        header = StreamsHeader(self._instance, first, next_sequence, last, self.buffer_size)
        return streams_document(header, self.probe.devices, entries)

    def _probe_document(self) -> bytes:
        header = first_child(self._probe_root, "Header")
        if header is not None:
            header.set("instanceId", str(self._instance))
            header.set("bufferSize", str(self.buffer_size))
        return bytes(etree.tostring(self._probe_root, xml_declaration=True, encoding="UTF-8"))

    def _out_of_range(self, message: str) -> tuple[int, bytes]:
        return self._error(HTTPStatus.BAD_REQUEST, "OUT_OF_RANGE", message)

    def _error(self, status: int, code: str, message: str) -> tuple[int, bytes]:
        return status, error_document(self._instance, self.buffer_size, code, message)
