"""API tokens for scripts: named, shown once, listed by their owner, revoked, expiring."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.services.accounts.users import account, digest
from bespoke.services.environment import Environment
from bespoke.store import now
from bespoke.store.tables import ApiTokenRow

TOKEN_PREFIX = "bsp_"
DEFAULT_TOKEN_DAYS = 90
"""A token lives a season unless asked otherwise: long enough for a script to run
unattended, short enough that a forgotten or leaked one ends by itself."""
MAX_TOKEN_DAYS = 365
"""No token lives longer than a year: a script in use is given a new one at least yearly."""
LAST_USE_STEP = timedelta(minutes=1)
"""`last_used_at` moves in steps of a minute, so a busy script costs no write per call."""
NAME_LENGTH = 200


class TokenRefusedError(Exception):
    """A token that does not sign in: unknown, revoked or expired (the message says which)."""


@dataclass(frozen=True)
class TokenHolder:
    """Who a token signs in, and which of their tokens it is."""

    account: Account
    token_id: int


def create_token(
    env: Environment, who: Account, name: str, days: int = DEFAULT_TOKEN_DAYS
) -> tuple[str, ApiTokenRow]:
    """A new token for `who` living `days` days, and its row; only its digest is kept,
    so the token is shown once."""
    name = name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise InputError(f"name: a token's name has 1 to {NAME_LENGTH} characters")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InputError(f"days: {days} is not between 1 and {MAX_TOKEN_DAYS}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    made = now()
    with env.uow() as uow:
        row = ApiTokenRow(
            user_id=who.id,
            name=name,
            token_sha256=digest(token),
            created_at=made,
            expires_at=made + timedelta(days=days),
        )
        uow.users.add(row)
        uow.flush()
        uow.audit.record(made, who, "create", "api_token", row.id, name=name, days=days)
        uow.commit()
    return token, row


def token_holder(env: Environment, token: str) -> TokenHolder:
    """Who `token` signs in; TokenRefusedError when it is unknown, revoked or expired."""
    used = now()
    with env.uow() as uow:
        row = uow.users.token(digest(token))
        user = uow.users.by_id(row.user_id) if row else None
        if row is None or user is None or not user.active:
            raise TokenRefusedError("the API token is unknown or revoked")
        if row.expires_at <= used:
            raise TokenRefusedError(
                f"the API token {row.name!r} expired on {row.expires_at:%Y-%m-%d %H:%M} UTC;"
                " make a new one (POST /api/tokens)"
            )
        if row.last_used_at is None or row.last_used_at + LAST_USE_STEP <= used:
            row.last_used_at = used
            uow.commit()
        return TokenHolder(account(user), row.id)


def list_tokens(env: Environment, who: Account) -> Sequence[ApiTokenRow]:
    """The caller's tokens not revoked (expired ones too), newest first."""
    with env.uow() as uow:
        return uow.users.tokens_of(who.id)


def revoke_token(env: Environment, who: Account, token_id: int) -> None:
    """Revoke one of the caller's tokens; NotFoundError for anyone else's."""
    with env.uow() as uow:
        row = uow.users.token_of(who.id, token_id)
        row.revoked = True
        uow.audit.record(now(), who, "revoke", "api_token", row.id, name=row.name)
        uow.commit()
