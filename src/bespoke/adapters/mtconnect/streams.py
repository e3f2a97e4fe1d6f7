"""An agent's answers: MTConnectStreams documents (/current, /sample) read into entries with
their sequence numbers and the header the client tracks, and MTConnectError documents."""

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from bespoke.adapters.mtconnect.devices import Category, DataItem, Device, with_signals
from bespoke.adapters.mtconnect.documents import (
    DocumentError,
    Element,
    attribute,
    children,
    descendants,
    first_child,
    local_name,
    parse_document,
    text_of,
    whole_number,
)
from bespoke.adapters.mtconnect.readings import (
    Reading,
    ReadingError,
    Refusals,
    alarm_level,
    is_unavailable,
    observation,
    parse_time,
)
from bespoke.model.monitoring import MAX_ITEM, Observation

MAX_ENTRIES = 200_000
"""Most observations read from one document."""
MAX_VALUE = 64 * 1024
"""Longest value text read (a longer one is refused)."""
CATEGORIES = {"Samples": Category.SAMPLE, "Events": Category.EVENT, "Condition": Category.CONDITION}
REPRESENTATIONS = (("TimeSeries", "TIME_SERIES"), ("DataSet", "DATA_SET"), ("Table", "TABLE"))


@dataclass(frozen=True)
class StreamsHeader:
    """Where the agent's buffer stands: its instance (a new one after a restart) and the
    sequence numbers it holds (`first_sequence` to `last_sequence`)."""

    instance_id: int
    first_sequence: int
    next_sequence: int
    last_sequence: int
    buffer_size: int | None = None


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One observation of an agent's document, still in its words."""

    device: str
    item: DataItem
    """The data item as the document shows it (its signal is not chosen yet)."""
    sequence: int
    reading: Reading


@dataclass(frozen=True)
class Streams:
    """An MTConnectStreams document: its header, its entries in sequence order, and the
    entries it could not read, as (reason, detail)."""

    header: StreamsHeader
    entries: tuple[StreamEntry, ...]
    problems: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AgentError(Exception):
    """An MTConnectError document: the agent refused a request (errors as code, text)."""

    instance_id: int | None
    errors: tuple[tuple[str, str], ...]

    @property
    def codes(self) -> set[str]:
        return {code for code, _ in self.errors}

    def __str__(self) -> str:
        return "; ".join(f"{code}: {text}" for code, text in self.errors)[:500]


def parse_streams(data: bytes) -> Streams:
    """Read an MTConnectStreams document of any version; raises `AgentError` for an
    MTConnectError document and `DocumentError` for anything else."""
    root = parse_document(data, "MTConnectStreams", "MTConnectError")
    if local_name(root) == "MTConnectError":
        raise _agent_error(root)
    header = _header(root)
    namespace = _namespace(root)
    entries: list[StreamEntry] = []
    problems: list[tuple[str, str]] = []
    for stream in descendants(root, "DeviceStream"):
        device = attribute(stream, "name", 64) or attribute(stream, "uuid", 200) or ""
        for component in children(stream, "ComponentStream"):
            for group in children(component):
                category = CATEGORIES.get(local_name(group))
                if category is None:
                    continue
                for element in children(group):
                    if len(entries) >= MAX_ENTRIES:
                        raise DocumentError(f"more than {MAX_ENTRIES} observations")
                    try:
                        item = _item(element, component, category, namespace)
                        entries.append(StreamEntry(device, item, *_reading(element, item)))
                    except (DocumentError, ReadingError) as error:
                        problems.append(_problem(error))
    entries.sort(key=lambda entry: entry.sequence)
    return Streams(header, tuple(entries), tuple(problems))


def parse_error(data: bytes) -> AgentError:
    """Read an MTConnectError document."""
    return _agent_error(parse_document(data, "MTConnectError"))


def _agent_error(root: Element) -> AgentError:
    header = first_child(root, "Header")
    instance = None if header is None else attribute(header, "instanceId", 20)
    holder = first_child(root, "Errors")
    found = list(children(root, "Error")) if holder is None else list(children(holder))
    errors = []
    for error in found[:20]:
        code = attribute(error, "errorCode", 60) or _snake(local_name(error))
        message = first_child(error, "ErrorMessage")  # 2.6: <OutOfRange><ErrorMessage>
        errors.append((code, text_of(error if message is None else message).strip()[:500]))
    return AgentError(int(instance) if instance and instance.isdigit() else None, tuple(errors))


def _header(root: Element) -> StreamsHeader:
    header = first_child(root, "Header")
    if header is None:
        raise DocumentError("MTConnectStreams without a Header")
    size = attribute(header, "bufferSize", 20)
    return StreamsHeader(
        instance_id=whole_number(header, "instanceId"),
        first_sequence=whole_number(header, "firstSequence"),
        next_sequence=whole_number(header, "nextSequence"),
        last_sequence=whole_number(header, "lastSequence"),
        buffer_size=int(size) if size and size.isdigit() else None,
    )


def _namespace(element: Element) -> str:
    return str(element.tag).partition("}")[0].lstrip("{") if "}" in element.tag else ""


@functools.lru_cache(maxsize=4096)
def _snake(name: str) -> str:
    """PartCount -> PART_COUNT, the standard's type from its element name."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).upper()


def _item(element: Element, component: Element, category: Category, namespace: str) -> DataItem:
    identity = attribute(element, "dataItemId", MAX_ITEM)
    if not identity:
        raise DocumentError(f"{local_name(element)[:40]} without dataItemId")
    name = local_name(element)
    representation = None
    if category is Category.CONDITION:
        kind = attribute(element, "type", MAX_ITEM) or ""
    else:
        for suffix, form in REPRESENTATIONS:
            if name.endswith(suffix) and name != suffix:
                name, representation = name[: -len(suffix)], form
        kind = _snake(name)
        if _namespace(element) != namespace:
            kind = f"{element.prefix or 'x'}:{kind}"
    return DataItem(
        id=identity,
        name=attribute(element, "name", MAX_ITEM),
        type=kind,
        sub_type=attribute(element, "subType", MAX_ITEM),
        category=category,
        representation=representation,
        component=attribute(component, "component", 60) or "Device",
        component_id=attribute(component, "componentId", MAX_ITEM) or "",
        component_name=attribute(component, "name", MAX_ITEM),
    )


def _reading(element: Element, item: DataItem) -> tuple[int, Reading]:
    sequence = whole_number(element, "sequence")
    at = parse_time(attribute(element, "timestamp", 60) or "")
    text = _value(element)
    code = attribute(element, "nativeCode", MAX_ITEM)
    severity = attribute(element, "nativeSeverity", MAX_ITEM)
    if item.category is Category.CONDITION:
        level = local_name(element).upper()
        qualifier = attribute(element, "qualifier", MAX_ITEM)
        return sequence, Reading(item, at, text or None, level, code, severity, qualifier)
    if item.type == "ALARM":
        severity = attribute(element, "severity", MAX_ITEM)
        level = alarm_level(severity, attribute(element, "state", MAX_ITEM))
        code = code or attribute(element, "code", MAX_ITEM)
        return sequence, Reading(item, at, text or None, level, code, severity)
    value = None if is_unavailable(text) else text
    return sequence, Reading(item, at, value, native_code=code)


def _value(element: Element) -> str:
    entries = list(children(element, "Entry"))
    pairs = (f"{attribute(entry, 'key', MAX_ITEM)}={text_of(entry).strip()}" for entry in entries)
    text = " ".join(pairs) if entries else text_of(element).strip()
    if len(text) > MAX_VALUE:
        raise ReadingError("bad value", f"value of {len(text)} characters; at most {MAX_VALUE}")
    return text


def _problem(error: DocumentError | ReadingError) -> tuple[str, str]:
    if isinstance(error, ReadingError):
        return error.reason, error.detail
    return "bad entry", str(error)


def devices_of(streams: Streams) -> tuple[Device, ...]:
    """The devices a document shows, with the items seen in it and their signals (for a
    document read without its probe)."""
    items: dict[str, dict[str, DataItem]] = {}
    for entry in streams.entries:
        items.setdefault(entry.device, {}).setdefault(entry.item.id, entry.item)
    return tuple(
        Device(name, name, None, with_signals(found.values())) for name, found in items.items()
    )


def observations(
    entries: Iterable[StreamEntry],
    devices: Iterable[Device],
    machine_of: Callable[[Device], str | None],
    refusals: Refusals,
) -> list[tuple[int, Observation]]:
    """The observations of `entries` (with their sequence numbers), each read with its
    item as the `devices` describe it (their probe), for the machine `machine_of` maps
    its device to; what cannot be delivered is counted in `refusals`."""
    by_name: dict[str, Device] = {}
    for device in devices:
        by_name.setdefault(device.name, device)
        if device.uuid:
            by_name.setdefault(device.uuid, device)
    found = []
    for entry in entries:
        refusals.stats.received += 1
        known = by_name.get(entry.device)
        if known is None:
            refusals.refuse_once("unknown device", entry.device, f"{entry.device[:64]!r}")
            continue
        machine = machine_of(known)
        if machine is None:
            refusals.refuse_once("unknown machine", known.name, f"device {known.name!r}")
            continue
        item = known.item(entry.item.id)
        if item is None:
            refusals.refuse_once("unknown data item", entry.item.id, f"{entry.item.id!r}")
            continue
        try:
            if item.category is not entry.item.category:
                raise ReadingError("bad entry", f"{item.key} is a {item.category.value}")
            found.append((entry.sequence, observation(replace(entry.reading, item=item), machine)))
        except ReadingError as bad:
            refusals.refuse(bad.reason, bad.detail)
    return found
