"""Where a shop's machine data comes from: the `feeds` list of its settings document, each
a source the server watches while it runs (changes take effect at its next start).

    feeds:
      - {kind: mqtt, host: broker.local, port: 1883}            # topics bespoke/<shop slug>/...
      - {kind: shdr, host: 10.0.0.7, port: 7878, device: VMC-3Axis, machine: vmc-1,
         probe_url: "http://10.0.0.7:5000/probe"}                 # its data items described
      - {kind: agent, url: "http://10.0.0.8:5000", machines: {Mazak: lathe-1}}
      - {kind: moonraker, url: "http://printer.local:7125", machine: fdm-1}
"""

import re
import urllib.request
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bespoke.adapters.feeds import Feed, MachineNames
from bespoke.adapters.moonraker import MoonrakerFeed
from bespoke.adapters.mqtt import MqttFeed
from bespoke.adapters.mtconnect import AgentFeed, Device, DocumentError, ShdrFeed, parse_probe
from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import staff_shop
from bespoke.store import UnitOfWork, now

MAX_FEEDS = 50
MAX_NAMES = 1_000
MAX_PROBE_BYTES = 5_000_000
PROBE_TIMEOUT_S = 10.0
Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:\-\[\]]+$")]
Port = Annotated[int, Field(ge=1, le=65_535)]
Url = Annotated[str, Field(min_length=8, max_length=2_000, pattern=r"^https?://[^\s]+$")]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MqttSettings(_Settings):
    """A broker the shop's gateways publish to, under `bespoke/<topic>/...`."""

    kind: Literal["mqtt"]
    host: Host
    port: Port = 1883
    topic: Name | None = Field(default=None, description="The topic's shop segment; the slug")
    machines: dict[Name, Name] = Field(
        default_factory=dict, max_length=MAX_NAMES, description="Topic name -> machine"
    )


class ShdrSettings(_Settings):
    """An MTConnect adapter's SHDR stream of one device, whose data items a probe
    (MTConnectDevices) document describes, read when the feed starts."""

    kind: Literal["shdr"]
    host: Host
    port: Port = 7878
    device: Name
    machine: Name
    probe_url: Url


class AgentSettings(_Settings):
    """An MTConnect agent serving some of the shop's machines."""

    kind: Literal["agent"]
    url: Url
    machines: dict[Name, Name] = Field(
        default_factory=dict, max_length=MAX_NAMES, description="Device name or uuid -> machine"
    )
    poll_s: float = Field(default=1.0, gt=0, le=3_600)


class MoonrakerSettings(_Settings):
    """A 3D printer's Moonraker API."""

    kind: Literal["moonraker"]
    url: Url
    machine: Name


FeedSettings = Annotated[
    MqttSettings | ShdrSettings | AgentSettings | MoonrakerSettings, Field(discriminator="kind")
]
FEEDS = TypeAdapter(list[FeedSettings])


def read_feeds(document: object, where: str = "feeds") -> list[FeedSettings]:
    """The feeds of a settings list; InputError naming the first wrong field."""
    if not isinstance(document, list) or len(document) > MAX_FEEDS:
        raise InputError(f"{where}: a list of at most {MAX_FEEDS} feeds", path=where)
    try:
        return FEEDS.validate_python(document)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(p) for p in (where, *first["loc"]))
        raise InputError(f"{path}: {first['msg']}", path=path) from None


def shop_feeds(uow: UnitOfWork, shop_id: int) -> list[FeedSettings]:
    """The shop's feeds as its settings hold them."""
    return read_feeds(uow.shops.by_id(shop_id).overrides.get("feeds", []))


def feeds_of(env: Environment, who: Account) -> list[FeedSettings]:
    with env.uow() as uow:
        return shop_feeds(uow, staff_shop(who, "see the shop's feeds"))


def set_feeds(env: Environment, who: Account, feeds: list[Any]) -> list[FeedSettings]:
    """Replace the feeds of `who`'s shop; the server watches them from its next start."""
    shop_id = staff_shop(who, "change the shop's feeds")
    checked = read_feeds(feeds)
    with env.uow() as uow:
        row = uow.shops.by_id(shop_id)
        row.overrides = {
            **row.overrides,
            "feeds": [f.model_dump(mode="json", exclude_none=True) for f in checked],
        }
        row.updated_at = now()
        uow.audit.record(row.updated_at, who, "set", "shop", row.id, feeds=len(checked))
        uow.commit()
    return checked


def feed_of(settings: FeedSettings, names: MachineNames, shop_slug: str) -> Feed:
    """The feed a setting describes, for a shop whose machines are `names`; ValueError
    when it cannot be made (a probe that cannot be read, a name the adapter refuses)."""
    match settings:
        case MqttSettings():
            client = re.sub(r"[^A-Za-z0-9_-]", "-", f"bespoke-{shop_slug}")[:64]
            named = MachineNames(names.known, settings.machines)
            return MqttFeed(
                settings.host, settings.port, settings.topic or shop_slug, named, client
            )
        case ShdrSettings():
            device = probe_device(_fetched(settings.probe_url), settings.device)
            return ShdrFeed(settings.host, settings.port, device, _known(settings.machine, names))
        case AgentSettings():
            named = MachineNames(names.known, settings.machines)
            return AgentFeed(settings.url, named, settings.poll_s)
        case MoonrakerSettings():
            return MoonrakerFeed(settings.url, _known(settings.machine, names))


def probe_device(probe: bytes, name: str) -> Device:
    """The device `name` (or uuid) of a probe document; ValueError naming the devices."""
    try:
        found = parse_probe(probe)
    except DocumentError as error:
        raise ValueError(f"probe: {error}") from None
    device = found.device(name)
    if device is None:
        names = ", ".join(d.name for d in found.devices) or "none"
        raise ValueError(f"probe: no device {name!r} (devices: {names})")
    return device


def _known(machine: str, names: MachineNames) -> str:
    if names.machine(machine) is None:
        raise ValueError(f"machine {machine!r} is not one of the shop's machines")
    return machine


def _fetched(url: str) -> bytes:
    """The document at `url`, at most MAX_PROBE_BYTES."""
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as answer:
            body: bytes = answer.read(MAX_PROBE_BYTES + 1)
    except OSError as error:
        raise ValueError(f"probe {url[:200]}: {error}") from None
    if len(body) > MAX_PROBE_BYTES:
        raise ValueError(f"probe {url[:200]}: larger than {MAX_PROBE_BYTES} bytes")
    return body
