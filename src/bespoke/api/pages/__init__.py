"""The web pages, one module per area mirroring the REST modules: signing in
(`accounts`), uploads and quotes (`quotes`), products (`products`), orders (`orders`),
the shop (`shop`) and a quote across the network's shops (`shops`), the operator's
terminal (`terminal`), the live floor and its KPIs (`floor`); the shop's settings
(`settings`) and the audit log (`audit`). Forms carry the session's CSRF token."""

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import Response

from bespoke.api.pages import (
    accounts,
    audit,
    floor,
    orders,
    products,
    quotes,
    settings,
    shop,
    shops,
    terminal,
    upkeep,
)
from bespoke.api.pages.kit import LoginRequiredError, render, see_other
from bespoke.api.security import identify


def install(app: FastAPI) -> None:
    """The pages, their error pages and the redirect to the login page."""
    for area in (accounts, quotes, products, orders, shop, shops, terminal, floor, upkeep):
        app.include_router(area.router)
    for area in (settings, audit):
        app.include_router(area.router)

    async def on_login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequiredError)
        return see_other(f"/login?next={quote(error.next_url)}")

    app.add_exception_handler(LoginRequiredError, on_login_required)


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    caller = identify(request) if status != 401 else None
    return render(request, "error.html.j2", caller, status, title=title, detail=detail)
