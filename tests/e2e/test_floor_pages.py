"""The floor's pages: the tiles served and followed live in a real browser (Chromium),
on a phone's width too; the KPI table; makers kept out."""

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Browser, expect
from tests.e2e.conftest import PASSWORD, Service
from tests.e2e.test_browser import PHONE, Watched, browser, desktop, shot, sign_in
from tests.e2e.test_floor_api import ROUTER, work_order

from bespoke.model.monitoring import Observation, Signal
from bespoke.services.shopfloor.monitoring import floor_monitor

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser", "desktop"]  # fixtures used here
LASER = "fiber-laser-3015"


def observed(machine: str, signal: Signal, value: str, **more: str) -> Observation:
    return Observation(
        machine=machine, item=signal.value, signal=signal, value=value, at=datetime.now(UTC), **more
    )


@pytest.fixture
def operator_browser(service: Service) -> Iterator[httpx.Client]:
    who, _ = service.user("operator")
    with httpx.Client(base_url=service.url) as browser:
        browser.post("/login", data={"email": who.email, "password": PASSWORD})
        yield browser


def test_the_floor_page_has_a_tile_per_machine_with_its_terminal_link(
    operator_browser: httpx.Client,
) -> None:
    page = operator_browser.get("/floor")
    assert page.status_code == 200, page.text
    assert f'data-machine="{ROUTER}"' in page.text
    assert f'href="/floor/machines/{ROUTER}"' in page.text
    assert '<script src="/static/floor.js" defer></script>' in page.text
    assert operator_browser.get("/static/floor.js").status_code == 200


def test_the_kpi_page_shows_machines_and_the_shop(operator_browser: httpx.Client) -> None:
    page = operator_browser.get("/floor/kpis", params={"day": "2026-03-02"})
    assert page.status_code == 200, page.text
    assert f'href="/floor/machines/{LASER}"' in page.text and "<th>Shop</th>" in page.text
    wrong = operator_browser.get("/floor/kpis", params={"day": "2026-02-30"})
    assert wrong.status_code == 422 and "day: &#39;2026-02-30&#39; is not a date" in wrong.text


def test_makers_do_not_see_the_floor(service: Service) -> None:
    who, _ = service.user("maker")
    with httpx.Client(base_url=service.url) as browser:
        browser.post("/login", data={"email": who.email, "password": PASSWORD})
        assert browser.get("/floor").status_code == 403
        assert browser.get("/floor/kpis").status_code == 403


def test_tiles_follow_the_machines_live(
    service: Service, desktop: Watched, browser: Browser
) -> None:
    who, _ = service.user("operator")
    page = desktop.page
    page.goto("/floor")
    sign_in(page, who.email)
    page.goto("/floor")
    expect(page.locator("#floor-live")).to_have_text("Live")
    tile = page.locator(f'.tile[data-machine="{LASER}"]')
    floor_monitor(service.env).keep(
        1,
        [
            observed(LASER, Signal.EXECUTION, "ACTIVE"),
            observed(LASER, Signal.ALARM, "FAULT", code="E42", message="door open"),
        ],
    )
    expect(tile.locator(".word")).to_have_text("Stopped")
    expect(tile).to_have_class("tile state-stopped")
    expect(tile.locator(".alarms li")).to_have_text("E42 door open")
    floor_monitor(service.env).keep(1, [observed(LASER, Signal.ALARM, "NORMAL", code="E42")])
    expect(tile.locator(".word")).to_have_text("Running")
    expect(tile.locator(".alarms li")).to_have_count(0)
    running = work_order(service, LASER, 8, 800, "running", good=2, scrap=0)
    page.reload()
    expect(tile.locator(".work .count")).to_have_text("2 / 8")
    assert tile.get_attribute("data-work") == str(running)
    shot(page, "floor")
    phone = browser.new_context(base_url=service.url, viewport=PHONE)
    try:
        small = phone.new_page()
        small.goto("/floor")
        sign_in(small, who.email)
        small.goto("/floor")
        overflow = small.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        shot(small, "floor-phone")
    finally:
        phone.close()
