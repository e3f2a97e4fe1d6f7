"""The shop's settings as its pages change them: some fields of an entry at a time (the
shop's earlier changes to the entry kept, a figure given as it was keeping its source),
machines retired and returned to service, the weekly hours, closed dates and maintenance
windows one at a time; each through the same checks and audit as the API (`shops`)."""

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from bespoke.model import Catalog
from bespoke.model.accounts import Account
from bespoke.model.calendar import Calendar, Shift, Weekday
from bespoke.model.catalog import CatalogEntry
from bespoke.model.errors import ConflictError, InputError, NotFoundError
from bespoke.services.environment import Environment
from bespoke.services.shop.calendars import DAY_NAMES
from bespoke.services.shop.shops import (
    Section,
    own_entry,
    set_calendar,
    set_entry,
    shop_catalog,
    staff_shop,
)

SETTINGS = "see and change its settings"


class ShopSettings(BaseModel):
    """A shop's settings as its staff change them: the catalog it quotes with, its own
    settings document and its calendar."""

    id: int
    slug: str
    name: str
    catalog: Catalog
    overrides: dict[str, Any]
    calendar: Calendar

    def own(self, section: str, entry_id: str) -> dict[str, Any]:
        """The fields of an entry the shop set itself ({} for a bundled entry as it is)."""
        return own_entry(self.overrides, section, entry_id)

    def retired_machines(self) -> list[dict[str, Any]]:
        """The shop's machines out of service, as the shop entered them."""
        return [m for m in self.overrides.get("machines", []) if m.get("retired")]


def shop_settings(env: Environment, who: Account) -> ShopSettings:
    """The settings of the shop `who` runs (its operators and admins only)."""
    shop_id = staff_shop(who, SETTINGS)
    with env.uow() as uow:
        row = uow.shops.by_id(shop_id)
        return ShopSettings(
            id=row.id,
            slug=row.slug,
            name=row.name,
            catalog=shop_catalog(uow, row.id),
            overrides=row.overrides,
            calendar=Calendar.model_validate(row.calendar),
        )


def catalog_entry(catalog: Catalog, section: Section, entry_id: str) -> CatalogEntry | None:
    entries: Mapping[str, CatalogEntry] = getattr(catalog, section)
    return entries.get(entry_id)


def edit_entry(
    env: Environment,
    who: Account,
    section: Section,
    entry_id: str,
    changes: dict[str, Any],
    new: bool = False,
) -> list[str]:
    """Set some fields of the entry `entry_id` (a new one when `new`), over what the shop
    set before; the names of the fields that changed. Nothing is stored when none did."""
    settings = shop_settings(env, who)
    current = catalog_entry(settings.catalog, section, entry_id)
    own = settings.own(section, entry_id)
    if new and (current is not None or own):
        raise ConflictError(
            f"id: there is already an entry {entry_id!r} (change it instead)", path="id"
        )
    if not new and current is None and not own:
        raise NotFoundError(f"{section}: no entry {entry_id!r}")
    before = current.model_dump(mode="json") if current is not None else {}
    changed = {k: v for k, v in changes.items() if k not in before or _plain(v) != before[k]}
    if not changed:
        return []
    sources = {k: v for k, v in own.get("sources", {}).items() if k not in changed}
    set_entry(env, who, section, {**own, **changed, "id": entry_id, "sources": sources})
    return sorted(changed)


def retire_machine(env: Environment, who: Account, machine_id: str, retired: bool) -> None:
    """Take a machine out of service for good (out of the shop's catalog), or bring it back."""
    edit_entry(env, who, "machines", machine_id, {"retired": retired})


def _plain(value: object) -> object:
    """`value` as JSON gives it back: tuples as lists."""
    return json.loads(json.dumps(value))


# --- the calendar ---------------------------------------------------------------------------


def set_hours(
    env: Environment,
    who: Account,
    hours: Mapping[Weekday, Sequence[tuple[time, time]]],
    timezone: str,
) -> Calendar:
    """Set the shifts of each weekday (none: closed that day) and the time zone."""
    shifts: dict[tuple[time, time], list[Weekday]] = {}
    for day, day_shifts in hours.items():
        for number, (start, end) in enumerate(day_shifts, start=1):
            try:
                Shift(days=[day], start=start, end=end)
            except ValidationError as error:
                reason = error.errors()[0]["msg"].removeprefix("Value error, ")
                raise InputError(
                    f"{DAY_NAMES[day]}, shift {number}: {reason}", path=f"{day.value}_{number}"
                ) from None
            shifts.setdefault((start, end), []).append(day)
    if not shifts:
        raise InputError("hours: the shop works at least one shift a week", path="hours")
    document = shop_settings(env, who).calendar.model_dump(mode="json")
    document["timezone"] = timezone
    document["shifts"] = [
        {"days": days, "start": start.isoformat(), "end": end.isoformat()}
        for (start, end), days in sorted(shifts.items())
    ]
    return set_calendar(env, who, document)


def close_day(env: Environment, who: Account, day: date, reason: str) -> Calendar:
    """Close the shop on `day` for `reason` (a date already closed takes the new reason)."""
    calendar = shop_settings(env, who).calendar
    closed = sorted({*calendar.closed, day})
    reasons = {**calendar.closed_reasons, day: reason.strip()}
    return _with(env, who, calendar, closed=closed, closed_reasons=reasons)


def reopen_day(env: Environment, who: Account, day: date) -> Calendar:
    """Open the shop again on a closed date."""
    calendar = shop_settings(env, who).calendar
    if day not in calendar.closed:
        raise NotFoundError(f"day: {day.isoformat()} is not a closed date", path="day")
    closed = [d for d in calendar.closed if d != day]
    reasons = {d: r for d, r in calendar.closed_reasons.items() if d != day}
    return _with(env, who, calendar, closed=closed, closed_reasons=reasons)


def add_window(
    env: Environment, who: Account, machine: str, start: datetime, end: datetime
) -> Calendar:
    """Take `machine` out for maintenance from `start` to `end` (the shop's local time when
    they carry no zone)."""
    settings = shop_settings(env, who)
    if machine not in settings.catalog.machines:
        known = ", ".join(sorted(settings.catalog.machines))
        raise InputError(f"machine: no machine {machine!r} in the shop (machines: {known})")
    zone = ZoneInfo(settings.calendar.timezone)
    window = {
        "machine": machine,
        "start": _in_utc(start, zone).isoformat(),
        "end": _in_utc(end, zone).isoformat(),
    }
    document = settings.calendar.model_dump(mode="json")
    return set_calendar(env, who, {**document, "maintenance": [*document["maintenance"], window]})


def remove_window(env: Environment, who: Account, index: int) -> Calendar:
    """Drop the maintenance window at `index` (from 0, as the calendar lists them)."""
    calendar = shop_settings(env, who).calendar
    if not 0 <= index < len(calendar.maintenance):
        raise NotFoundError(f"window: no maintenance window {index + 1}", path="window")
    kept = [w for i, w in enumerate(calendar.maintenance) if i != index]
    return _with(env, who, calendar, maintenance=kept)


def _in_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def _with(env: Environment, who: Account, calendar: Calendar, **changes: Any) -> Calendar:
    document = calendar.model_copy(update=changes).model_dump(mode="json")
    return set_calendar(env, who, document)
