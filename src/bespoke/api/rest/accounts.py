"""Signing in and out, who am I, API tokens."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from bespoke.api.security import SESSION_COOKIE, api_caller, environment, identify
from bespoke.api.views import AccountOut
from bespoke.model.accounts import Account
from bespoke.services import accounts

router = APIRouter(tags=["accounts"])
Caller = Annotated[Account, Depends(api_caller)]


class Credentials(BaseModel):
    email: str
    password: str


class TokenRequest(BaseModel):
    name: str = "script"


class TokenOut(BaseModel):
    token: str
    note: str = "shown once: keep it; send it as 'Authorization: Bearer <token>'"


@router.post("/session", response_model=AccountOut)
def sign_in(credentials: Credentials, request: Request, response: Response) -> AccountOut:
    """Sign in with email and password; sets the session cookie and returns the CSRF token."""
    env = environment(request)
    who = accounts.authenticate(env, credentials.email, credentials.password)
    if who is None:
        raise HTTPException(401, "email or password is wrong")
    cookie, csrf = accounts.start_session(env, who)
    set_session_cookie(response, cookie, env.settings.secure_cookies, env.settings.session_hours)
    return AccountOut(account=who, csrf_token=csrf)


@router.delete("/session", status_code=204)
def sign_out(request: Request, response: Response) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(environment(request), cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=AccountOut)
def me(request: Request) -> AccountOut:
    caller = identify(request)
    if caller is None:
        raise HTTPException(401, "not signed in")
    return AccountOut(account=caller.account, csrf_token=caller.csrf_token)


@router.post("/tokens", response_model=TokenOut, status_code=201)
def new_token(body: TokenRequest, who: Caller, request: Request) -> TokenOut:
    """A new API token for scripts."""
    return TokenOut(token=accounts.create_token(environment(request), who, body.name))


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
