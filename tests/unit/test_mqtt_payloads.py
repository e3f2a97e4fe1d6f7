"""The MQTT convention: what a message means, and why a bad one is refused."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bespoke.adapters.feeds import MachineNames
from bespoke.adapters.mqtt_payloads import (
    MAX_PAYLOAD,
    MAX_READINGS,
    MAX_VALUES,
    PayloadError,
    Refusal,
    observations_of,
    reading_payload,
    subscription_of,
    topic_of,
)
from bespoke.model.monitoring import MAX_ITEM, MAX_TEXT, Observation, Signal

SHOP = "acme"
MACHINES = MachineNames(frozenset({"laser-1", "mill-2"}), {"L1": "laser-1"})
TOPIC = "bespoke/acme/L1/observations"
AT = "2026-12-07T10:00:00Z"
START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def read(payload: object, topic: str = TOPIC) -> list[Observation]:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return observations_of(topic, raw, SHOP, MACHINES)


def refusal(payload: object, topic: str = TOPIC) -> Refusal:
    with pytest.raises(PayloadError) as caught:
        read(payload, topic)
    return caught.value.reason


def test_the_documented_example_reads_as_signals_samples_and_an_alarm() -> None:
    found = read(
        {
            "at": AT,
            "values": {"execution": "ACTIVE", "part_count": 12, "spindle_load": 31.5},
            "alarms": [{"code": "E101", "level": "FAULT", "message": "Spindle overheat"}],
        }
    )
    by_item = {o.item: o for o in found}
    assert {o.machine for o in found} == {"laser-1"}
    assert {o.at for o in found} == {START}
    assert by_item["execution"].signal is Signal.EXECUTION
    assert by_item["part_count"].signal is Signal.PART_COUNT
    assert by_item["part_count"].value == 12.0
    assert by_item["spindle_load"].signal is Signal.SAMPLE
    alarm = by_item["alarm"]
    assert (alarm.signal, alarm.value, alarm.code, alarm.message) == (
        Signal.ALARM,
        "FAULT",
        "E101",
        "Spindle overheat",
    )


@pytest.mark.parametrize(
    ("item", "value", "signal"),
    [
        ("availability", "AVAILABLE", Signal.AVAILABILITY),
        ("emergency_stop", "TRIGGERED", Signal.EMERGENCY_STOP),
        ("mode", "MANUAL_DATA_INPUT", Signal.MODE),
        ("run_hours", 1234.5, Signal.RUN_HOURS),
        ("program", "bracket.gcode", Signal.PROGRAM),
        ("execution", None, Signal.EXECUTION),
        ("temperature", None, Signal.SAMPLE),
        ("door", "OPEN", Signal.SAMPLE),
    ],
)
def test_a_value_named_like_a_signal_carries_it(item: str, value: object, signal: Signal) -> None:
    (found,) = read({"at": AT, "values": {item: value}})
    assert (found.item, found.signal, found.value) == (item, signal, value)


def test_times_keep_their_instant_in_utc() -> None:
    (found,) = read({"at": "2026-12-07T11:30:00+01:30", "values": {"x": 1}})
    assert found.at == START
    assert found.at.tzinfo == UTC


def test_a_list_carries_what_a_gateway_buffered() -> None:
    found = read(
        [
            {"at": AT, "values": {"execution": "ACTIVE"}},
            {"at": "2026-12-07T10:00:07Z", "values": {"execution": "READY"}},
        ]
    )
    assert [(o.value, o.at) for o in found] == [
        ("ACTIVE", START),
        ("READY", START + timedelta(seconds=7)),
    ]


def test_a_machine_is_named_natively_or_by_its_id() -> None:
    (found,) = read({"at": AT, "values": {"x": 1}}, "bespoke/acme/mill-2/observations")
    assert found.machine == "mill-2"


def test_reading_payload_writes_what_observations_of_reads() -> None:
    at = datetime(2026, 12, 7, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    payload = reading_payload(at, {"part_count": 3}, [{"level": "WARNING", "code": "W1"}])
    found = observations_of(TOPIC, payload, SHOP, MACHINES)
    assert [(o.signal, o.value, o.at) for o in found] == [
        (Signal.PART_COUNT, 3.0, START),
        (Signal.ALARM, "WARNING", START),
    ]


def test_topics_are_built_from_checked_names() -> None:
    assert topic_of("acme", "L1") == TOPIC
    assert subscription_of("acme") == "bespoke/acme/+/observations"
    assert subscription_of("x") == "bespoke/x/+/observations"  # a slug that is a letter
    for shop, machine in [("ACME", "L1"), ("acme", "a/b"), ("acme", "+"), ("a" * 65, "L1")]:
        with pytest.raises(ValueError, match="does not match"):
            topic_of(shop, machine)


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("bespoke/other/L1/observations", Refusal.WRONG_SHOP),
        ("bespoke/acme/ghost/observations", Refusal.UNKNOWN_MACHINE),
        ("bespoke/acme/L1/commands", Refusal.BAD_TOPIC),
        ("bespoke/acme/L1", Refusal.BAD_TOPIC),
        ("bespoke/acme/L1/observations/more", Refusal.BAD_TOPIC),
        ("elsewhere/acme/L1/observations", Refusal.BAD_TOPIC),
        ("bespoke/acme/../observations", Refusal.BAD_TOPIC),
        ("bespoke/acme/" + "m" * 65 + "/observations", Refusal.BAD_TOPIC),
    ],
)
def test_a_topic_must_name_a_machine_of_the_shop(topic: str, reason: Refusal) -> None:
    assert refusal({"at": AT, "values": {"x": 1}}, topic) is reason


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", Refusal.NOT_JSON),
        (b"\xff\xfe{}", Refusal.NOT_JSON),
        (b'{"at": "' + AT.encode() + b'", "values": {"x": NaN}}', Refusal.NOT_JSON),
        (b"[" * 100_000 + b"]" * 100_000, Refusal.NOT_JSON),
        (b" " * (MAX_PAYLOAD + 1), Refusal.TOO_LARGE),
        ([{"at": AT}] * (MAX_READINGS + 1), Refusal.TOO_LARGE),
        (b"42", Refusal.NOT_OBJECT),
        ([{"at": AT}, "text"], Refusal.NOT_OBJECT),
        ({"at": AT, "value": {}}, Refusal.UNKNOWN_FIELD),
        ({"values": {"x": 1}}, Refusal.BAD_TIME),
        ({"at": 1765101600, "values": {"x": 1}}, Refusal.BAD_TIME),
        ({"at": "yesterday"}, Refusal.BAD_TIME),
        ({"at": "2026-12-07T10:00:00"}, Refusal.BAD_TIME),
        ({"at": "0001-01-01T00:00:00+01:00"}, Refusal.BAD_TIME),
        ({"at": AT + " " * 40}, Refusal.BAD_TIME),
        ({"at": AT, "values": [1, 2]}, Refusal.WRONG_TYPE),
        ({"at": AT, "alarms": {"level": "FAULT"}}, Refusal.WRONG_TYPE),
        ({"at": AT, "values": {"door_open": True}}, Refusal.WRONG_TYPE),
        ({"at": AT, "values": {"load": [1, 2]}}, Refusal.WRONG_TYPE),
        ({"at": AT, "values": {"execution": 3}}, Refusal.WRONG_TYPE),
        ({"at": AT, "values": {"part_count": "12"}}, Refusal.WRONG_TYPE),
        ({"at": AT, "values": {"part_count": 1.5}}, Refusal.WRONG_TYPE),
        ({"at": AT, "values": {"program": 1234}}, Refusal.WRONG_TYPE),
        ({"at": AT, "values": {"execution": "RUNNING"}}, Refusal.BAD_VALUE),
        ({"at": AT, "values": {"part_count": -1}}, Refusal.BAD_VALUE),
        ({"at": AT, "values": {"load": 10**400}}, Refusal.BAD_VALUE),
        ({"at": AT, "values": {"note": "a\x00b"}}, Refusal.BAD_VALUE),
        ({"at": AT, "values": {"note": "x" * (MAX_TEXT + 1)}}, Refusal.TOO_LARGE),
        ({"at": AT, "values": {"x" * (MAX_ITEM + 1): 1}}, Refusal.BAD_NAME),
        ({"at": AT, "values": {"spindle load": 1}}, Refusal.BAD_NAME),
        ({"at": AT, "values": {"": 1}}, Refusal.BAD_NAME),
        ({"at": AT, "alarms": [{"level": "PANIC"}]}, Refusal.BAD_VALUE),
        ({"at": AT, "alarms": [{"level": "FAULT", "colour": "red"}]}, Refusal.UNKNOWN_FIELD),
        ({"at": AT, "alarms": [{"level": "FAULT", "code": 101}]}, Refusal.WRONG_TYPE),
        ({"at": AT, "alarms": ["FAULT"]}, Refusal.WRONG_TYPE),
        ({"at": AT, "alarms": [{"level": "FAULT", "code": "E" * 101}]}, Refusal.TOO_LARGE),
        (
            {"at": AT, "values": {f"v{i}": i for i in range(MAX_VALUES + 1)}},
            Refusal.TOO_MANY_VALUES,
        ),
        (
            [{"at": AT, "values": {f"v{i}": i for i in range(MAX_VALUES // 2 + 1)}}] * 2,
            Refusal.TOO_MANY_VALUES,
        ),
    ],
)
def test_a_bad_message_is_refused_with_its_reason(payload: object, reason: Refusal) -> None:
    assert refusal(payload) is reason


def test_the_refusal_names_what_is_accepted() -> None:
    with pytest.raises(PayloadError, match=r"'RUNNING' is not one of \['ACTIVE'"):
        read({"at": AT, "values": {"execution": "RUNNING"}})
    with pytest.raises(PayloadError, match="end it with Z"):
        read({"at": "2026-12-07T10:00:00", "values": {"x": 1}})


def test_one_bad_value_refuses_the_whole_message() -> None:
    assert refusal({"at": AT, "values": {"x": 1, "execution": "RUNNING"}}) is Refusal.BAD_VALUE
