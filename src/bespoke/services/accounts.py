"""Users, passwords (argon2), browser sessions with CSRF tokens, and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from bespoke.model.accounts import Account, Role
from bespoke.model.errors import ConflictError, InputError
from bespoke.services.environment import Environment
from bespoke.services.shops import find_shop
from bespoke.store import now
from bespoke.store.tables import ApiTokenRow, LoginSessionRow, UserRow

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "bsp_"
_hasher = PasswordHasher()


def account(row: UserRow) -> Account:
    return Account(
        id=row.id, email=row.email, name=row.name, role=Role(row.role), shop_id=row.shop_id
    )


def create_user(
    env: Environment,
    email: str,
    password: str,
    *,
    role: str = "maker",
    name: str | None = None,
    shop_slug: str | None = None,
    actor: Account | None = None,
) -> Account:
    """A new user of the shop `shop_slug` (the first shop when not given)."""
    email = email.strip()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise InputError(f"email: {email!r} is not an email address (name@example.com)")
    if role not in set(Role):
        raise InputError(f"role: unknown role {role!r} (accepted: {', '.join(Role)})")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password: too short (at least {MIN_PASSWORD_LENGTH} characters)")
    with env.uow() as uow:
        shop = find_shop(uow, shop_slug)
        if uow.users.by_email(email) is not None:
            raise ConflictError(f"email: a user {email} already exists")
        row = UserRow(
            email=email,
            name=name or email.split("@")[0],
            role=role,
            password_hash=_hasher.hash(password),
            shop_id=shop.id,
            created_at=now(),
        )
        uow.users.add(row)
        uow.flush()
        uow.audit.record(now(), actor, "create", "user", row.id, email=email, role=role)
        uow.commit()
        return account(row)


def authenticate(env: Environment, email: str, password: str) -> Account | None:
    """The account whose email and password these are, or None."""
    with env.uow() as uow:
        row = uow.users.by_email(email.strip())
        if row is None or not row.active:
            _hasher.hash(password)  # the same time whether or not the user exists
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            return None
        return account(row)


def start_session(env: Environment, who: Account) -> tuple[str, str]:
    """A new browser session: (the cookie value, the session's CSRF token)."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    started = now()
    with env.uow() as uow:
        uow.users.end_expired_sessions(started)
        uow.users.add(
            LoginSessionRow(
                id=_digest(cookie),
                user_id=who.id,
                csrf_token=csrf,
                created_at=started,
                expires_at=started + timedelta(hours=env.settings.session_hours),
            )
        )
        uow.audit.record(started, who, "login", "user", who.id)
        uow.commit()
    return cookie, csrf


def session_account(env: Environment, cookie: str) -> tuple[Account, str] | None:
    """The account and CSRF token of a live session cookie, or None."""
    with env.uow() as uow:
        row = uow.users.login_session(_digest(cookie))
        if row is None or row.expires_at < now():
            return None
        user = uow.users.by_id(row.user_id)
        if user is None or not user.active:
            return None
        return account(user), row.csrf_token


def end_session(env: Environment, cookie: str) -> None:
    with env.uow() as uow:
        uow.users.end_login_session(_digest(cookie))
        uow.commit()


def create_token(env: Environment, who: Account, name: str) -> str:
    """A new API token for `who`; only its digest is kept, so it is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with env.uow() as uow:
        row = ApiTokenRow(user_id=who.id, name=name, token_sha256=_digest(token), created_at=now())
        uow.users.add(row)
        uow.flush()
        uow.audit.record(now(), who, "create", "api_token", row.id, name=name)
        uow.commit()
    return token


def token_account(env: Environment, token: str) -> Account | None:
    """The account an API token belongs to, or None when unknown or revoked."""
    with env.uow() as uow:
        row = uow.users.token(_digest(token))
        user = uow.users.by_id(row.user_id) if row else None
        if user is None or not user.active:
            return None
        return account(user)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
