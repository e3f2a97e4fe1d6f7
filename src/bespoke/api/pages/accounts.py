"""Pages for signing in and out, and the way in."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bespoke.api.pages.kit import (
    Signed,
    render,
    see_other,
)
from bespoke.api.rest.accounts import set_session_cookie
from bespoke.api.security import (
    SESSION_COOKIE,
    Env,
    check_csrf,
    client_address,
)
from bespoke.model.accounts import Role
from bespoke.services import accounts
from bespoke.services.accounts.login_throttle import LoginRefusedError

router = APIRouter(include_in_schema=False)


# --- signing in -----------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html.j2", None, next=_local(next))


@router.post("/login")
def login(
    request: Request,
    env: Env,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = client_address(request)
    try:
        who = accounts.sign_in(env, email, password, address)
    except LoginRefusedError as refused:
        page = _login_again(request, next, email, 429, f"{str(refused).capitalize()}.")
        page.headers["Retry-After"] = str(refused.seconds)
        return page
    if who is None:
        return _login_again(request, next, email, 401, "Email or password is wrong.")
    cookie, _csrf = accounts.start_session(env, who, address)
    response = see_other(_local(next))
    set_session_cookie(response, cookie, env.settings.secure_cookies, env.settings.session_hours)
    return response


def _login_again(request: Request, next: str, email: str, status: int, error: str) -> HTMLResponse:
    return render(
        request, "login.html.j2", None, status, next=_local(next), email=email, error=error
    )


@router.post("/logout")
def logout(
    request: Request, env: Env, caller: Signed, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(caller, csrf_token)
    accounts.sign_out(env, caller.account, cookie=request.cookies.get(SESSION_COOKIE))
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(caller: Signed) -> Response:
    return see_other("/quote" if caller.account.role == Role.MAKER else "/shop")


# --- maker: products ------------------------------------------------------------------------


def _local(url: str) -> str:
    """Only redirect within the site."""
    return url if url.startswith("/") and not url.startswith("//") else "/"
