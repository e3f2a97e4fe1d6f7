"""Who is asking: an API token (`Authorization: Bearer bsp_...`) or a browser session cookie.

Requests signed in by cookie that change something must carry the session's CSRF token,
in the `X-CSRF-Token` header (scripts in pages) or a `csrf_token` form field (forms).
Every refusal of a signed-in caller (403: a wrong CSRF token, a role that may not) is
written to the audit log.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from bespoke.model.accounts import Account, Role
from bespoke.model.errors import PermissionDeniedError
from bespoke.services.accounts.tokens import TokenRefusedError, token_holder
from bespoke.services.accounts.users import session_account
from bespoke.services.environment import Environment
from bespoke.store import now

SESSION_COOKIE = "bespoke_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Caller:
    account: Account
    csrf_token: str | None  # None for API tokens: no cookie, no CSRF
    token_id: int | None = None  # the API token signing the request in


def environment(request: Request) -> Environment:
    """The service's environment (database, blobs, workers, bus)."""
    env: Environment = request.app.state.env
    return env


async def _environment(request: Request) -> Environment:
    """`environment` as a dependency; `async`, so that FastAPI does not send it to a request
    thread (a thread's turn costs more than the lookup)."""
    return environment(request)


Env = Annotated[Environment, Depends(_environment)]
"""A route's environment, as a FastAPI dependency."""


def identify(request: Request) -> Caller | None:
    """The caller of a request, or None when it is not signed in."""
    env = environment(request)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        try:
            holder = token_holder(env, header[7:].strip())
        except TokenRefusedError as refused:
            raise HTTPException(401, str(refused), _challenge()) from None
        return Caller(holder.account, None, holder.token_id)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = session_account(env, cookie)
        if found is not None:
            return Caller(*found)
    return None


def signed_caller(request: Request) -> Caller:
    """FastAPI dependency for the REST API: the signed-in caller, CSRF checked."""
    caller = identify(request)
    if caller is None:
        raise HTTPException(401, "sign in (session cookie) or send an API token", _challenge())
    if caller.csrf_token is not None and request.method not in SAFE_METHODS:
        with denials_recorded(request, caller.account):
            check_csrf(caller, request.headers.get(CSRF_HEADER))
    return caller


def api_caller(request: Request) -> Iterator[Account]:
    """FastAPI dependency for the REST API: the signed-in account, CSRF checked; a
    refusal of what they ask is written to the audit log."""
    caller = signed_caller(request)
    with denials_recorded(request, caller.account):
        yield caller.account


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


@contextmanager
def denials_recorded(request: Request, who: Account) -> Iterator[None]:
    """Write a refusal (403) of `who`'s request raised inside to the audit log, in a
    transaction of its own: the refused change is not kept, the refusal is."""
    try:
        yield
    except PermissionDeniedError as error:
        _record_denial(request, who, str(error))
        raise
    except HTTPException as error:
        if error.status_code == 403:
            _record_denial(request, who, str(error.detail))
        raise


def _record_denial(request: Request, who: Account, reason: str) -> None:
    with environment(request).uow() as uow:
        uow.audit.record(
            now(),
            who,
            "denied",
            "user",
            who.id,
            method=request.method,
            path=request.url.path,
            reason=reason,
        )
        uow.commit()


def client_address(request: Request) -> str:
    """The address the request came from (as the server's proxy settings tell it)."""
    return request.client.host if request.client else "unknown"


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="bespoke"'}
