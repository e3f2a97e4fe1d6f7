"""Who is asking: an API token (`Authorization: Bearer bsp_...`) or a browser session cookie.

Requests signed in by cookie that change something must carry the session's CSRF token,
in the `X-CSRF-Token` header (scripts in pages) or a `csrf_token` form field (forms).
"""

import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request

from bespoke.model.accounts import Account, Role
from bespoke.services.accounts import session_account, token_account
from bespoke.services.environment import Environment

SESSION_COOKIE = "bespoke_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Caller:
    account: Account
    csrf_token: str | None  # None for API tokens: no cookie, no CSRF


def environment(request: Request) -> Environment:
    env: Environment = request.app.state.env
    return env


def identify(request: Request) -> Caller | None:
    """The caller of a request, or None when it is not signed in."""
    env = environment(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        who = token_account(env, header[7:].strip())
        if who is None:
            raise HTTPException(401, "the API token is unknown or revoked", _challenge())
        return Caller(who, None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = session_account(env, cookie)
        if found is not None:
            return Caller(*found)
    return None


def api_caller(request: Request) -> Account:
    """FastAPI dependency for the REST API: the signed-in account, CSRF checked."""
    caller = identify(request)
    if caller is None:
        raise HTTPException(401, "sign in (session cookie) or send an API token", _challenge())
    if caller.csrf_token is not None and request.method not in SAFE_METHODS:
        check_csrf(caller, request.headers.get(CSRF_HEADER))
    return caller.account


def check_csrf(caller: Caller, given: str | None) -> None:
    expected = caller.csrf_token
    if expected is None:
        return
    if not given or not secrets.compare_digest(given, expected):
        raise HTTPException(
            403, f"missing or wrong CSRF token ({CSRF_HEADER} header or form field)"
        )


def require_role(who: Account, *roles: Role) -> None:
    if who.role not in roles:
        raise HTTPException(403, f"this needs the role {' or '.join(roles)}")


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="bespoke"'}
