"""Moonraker: a Klipper 3-D printer's API server, polled over HTTP.

Each poll asks ``GET /printer/objects/query?webhooks&print_stats&virtual_sdcard``
(Moonraker answers ``{"result": {"eventtime": ..., "status": {...}}}``; an object the
printer lacks is left out) and ``GET /server/info`` once, to log what answers. An item is
reported when its value differs from the one last reported (everything again after the
printer comes back or the sink failed), at the time the answer came:

- Moonraker answers with Klippy connected: ``availability`` AVAILABLE; no answer, an
  HTTP error or Klippy not connected (503): UNAVAILABLE.
- ``webhooks.state`` ready / startup / shutdown / error: alarm ``webhooks`` NORMAL /
  WARNING / FAULT / FAULT, its code the state, its message ``state_message``.
- ``print_stats.state`` -> execution: standby READY; printing ACTIVE; paused INTERRUPTED
  (PAUSE, a filament change or runout: it can resume); complete PROGRAM_COMPLETED;
  cancelled STOPPED (it cannot resume); error STOPPED, with alarm ``print_stats`` FAULT
  and ``print_stats.message`` (NORMAL otherwise).
- ``print_stats.filename`` -> program (None when no file is loaded).
- ``print_stats.print_duration``, ``total_duration`` (s), ``filament_used`` (mm) and
  ``virtual_sdcard.progress`` (0..1) -> samples.

Parts: ``part_count`` counts the prints this feed saw complete, from 0 when it starts:
one more when a poll finds ``complete`` where the poll before found ``printing`` or
``paused``. The monitoring layer takes it as a machine counter (which may be reset).

An answer that is not JSON, too large or not shaped as documented is counted under its
reason in `stats` and reports nothing.
"""

import json
import logging
import math
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple, NoReturn

from bespoke.adapters.feeds import FeedStats, Sink
from bespoke.model.monitoring import MAX_TEXT, AlarmLevel, Observation, Signal

log = logging.getLogger("bespoke.moonraker")

QUERY = "/printer/objects/query?webhooks&print_stats&virtual_sdcard"
SERVER_INFO = "/server/info"
MAX_RESPONSE = 1024 * 1024
"""Bytes of one answer."""
MAX_URL = 200
URL_PATTERN = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~/-]*)?")
MACHINE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")

EXECUTION = {
    "standby": "READY",
    "printing": "ACTIVE",
    "paused": "INTERRUPTED",
    "complete": "PROGRAM_COMPLETED",
    "cancelled": "STOPPED",
    "error": "STOPPED",
}
KLIPPY_LEVEL = {
    "ready": AlarmLevel.NORMAL.value,
    "startup": AlarmLevel.WARNING.value,
    "shutdown": AlarmLevel.FAULT.value,
    "error": AlarmLevel.FAULT.value,
}
RUNNING_STATES = frozenset({"printing", "paused"})
SAMPLES = {
    "print_stats": ("print_duration", "total_duration", "filament_used"),
    "virtual_sdcard": ("progress",),
}


class Reading(NamedTuple):
    """One item as the printer answered it, before it is compared with the last report."""

    item: str
    signal: Signal
    value: float | str | None
    code: str | None = None
    message: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC)


class ShapeError(ValueError):
    """An answer not shaped as Moonraker documents it."""


def _shape(detail: str) -> NoReturn:
    raise ShapeError(detail)


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        _shape(f"{what} is {type(value).__name__}, not text")
    return value[:MAX_TEXT]


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _shape(f"{what} is {type(value).__name__}, not a number")
    number = float(value)
    if not math.isfinite(number):
        _shape(f"{what} is not finite")
    return number


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _shape(f"{what} is {type(value).__name__}, not an object")
    return value


class MoonrakerFeed:
    """One printer's observations from its Moonraker, polled every `poll_s` seconds.

    `stats.received` counts answers, `stats.delivered` observations kept by the sink,
    `stats.rejected` answers refused (`not_json`, `too_large`, `bad_shape`, `http_error`).
    """

    def __init__(
        self,
        base_url: str,
        machine: str,
        poll_s: float = 2.0,
        *,
        timeout_s: float = 5.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        base_url = base_url.rstrip("/")
        if len(base_url) > MAX_URL or not URL_PATTERN.fullmatch(base_url):
            raise ValueError(f"Moonraker URL {base_url[:80]!r} is not http(s)://host[:port]")
        if not MACHINE_PATTERN.fullmatch(machine):
            raise ValueError(f"machine {machine[:80]!r} is not {MACHINE_PATTERN.pattern}")
        if not 0.01 <= poll_s <= 3600 or not 0.1 <= timeout_s <= 600:
            raise ValueError("poll_s must be within 0.01..3600 s and timeout_s within 0.1..600 s")
        self.base_url = base_url
        self.machine = machine
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.clock = clock
        self.stats = FeedStats()
        self.sink_failures = 0
        self.server_info: Mapping[str, object] | None = None
        """What /server/info answered (versions, Klippy's state), once."""
        self.part_count = 0
        self._reported: dict[str, Reading] = {}
        self._print_state: str | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Poll and deliver to `sink` until `stop` is set; an unreachable printer is an
        UNAVAILABLE observation, never an exception."""
        while not stop.is_set():
            observations = self.poll()
            if observations:
                try:
                    sink(observations)
                except Exception:
                    self.sink_failures += 1
                    log.exception(
                        "sink failed; %s is reported again at the next poll", self.machine
                    )
                    self._reported.clear()
                else:
                    self.stats.delivered += len(observations)
            stop.wait(self.poll_s)

    def poll(self) -> list[Observation]:
        """Ask the printer once: what changed since what was last reported."""
        if self.server_info is None:
            self._ask_server_info()
        answer = self._get(QUERY)
        at = self.clock()
        if answer is None:
            return []
        if isinstance(answer, str):
            return self._unavailable(at, answer)
        try:
            status = _object(_object(answer.get("result"), "result").get("status"), "status")
            return self._available(at, status)
        except ShapeError as error:
            self.stats.reject("bad_shape", f"{self.machine}: {error}")
            return []

    def _get(self, path: str) -> dict[str, Any] | str | None:
        """The JSON object answered; or why there is no answer (the printer is
        unavailable); or None for an answer refused (and counted)."""
        url = self.base_url + path
        try:
            with self._opener.open(url, timeout=self.timeout_s) as response:
                body = response.read(MAX_RESPONSE + 1)
        except urllib.error.HTTPError as error:
            return self._http_error(error)
        except (OSError, ValueError) as error:
            return f"no answer from {self.base_url}: {error}"
        self.stats.received += 1
        if len(body) > MAX_RESPONSE:
            self.stats.reject("too_large", f"{url}: more than {MAX_RESPONSE} bytes")
            return None
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as error:
            self.stats.reject("not_json", f"{url}: {str(error)[:100]}")
            return None
        if not isinstance(document, dict):
            self.stats.reject("bad_shape", f"{url}: {type(document).__name__}, not an object")
            return None
        return document

    def _http_error(self, error: urllib.error.HTTPError) -> str:
        self.stats.received += 1
        try:
            message = json.loads(error.read(4096))["error"]["message"]
        except (ValueError, KeyError, TypeError, OSError):
            message = error.reason
        if error.code != 503:  # 503: Klippy not connected, as the printer is switched off
            self.stats.reject("http_error", f"{error.url}: {error.code} {str(message)[:200]}")
        return f"{error.code} {str(message)[:200]}"

    def _ask_server_info(self) -> None:
        answer = self._get(SERVER_INFO)
        if isinstance(answer, str):
            return
        info = None if answer is None else answer.get("result")
        if isinstance(info, dict):
            self.server_info = {
                key: info[key]
                for key in ("moonraker_version", "api_version_string", "klippy_state")
                if isinstance(info.get(key), str)
            }
            log.info("%s: Moonraker %s", self.machine, self.server_info)
        else:
            self.server_info = {}
            if answer is not None:
                self.stats.reject("bad_shape", f"{self.machine}: /server/info has no result")

    def _unavailable(self, at: datetime, why: str) -> list[Observation]:
        gone = Reading("availability", Signal.AVAILABILITY, "UNAVAILABLE")
        if self._reported.get(gone.item) == gone:
            return []
        log.warning("%s unavailable: %s", self.machine, why)
        self._reported.clear()
        self._print_state = None
        return self._changed(at, [gone])

    def _available(self, at: datetime, status: dict[str, Any]) -> list[Observation]:
        readings = [Reading("availability", Signal.AVAILABILITY, "AVAILABLE")]
        if "webhooks" in status:
            webhooks = _object(status["webhooks"], "webhooks")
            state = _text(webhooks.get("state"), "webhooks.state")
            if state not in KLIPPY_LEVEL:
                _shape(f"webhooks.state {state[:40]!r} is not one of {sorted(KLIPPY_LEVEL)}")
            message = _text(webhooks.get("state_message", ""), "webhooks.state_message")
            readings.append(Reading("webhooks", Signal.ALARM, KLIPPY_LEVEL[state], state, message))
        if "print_stats" in status:
            readings.extend(self._print(_object(status["print_stats"], "print_stats")))
        for name, fields in SAMPLES.items():
            if name in status:
                found = _object(status[name], name)
                for field in fields:
                    if field in found:
                        value = _number(found[field], f"{name}.{field}")
                        readings.append(Reading(f"{name}.{field}", Signal.SAMPLE, value))
        return self._changed(at, readings)

    def _print(self, stats: dict[str, Any]) -> list[Reading]:
        state = _text(stats.get("state"), "print_stats.state")
        if state not in EXECUTION:
            _shape(f"print_stats.state {state[:40]!r} is not one of {sorted(EXECUTION)}")
        filename = _text(stats.get("filename", ""), "print_stats.filename")
        message = _text(stats.get("message", ""), "print_stats.message")
        if state == "complete" and self._print_state in RUNNING_STATES:
            self.part_count += 1
        self._print_state = state
        failed = state == "error"
        return [
            Reading("print_stats.state", Signal.EXECUTION, EXECUTION[state]),
            Reading("print_stats.filename", Signal.PROGRAM, filename or None),
            Reading("part_count", Signal.PART_COUNT, float(self.part_count)),
            Reading("print_stats", Signal.ALARM, AlarmLevel.NORMAL.value)
            if not failed
            else Reading("print_stats", Signal.ALARM, AlarmLevel.FAULT.value, state, message),
        ]

    def _changed(self, at: datetime, readings: list[Reading]) -> list[Observation]:
        """Observations of the readings that differ from what was last reported."""
        found = []
        for reading in readings:
            if self._reported.get(reading.item) == reading:
                continue
            self._reported[reading.item] = reading
            found.append(Observation(machine=self.machine, at=at, **reading._asdict()))
        return found
