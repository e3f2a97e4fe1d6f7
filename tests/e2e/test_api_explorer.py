"""The API explorers in a real browser, offline: /docs (Swagger UI) and /redoc (ReDoc)
show the service's operations with every request answered by the service itself, and keep
to their content security policy."""

import re

import pytest
from playwright.sync_api import Browser, expect
from tests.e2e.conftest import Service
from tests.e2e.test_browser import ARTIFACTS, DESKTOP, PLAN_TIMEOUT_MS, Watched, browser

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser"]  # the fixture, used by name
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_the_api_explorers_load_everything_from_the_service(
    service: Service, browser: Browser
) -> None:
    watched = Watched(browser, service, DESKTOP)
    asked: list[str] = []
    answered: list[str] = []
    page = watched.page
    page.on("request", lambda request: asked.append(request.url))
    page.on("response", lambda response: answered.append(response.url))
    try:
        page.goto("/docs")
        expect(page.get_by_role("heading", name=re.compile("^Bespoke"))).to_be_visible()
        expect(page.locator(".opblock-summary-path", has_text="/api/quotes").first).to_be_visible()
        page.screenshot(path=ARTIFACTS / "api-docs.png")  # its top: the page is long
        asked_by_docs = list(asked)
        page.goto("/redoc")
        # ReDoc lays out the whole document before it shows anything: slow on a busy machine
        expect(page.get_by_text("/api/quotes").first).to_be_attached(timeout=PLAN_TIMEOUT_MS)
        expect(page.locator("h1", has_text="Bespoke")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "api-redoc.png")
    finally:
        watched.close()
    # ReDoc's sidebar asks for its maker's logo (an <img> that hides itself when it cannot
    # load): the policy refuses it, so it never leaves the browser. Nothing else may.
    refused_logo = [p for p in watched.problems if REDOC_LOGO in p]
    assert len(refused_logo) == 2, watched.problems  # the console's message and the report
    assert not [p for p in watched.problems if REDOC_LOGO not in p], watched.problems
    here = (service.url, "data:", "blob:")
    assert not [url for url in asked_by_docs if not url.startswith(here)], asked_by_docs
    assert {url for url in asked if not url.startswith(here)} <= {REDOC_LOGO}, asked
    assert not [url for url in answered if not url.startswith(here)], answered
    assert any(url.endswith("/swagger-ui-bundle.js") for url in asked)
