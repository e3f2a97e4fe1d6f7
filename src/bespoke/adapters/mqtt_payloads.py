"""The MQTT convention machines, gateways and printers speak to Bespoke.

Topic: ``bespoke/<shop>/<machine>/observations``

- ``bespoke`` keeps the shop floor's other traffic on a shared broker apart;
- ``<shop>`` is the shop's slug (``[a-z0-9][a-z0-9-]*``, at most 64 characters), so one
  broker serves many shops and an ACL can hold a shop's devices to their own subtree;
- ``<machine>`` is the machine as the device names it (letters, digits, ``_ . -``, at
  most 64 characters), mapped to the shop's machine id by `MachineNames`; one topic per
  machine lets an ACL hold a device to its own machine (Mosquitto's ``%c``/``%u``);
- ``observations`` leaves room beside it for other kinds of message later.
Both segments are data, matched against their pattern and bound, never used as paths.

Payload: one JSON object in UTF-8, or a list of them (a gateway sending what it buffered),
at most `MAX_PAYLOAD` bytes and `MAX_READINGS` objects::

    {"at": "2026-12-07T10:00:00Z",
     "values": {"execution": "ACTIVE", "part_count": 12, "spindle_load": 31.5},
     "alarms": [{"code": "E101", "level": "FAULT", "message": "Spindle overheat"}]}

- ``at`` (required): ISO 8601 time with a UTC offset.
- ``values``: data item -> value. A key named like a `Signal` (execution, availability,
  emergency_stop, mode, part_count, run_hours, program) carries that signal, with the
  values `SIGNAL_WORDS` lists or a count; any other key is a sample (a number, text, or
  null for "cannot say"). Keys: ``[A-Za-z0-9][A-Za-z0-9_.:/-]*``, at most `MAX_ITEM`.
- ``alarms``: conditions, each with ``level`` (NORMAL, WARNING, FAULT, UNAVAILABLE),
  optional ``code``, ``message`` and ``item`` (the data item; default ``alarm``).
At most `MAX_VALUES` values and alarms in one message; text at most `MAX_TEXT` characters.

`observations_of` turns one message into observations or raises `PayloadError` with a
`Refusal` saying why; it is pure, so a feed counts refusals and keeps running.
"""

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NoReturn

from bespoke.adapters.feeds import MachineNames
from bespoke.model.monitoring import MAX_ITEM, MAX_TEXT, AlarmLevel, Observation, Signal

TOPIC_ROOT = "bespoke"
TOPIC_LEAF = "observations"
MAX_PAYLOAD = 256 * 1024
"""Bytes in one message."""
MAX_READINGS = 1_000
"""Objects in one message that is a list."""
MAX_VALUES = 5_000
"""Values and alarms in one message, over all its objects."""
MAX_COUNT = 10**12
"""Largest part count or run hours accepted."""
MAX_TIME_TEXT = 40

SHOP_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MACHINE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ITEM_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.:/-]{{0,{MAX_ITEM - 1}}}")
DEFAULT_ALARM_ITEM = "alarm"

SIGNAL_WORDS: Mapping[Signal, frozenset[str]] = {
    Signal.EXECUTION: frozenset(
        {
            "ACTIVE",
            "READY",
            "INTERRUPTED",
            "FEED_HOLD",
            "STOPPED",
            "OPTIONAL_STOP",
            "PROGRAM_STOPPED",
            "PROGRAM_COMPLETED",
            "WAIT",
        }
    ),
    Signal.AVAILABILITY: frozenset({"AVAILABLE", "UNAVAILABLE"}),
    Signal.EMERGENCY_STOP: frozenset({"ARMED", "TRIGGERED"}),
    Signal.MODE: frozenset({"AUTOMATIC", "MANUAL", "MANUAL_DATA_INPUT", "SEMI_AUTOMATIC", "EDIT"}),
}
"""The words a signal given as a word may take (MTConnect's)."""
COUNTERS = frozenset({Signal.PART_COUNT, Signal.RUN_HOURS})
NAMED_SIGNALS: Mapping[str, Signal] = {
    signal.value: signal for signal in (*SIGNAL_WORDS, *COUNTERS, Signal.PROGRAM)
}
"""Value keys that carry a signal rather than a sample."""
READING_FIELDS = frozenset({"at", "values", "alarms"})
ALARM_FIELDS = frozenset({"code", "level", "message", "item"})


class Refusal(StrEnum):
    """Why a message was refused: the reason a feed counts it under."""

    BAD_TOPIC = "bad_topic"
    WRONG_SHOP = "wrong_shop"
    UNKNOWN_MACHINE = "unknown_machine"
    TOO_LARGE = "too_large"
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    UNKNOWN_FIELD = "unknown_field"
    BAD_TIME = "bad_time"
    TOO_MANY_VALUES = "too_many_values"
    BAD_NAME = "bad_name"
    WRONG_TYPE = "wrong_type"
    BAD_VALUE = "bad_value"


class PayloadError(ValueError):
    """A message that does not follow the convention: `reason` to count, text to log."""

    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _refuse(reason: Refusal, detail: str) -> NoReturn:
    raise PayloadError(reason, detail)


def topic_of(shop: str, machine: str) -> str:
    """The topic a machine publishes its observations on; ValueError for bad names."""
    if not SHOP_PATTERN.fullmatch(shop):
        raise ValueError(f"shop {shop[:80]!r} does not match {SHOP_PATTERN.pattern}")
    if not MACHINE_PATTERN.fullmatch(machine):
        raise ValueError(f"machine {machine[:80]!r} does not match {MACHINE_PATTERN.pattern}")
    return f"{TOPIC_ROOT}/{shop}/{machine}/{TOPIC_LEAF}"


def subscription_of(shop: str) -> str:
    """The topic filter for every machine of `shop`; ValueError for a bad shop name."""
    if not SHOP_PATTERN.fullmatch(shop):
        raise ValueError(f"shop {shop[:80]!r} does not match {SHOP_PATTERN.pattern}")
    return f"{TOPIC_ROOT}/{shop}/+/{TOPIC_LEAF}"


def machine_of(topic: str, shop: str, machines: MachineNames) -> str:
    """The shop's machine id a topic names; PayloadError when it names none of them."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != TOPIC_ROOT or parts[3] != TOPIC_LEAF:
        _refuse(Refusal.BAD_TOPIC, f"topic {topic[:200]!r} is not {subscription_of(shop)}")
    if parts[1] != shop:
        _refuse(Refusal.WRONG_SHOP, f"topic {topic[:200]!r} is not for shop {shop!r}")
    native = parts[2]
    if not MACHINE_PATTERN.fullmatch(native):
        _refuse(Refusal.BAD_TOPIC, f"machine {native[:80]!r} is not {MACHINE_PATTERN.pattern}")
    machine = machines.machine(native)
    if machine is None:
        _refuse(Refusal.UNKNOWN_MACHINE, f"no machine {native!r} in shop {shop!r}")
    return machine


def _no_constant(name: str) -> NoReturn:
    _refuse(Refusal.NOT_JSON, f"{name} is not a JSON number")


def _decoded(payload: bytes | bytearray) -> object:
    if len(payload) > MAX_PAYLOAD:
        _refuse(Refusal.TOO_LARGE, f"{len(payload)} bytes, at most {MAX_PAYLOAD} accepted")
    try:
        return json.loads(payload.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as error:
        _refuse(Refusal.NOT_JSON, f"not UTF-8 ({error.reason} at byte {error.start})")
    except RecursionError:
        _refuse(Refusal.NOT_JSON, "JSON nested too deep")
    except ValueError as error:
        _refuse(Refusal.NOT_JSON, str(error)[:200])


def observations_of(
    topic: str, payload: bytes | bytearray, shop: str, machines: MachineNames
) -> list[Observation]:
    """The observations one message carries; PayloadError says why it carries none."""
    machine = machine_of(topic, shop, machines)
    document = _decoded(payload)
    readings = document if isinstance(document, list) else [document]
    if len(readings) > MAX_READINGS:
        _refuse(Refusal.TOO_LARGE, f"{len(readings)} objects, at most {MAX_READINGS} accepted")
    checked = [_reading_object(reading) for reading in readings]
    size = sum(len(r.get("values", {})) + len(r.get("alarms", [])) for r in checked)
    if size > MAX_VALUES:
        _refuse(Refusal.TOO_MANY_VALUES, f"{size} values and alarms, at most {MAX_VALUES}")
    found: list[Observation] = []
    for reading in checked:
        found.extend(_reading(machine, reading))
    return found


def _reading_object(reading: object) -> dict[str, Any]:
    if not isinstance(reading, dict):
        _refuse(Refusal.NOT_OBJECT, f"{type(reading).__name__}, not a JSON object")
    unknown = reading.keys() - READING_FIELDS
    if unknown:
        _refuse(
            Refusal.UNKNOWN_FIELD,
            f"fields {sorted(unknown)[:5]} unknown; accepted: {sorted(READING_FIELDS)}",
        )
    if not isinstance(reading.get("values", {}), dict):
        _refuse(Refusal.WRONG_TYPE, "'values' must be an object of item -> value")
    if not isinstance(reading.get("alarms", []), list):
        _refuse(Refusal.WRONG_TYPE, "'alarms' must be a list of objects")
    return reading


def _reading(machine: str, reading: dict[str, Any]) -> list[Observation]:
    at = _time(reading.get("at"))
    found = [_value(machine, item, value, at) for item, value in reading.get("values", {}).items()]
    found.extend(_alarm(machine, alarm, at) for alarm in reading.get("alarms", []))
    return found


def _time(text: object) -> datetime:
    if not isinstance(text, str):
        _refuse(Refusal.BAD_TIME, "'at' must be an ISO 8601 time such as 2026-12-07T10:00:00Z")
    if len(text) > MAX_TIME_TEXT:
        _refuse(Refusal.BAD_TIME, f"'at' longer than {MAX_TIME_TEXT} characters")
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        _refuse(Refusal.BAD_TIME, f"'at' {text!r} is not ISO 8601 (2026-12-07T10:00:00Z)")
    if at.utcoffset() is None:
        _refuse(Refusal.BAD_TIME, f"'at' {text!r} has no UTC offset (end it with Z or +01:00)")
    try:
        return at.astimezone(UTC)
    except OverflowError:
        _refuse(Refusal.BAD_TIME, f"'at' {text!r} is out of range")


def _item(name: str) -> str:
    if not ITEM_PATTERN.fullmatch(name):
        _refuse(
            Refusal.BAD_NAME,
            f"item {name[:80]!r} is not {ITEM_PATTERN.pattern} (at most {MAX_ITEM} characters)",
        )
    return name


def _text(value: str, what: str) -> str:
    if len(value) > MAX_TEXT:
        _refuse(Refusal.TOO_LARGE, f"{what}: {len(value)} characters, at most {MAX_TEXT}")
    if "\x00" in value:
        _refuse(Refusal.BAD_VALUE, f"{what}: text may not contain NUL")
    return value


def _value(machine: str, item: str, value: object, at: datetime) -> Observation:
    signal = NAMED_SIGNALS.get(_item(item), Signal.SAMPLE)
    kept: float | str | None
    if value is None:
        kept = None
    elif signal in SIGNAL_WORDS:
        kept = _word(signal, item, value)
    elif signal in COUNTERS:
        kept = _count(signal, item, value)
    elif signal is Signal.PROGRAM:
        if not isinstance(value, str):
            _refuse(Refusal.WRONG_TYPE, f"{item}: the program's name must be text")
        kept = _text(value, item)
    elif isinstance(value, str):
        kept = _text(value, item)
    else:
        kept = _number(item, value)
    return Observation(machine=machine, item=item, signal=signal, value=kept, at=at)


def _word(signal: Signal, item: str, value: object) -> str:
    words = SIGNAL_WORDS[signal]
    if not isinstance(value, str):
        _refuse(Refusal.WRONG_TYPE, f"{item}: one of {sorted(words)} expected")
    if value not in words:
        _refuse(Refusal.BAD_VALUE, f"{item}: {value[:40]!r} is not one of {sorted(words)}")
    return value


def _number(item: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _refuse(
            Refusal.WRONG_TYPE,
            f"{item}: {type(value).__name__}; a sample is a number, text or null "
            "(send booleans as 0 or 1)",
        )
    try:
        number = float(value)
    except OverflowError:
        _refuse(Refusal.BAD_VALUE, f"{item}: number too large")
    if not math.isfinite(number):
        _refuse(Refusal.BAD_VALUE, f"{item}: number too large")
    return number


def _count(signal: Signal, item: str, value: object) -> float:
    number = _number(item, value)
    if signal is Signal.PART_COUNT and not float(number).is_integer():
        _refuse(Refusal.WRONG_TYPE, f"{item}: a part count is a whole number")
    if not 0 <= number <= MAX_COUNT:
        _refuse(Refusal.BAD_VALUE, f"{item}: {number} is not within 0..{MAX_COUNT}")
    return number


def _alarm(machine: str, alarm: object, at: datetime) -> Observation:
    if not isinstance(alarm, dict):
        _refuse(Refusal.WRONG_TYPE, "an alarm must be an object with 'level'")
    unknown = alarm.keys() - ALARM_FIELDS
    if unknown:
        _refuse(
            Refusal.UNKNOWN_FIELD,
            f"alarm fields {sorted(unknown)[:5]} unknown; accepted: {sorted(ALARM_FIELDS)}",
        )
    level = alarm.get("level")
    levels = [member.value for member in AlarmLevel]
    if not isinstance(level, str) or level not in levels:
        _refuse(Refusal.BAD_VALUE, f"alarm level {str(level)[:40]!r} is not one of {levels}")
    item = alarm.get("item", DEFAULT_ALARM_ITEM)
    code = alarm.get("code")
    message = alarm.get("message")
    if not isinstance(item, str):
        _refuse(Refusal.WRONG_TYPE, "an alarm's item must be text")
    for name, text in (("code", code), ("message", message)):
        if text is not None and not isinstance(text, str):
            _refuse(Refusal.WRONG_TYPE, f"an alarm's {name} must be text")
    if code is not None and len(code) > MAX_ITEM:
        _refuse(Refusal.TOO_LARGE, f"alarm code: {len(code)} characters, at most {MAX_ITEM}")
    return Observation(
        machine=machine,
        item=_item(item),
        signal=Signal.ALARM,
        value=level,
        at=at,
        code=None if code is None else _text(code, "alarm code"),
        message=None if message is None else _text(message, "alarm message"),
    )


def reading_payload(
    at: datetime,
    values: Mapping[str, float | str | None],
    alarms: list[Mapping[str, str]] | None = None,
) -> bytes:
    """One message in the convention (for publishers: demos, benches, gateways in Python)."""
    reading: dict[str, object] = {"at": at.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    if values:
        reading["values"] = dict(values)
    if alarms:
        reading["alarms"] = alarms
    return json.dumps(reading, separators=(",", ":")).encode()
