"""What every page module shares: the templates, the signed-in caller, rendering,
redirects and the readable message of a refused form."""

import functools
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError

from bespoke.api.pages import words
from bespoke.api.problems import invalid_input, status_of
from bespoke.api.security import Caller, denials_recorded, identify
from bespoke.model.accounts import Role
from bespoke.model.bounds import quantities_in
from bespoke.model.costing import CostBreakdown
from bespoke.model.errors import BespokeError
from bespoke.services.demo import still_preparing
from bespoke.services.shop.shops import shop_catalog

templates = Jinja2Templates(
    env=Environment(
        loader=PackageLoader("bespoke.api", "templates"),
        autoescape=select_autoescape(["j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
templates.env.filters.update(
    money=words.money,
    number=words.number,
    duration=words.duration,
    plural=words.plural,
    named=words.named,
)


class LoginRequiredError(Exception):
    """A page asked for without a session: answered by a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def page_caller(request: Request) -> Iterator[Caller]:
    """The signed-in caller of a page; a refusal of what they ask goes to the audit log."""
    caller = identify(request)
    if caller is None or caller.csrf_token is None:
        raise LoginRequiredError(request.url.path)
    with denials_recorded(request, caller.account):
        yield caller


Signed = Annotated[Caller, Depends(page_caller)]


def render(
    request: Request, name: str, caller: Caller | None, status: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {
            "caller": caller,
            "Role": Role,
            "timedelta_s": _seconds,
            "breakdown_parts": CostBreakdown.parts(),
            "demo_preparing": _demo_preparing(request),
            **context,
            "names": context.get("names") or _ShopNames(request, caller),
        },
        status_code=status,
    )


class _ShopNames(Mapping[str, str]):
    """The names of the caller's shop's catalog codes, for `named` in any template: read
    from the database only when a template asks for one."""

    def __init__(self, request: Request, caller: Caller | None) -> None:
        self._request = request
        self._caller = caller

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        if self._caller is None or self._caller.account.shop_id is None:
            return {}
        with self._request.app.state.env.uow() as uow:
            return shop_catalog(uow, self._caller.account.shop_id).names()

    def __getitem__(self, code: str) -> str:
        return self._names[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _demo_preparing(request: Request) -> str | None:
    """What the demo's preparation is doing while it runs; asked until it has ended (it
    starts only before the service does)."""
    state = request.app.state
    if getattr(state, "demo_prepared", False):
        return None
    doing = still_preparing(state.env)
    state.demo_prepared = doing is None
    return doing


def _seconds(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def refusal(error: BespokeError | ValidationError) -> tuple[int, str]:
    """The status of a refused form and what to tell the user."""
    if isinstance(error, ValidationError):
        return 422, invalid_input(error)
    return status_of(error)[0], str(error)


def quantities_of(text: str) -> list[int] | None:
    """Quantities written in a form; None when left empty (the shop's breaks)."""
    return quantities_in(text, "quantities") or None
