"""A probe (MTConnectDevices) document: the devices an agent serves, their data items, and
what each item means to the shop (its `Signal`).

The signal of a data item:

- category CONDITION: `alarm`;
- AVAILABILITY, EXECUTION, EMERGENCY_STOP: their namesakes; CONTROLLER_MODE: `mode`;
- PART_COUNT with no subType or subType ALL: `part_count` (other counts stay samples);
- PROGRAM with no subType or subType MAIN: `program` (sub-programs, active programs... stay
  samples, or the program would flicker between a main program and its sub-programs);
- ALARM (the event of MTConnect 1.0 to 1.2): `alarm`;
- run hours: at most one item per device, the first found by these rules in order:
  EQUIPMENT_TIMER WORKING (time spent doing its work), then ACCUMULATED_TIME with no
  subType, then ACCUMULATED_TIME with a vendor subType among `RUN_TIME_SUBTYPES`; its
  value, in seconds as the standard has it, is turned into hours. Other timers stay samples;
- everything else: `sample`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bespoke.adapters.mtconnect.documents import (
    DocumentError,
    Element,
    attribute,
    descendants,
    first_child,
    local_name,
    parse_document,
)
from bespoke.model.monitoring import MAX_ITEM, Signal

MAX_DEVICES = 1000
MAX_ITEMS = 20_000
"""Most data items read in one probe document."""

RUN_TIME_SUBTYPES = ("TOTAL_RUNNING_TIME", "AUTO")
"""Vendor subTypes of ACCUMULATED_TIME counted as run hours (prefix such as `x:` ignored):
Okuma's total running time, Mazak's time in automatic operation."""

VECTOR_TYPES = frozenset({"PATH_POSITION", "ORIENTATION"})
"""Sample types whose value is three numbers, not one."""


class Category(StrEnum):
    SAMPLE = "SAMPLE"
    EVENT = "EVENT"
    CONDITION = "CONDITION"


@dataclass(frozen=True, slots=True)
class DataItem:
    """One data item of a device, as its probe describes it."""

    id: str
    name: str | None
    type: str
    sub_type: str | None
    category: Category
    signal: Signal = Signal.SAMPLE
    units: str | None = None
    representation: str | None = None
    component: str = "Device"
    """The local name of the component holding the item (Device, Path, Linear ...)."""
    component_id: str = ""
    component_name: str | None = None

    @property
    def key(self) -> str:
        """How observations name the item: its name, else its id."""
        return self.name or self.id

    @property
    def numeric(self) -> bool:
        """Whether its values are single numbers (samples other than vectors, series and
        sets; part counts)."""
        if self.type == "PART_COUNT":
            return True
        vector = self.type in VECTOR_TYPES or (self.units or "").endswith("_3D")
        return (
            self.category is Category.SAMPLE
            and not vector
            and self.representation in (None, "VALUE", "DISCRETE")
        )

    @property
    def fields(self) -> int:
        """How many SHDR fields follow its key."""
        if self.category is Category.CONDITION or self.type == "ALARM":
            return 5  # level or code | native code | severity | qualifier or state | text
        if self.representation == "TIME_SERIES":
            return 3  # count | rate | values
        if self.type in ("MESSAGE", "ASSET_CHANGED", "ASSET_REMOVED"):
            return 2  # native code or asset type | value
        return 1


@dataclass(frozen=True)
class Device:
    """A device (a machine) and its data items; SHDR keys name an item by id or name."""

    id: str
    name: str
    uuid: str | None
    items: tuple[DataItem, ...]
    _by_key: dict[str, DataItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key = {item.name: item for item in reversed(self.items) if item.name}
        by_key.update({item.id: item for item in self.items})
        object.__setattr__(self, "_by_key", by_key)

    def item(self, key: str) -> DataItem | None:
        """The data item whose id, else name, is `key`."""
        return self._by_key.get(key)


@dataclass(frozen=True)
class Probe:
    """What a probe document says: the agent's instance and its devices."""

    instance_id: int | None
    devices: tuple[Device, ...]

    def device(self, name: str) -> Device | None:
        """The device called `name`, or whose uuid is `name`."""
        for device in self.devices:
            if name in (device.name, device.uuid):
                return device
        return None


def parse_probe(data: bytes) -> Probe:
    """Read a probe (MTConnectDevices) document of any version; raises `DocumentError`
    naming what is wrong."""
    root = parse_document(data, "MTConnectDevices")
    header = first_child(root, "Header")
    instance = None if header is None else attribute(header, "instanceId", 20)
    devices: list[Device] = []
    total = 0
    for element in descendants(root, "Device"):
        device = _device(element)
        total += len(device.items)
        if len(devices) >= MAX_DEVICES or total > MAX_ITEMS:
            raise DocumentError(f"more than {MAX_DEVICES} devices or {MAX_ITEMS} data items")
        devices.append(device)
    if not devices:
        raise DocumentError("no Device in the probe document")
    return Probe(int(instance) if instance and instance.isdigit() else None, tuple(devices))


def _device(element: Element) -> Device:
    identity = attribute(element, "id", MAX_ITEM)
    name = attribute(element, "name", 64) or identity
    if not identity or not name:
        raise DocumentError("a Device without id or name")
    items = []
    for item in descendants(element, "DataItem"):
        holder = item.getparent()  # DataItem < DataItems < component
        items.append(_data_item(item, element if holder is None else holder.getparent()))
    return Device(identity, name, attribute(element, "uuid", 200), with_signals(items))


def _data_item(element: Element, component: Element) -> DataItem:
    identity = attribute(element, "id", MAX_ITEM)
    kind = attribute(element, "type", MAX_ITEM)
    category = attribute(element, "category", 20)
    if not identity or not kind or category is None or category not in Category.__members__:
        raise DocumentError(
            f"DataItem {identity!r} needs an id, a type and a category of "
            f"{', '.join(Category)}; got type {kind!r}, category {category!r}"
        )
    return DataItem(
        id=identity,
        name=attribute(element, "name", MAX_ITEM),
        type=kind,
        sub_type=attribute(element, "subType", MAX_ITEM),
        category=Category(category),
        units=attribute(element, "units", 60),
        representation=attribute(element, "representation", 30),
        component=local_name(component),
        component_id=attribute(component, "id", MAX_ITEM) or "",
        component_name=attribute(component, "name", MAX_ITEM),
    )


def signal_of(item: DataItem) -> Signal:
    """The signal of one item, run hours aside (see the module's rules)."""
    if item.category is Category.CONDITION or item.type == "ALARM":
        return Signal.ALARM
    direct = {
        "AVAILABILITY": Signal.AVAILABILITY,
        "EXECUTION": Signal.EXECUTION,
        "EMERGENCY_STOP": Signal.EMERGENCY_STOP,
        "CONTROLLER_MODE": Signal.MODE,
    }
    if item.type in direct:
        return direct[item.type]
    if item.type == "PART_COUNT" and item.sub_type in (None, "ALL"):
        return Signal.PART_COUNT
    if item.type == "PROGRAM" and item.sub_type in (None, "MAIN"):
        return Signal.PROGRAM
    return Signal.SAMPLE


def _vendor_name(sub_type: str | None) -> str | None:
    return None if sub_type is None else sub_type.rpartition(":")[2]


RUN_HOURS_RULES: tuple[Callable[[DataItem], bool], ...] = (
    lambda item: item.type == "EQUIPMENT_TIMER" and item.sub_type == "WORKING",
    lambda item: item.type == "ACCUMULATED_TIME" and item.sub_type is None,
    lambda item: (
        item.type == "ACCUMULATED_TIME" and _vendor_name(item.sub_type) in RUN_TIME_SUBTYPES
    ),
)


def with_signals(items: Iterable[DataItem]) -> tuple[DataItem, ...]:
    """One device's items, each with its signal, run hours chosen for the device."""
    found = [replace(item, signal=signal_of(item)) for item in items]
    samples = [item for item in found if item.category is Category.SAMPLE]
    for rule in RUN_HOURS_RULES:
        chosen = next((item for item in samples if rule(item)), None)
        if chosen is not None:
            return tuple(
                replace(item, signal=Signal.RUN_HOURS) if item is chosen else item for item in found
            )
    return tuple(found)
