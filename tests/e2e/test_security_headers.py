"""Every response carries the security headers: pages, API, static files, errors."""

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tests.e2e.conftest import Service

from bespoke.api.headers import DOCS_POLICY, SITE_POLICY, SecurityHeaders

HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def assert_secured(response: httpx.Response, policy: str = SITE_POLICY) -> None:
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (where, name)
    csp = response.headers.get("content-security-policy")
    assert csp == policy, where
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in SITE_POLICY


def test_pages_api_files_and_errors_carry_the_headers(
    service: Service, maker: httpx.Client
) -> None:
    with httpx.Client(base_url=service.url) as anonymous:
        answers = [
            anonymous.get("/login"),
            anonymous.get("/quote"),  # a redirect to the login page
            anonymous.get("/static/bespoke.js"),
            anonymous.get("/static/bespoke.css"),
            anonymous.get("/vendor/plotly.min.js"),
            anonymous.get("/favicon.ico"),
            anonymous.get("/openapi.json"),
            anonymous.get("/static/missing.js"),
            anonymous.get("/no/such/page"),
            anonymous.get("/api/designs"),  # 401
            anonymous.post("/api/session", json={"email": 1}),  # 422
        ]
    answers += [
        maker.get("/api/designs"),
        maker.get("/api/quotes/999999"),  # 404
        maker.get("/api/audit"),  # 403
        maker.post("/api/designs", files={"file": ("big.dxf", b" " * (3 * 1024 * 1024))}),
    ]
    statuses = [a.status_code for a in answers]
    assert statuses == [200, 303, 200, 200, 200, 200, 200, 404, 404, 401, 422, 200, 404, 403, 413]
    for answer in answers:
        assert_secured(answer)


def test_the_api_documents_allow_their_own_scripts_only(service: Service) -> None:
    for path in ("/docs", "/redoc"):
        answer = httpx.get(f"{service.url}{path}")
        assert answer.status_code == 200
        assert_secured(answer, DOCS_POLICY)


def test_an_error_no_handler_answers_carries_them_too() -> None:
    """Under the server's outermost error handling, as in the service."""

    def broken(request: Request) -> Response:
        raise RuntimeError("a fault")

    app = Starlette(routes=[Route("/broken", broken)], middleware=[Middleware(SecurityHeaders)])

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bespoke") as client:
            return await client.get("/broken")

    answer = asyncio.run(ask())
    assert answer.status_code == 500
    assert answer.text == "Internal Server Error"
    assert_secured(answer)
