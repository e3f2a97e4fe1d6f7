"""The shop floor in a real browser at a phone's width: an operator scans a traveller,
starts, pauses, resumes and finishes a work order with scrap; the next schedule makes the
scrapped part again; the maker sees the order's progress. SQLite only, like the other
browser tests."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, expect
from tests.e2e.conftest import Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.e2e.test_browser import DESKTOP, PHONE, Watched, browser, shot, sign_in
from tests.e2e.test_schedule_api import finished

from bespoke.scheduling.solver import SolverSettings
from bespoke.services.shop.scheduling import schedule_shop

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser"]  # the fixture, used by name


def test_an_operator_runs_a_work_order_from_the_traveller_and_the_maker_sees_it(
    browser: Browser, service: Service
) -> None:
    maker, token = service.user("maker")
    operator, _ = service.user("operator")
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=service.url, headers=bearer, timeout=60) as client:
        offer = quote(client, upload(client, "wall-bracket.dxf")["id"], quantities=[10])
        placed = order(client, offer["id"], 10, "browser-floor")
        assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    shop_id = operator.shop_id
    assert shop_id is not None
    schedule_shop(service.env, shop_id, None, SolverSettings(time_limit=2))

    watched = Watched(browser, service, PHONE)
    page = watched.page
    try:
        page.goto("/floor/scan")
        sign_in(page, operator.email)
        page.goto("/floor/scan")
        page.fill("#scanned", "https://elsewhere.example/floor/work/1")
        page.get_by_role("button", name="Open").click()
        expect(page.locator("#scan-error")).to_contain_text("not a traveller of this shop")
        page.fill("#scanned", f"{service.url}/floor/orders/{order_id}")  # what the QR code holds
        shot(page, "floor-01-scan")
        page.get_by_role("button", name="Open").click()
        page.wait_for_url(re.compile(rf"/floor/orders/{order_id}$"))
        shot(page, "floor-02-order-work")
        page.locator("ol.queue a").first.click()
        page.wait_for_url(re.compile(r"/floor/work/\d+$"))
        work_path = page.url.removeprefix(service.url)
        expect(page.locator("#status")).to_have_text("ready")

        page.get_by_role("button", name="Start").click()
        expect(page.locator("#status")).to_have_text("running")
        expect(page.locator("#started")).to_have_text("10")
        page.select_option("#pause_reason", "material")
        page.get_by_role("button", name="Pause").click()
        expect(page.locator("#status")).to_have_text("paused")
        page.get_by_role("button", name="Resume").click()
        expect(page.locator("#status")).to_have_text("running")
        shot(page, "floor-03-running")

        # a finish that leaves a started part unbooked is refused, and changes nothing
        page.fill("#finish-good", "8")
        page.get_by_role("button", name="Finish").click()
        expect(page.locator("p.error")).to_contain_text("finishing books every part started")
        expect(page.locator("#status")).to_have_text("running")
        refused = [p for p in watched.problems if "status of 422" in p]
        assert len(refused) == 1, watched.problems  # the refusal's own page, as expected
        watched.problems.remove(refused[0])
        page.fill("#finish-good", "9")
        page.fill("#finish-scrap", "1")
        page.select_option("#finish-reason", "dimension")
        page.get_by_role("button", name="Finish").click()
        expect(page.locator("#status")).to_have_text("done")
        expect(page.locator("#good")).to_have_text("9")
        expect(page.locator("#scrap")).to_have_text("1")
        expect(page.get_by_role("button", name="Start")).to_have_count(0)
        expect(page.locator("#history")).to_contain_text("dimension")
        shot(page, "floor-04-finished")
        assert (
            page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")
            == 0
        ), "the terminal scrolls sideways on a phone"

        # the next schedule makes the scrapped part again
        schedule_shop(service.env, shop_id, None, SolverSettings(time_limit=2))
        page.goto(f"/floor/orders/{order_id}")
        cards = page.locator("ol.queue li")
        expect(cards.filter(has_text="1 piece").first).to_be_visible()
        expect(page.locator(f"ol.queue a[href='{work_path}']")).to_be_visible()
        shot(page, "floor-05-remade")

        page.get_by_role("button", name="Sign out").click()
        page.goto(f"/orders/{order_id}")
        sign_in(page, maker.email)
        page.goto(f"/orders/{order_id}")
        expect(page.get_by_test_id("status")).to_have_text("in production")
        progress = page.locator("#progress")
        expect(progress).to_contain_text("1 of")
        expect(progress).to_contain_text("9 / 10")
        shot(page, "floor-06-maker-progress")
    finally:
        watched.close()
    assert not watched.problems, watched.problems


def test_maintenance_on_the_gantt_a_request_and_an_alert_from_a_measurement(
    browser: Browser, service: Service
) -> None:
    operator, token = service.user("operator")
    bearer = {"Authorization": f"Bearer {token}"}
    shop_id = operator.shop_id
    assert shop_id is not None
    with httpx.Client(base_url=service.url, headers=bearer, timeout=60) as api:
        start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%dT060000Z")
        plan = {
            "machine": "press-brake-100t",
            "title": "Weekly hydraulics check",
            "trigger": {"kind": "calendar", "rule": f"DTSTART:{start}\nRRULE:FREQ=WEEKLY"},
            "duration_s": 1800,
            "window": {"early": 0, "late": 3 * 86400},
        }
        assert api.post("/api/maintenance/plans", json=plan).status_code == 201
    with service.client("maker") as maker:
        offer = quote(maker, upload(maker, "wall-bracket.dxf")["id"], quantities=[10])
        placed = order(maker, offer["id"], 10, "browser-upkeep")
        assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    schedule_shop(service.env, shop_id, None, SolverSettings(time_limit=2))
    with service.env.uow() as uow:
        laser = next(
            w for w in uow.work_orders.of_order(shop_id, order_id) if w.process == "fiber-laser"
        )
        wo = laser.id
    with httpx.Client(base_url=service.url, headers=bearer, timeout=60) as api:
        inspections = api.get(f"/api/floor/work-orders/{wo}/inspection").json()
        inspection = next(i for i in inspections if i["order_id"] == order_id)  # batched too
        length = next(f for f in inspection["plan"]["features"] if f["name"] == "length")
        steady = [
            {"order_id": order_id, "feature": "length", "value": length["nominal_mm"] + d}
            for d in (0.01, -0.01, 0.02, 0.0, -0.02, 0.01, -0.01, 0.0, 0.01, -0.01)
        ]
        assert api.post(f"/api/floor/work-orders/{wo}/measurements", json=steady).status_code == 201

    watched = Watched(browser, service, DESKTOP)
    floor = watched.context.new_page()
    page = watched.page
    try:
        page.goto("/shop/schedules/latest")
        sign_in(page, operator.email)
        page.goto("/shop/schedules/latest")
        gantt = page.locator("#gantt-data").inner_text()
        assert "Maintenance: Weekly hydraulics check" in gantt
        expect(page.locator("#gantt .plot-container svg.main-svg").first).to_be_visible()
        shot(page, "upkeep-01-gantt")

        page.goto("/floor/maintenance?machine=cnc-router-2513")
        expect(page.locator("#maintenance-orders")).to_contain_text("Weekly hydraulics check")
        page.select_option("#kind", "condition")
        page.fill("#reason", "spindle sounds rough")
        page.get_by_role("button", name="Report").click()
        page.wait_for_url(re.compile(r"/tasks/[\w-]+$"))  # rescheduled without the router
        task = page.url.rsplit("/", 1)[-1]
        with httpx.Client(base_url=service.url, headers=bearer, timeout=60) as api:
            job = finished(api, api.get(f"/api/tasks/{task}").json())
        assert job["status"] == "done", job
        page.wait_for_url(re.compile(r"/shop/schedules/\d+$"))  # the task page moves on by itself
        page.goto("/floor/maintenance")
        expect(page.locator("#maintenance-orders")).to_contain_text("spindle sounds rough")
        shot(page, "upkeep-02-request")

        floor.goto("/floor")
        expect(floor.locator("#floor-live")).to_have_text("Live")
        page.goto(f"/floor/work/{wo}")
        form = page.locator(f"#inspection-{order_id}")
        form.locator("input[name='part_number']").fill("11")
        form.locator("input[name='feature:length']").fill(
            str(length["nominal_mm"] + 3 * length["tolerance_mm"])
        )
        form.get_by_role("button", name="Keep the measurements").click()
        expect(floor.locator("#quality-alerts")).to_contain_text("Out of control")
        shot(floor, "upkeep-03-alert")
        page.goto("/floor/quality")
        expect(page.locator("section.nonconformance").first).to_contain_text("length measured")
        shot(page, "upkeep-04-nonconformance")
    finally:
        watched.close()
    assert not watched.problems, watched.problems
