"""The shop's schedule and its batches in a real browser: an operator schedules two
makers' orders from the dashboard, follows the task to the schedule's Gantt chart (its
legend and its labels by order) at a desktop's width and reads each machine's jobs as a
list at a phone's; the batch of both orders shows its sheet with a legend per order and
the share the parts cover as drawn. SQLite only, like the other browser tests."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.e2e.test_browser import (
    DESKTOP,
    PHONE,
    PLAN_TIMEOUT_MS,
    Watched,
    browser,
    overflow,
    shot,
    sign_in,
)
from tests.unit.test_sheet_pictures import drawn_fills, drawn_share

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser"]  # the fixture, used by name


def test_the_schedule_reads_by_order_at_any_width_and_a_batch_sheet_has_its_legend(
    browser: Browser, service: Service
) -> None:
    for name in ("sprocket.dxf", "motor-mount.dxf"):
        with service.client("maker") as maker:
            offer = quote(maker, upload(maker, name)["id"], quantities=[2], process="fiber-laser")
            assert order(maker, offer["id"], 2, f"gantt-{name}").status_code == 201
    operator, _ = service.user("operator")
    problems: list[str] = []

    desktop = Watched(browser, service, DESKTOP)
    try:
        page = desktop.page
        page.goto("/shop")
        sign_in(page, operator.email)
        page.fill("#time_limit", "2")
        page.get_by_role("button", name="Schedule orders").click()
        page.wait_for_url(re.compile(r"/tasks/[\w-]+$"))
        expect(page).to_have_title(re.compile("^Scheduling the shop"))
        expect(page.get_by_role("link", name="Back to the shop's schedule")).to_have_attribute(
            "href", "/shop/schedules/latest"
        )
        shot(page, "schedule-01-task")
        page.wait_for_url(re.compile(r"/shop/schedules/\d+$"), timeout=PLAN_TIMEOUT_MS)

        chart = page.locator("#gantt")
        expect(chart.locator(".plot-container svg.main-svg").first).to_be_visible()
        legend = chart.locator(".legend")
        expect(legend).to_contain_text("batch (orders sharing a set-up)")
        figure = page.locator("#gantt-data").inner_text()
        assert "batch-" not in figure.replace("/shop/batches", ""), "bars named by batch codes"
        assert re.search(r"Batch of 2 orders: #\d+ sprocket; #\d+ motor-mount", figure)
        shot(page, "schedule-02-gantt-desktop")
        schedule_path = page.url.removeprefix(service.url)

        laser = page.locator("#machine-jobs .machine", has_text="Fiber laser")
        batch_link = laser.get_by_role("link", name="batch of 2 orders")
        expect(batch_link).to_have_count(1)
        batch_link.click()
        page.wait_for_url(re.compile(r"/shop/batches/\d+$"))
        _check_sheets(page)
        shot(page, "schedule-04-batch-sheet")
        batch_path = page.url.removeprefix(service.url)
        wide = _phone(browser, service, operator.email, schedule_path, batch_path)
        problems += [f"{path}: {extra} px wider than a phone" for path, extra in wide]
    finally:
        desktop.close()
    problems += desktop.problems
    assert not problems, problems


def _check_sheets(page: Page) -> None:
    """Each sheet's legend names the orders in the colours drawn, and its figure is the
    share of the sheet the drawn parts cover."""
    figures = page.locator("figure.sheet")
    expect(figures.first).to_be_visible()
    for figure in figures.all():
        svg = figure.locator("svg.sheet-layout").evaluate("s => s.outerHTML")
        colours = {
            entry.get_attribute("data-order"): {entry.locator("rect").get_attribute("fill")}
            for entry in figure.locator(".sheet-key li[data-order]").all()
        }
        expect(figure.locator(".sheet-key li[data-order]").first).to_contain_text(" parts")
        assert colours == drawn_fills(svg), "the legend's colours are not the picture's"
        caption = figure.locator("figcaption").inner_text()
        shown = re.search(r"Parts cover (\d+) %", caption)
        assert shown is not None, caption
        assert abs(int(shown.group(1)) - 100 * drawn_share(svg)) <= 0.6, caption


def _phone(browser: Browser, service: Service, email: str, *paths: str) -> list[tuple[str, int]]:
    """At a phone's width: the schedule as a list per machine, no chart; the pages do not
    scroll sideways. Returns the pages too wide."""
    phone = Watched(browser, service, PHONE)
    wide = []
    try:
        page = phone.page
        page.goto(paths[0])
        sign_in(page, email)
        page.goto(paths[0])
        expect(page.locator("#gantt")).to_be_hidden()
        jobs = page.locator("#machine-jobs")
        expect(jobs).to_be_visible()
        expect(jobs.get_by_role("heading", name=re.compile("Fiber laser"))).to_be_visible()
        expect(jobs.get_by_role("link", name="batch of 2 orders").first).to_be_visible()
        shot(page, "schedule-03-jobs-phone")
        for path in paths:
            page.goto(path)
            if extra := overflow(page):
                wide.append((path, extra))
        shot(page, "schedule-05-batch-phone")
    finally:
        phone.close()
    assert not phone.problems, phone.problems
    return wide
