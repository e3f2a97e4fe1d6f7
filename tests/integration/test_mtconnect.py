"""MTConnect feeds on real recordings (../shared/fixtures/mtconnect, see SOURCES.md there),
over real sockets: the SHDR feed against the SHDR replay server, the agent feed against the
replay agent. Expected figures are counted from the raw files by the simplest means (split
on `|`, grep), not by the code under test."""

import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bespoke.adapters.feeds import Feed, FeedStats, MachineNames
from bespoke.adapters.mtconnect import (
    AgentError,
    AgentFeed,
    AgentReplayServer,
    Device,
    DocumentError,
    ShdrFeed,
    ShdrReplayServer,
    SourceUnreachableError,
    parse_probe,
    parse_shdr,
    parse_streams,
)
from bespoke.adapters.mtconnect.readings import Refusals
from bespoke.adapters.mtconnect.streams import devices_of, observations
from bespoke.model.monitoring import Observation, Signal

WAIT_S = 20.0
SENTINEL = "2030-01-01T00:00:00Z|avail|UNAVAILABLE"
"""Appended to a recording: once it is delivered, everything before it was read."""
OKUMA = MachineNames(frozenset({"okuma"}), {"OKUMA": "okuma"})


@pytest.fixture(scope="module")
def mtconnect(shared_fixtures: Path) -> Path:
    return shared_fixtures / "mtconnect"


@pytest.fixture(scope="module")
def demo_probe(mtconnect: Path) -> bytes:
    return (mtconnect / "cppagent_demo_Devices.xml").read_bytes()


@pytest.fixture(scope="module")
def okuma(demo_probe: bytes) -> Device:
    device = parse_probe(demo_probe).device("OKUMA")
    assert device is not None
    return device


@pytest.fixture(scope="module")
def okuma_lines(mtconnect: Path) -> list[str]:
    return (mtconnect / "cppagent_demo_okuma_shdr.txt").read_text(encoding="utf-8").splitlines()


def raw_values(lines: Sequence[str], key: str) -> list[str]:
    """The value after every field equal to `key` in the data lines (a plain split)."""
    values = []
    for line in lines:
        fields = line.split("|")
        if not fields[0][:1].isdigit() or len(fields) < 2 or fields[1].startswith("@"):
            continue
        values += [fields[i + 1] for i in range(1, len(fields) - 1) if fields[i] == key]
    return values


def unavailable(observation: Observation) -> bool:
    """UNAVAILABLE: no value, or a condition at that level."""
    if observation.signal is Signal.ALARM:
        return observation.value == "UNAVAILABLE"
    return observation.value is None


def changes(values: Sequence[object]) -> int:
    return sum(1 for before, after in itertools.pairwise(values) if before != after)


class Collector:
    """A sink that keeps every batch, and waits until what it got satisfies a test."""

    def __init__(self) -> None:
        self.got: list[Observation] = []
        self.batches = 0
        self._changed = threading.Condition()

    def __call__(self, batch: Sequence[Observation]) -> None:
        with self._changed:
            self.got.extend(batch)
            self.batches += 1
            self._changed.notify_all()

    def wait(self, done: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(done, timeout=WAIT_S), "the feed did not deliver"

    def sentinel(self) -> bool:
        return any(observation.at.year == 2030 for observation in self.got)


@contextmanager
def running(feed: Feed, sink: Collector) -> Iterator[threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=feed.run, args=(sink, stop), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(WAIT_S)
        assert not thread.is_alive()


# -- probes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "devices"),
    [
        ("cppagent_demo_Devices.xml", {"OKUMA": 100, "Mazak": 116}),
        ("cppagent_samples_haas_Devices.xml", {"Haas_1": 14}),
        ("nodeagent_Mazak01_Devices.xml", {"Mazak01": 67}),
    ],
)
def test_each_probe_parses(mtconnect: Path, name: str, devices: dict[str, int]) -> None:
    text = (mtconnect / name).read_text(encoding="utf-8")
    probe = parse_probe(text.encode())
    assert {device.name: len(device.items) for device in probe.devices} == devices
    assert sum(devices.values()) == len(re.findall(r"<DataItem\b", text))
    for device in probe.devices:
        signals = Counter(item.signal for item in device.items)
        assert signals[Signal.EXECUTION] >= 1
        assert signals[Signal.AVAILABILITY] == 1
        assert signals[Signal.RUN_HOURS] <= 1
        conditions = [item for item in device.items if item.category == "CONDITION"]
        assert all(item.signal is Signal.ALARM for item in conditions)


def test_the_okuma_device_is_the_one_of_the_okuma_recording(
    demo_probe: bytes, okuma_lines: list[str]
) -> None:
    probe = parse_probe(demo_probe)
    keys = set(okuma_lines[0].split("|")[1::2])
    okuma, mazak = probe.device("OKUMA"), probe.device("Mazak")
    assert okuma is not None and mazak is not None
    assert okuma.uuid == "OKUMA.123456"
    assert sum(okuma.item(key) is not None for key in keys) >= len(keys) - 1
    assert sum(mazak.item(key) is not None for key in keys) < len(keys) // 4
    named = {item.signal: item.key for item in okuma.items if item.signal is not Signal.SAMPLE}
    assert named[Signal.EXECUTION] == "pexecution"
    assert named[Signal.PART_COUNT] == "ppartcount"
    assert named[Signal.PROGRAM] == "pprogram"
    assert named[Signal.MODE] == "pmode"
    assert named[Signal.RUN_HOURS] == "p1ETWorking"  # EQUIPMENT_TIMER WORKING comes first


# -- SHDR ---------------------------------------------------------------------------------


def raw_reading_count(lines: Sequence[str], device: Device) -> int:
    """Readings in the data lines, walking key|value pairs and conditions' six fields."""
    count = 0
    for line in lines:
        fields = line.split("|")
        if not line[:4].isdigit() or fields[1].startswith("@"):
            continue
        index = 1
        while index < len(fields):
            item = device.item(fields[index])
            count += item is not None
            index += 6 if item is not None and item.category == "CONDITION" else 2
    return count


def test_the_okuma_recording_over_a_socket(okuma: Device, okuma_lines: list[str]) -> None:
    sink = Collector()
    with ShdrReplayServer([*okuma_lines, SENTINEL]) as server:
        feed = ShdrFeed("127.0.0.1", server.port, okuma, "okuma")
        with running(feed, sink):
            sink.wait(sink.sentinel)
    got = sink.got[:-1]
    executions = [o.value for o in got if o.signal is Signal.EXECUTION]
    assert executions == raw_values(okuma_lines, "pexecution")
    assert changes(executions) == changes(raw_values(okuma_lines, "pexecution")) == 12
    counts = [o.value for o in got if o.signal is Signal.PART_COUNT]
    assert counts == [float(value) for value in raw_values(okuma_lines, "ppartcount")]
    assert len(got) == raw_reading_count(okuma_lines, okuma)  # asset blocks give nothing
    assert all(okuma.item(o.item) is not None and o.machine == "okuma" for o in got)
    assert not any("CuttingTool" in str(o.value) for o in got)
    assert feed.stats.rejected == Counter({"unknown data item": 4})  # ApplicationInstallDate
    assert feed.stats.delivered == len(sink.got)
    assert feed.heartbeat_ms == 10_000  # the replay answered the feed's ping
    alarms = [o for o in got if o.signal is Signal.ALARM]
    assert len(alarms) == 40 and {o.value for o in alarms} == {"NORMAL"}


def test_the_mazak_log_mixes_times_with_and_without_z_all_utc(mtconnect: Path) -> None:
    probe = parse_probe((mtconnect / "nodeagent_Mazak01_Devices.xml").read_bytes())
    lines = (mtconnect / "nodeagent_Mazak01_shdr.log").read_text(encoding="utf-8").splitlines()
    got, stats = parse_shdr(lines, probe.devices[0], "mazak")
    assert len(got) == len(lines) == 430 and not stats.rejected
    assert all(o.at.utcoffset() == timedelta(0) for o in got)
    assert got[0].at == datetime(2017, 10, 18, 14, 56, 3, 173473, tzinfo=UTC)  # with Z
    assert got[2].at == datetime(2017, 10, 28, 5, 5, 34, 173147, tzinfo=UTC)  # without
    hours = [o.value for o in got if o.signal is Signal.RUN_HOURS]
    assert hours == [float(value) / 3600 for value in raw_values(lines, "auto_time")]
    assert {o.value for o in got if o.signal is Signal.ALARM} == {"NORMAL"}


def test_the_simulator_scenario_counts_delays(mtconnect: Path) -> None:
    haas = parse_probe((mtconnect / "cppagent_samples_haas_Devices.xml").read_bytes())
    lines = (mtconnect / "cppagent_simple_scenario_1_shdr.txt").read_text().splitlines()
    start = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    got, stats = parse_shdr(lines, haas.devices[0], "haas", delays=True, start=start)
    executions = [(o.value, o.at) for o in got if o.signal is Signal.EXECUTION]
    assert [value for value, _ in executions] == raw_values(lines, "execution")
    assert executions[0][1] == start + timedelta(seconds=2)
    assert executions[-1][1] == start + timedelta(seconds=2 * len(lines))
    assert [o.value for o in got if o.signal is Signal.PROGRAM] == ["Tap", "Countersink"]
    assert stats.rejected == Counter({"unknown data item": 4})  # tool_id: not a Haas item


def test_bad_shdr_lines_are_counted_and_the_feed_goes_on(okuma: Device) -> None:
    recording: list[str | bytes] = [
        "2024-01-01T00:00:00Z|pexecution|READY",
        "2024-01-01T00:00:01Z|nosuchitem|1|pexecution|ACTIVE",
        b"\xff\xfe garbage \xc3",
        b"\x00\x01\x02|binary",
        "2024-01-01T00:00:02Z|p1block|" + "x" * (70 * 1024),
        "yesterday|pexecution|STOPPED",
        "2024-01-01T00:00:03Z|Z1actm|not-a-number|ppartcount|7",
        "2024-01-01T00:00:04Z|system|BROKEN|1|2||text",
        "2024-01-01T00:00:05Z|@ASSET@|A1|CuttingTool|--multiline--XYZ",
        "2024-01-01T00:00:06Z|pexecution|FROM_AN_ASSET",
        "--multiline--XYZ",
        "* PING",
        "2024-01-01T00:00:07Z|system|FAULT|1000|1|HIGH|Spindle overload",
        SENTINEL,
    ]
    sink = Collector()
    with ShdrReplayServer(recording) as server:
        feed = ShdrFeed("127.0.0.1", server.port, okuma, "okuma")
        with running(feed, sink):
            sink.wait(sink.sentinel)
    delivered = [(o.item, o.value) for o in sink.got]
    assert delivered == [
        ("pexecution", "READY"),
        ("pexecution", "ACTIVE"),
        ("ppartcount", 7.0),
        ("system", "FAULT"),
        ("avail", None),
    ]
    fault = sink.got[3]
    assert (fault.code, fault.message) == ("1000", "Spindle overload")
    assert feed.stats.rejected == Counter(
        {
            "unknown data item": 1,
            "not UTF-8": 1,
            "control characters": 1,
            "overlong line": 1,
            "bad timestamp": 1,
            "bad value": 1,
            "bad condition level": 1,
        }
    )


def test_an_unreachable_adapter_or_agent_is_said_at_the_start(okuma: Device) -> None:
    with ShdrReplayServer([]) as server:
        port = server.port
    with pytest.raises(SourceUnreachableError):
        ShdrFeed("127.0.0.1", port, okuma, "okuma").run(Collector(), threading.Event())
    with pytest.raises(SourceUnreachableError):
        AgentFeed(f"http://127.0.0.1:{port}", OKUMA).run(Collector(), threading.Event())


# -- agent documents ----------------------------------------------------------------------


def test_the_nist_current_document(mtconnect: Path) -> None:
    text = (mtconnect / "nist_mazak_i200ST_current.xml").read_text(encoding="utf-8")
    streams = parse_streams(text.encode())
    header = streams.header
    assert (header.instance_id, header.first_sequence) == (1477063227, 16589)
    assert (header.next_sequence, header.last_sequence) == (20685, 20684)
    assert len(streams.entries) == 129 == len(re.findall(r'\bsequence="', text))
    sequences = [entry.sequence for entry in streams.entries]
    assert sequences == sorted(sequences)
    stats = FeedStats()
    found = observations(streams.entries, devices_of(streams), lambda _: "m", Refusals(stats))
    got = [observation for _, observation in found]
    assert len(got) == 129 and not stats.rejected
    levels = Counter(str(o.value) for o in got if o.signal is Signal.ALARM)
    expected = {level: len(re.findall(rf"<{level.capitalize()} ", text)) for level in levels}
    assert levels == expected and set(levels) == {"NORMAL", "WARNING", "FAULT", "UNAVAILABLE"}
    warning = next(o for o in got if o.value == "WARNING")
    assert (warning.item, warning.code, warning.message) == (
        "system_cond",
        "468",
        "MAINTENANCE CHECK WARNING",
    )
    unavailable = text.count(">UNAVAILABLE<")
    assert sum(o.value is None for o in got) == unavailable
    assert {o.item: o.value for o in got if o.signal is Signal.PART_COUNT} == {
        "PartCountAct": 1423.0,
        "PartCountAct2": 1000.0,
    }
    assert [o.value for o in got if o.signal is Signal.EXECUTION] == ["FEED_HOLD", "FEED_HOLD"]
    assert [o.item for o in got if o.signal is Signal.RUN_HOURS] == ["auto_time"]


def test_malformed_and_error_documents() -> None:
    with pytest.raises(DocumentError, match="malformed XML"):
        parse_streams(b"<MTConnectStreams><Header instanceId='1'")
    with pytest.raises(DocumentError, match="expected MTConnectStreams"):
        parse_streams(b"<html><body>502 Bad Gateway</body></html>")
    with pytest.raises(DocumentError, match="firstSequence"):
        parse_streams(b"<MTConnectStreams><Header instanceId='1'/></MTConnectStreams>")
    with pytest.raises(DocumentError, match="no Device"):
        parse_probe(b"<MTConnectDevices><Header/><Devices/></MTConnectDevices>")
    with pytest.raises(AgentError) as raised:
        parse_streams(ERROR_DOCUMENT)
    assert raised.value.instance_id == 7
    assert raised.value.errors == (("OUT_OF_RANGE", "'from' must be greater than 4"),)


ERROR_DOCUMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<MTConnectError xmlns="urn:mtconnect.org:MTConnectError:1.3">
  <Header creationTime="2024-01-01T00:00:00Z" sender="agent" instanceId="7" version="1.3.0"
    bufferSize="131072"/>
  <Errors><Error errorCode="OUT_OF_RANGE">'from' must be greater than 4</Error></Errors>
</MTConnectError>"""


# -- agent feed ---------------------------------------------------------------------------


def test_the_agent_feed_delivers_everything_in_order_once(
    demo_probe: bytes, okuma: Device, okuma_lines: list[str]
) -> None:
    lines = [*okuma_lines[:2500], SENTINEL]
    expected, _ = parse_shdr(lines, okuma, "okuma")
    sink = Collector()
    with AgentReplayServer(demo_probe, lines, "OKUMA", autoplay=False) as agent:
        feed = AgentFeed(agent.url, OKUMA, poll_s=0.05, count=500)
        with running(feed, sink):
            sink.wait(lambda: sink.batches >= 1)
            start = list(sink.got)  # /current of an agent just started: all UNAVAILABLE
            agent.advance(len(lines))
            sink.wait(sink.sentinel)
    assert len(start) == len(okuma.items) and all(unavailable(o) for o in start)
    assert sink.got[len(start) :] == expected
    assert sink.batches > len(expected) // 500
    mazak = parse_probe(demo_probe).device("Mazak")
    assert mazak is not None
    assert feed.stats.rejected == Counter({"unknown machine": len(mazak.items)})
    assert feed.restarts == 0


def test_the_agent_feed_counts_a_gap_and_carries_on(
    demo_probe: bytes, okuma_lines: list[str]
) -> None:
    sink = Collector()
    replay = AgentReplayServer(demo_probe, okuma_lines, "OKUMA", autoplay=False, buffer_size=50)
    with replay as agent:
        feed = AgentFeed(agent.url, OKUMA, poll_s=0.05, count=10)
        with running(feed, sink):
            sink.wait(lambda: feed.next_sequence == agent.next_sequence)
            agent.advance(200)  # far more than 50 readings at once: a slow client's gap
            sink.wait(lambda: feed.stats.rejected["gap"] == 1)
            sink.wait(lambda: feed.next_sequence == agent.next_sequence)
            before = len(sink.got)
            added = agent.advance(5)
            sink.wait(lambda: len(sink.got) == before + added)
    assert feed.stats.rejected["gap"] == 1


def test_the_agent_feed_follows_a_restart(
    demo_probe: bytes, okuma: Device, okuma_lines: list[str]
) -> None:
    lines = [*okuma_lines[:300], SENTINEL]
    sink = Collector()
    with AgentReplayServer(demo_probe, lines, "OKUMA", autoplay=False) as agent:
        feed = AgentFeed(agent.url, OKUMA, poll_s=0.05, count=1000)
        with running(feed, sink):
            agent.advance(100)
            sink.wait(lambda: feed.next_sequence == agent.next_sequence)
            agent.restart()
            sink.wait(lambda: feed.restarts == 1 and feed.next_sequence == agent.next_sequence)
            restarted = len(sink.got)
            agent.advance(len(lines))
            sink.wait(sink.sentinel)
    assert all(unavailable(o) for o in sink.got[restarted - len(okuma.items) : restarted])
    assert feed.stats.rejected["gap"] == 0


def test_the_agent_feed_counts_broken_answers_and_goes_on(
    demo_probe: bytes, okuma: Device, okuma_lines: list[str]
) -> None:
    lines = [*okuma_lines[:200], SENTINEL]
    expected, _ = parse_shdr(lines, okuma, "okuma")
    sink = Collector()
    with AgentReplayServer(demo_probe, lines, "OKUMA", autoplay=False) as agent:
        feed = AgentFeed(agent.url, OKUMA, poll_s=0.05, count=1000)
        with running(feed, sink):
            sink.wait(lambda: feed.next_sequence == agent.next_sequence)
            start = len(sink.got)
            agent.inject(b"<MTConnectStreams><Header instanceId=", 200)
            agent.inject(b"\x00\xff garbage", 502)
            error = ERROR_DOCUMENT.replace(b"OUT_OF_RANGE", b"INTERNAL_ERROR")
            agent.inject(error.replace(b'"7"', b'"%d"' % agent.instance_id), 500)
            agent.advance(len(lines))
            sink.wait(sink.sentinel)
    assert sink.got[start:] == expected  # nothing wrong, nothing twice
    assert feed.stats.rejected["malformed document"] == 2
    assert feed.stats.rejected["agent error"] == 1


# -- replay modes -------------------------------------------------------------------------


def test_the_shdr_feed_connects_again_when_the_adapter_goes(okuma: Device) -> None:
    sink = Collector()
    first = ShdrReplayServer(["2024-01-01T00:00:00Z|pexecution|ACTIVE"]).start()
    port = first.port
    feed = ShdrFeed("127.0.0.1", port, okuma, "okuma", retry_s=0.05)
    with running(feed, sink):
        sink.wait(lambda: len(sink.got) == 1)
        first.stop()
        with ShdrReplayServer(["2024-01-01T00:00:01Z|pexecution|READY", SENTINEL], port=port):
            sink.wait(sink.sentinel)
    assert [o.value for o in sink.got] == ["ACTIVE", "READY", None]
    assert feed.connections >= 2  # one more when it came while the first was closing


def test_a_live_looping_replay_is_stamped_now(okuma: Device) -> None:
    recording = ["2022-08-08T13:51:34Z|pexecution|ACTIVE", "2022-08-08T13:51:35Z|pexecution|READY"]
    started = datetime.now(UTC)
    sink = Collector()
    with ShdrReplayServer(recording, speed=100.0, loop=True, live=True) as server:
        feed = ShdrFeed("127.0.0.1", server.port, okuma, "okuma")
        with running(feed, sink):
            sink.wait(lambda: len(sink.got) >= 6)
    assert [o.value for o in sink.got[:6]] == ["ACTIVE", "READY"] * 3
    assert all(o.at >= started for o in sink.got)


def test_the_replay_agent_plays_on_its_own(
    demo_probe: bytes, okuma: Device, okuma_lines: list[str]
) -> None:
    lines = okuma_lines[:200]
    expected, _ = parse_shdr(lines, okuma, "okuma")
    every_item = sum(len(device.items) for device in parse_probe(demo_probe).devices)
    started = datetime.now(UTC)
    sink = Collector()
    with AgentReplayServer(demo_probe, lines, "OKUMA", live=True) as agent:
        feed = AgentFeed(agent.url, OKUMA, poll_s=0.05)
        with running(feed, sink):
            sink.wait(lambda: feed.next_sequence == every_item + len(expected) + 1)
    latest = {o.item: o.value for o in sink.got}
    assert latest == {**{item.key: None for item in okuma.items}, **latest}
    assert {o.item: o.value for o in expected}.items() <= latest.items()
    assert all(o.at >= started for o in sink.got)
