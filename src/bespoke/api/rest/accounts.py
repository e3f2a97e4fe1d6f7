"""Signing in (throttled) and out, who am I, API tokens: made, listed, revoked."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field

from bespoke.api.openapi import problems
from bespoke.api.security import (
    SESSION_COOKIE,
    Caller,
    Env,
    api_caller,
    client_address,
    identify,
    signed_caller,
)
from bespoke.api.views import AccountOut, NewTokenOut, TokenOut, token_out
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId, WithoutNul
from bespoke.services import accounts
from bespoke.services.accounts import tokens
from bespoke.services.accounts.login_throttle import KEY_LENGTH, LoginRefusedError
from bespoke.store import now

router = APIRouter(tags=["accounts"])
Who = Annotated[Account, Depends(api_caller)]
Signed = Annotated[Caller, Depends(signed_caller)]
MAX_PASSWORD_LENGTH = 1024


class Credentials(BaseModel):
    email: Annotated[str, WithoutNul] = Field(max_length=KEY_LENGTH)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class TokenRequest(BaseModel):
    name: Annotated[str, WithoutNul] = Field(
        default="script", min_length=1, max_length=tokens.NAME_LENGTH
    )
    days: int = Field(
        default=tokens.DEFAULT_TOKEN_DAYS,
        ge=1,
        le=tokens.MAX_TOKEN_DAYS,
        description="How many days the token lives",
    )


@router.post("/session", response_model=AccountOut, responses=problems(401, 422, 429))
def sign_in(credentials: Credentials, request: Request, env: Env, response: Response) -> AccountOut:
    """Sign in with email and password; sets the session cookie and returns the CSRF token.
    Failed sign-ins are counted per email and per client address: past the limit they are
    refused for a while (429 with `Retry-After`)."""
    address = client_address(request)
    try:
        who = accounts.sign_in(env, credentials.email, credentials.password, address)
    except LoginRefusedError as refused:
        raise HTTPException(429, str(refused), {"Retry-After": str(refused.seconds)}) from None
    if who is None:
        raise HTTPException(401, "email or password is wrong")
    cookie, csrf = accounts.start_session(env, who, address)
    set_session_cookie(response, cookie, env.settings.secure_cookies, env.settings.session_hours)
    return AccountOut(account=who, csrf_token=csrf)


@router.delete("/session", status_code=204, responses=problems(401, 403, 422))
def sign_out(
    caller: Signed,
    request: Request,
    env: Env,
    response: Response,
    everywhere: Annotated[
        bool, Query(description="End all the caller's sessions and revoke all their tokens")
    ] = False,
) -> None:
    """Sign out: a cookie's session ends, a bearer token is revoked."""
    if everywhere:
        accounts.sign_out_everywhere(env, caller.account)
    else:
        cookie = request.cookies.get(SESSION_COOKIE) if caller.token_id is None else None
        accounts.sign_out(env, caller.account, cookie=cookie, token_id=caller.token_id)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=AccountOut, responses=problems(401))
def me(request: Request) -> AccountOut:
    caller = identify(request)
    if caller is None:
        raise HTTPException(401, "not signed in")
    return AccountOut(account=caller.account, csrf_token=caller.csrf_token)


@router.post(
    "/tokens", response_model=NewTokenOut, status_code=201, responses=problems(401, 403, 422)
)
def new_token(body: TokenRequest, who: Who, env: Env) -> NewTokenOut:
    """A new API token for scripts, living `days` days."""
    secret, row = tokens.create_token(env, who, body.name, body.days)
    return NewTokenOut(**token_out(row, now()).model_dump(), token=secret)


@router.get("/tokens", response_model=list[TokenOut], responses=problems(401))
def list_tokens(who: Who, env: Env) -> list[TokenOut]:
    """The caller's API tokens (not the secrets), newest first; revoked ones are gone."""
    moment = now()
    return [token_out(row, moment) for row in tokens.list_tokens(env, who)]


@router.delete("/tokens/{token_id}", status_code=204, responses=problems(401, 403, 404, 422))
def revoke_token(token_id: RowId, who: Who, env: Env) -> None:
    """Revoke one of the caller's API tokens: it signs in no more."""
    tokens.revoke_token(env, who, token_id)


def set_session_cookie(response: Response, cookie: str, secure: bool, hours: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
