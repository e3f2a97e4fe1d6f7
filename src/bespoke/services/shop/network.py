"""The network's shops: a shop added, the shops that take work, a shop retired.

A retired shop keeps its rows (its orders, schedules and staff stay readable) and its
settings document says since when and why; it is no longer quoted across shops, and a
quote it gave earlier can no longer be ordered.
"""

import re
from datetime import datetime
from typing import Any

from bespoke.model.accounts import Account, Role
from bespoke.model.bounds import MAX_REASON
from bespoke.model.errors import ConflictError, InputError, PermissionDeniedError
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import ensure_shop, find_shop
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import ShopRow

RETIRED = "retired"
"""The key of a shop's settings document that says it was retired: when, by whom, why."""
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_NAME = 200


def add_shop(env: Environment, slug: str, name: str) -> int:
    """A new shop `slug` named `name`, with the bundled catalog and calendar; its id."""
    if not SLUG.fullmatch(slug):
        raise InputError(
            f"slug: {slug[:70]!r} is not a shop id (accepted: lower-case letters, digits and"
            " '-', 1 to 64, starting with a letter or digit)"
        )
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InputError(f"name: give the shop a name of 1 to {MAX_NAME} characters")
    with env.uow() as uow:
        if uow.shops.by_slug(slug) is not None:
            raise ConflictError(f"slug: there is a shop {slug!r} already")
    return ensure_shop(env, slug, name)


def retirement(row: ShopRow) -> str | None:
    """Why the shop takes no more work, in words naming it; None while it does."""
    retired: dict[str, Any] | None = row.overrides.get(RETIRED)
    if not retired:
        return None
    day = datetime.fromisoformat(retired["at"]).date().isoformat()
    return f"shop {row.slug!r} ({row.name}) was retired on {day}: {retired['reason']}"


def open_shops(uow: UnitOfWork) -> list[ShopRow]:
    """The shops that take work, in the order they were made."""
    return [row for row in uow.shops.all() if retirement(row) is None]


def taking_work(uow: UnitOfWork, slug: str, field: str = "shop") -> ShopRow:
    """The shop `slug` if it takes work; NotFoundError naming the known shops, or
    InputError (about `field`) naming those taking work when it was retired."""
    row = find_shop(uow, slug)
    retired = retirement(row)
    if retired is not None:
        taking = ", ".join(s.slug for s in open_shops(uow)) or "none"
        raise InputError(f"{field}: {retired} (shops taking work: {taking})", path=field)
    return row


def still_taking_work(env: Environment, shop_id: int, what: str) -> None:
    """ConflictError when the shop was retired while `what` was being made (read afresh,
    outside the caller's transaction), saying nothing of it was kept."""
    with env.uow() as uow:
        retired = retirement(uow.shops.by_id(shop_id))
    if retired is not None:
        raise ConflictError(f"{retired} while {what} was made; nothing was kept: ask another shop")


def retire_shop(env: Environment, actor: Account, slug: str, reason: str) -> ShopRow:
    """Retire the shop `slug` from the network (admins only), with the reason given."""
    if actor.role != Role.ADMIN:
        raise PermissionDeniedError("only admins retire a shop")
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InputError(f"reason: say why the shop is retired (1 to {MAX_REASON} characters)")
    with env.uow() as uow:
        row = find_shop(uow, slug)
        already = retirement(row)
        if already is not None:
            raise ConflictError(already)
        stamp = now()
        row.overrides = {
            **row.overrides,
            RETIRED: {"at": stamp.isoformat(), "by": actor.email, "reason": reason},
        }
        row.updated_at = stamp
        uow.audit.record(stamp, actor, "retire", "shop", row.id, slug=row.slug, reason=reason)
        uow.commit()
        return row
