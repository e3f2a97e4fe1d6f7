"""The SHDR parser, the replay's timing and the streams writer, on a small probe: the
protocol's corners that the real recordings do not all show."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bespoke.adapters.feeds import FeedStats
from bespoke.adapters.mtconnect import Device, ShdrParser, parse_probe, parse_shdr, parse_streams
from bespoke.adapters.mtconnect.readings import Reading, Refusals
from bespoke.adapters.mtconnect.replay import cues, restamp
from bespoke.adapters.mtconnect.shdr import MAX_BLOCK, tokens
from bespoke.adapters.mtconnect.streams import StreamsHeader, observations
from bespoke.adapters.mtconnect.writer import streams_document
from bespoke.model.monitoring import Signal

PROBE = b"""<?xml version="1.0"?>
<MTConnectDevices xmlns="urn:mtconnect.org:MTConnectDevices:1.3"
    xmlns:x="urn:example.com:Vendor:1.3">
  <Header instanceId="5" bufferSize="10" creationTime="2024-01-01T00:00:00Z" sender="s"
    version="1.3"/>
  <Devices>
    <Device id="d1" name="Lathe" uuid="L-1">
      <DataItems>
        <DataItem id="avail" type="AVAILABILITY" category="EVENT"/>
      </DataItems>
      <Components>
        <Controller id="c1" name="controller">
          <DataItems>
            <DataItem id="exec" name="execution" type="EXECUTION" category="EVENT"/>
            <DataItem id="msg" type="MESSAGE" category="EVENT"/>
            <DataItem id="alarm" type="ALARM" category="EVENT"/>
            <DataItem id="cond" name="system" type="SYSTEM" category="CONDITION"/>
            <DataItem id="pc_all" name="parts" type="PART_COUNT" subType="ALL" category="EVENT"/>
            <DataItem id="pc_bad" name="rejects" type="PART_COUNT" subType="BAD"
              category="EVENT"/>
            <DataItem id="timer" name="worked" type="EQUIPMENT_TIMER" subType="WORKING"
              category="SAMPLE" units="SECOND"/>
            <DataItem id="acc" name="auto" type="ACCUMULATED_TIME" subType="x:AUTO"
              category="SAMPLE"/>
            <DataItem id="unit" name="unit" type="x:UNIT" category="EVENT"/>
            <DataItem id="pos" name="pos" type="PATH_POSITION" category="SAMPLE"/>
            <DataItem id="vib" name="vib" type="DISPLACEMENT" category="SAMPLE"
              representation="TIME_SERIES"/>
            <DataItem id="vars" name="vars" type="VARIABLE" category="EVENT"
              representation="DATA_SET"/>
            <DataItem id="load" name="Sload" type="LOAD" category="SAMPLE" units="PERCENT"/>
          </DataItems>
        </Controller>
      </Components>
    </Device>
  </Devices>
</MTConnectDevices>"""

T0 = "2024-03-01T10:00:00Z"
AT = datetime(2024, 3, 1, 10, tzinfo=UTC)


@pytest.fixture
def lathe() -> Device:
    return parse_probe(PROBE).devices[0]


def test_signals_of_the_small_probe(lathe: Device) -> None:
    signals = {item.key: item.signal for item in lathe.items}
    assert signals["parts"] is Signal.PART_COUNT
    assert signals["rejects"] is Signal.SAMPLE  # another count: a sample
    assert signals["worked"] is Signal.RUN_HOURS  # EQUIPMENT_TIMER WORKING first
    assert signals["auto"] is Signal.SAMPLE  # only one run-hours item a device
    assert signals["system"] is Signal.ALARM and signals["alarm"] is Signal.ALARM


def test_fields_split_trim_and_unquote() -> None:
    assert tokens(' a | "b \\" c" |') == ["a", 'b " c', ""]
    assert tokens("t|cond|NORMAL||||") == ["t", "cond", "NORMAL", "", "", "", ""]


def test_every_kind_of_item_takes_its_fields(lathe: Device) -> None:
    lines = [
        f"{T0}|execution|ACTIVE|msg|E12|Door open|Sload|12.5",
        f"{T0}|system|FAULT|E7|2|HIGH|Spindle hot|parts|3|rejects|1",
        f"{T0}|alarm|A1|N1|ERROR|ACTIVE|Overtravel",
        f"{T0}|vib|3|100|1 2 3|Lathe:execution|READY|L-1:unit|7",
        f"{T0}|worked|7200|pos|1 2 3|vars|a=1 b=2",
        f"{T0}@12.5|avail|unavailable",
    ]
    got, stats = parse_shdr(lines, lathe, "lathe")
    assert not stats.rejected
    assert [(o.item, o.value, o.code, o.message) for o in got] == [
        ("execution", "ACTIVE", None, None),
        ("msg", "Door open", "E12", None),
        ("Sload", 12.5, None, None),
        ("system", "FAULT", "E7", "Spindle hot"),
        ("parts", 3.0, None, None),
        ("rejects", 1.0, None, None),
        ("alarm", "FAULT", "N1", "Overtravel"),
        ("vib", "1 2 3", None, None),
        ("execution", "READY", None, None),
        ("unit", "7", None, None),
        ("worked", 2.0, None, None),  # 7200 seconds are 2 hours
        ("pos", "1 2 3", None, None),
        ("vars", "a=1 b=2", None, None),
        ("avail", None, None, None),
    ]
    assert all(o.at == AT for o in got)


def test_protocol_lines_assets_and_blocks_carry_nothing(lathe: Device) -> None:
    stats = FeedStats()
    parser = ShdrParser(lathe, stats)
    lines = [
        "* PING",
        "* PONG 10000",
        "*adapterVersion:UNAVAILABLE",
        "",
        f"{T0}|@REMOVE_ALL_ASSETS@|CuttingTool",
        f"{T0}|@ASSET@|T1|CuttingTool|--multiline--0FED",
        f"{T0}|execution|ACTIVE",
        "<CuttingTool/>",
        "--multiline--0FED",
        f"{T0}|execution|READY",
    ]
    got = [o.value for line in lines for o in parser.observations(line, "lathe")]
    assert got == ["READY"]
    assert parser.skipped == Counter({"protocol": 3, "blank": 1, "asset": 2})


def test_an_unterminated_block_is_given_up(lathe: Device) -> None:
    stats = FeedStats()
    parser = ShdrParser(lathe, stats)
    parser.readings(f"{T0}|@ASSET@|T1|CuttingTool|--multiline--END")
    filler = "<x/>" * 1000
    for _ in range(MAX_BLOCK // len(filler) + 1):
        assert parser.readings(filler) == []
    assert stats.rejected == Counter({"unterminated multiline block": 1})
    assert [r.value for r in parser.readings(f"{T0}|execution|ACTIVE")] == ["ACTIVE"]


def test_bad_values_are_refused_and_the_rest_of_the_line_kept(lathe: Device) -> None:
    lines = [
        f"{T0}|Sload|nan|execution|ACTIVE",
        f"{T0}|Sload|",
        f"{T0}|parts|three",
        f"{T0}|system|LOUD|1|||",
        f"{T0}|vib|3|100",
        f"{T0}|execution",
        "2024-13-45T99:00:00Z|execution|READY",
        f"{T0}",
        f"{T0}|unknown|1|execution|STOPPED",
    ]
    got, stats = parse_shdr(lines, lathe, "lathe")
    assert [o.value for o in got] == ["ACTIVE", "STOPPED"]
    assert stats.rejected == Counter(
        {
            "bad value": 3,
            "bad condition level": 1,
            "missing value": 2,
            "bad timestamp": 1,
            "missing data": 1,
            "unknown data item": 1,
        }
    )


def test_delays_must_be_seconds(lathe: Device) -> None:
    got, stats = parse_shdr(["-1|execution|READY", "x|execution|READY"], lathe, "l", delays=True)
    assert not got and stats.rejected == Counter({"bad delay": 2})


def test_replay_waits_are_the_recorded_gaps_over_the_speed() -> None:
    recording = [
        "2024-01-01T00:00:00Z|a|1",
        "2024-01-01T00:00:10Z|a|2",
        "2024-01-01T00:00:05Z|a|3",  # back in time: no wait
        "2024-01-01T01:00:05Z|a|4|--multiline--Q",  # an hour: capped
        "<body/>",
        "--multiline--Q",
        "* PING",
        "garbage",
    ]
    waits = [cue.wait_s for cue in cues(recording, speed=2.0, max_gap_s=60.0)]
    assert waits == [0.0, 5.0, 0.0, 30.0, 0.0, 0.0, 0.0, 0.0]
    assert [cue.timed for cue in cues(recording)] == [True] * 4 + [False] * 4
    assert {cue.wait_s for cue in cues(recording, speed=None)} == {0.0}
    delays = [cue.wait_s for cue in cues(["2|a|1", "0.5|a|2"], speed=1.0, delays=True)]
    assert delays == [2.0, 0.5]
    assert restamp(b"2|a|1", AT) == b"2024-03-01T10:00:00.000000Z|a|1"


def test_written_streams_read_back(lathe: Device) -> None:
    item = {item.key: item for item in lathe.items}
    readings = [
        (7, Reading(item["system"], AT, "Spindle hot", "FAULT", "E7", "2", "HIGH")),
        (8, Reading(item["unit"], AT, "7")),
        (9, Reading(item["vars"], AT, "a=1 b=2")),
        (10, Reading(item["vib"], AT, "1 2 3")),
        (11, Reading(item["Sload"], AT, None)),
        (12, Reading(item["alarm"], AT, "Overtravel", "FAULT", "N1", "ERROR")),
    ]
    document = streams_document(StreamsHeader(5, 1, 13, 12, 10), [lathe], readings)
    streams = parse_streams(document)
    assert streams.header == StreamsHeader(5, 1, 13, 12, 10)
    assert [(e.item.type, e.item.representation) for e in streams.entries] == [
        ("SYSTEM", None),
        ("x:UNIT", None),
        ("VARIABLE", "DATA_SET"),
        ("DISPLACEMENT", "TIME_SERIES"),
        ("LOAD", None),
        ("ALARM", None),
    ]
    stats = FeedStats()
    found = observations(streams.entries, [lathe], lambda _: "lathe", Refusals(stats))
    got = [(s, o.value, o.code, o.message) for s, o in found]
    assert got == [
        (7, "FAULT", "E7", "Spindle hot"),
        (8, "7", None, None),
        (9, "a=1 b=2", None, None),
        (10, "1 2 3", None, None),
        (11, None, None, None),
        (12, "FAULT", "N1", "Overtravel"),
    ]
    assert not stats.rejected
    assert all(o.at == AT and o.at.utcoffset() == timedelta(0) for _, o in found)
