"""The Moonraker feed against a printer's API over real HTTP: a print's life as
observations, Klippy's troubles as alarms, an unreachable printer as UNAVAILABLE, and
bad answers counted while the feed keeps polling."""

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

import pytest
from tests.moonraker_server import KLIPPY_DISCONNECTED, Answer, MoonrakerServer, Printer
from tests.servers import free_port

from bespoke.adapters.moonraker import MoonrakerFeed
from bespoke.model.monitoring import Observation, Signal

MACHINE = "printer-1"
DEADLINE_S = 60
POLL_S = 0.01


class Collector:
    def __init__(self) -> None:
        self.observations: list[Observation] = []
        self._lock = threading.Lock()

    def __call__(self, batch: Sequence[Observation]) -> None:
        with self._lock:
            self.observations.extend(batch)

    def values(self, item: str) -> list[float | str | None]:
        with self._lock:
            return [o.value for o in self.observations if o.item == item]

    def of(self, item: str) -> list[Observation]:
        with self._lock:
            return [o for o in self.observations if o.item == item]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.01)


@contextmanager
def polling(feed: MoonrakerFeed, sink: Callable[[Sequence[Observation]], None]) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=feed.run, args=(sink, stop), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(DEADLINE_S)
    assert not thread.is_alive(), "the feed did not stop"


def play(steps: list[Printer | Answer]) -> tuple[MoonrakerFeed, Collector]:
    """Poll a printer through every step of its script (and a little past the last)."""
    sink = Collector()
    with MoonrakerServer(steps) as printer:
        feed = MoonrakerFeed(printer.url, MACHINE, POLL_S)
        with polling(feed, sink):
            wait_until(lambda: printer.queries > len(steps) + 2, "the script to play")
    return feed, sink


def test_a_print_s_life_becomes_execution_program_parts_and_samples() -> None:
    steps: list[Printer | Answer] = [
        Printer(),
        Printer(state="printing", filename="bracket.gcode", progress=0.1, print_duration=60),
        Printer(state="printing", filename="bracket.gcode", progress=0.5, print_duration=300),
        Printer(state="paused", filename="bracket.gcode", progress=0.5, print_duration=300),
        Printer(state="printing", filename="bracket.gcode", progress=0.9, print_duration=540),
        Printer(
            state="complete",
            filename="bracket.gcode",
            progress=1.0,
            print_duration=600,
            total_duration=660,
            filament_used=2400.5,
        ),
        Printer(),
        Printer(state="printing", filename="hook.gcode", progress=0.2),
        Printer(state="cancelled", filename="hook.gcode", progress=0.2),
    ]
    feed, sink = play(steps)
    assert sink.values("print_stats.state") == [
        "READY",
        "ACTIVE",
        "INTERRUPTED",
        "ACTIVE",
        "PROGRAM_COMPLETED",
        "READY",
        "ACTIVE",
        "STOPPED",
    ]
    assert sink.values("part_count") == [0, 1]
    assert feed.part_count == 1
    assert sink.values("print_stats.filename") == [None, "bracket.gcode", None, "hook.gcode"]
    assert sink.values("virtual_sdcard.progress") == [0, 0.1, 0.5, 0.9, 1.0, 0, 0.2]
    assert sink.values("print_stats.print_duration")[-1] == 0
    assert 600 in sink.values("print_stats.print_duration")
    assert sink.values("print_stats.filament_used") == [0, 2400.5, 0]
    assert sink.values("availability") == ["AVAILABLE"]
    assert sink.values("webhooks") == ["NORMAL"]
    assert sink.values("print_stats") == ["NORMAL"]
    signals = {o.item: o.signal for o in sink.observations}
    assert signals["print_stats.state"] is Signal.EXECUTION
    assert signals["print_stats.filename"] is Signal.PROGRAM
    assert signals["part_count"] is Signal.PART_COUNT
    assert signals["virtual_sdcard.progress"] is Signal.SAMPLE
    times = [o.at for o in sink.observations]
    assert times == sorted(times)
    assert all(at.utcoffset() is not None for at in times)
    assert {o.machine for o in sink.observations} == {MACHINE}
    assert feed.stats.delivered == len(sink.observations)
    assert not feed.stats.rejected


def test_a_klippy_shutdown_and_a_failed_print_raise_alarms() -> None:
    shutdown = "MCU 'mcu' shutdown: Timer too close"
    steps: list[Printer | Answer] = [
        Printer(state="printing", filename="a.gcode"),
        Printer(klippy="shutdown", klippy_message=shutdown, state="error", message="Lost MCU"),
        Printer(klippy="startup", klippy_message="Printer is starting"),
        Printer(),
    ]
    _, sink = play(steps)
    klippy = [(o.value, o.code, o.message) for o in sink.of("webhooks")]
    assert klippy == [
        ("NORMAL", "ready", "Printer is ready"),
        ("FAULT", "shutdown", shutdown),
        ("WARNING", "startup", "Printer is starting"),
        ("NORMAL", "ready", "Printer is ready"),
    ]
    failed = [(o.value, o.code, o.message) for o in sink.of("print_stats")]
    assert failed == [
        ("NORMAL", None, None),
        ("FAULT", "error", "Lost MCU"),
        ("NORMAL", None, None),
    ]
    assert sink.values("print_stats.state") == ["ACTIVE", "STOPPED", "READY"]
    assert sink.values("part_count") == [0]


def test_klippy_not_connected_makes_the_printer_unavailable_until_it_is_back() -> None:
    steps: list[Printer | Answer] = [
        Printer(state="printing", filename="a.gcode"),
        KLIPPY_DISCONNECTED,
        KLIPPY_DISCONNECTED,
        Printer(state="printing", filename="a.gcode"),
    ]
    feed, sink = play(steps)
    assert sink.values("availability") == ["AVAILABLE", "UNAVAILABLE", "AVAILABLE"]
    # back again, everything is reported again
    assert sink.values("print_stats.state") == ["ACTIVE", "ACTIVE"]
    assert not feed.stats.rejected


def test_an_unreachable_printer_is_unavailable_not_an_error() -> None:
    port = free_port()
    feed, sink = MoonrakerFeed(f"http://127.0.0.1:{port}", MACHINE, POLL_S), Collector()
    with ExitStack() as later, polling(feed, sink):  # the feed stops before the printer
        wait_until(lambda: sink.values("availability") == ["UNAVAILABLE"], "UNAVAILABLE")
        printer = later.enter_context(
            MoonrakerServer([Printer(state="printing", filename="a.gcode")], port)
        )
        wait_until(lambda: len(sink.values("availability")) == 2, "the printer back")
    assert printer.server_info_queries == 1
    assert sink.values("availability") == ["UNAVAILABLE", "AVAILABLE"]
    assert sink.values("print_stats.state") == ["ACTIVE"]
    assert feed.server_info is not None
    assert feed.server_info["moonraker_version"] == "v0.9.3-1-gtest"


def test_bad_answers_are_counted_and_polling_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    steps: list[Printer | Answer] = [
        Answer(200, b"<html>Bad Gateway</html>"),
        Answer(200, b'{"result": {"eventtime": 1.0, "status": []}}'),
        Answer(200, b'{"result": {"status": {"print_stats": {"state": "dancing"}}}}'),
        Answer(200, b'{"result": {"status": {"virtual_sdcard": {"progress": "half"}}}}'),
        Answer(200, b"[1, 2]"),
        Answer(200, b" " * (1024 * 1024 + 1)),
        Answer(401, b'{"error": {"code": 401, "message": "Unauthorized"}}'),
        Printer(state="printing", filename="a.gcode"),
    ]
    feed, sink = play(steps)
    assert feed.stats.rejected == {
        "not_json": 1,
        "bad_shape": 4,
        "too_large": 1,
        "http_error": 1,
    }
    assert sink.values("print_stats.state") == ["ACTIVE"]
    assert sink.values("availability") == ["UNAVAILABLE", "AVAILABLE"]
    assert "dancing" in caplog.text
    assert "Unauthorized" in caplog.text


def test_after_a_failing_sink_everything_is_reported_again() -> None:
    failed: list[int] = []

    def sink(batch: Sequence[Observation]) -> None:
        if not failed:
            failed.append(len(batch))
            raise RuntimeError("database went away")
        kept.extend(batch)

    kept: list[Observation] = []
    with MoonrakerServer([Printer(state="printing", filename="a.gcode")]) as printer:
        feed = MoonrakerFeed(printer.url, MACHINE, POLL_S)
        with polling(feed, sink):
            wait_until(lambda: printer.queries > 3, "a few polls")
    assert feed.sink_failures == 1
    assert len(kept) == failed[0]
    assert {o.item for o in kept} >= {"availability", "print_stats.state", "part_count"}


@pytest.mark.parametrize(
    "url", ["ftp://printer", "http://printer:7125/?x=1", "printer:7125", "http://" + "p" * 300]
)
def test_a_bad_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="Moonraker URL"):
        MoonrakerFeed(url, MACHINE)
