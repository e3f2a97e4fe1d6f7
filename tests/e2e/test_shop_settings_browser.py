"""The shop run from its pages in a real browser (Chromium): an operator changes a
machine, a rate and the weekly calendar (a closed date) by form and finds the closed date
on the dashboard's week; an admin finds those changes on the audit page by the operator's
e-mail. At a desktop's and a phone's width, with screenshots under `test-artifacts/`."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import Service
from tests.e2e.test_browser import PHONE, Watched, browser, desktop, overflow, shot, sign_in

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser", "desktop"]  # fixtures used here


def signed_in(page: Page, email: str, url: str) -> None:
    page.goto(url)
    sign_in(page, email)
    page.goto(url)


def test_an_operator_runs_the_shop_from_its_pages_and_an_admin_audits_it(
    service: Service, desktop: Watched, browser: Browser
) -> None:
    operator, _ = service.user("operator")
    page = desktop.page
    signed_in(page, operator.email, "/shop")
    page.click("text=Settings")
    expect(page.locator("h1")).to_have_text("Settings of Main workshop")
    shot(page, "shop-01-settings")

    page.click("text=Fiber laser 3015, 3 kW")
    expect(page.locator("label[for=rate_per_hour]")).to_have_text("Machine rate (USD/h)")
    shot(page, "shop-02-machine")
    page.fill("#rate_per_hour", "125")
    page.click("text=Save")
    expect(page.locator("#machines")).to_be_visible()
    expect(page.locator("#machines + section")).to_contain_text("USD 125.00/h")

    page.click("text=Change the rates")
    page.fill("#labour_rate_per_hour", "65")
    shot(page, "shop-03-rates")
    page.click("text=Save")
    expect(page.locator("#rates + section")).to_contain_text("Labour USD 65.00/h")

    closed = date.today() + timedelta(days=2)
    page.goto("/shop/settings/calendar")
    page.fill("#day", closed.isoformat())
    page.fill("#reason", "Stocktaking")
    page.click("text=Close on this date")
    expect(page.locator("#closed + section")).to_contain_text("Stocktaking")
    shot(page, "shop-04-calendar")

    page.goto("/shop")
    week = page.locator("table.week")
    expect(week.locator("tr.closed")).to_contain_text("Closed: Stocktaking")
    shot(page, "shop-05-dashboard-week")
    page.click(".counts a >> nth=0")
    expect(page.locator("#orders")).to_contain_text("Orders placed")

    admin, _ = service.user("admin")
    watched = Watched(browser, service, PHONE)
    try:
        phone = watched.page
        signed_in(phone, admin.email, "/admin/audit")
        phone.fill("#who", operator.email)
        phone.fill("#since", date.today().isoformat())
        phone.click("text=Find")
        entries = phone.locator("#audit")
        expect(entries).to_contain_text(operator.email)
        expect(entries).to_contain_text("rate per hour: 125")
        expect(entries).to_contain_text("labour rate per hour: 65")
        expect(entries).to_contain_text(f"closed {closed.isoformat()} (Stocktaking)")
        shot(phone, "shop-06-audit-phone")
        phone.fill("#entity", "machines")
        phone.click("text=Find")
        expect(phone.locator("#audit tr")).to_have_count(2)
        phone.click("#audit a")
        expect(phone.locator("h1")).to_contain_text("Fiber laser 3015")
        phone.goto("/shop")
        expect(phone.locator("table.week tr.closed")).to_contain_text("Stocktaking")
        assert overflow(phone) <= 0, "the dashboard is wider than the phone"
        shot(phone, "shop-07-dashboard-phone")
        phone.goto("/shop/settings/calendar")
        shot(phone, "shop-08-calendar-phone")
    finally:
        watched.close()
    assert not watched.problems, watched.problems
