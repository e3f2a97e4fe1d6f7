"""MTConnectStreams and MTConnectError documents written as an agent of version 2.0 writes
them (element names from the data item types: PART_COUNT is PartCount), for the replay
agent."""

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

from lxml import etree

from bespoke.adapters.mtconnect.devices import Category, DataItem, Device
from bespoke.adapters.mtconnect.readings import UNAVAILABLE, Reading, format_time
from bespoke.adapters.mtconnect.streams import StreamsHeader

VERSION = "2.0"
STREAMS = f"urn:mtconnect.org:MTConnectStreams:{VERSION}"
ERRORS = f"urn:mtconnect.org:MTConnectError:{VERSION}"
EXTENSION = "urn:bespoke:mtconnect:extension:{prefix}"
"""The namespace given to a vendor's own types (x:UNIT)."""
GROUPS = {Category.SAMPLE: "Samples", Category.EVENT: "Events", Category.CONDITION: "Condition"}
SUFFIXES = {"TIME_SERIES": "TimeSeries", "DATA_SET": "DataSet", "TABLE": "Table"}
SENDER = "bespoke-replay"


def streams_document(
    header: StreamsHeader, devices: Sequence[Device], entries: Sequence[tuple[int, Reading]]
) -> bytes:
    """An MTConnectStreams document of `entries` (sequence, reading), each under its
    device's DeviceStream and its component's ComponentStream."""
    prefixes = {reading.item.type.rpartition(":")[0] for _, reading in entries} - {""}
    namespaces = {None: STREAMS} | {prefix: EXTENSION.format(prefix=prefix) for prefix in prefixes}
    root = etree.Element(f"{{{STREAMS}}}MTConnectStreams", nsmap=namespaces)
    etree.SubElement(
        root,
        f"{{{STREAMS}}}Header",
        creationTime=format_time(datetime.now(UTC)),
        sender=SENDER,
        instanceId=str(header.instance_id),
        version=f"{VERSION}.0",
        bufferSize=str(header.buffer_size or 0),
        nextSequence=str(header.next_sequence),
        firstSequence=str(header.first_sequence),
        lastSequence=str(header.last_sequence),
    )
    streams = etree.SubElement(root, f"{{{STREAMS}}}Streams")
    device_of = {item.id: device for device in devices for item in device.items}
    groups: dict[tuple[str, str, Category], object] = {}
    components: dict[tuple[str, str], object] = {}
    device_streams: dict[str, object] = {}
    for sequence, reading in sorted(entries, key=lambda entry: entry[0]):
        item = reading.item
        device = device_of.get(item.id)
        if device is None:
            raise ValueError(f"data item {item.id} is not an item of the devices given")
        if device.id not in device_streams:
            attributes = {"name": device.name, **({"uuid": device.uuid} if device.uuid else {})}
            device_streams[device.id] = etree.SubElement(
                streams, f"{{{STREAMS}}}DeviceStream", attributes
            )
        component_key = (device.id, item.component_id)
        if component_key not in components:
            components[component_key] = etree.SubElement(
                device_streams[device.id],
                f"{{{STREAMS}}}ComponentStream",
                _present(
                    component=item.component,
                    name=item.component_name,
                    componentId=item.component_id or device.id,
                ),
            )
        group_key = (device.id, item.component_id, item.category)
        if group_key not in groups:
            groups[group_key] = etree.SubElement(
                components[component_key], f"{{{STREAMS}}}{GROUPS[item.category]}"
            )
        _entry(groups[group_key], sequence, reading)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _entry(group: object, sequence: int, reading: Reading) -> None:
    item = reading.item
    common = _present(
        dataItemId=item.id,
        timestamp=format_time(reading.at),
        name=item.name,
        sequence=str(sequence),
    )
    if item.category is Category.CONDITION:
        level = (reading.level or UNAVAILABLE).capitalize()
        element = etree.SubElement(
            group,
            f"{{{STREAMS}}}{level}",
            {
                **common,
                **_present(
                    type=item.type,
                    nativeCode=reading.native_code,
                    nativeSeverity=reading.native_severity,
                    qualifier=reading.qualifier,
                ),
            },
        )
        if reading.value:
            element.text = reading.value
        return
    extra = _present(subType=item.sub_type, nativeCode=reading.native_code)
    if item.type == "ALARM":
        cleared = reading.level == "NORMAL"
        extra |= _present(
            code=reading.native_code, severity=reading.native_severity or "WARNING"
        ) | {"state": "CLEARED" if cleared else "ACTIVE"}
    element = etree.SubElement(group, _tag(item), {**common, **extra})
    if reading.value is None:
        element.text = UNAVAILABLE
    elif item.representation in ("DATA_SET", "TABLE"):
        for pair in reading.value.split():
            key, _, value = pair.partition("=")
            etree.SubElement(element, f"{{{STREAMS}}}Entry", key=key).text = value
    else:
        element.text = reading.value


def _tag(item: DataItem) -> str:
    return _element_name(item.type, item.representation)


@functools.lru_cache(maxsize=4096)
def _element_name(kind: str, representation: str | None) -> str:
    """PART_COUNT -> PartCount in the streams namespace; x:UNIT -> Unit in x's."""
    prefix, _, kind = kind.rpartition(":")
    name = "".join(word.capitalize() for word in kind.split("_"))
    name += SUFFIXES.get(representation or "", "")
    namespace = EXTENSION.format(prefix=prefix) if prefix else STREAMS
    return f"{{{namespace}}}{name}"


def _present(**attributes: str | None) -> dict[str, str]:
    return {key: value for key, value in attributes.items() if value is not None}


def error_document(instance_id: int, buffer_size: int, code: str, message: str) -> bytes:
    """An MTConnectError document with one error, as agents before 2.6 write it."""
    root = etree.Element(f"{{{ERRORS}}}MTConnectError", nsmap={None: ERRORS})
    etree.SubElement(
        root,
        f"{{{ERRORS}}}Header",
        creationTime=format_time(datetime.now(UTC)),
        sender=SENDER,
        instanceId=str(instance_id),
        version=f"{VERSION}.0",
        bufferSize=str(buffer_size),
    )
    errors = etree.SubElement(root, f"{{{ERRORS}}}Errors")
    etree.SubElement(errors, f"{{{ERRORS}}}Error", errorCode=code).text = message
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
