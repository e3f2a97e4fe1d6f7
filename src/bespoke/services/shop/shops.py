"""A shop's settings: its catalog overrides (machines, materials, rates) and its calendar.

Changes are merged into the shop's override document and checked by building the whole
catalog from it; a change the catalog refuses is not stored. The document's `feeds` key
(where its machines' data comes from, `services/shopfloor/feed_settings.py`) and its
`retired` key (`services/shop/network.py`) are not the catalog's and are left out of it.
"""

import functools
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from bespoke.catalog import catalog_with_overrides
from bespoke.model import Catalog
from bespoke.model.accounts import Account, Role
from bespoke.model.calendar import Calendar
from bespoke.model.catalog import CatalogEntry, Machine, Material
from bespoke.model.errors import CatalogError, InputError, NotFoundError, PermissionDeniedError
from bespoke.services.environment import Environment
from bespoke.services.shop.calendars import calendar_changes
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import ShopRow

UNSOURCED = {"id", "name", "sources", "calibrated"}
NOT_CATALOG = ("feeds", "retired")
"""Keys of the settings document that are not catalog sections."""
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*")
Section = Literal["machines", "materials", "processes", "suppliers"]
Entry = TypeVar("Entry", bound=CatalogEntry)


class ShopRates(BaseModel):
    """The shop's rates, commercial settings and sampling AQL a user may change."""

    currency: str
    labour_rate_per_hour: float
    overhead: float
    margin: float
    min_order_price: float
    hours_per_day: float
    base_lead_days: float
    quantity_breaks: list[int]
    inspection_aql: float


RATE_FIELDS = tuple(ShopRates.model_fields)


class ShopView(BaseModel):
    """A shop as its users see it: rates, calendar, machines and materials as quoted with."""

    id: int
    slug: str
    name: str
    rates: ShopRates
    calendar: Calendar
    machines: list[Machine]
    materials: list[Material]


class StaffShopView(ShopView):
    """A shop as its staff see it: with its own settings document."""

    overrides: dict[str, Any]


class ShopEntry(BaseModel):
    """A machine, material, process or supplier of the shop's own, as entered: its fields
    and a source for each figure."""

    model_config = ConfigDict(extra="allow")

    id: str
    sources: dict[str, str]


def ensure_shop(env: Environment, slug: str, name: str) -> int:
    """The id of the shop `slug`, created empty (bundled catalog) when it does not exist."""
    with env.uow() as uow:
        row = uow.shops.by_slug(slug)
        if row is None:
            stamp = now()
            row = ShopRow(
                slug=slug,
                name=name,
                overrides={},
                calendar=Calendar().model_dump(mode="json"),
                created_at=stamp,
                updated_at=stamp,
            )
            uow.shops.add(row)
            uow.flush()
            uow.audit.record(stamp, None, "create", "shop", row.id, slug=slug)
            uow.commit()
        return row.id


def find_shop(uow: UnitOfWork, slug: str | None) -> ShopRow:
    """The shop `slug`, or the first shop when None; NotFoundError names the known ones."""
    row = uow.shops.by_slug(slug) if slug else uow.shops.first()
    if row is None:
        known = ", ".join(s.slug for s in uow.shops.all()) or "none yet"
        raise NotFoundError(f"shop: no shop {slug!r} (known: {known})")
    return row


def shop_catalog(uow: UnitOfWork, shop_id: int) -> Catalog:
    """The catalog a shop quotes with: bundled entries under its overrides."""
    row = uow.shops.by_id(shop_id)
    return _catalog(shop_id, row.updated_at, _frozen(catalog_part(row.overrides)))


@functools.lru_cache(maxsize=64)
def _catalog(shop_id: int, version: datetime, overrides: str) -> Catalog:
    return catalog_with_overrides(json.loads(overrides), f"shop {shop_id} settings")


def catalog_part(overrides: dict[str, Any]) -> dict[str, Any]:
    """The catalog sections of a shop's settings document."""
    return {k: v for k, v in overrides.items() if k not in NOT_CATALOG}


def _frozen(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True)


def shop_view(env: Environment, viewer: Account, shop_id: int | None = None) -> ShopView:
    """The shop's rates, calendar, machines and materials as the catalog resolves them.
    A maker sees no one of the staff: a source names "the shop" for whoever entered the
    figure, and the shop's own settings document is left out (a `StaffShopView` has it)."""
    with env.uow() as uow:
        row = uow.shops.by_id(_shop_of(viewer, shop_id))
        catalog = shop_catalog(uow, row.id)
    view = ShopView(
        id=row.id,
        slug=row.slug,
        name=row.name,
        rates=ShopRates.model_validate(catalog.shop, from_attributes=True),
        calendar=Calendar.model_validate(row.calendar),
        machines=list(catalog.machines.values()),
        materials=list(catalog.materials.values()),
    )
    if viewer.role != Role.MAKER:
        return StaffShopView(**dict(view), overrides=row.overrides)
    return view.model_copy(
        update={
            "machines": [_unnamed(m) for m in view.machines],
            "materials": [_unnamed(m) for m in view.materials],
        }
    )


def _unnamed(entry: Entry) -> Entry:
    """The entry with "the shop" for whoever of the staff entered a figure."""
    sources = {k: _EMAIL.sub("the shop", v) for k, v in entry.sources.items()}
    return entry.model_copy(update={"sources": sources})


def set_entry(
    env: Environment, actor: Account, section: Section, entry: dict[str, Any]
) -> ShopEntry:
    """Add or change one machine, material, process or supplier of the actor's shop.

    A figure given without a source is recorded as entered by the actor on today's date.
    """
    entry_id = entry.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise InputError(f"{section}: an entry needs an 'id' (a new one, or one to override)")

    entry = _sourced(entry, actor)

    def change(overrides: dict[str, Any]) -> None:
        kept = [e for e in overrides.get(section, []) if e.get("id") != entry_id]
        overrides[section] = [*kept, entry]

    _change(env, actor, change, "set", section, entry_id)
    return ShopEntry.model_validate(entry)


def remove_entry(env: Environment, actor: Account, section: Section, entry_id: str) -> None:
    """Drop the shop's override of an entry (a bundled entry comes back as it was)."""

    def change(overrides: dict[str, Any]) -> None:
        entries = overrides.get(section, [])
        if not any(e.get("id") == entry_id for e in entries):
            raise NotFoundError(f"{section}: the shop has no entry {entry_id!r} of its own")
        overrides[section] = [e for e in entries if e.get("id") != entry_id]

    _change(env, actor, change, "remove", section, entry_id)


def set_rates(env: Environment, actor: Account, rates: dict[str, Any]) -> None:
    """Change the shop's rates and commercial settings (labour rate, overhead, margin ...)."""
    unknown = sorted(set(rates) - set(RATE_FIELDS))
    if unknown:
        raise InputError(f"rates.{unknown[0]}: unknown field (accepted: {', '.join(RATE_FIELDS)})")

    def change(overrides: dict[str, Any]) -> None:
        shop = overrides.get("shop", {})
        sources = {**shop.get("sources", {}), **_sourced(rates, actor)["sources"]}
        overrides["shop"] = {**shop, **rates, "sources": sources}

    _change(env, actor, change, "set", "shop", "rates")


def set_calendar(env: Environment, actor: Account, calendar: dict[str, Any]) -> Calendar:
    """Set the shop's calendar; the audit entry says what changed."""
    try:
        checked = Calendar.model_validate(calendar)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise InputError(f"calendar.{path}: {first['msg']}") from None
    with env.uow() as uow:
        row = uow.shops.by_id(_shop_of(actor))
        _require_operator(actor)
        changes = calendar_changes(Calendar.model_validate(row.calendar), checked)
        row.calendar = checked.model_dump(mode="json")
        row.updated_at = now()
        uow.audit.record(
            row.updated_at, actor, "set", "shop", row.id, calendar=row.calendar, changes=changes
        )
        uow.commit()
    return checked


def _change(
    env: Environment,
    actor: Account,
    change: Callable[[dict[str, Any]], None],
    action: str,
    section: str,
    entry_id: str,
) -> None:
    _require_operator(actor)
    with env.uow() as uow:
        row = uow.shops.by_id(_shop_of(actor))
        overrides = {k: list(v) if isinstance(v, list) else v for k, v in row.overrides.items()}
        change(overrides)
        try:
            catalog_with_overrides(catalog_part(overrides), f"shop '{row.slug}' settings")
        except CatalogError as error:
            raise CatalogError(str(error), path=f"{section}.{entry_id}") from None
        changed = _changed_fields(row.overrides, overrides, section, entry_id)
        row.overrides = overrides
        row.updated_at = now()
        uow.audit.record(
            row.updated_at, actor, action, section, entry_id, shop=row.slug, changed=changed
        )
        uow.commit()


def _changed_fields(
    before: dict[str, Any], after: dict[str, Any], section: str, entry_id: str
) -> dict[str, Any]:
    """The fields of the shop's entry a change set, with their new values (None: dropped)."""
    old, new = own_entry(before, section, entry_id), own_entry(after, section, entry_id)
    keys = (set(old) | set(new)) - {"id", "sources"}
    return {k: new.get(k) for k in sorted(keys) if old.get(k) != new.get(k)}


def own_entry(overrides: dict[str, Any], section: str, entry_id: str) -> dict[str, Any]:
    """The shop's own fields of an entry (its rates for the section "shop"), or {}."""
    if section == "shop":
        return dict(overrides.get("shop", {}))
    entries = overrides.get(section, [])
    return dict(next((e for e in entries if e.get("id") == entry_id), {}))


def _sourced(entry: dict[str, Any], actor: Account) -> dict[str, Any]:
    """`entry` with a source for each field it sets: the shop's own figure, who and when."""
    stamp = f"entered by {actor.email} on {now():%Y-%m-%d}"
    given = entry.get("sources") or {}
    fields = [k for k in entry if k not in UNSOURCED]
    return {**entry, "sources": {**{k: stamp for k in fields}, **given}}


def runs_shop(actor: Account, shop_id: int) -> bool:
    """Whether the actor is one of the shop's operators, or an admin."""
    return actor.role == Role.ADMIN or (actor.role == Role.OPERATOR and actor.shop_id == shop_id)


def staff_shop(who: Account, work: str) -> int:
    """The shop `who` works in, if they run it; to do `work` ("see its batches") otherwise
    PermissionDeniedError."""
    if who.shop_id is None or not runs_shop(who, who.shop_id):
        raise PermissionDeniedError(f"only a shop's operators and admins {work}")
    return who.shop_id


def _require_operator(actor: Account) -> None:
    if actor.role == Role.MAKER:
        raise PermissionDeniedError("only a shop's operators and admins change its settings")


def _shop_of(viewer: Account, shop_id: int | None = None) -> int:
    if shop_id is not None and viewer.role == Role.ADMIN:
        return shop_id
    if viewer.shop_id is None:
        raise NotFoundError("this account belongs to no shop")
    return viewer.shop_id
