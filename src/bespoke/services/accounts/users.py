"""Users, passwords (argon2), signing in (throttled) and out, browser sessions with CSRF
tokens."""

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from bespoke.model.accounts import Account, Role
from bespoke.model.errors import ConflictError, InputError
from bespoke.services.accounts import login_throttle
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import find_shop
from bespoke.store import now
from bespoke.store.tables import LoginSessionRow, UserRow

MIN_PASSWORD_LENGTH = 8
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
    row, failure = _verify(env, email, password)
    return None if failure or row is None else account(row)


def sign_in(env: Environment, email: str, password: str, address: str) -> Account | None:
    """The account whose email and password these are, or None, the failure counted
    against the email and the client address and written to the audit log.
    LoginRefusedError, without a password check, while either is backing off."""
    with env.uow() as uow:
        login_throttle.check(uow, email, address, now())
    row, failure = _verify(env, email, password)
    at = now()
    with env.uow() as uow:
        if failure:
            login_throttle.failed(uow, env.settings.login_limits, email, address, at)
            uow.audit.record(
                at,
                None,
                "login_failed",
                "user",
                row.id if row else "unknown",
                email=email[: login_throttle.KEY_LENGTH],
                address=address,
                reason=failure,
            )
        else:
            login_throttle.succeeded(uow, email)
        uow.commit()
    return None if failure or row is None else account(row)


def _verify(env: Environment, email: str, password: str) -> tuple[UserRow | None, str]:
    """The user the email names, and why signing in with the password fails ("" when
    it does not)."""
    with env.uow() as uow:
        row = uow.users.by_email(email.strip())
    if row is None or not row.active:
        _hasher.hash(password)  # the same time whether or not the user exists
        return row, "no such user" if row is None else "user inactive"
    try:
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return row, "wrong password"
    return row, ""


def start_session(env: Environment, who: Account, address: str | None = None) -> tuple[str, str]:
    """A new browser session: (the cookie value, the session's CSRF token)."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    started = now()
    with env.uow() as uow:
        uow.users.end_expired_sessions(started)
        uow.users.add(
            LoginSessionRow(
                id=digest(cookie),
                user_id=who.id,
                csrf_token=csrf,
                created_at=started,
                expires_at=started + timedelta(hours=env.settings.session_hours),
            )
        )
        uow.audit.record(started, who, "login", "user", who.id, address=address)
        uow.commit()
    return cookie, csrf


def session_account(env: Environment, cookie: str) -> tuple[Account, str] | None:
    """The account and CSRF token of a live session cookie, or None."""
    with env.uow() as uow:
        row = uow.users.login_session(digest(cookie))
        if row is None or row.expires_at < now():
            return None
        user = uow.users.by_id(row.user_id)
        if user is None or not user.active:
            return None
        return account(user), row.csrf_token


def sign_out(
    env: Environment, who: Account, *, cookie: str | None = None, token_id: int | None = None
) -> None:
    """End the browser session of `cookie`, or revoke the API token `token_id`."""
    with env.uow() as uow:
        if cookie is not None:
            uow.users.end_login_session(digest(cookie))
        if token_id is not None:
            uow.users.token_of(who.id, token_id).revoked = True
        ended = "session" if token_id is None else f"token {token_id}"
        uow.audit.record(now(), who, "logout", "user", who.id, ended=ended)
        uow.commit()


def sign_out_everywhere(env: Environment, who: Account) -> None:
    """End every browser session of `who` and revoke all their API tokens."""
    with env.uow() as uow:
        sessions = uow.users.end_sessions(who.id)
        tokens = uow.users.revoke_tokens(who.id)
        uow.audit.record(
            now(), who, "logout", "user", who.id, everywhere=True, sessions=sessions, tokens=tokens
        )
        uow.commit()


def digest(secret: str) -> str:
    """The sha256 of a cookie or token: what is stored of it."""
    return hashlib.sha256(secret.encode()).hexdigest()
