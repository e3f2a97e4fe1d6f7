"""Where a shop's machine data comes from: the `feeds` list of its settings document, each
a source the server watches while it runs (changes take effect at its next start).

    feeds:
      - {kind: mqtt, host: broker.local, port: 1883}            # topics bespoke/<shop slug>/...
      - {kind: shdr, host: 10.0.0.7, port: 7878, device: VMC-3Axis, machine: vmc-1}
      - {kind: agent, url: "http://10.0.0.8:5000", machines: {Mazak: lathe-1}}
      - {kind: moonraker, url: "http://printer.local:7125", machine: fdm-1}
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bespoke.adapters.feeds import Feed, MachineNames
from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import staff_shop
from bespoke.store import UnitOfWork, now

MAX_FEEDS = 50
MAX_NAMES = 1_000
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
    """An MTConnect adapter's SHDR stream of one device."""

    kind: Literal["shdr"]
    host: Host
    port: Port = 7878
    device: Name
    machine: Name


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
    """The feed a setting describes, for a shop whose machines are `names`; InputError
    when this installation has no adapter for its kind."""
    raise InputError(
        f"feeds: kind {settings.kind!r} has no adapter in this installation", path="feeds"
    )
