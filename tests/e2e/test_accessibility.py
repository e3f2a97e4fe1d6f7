"""Accessibility in a real browser: every type of page checked with axe-core, failing on
any serious or critical violation (each reported with its rule and the elements), and an
order placed with the keyboard alone, its focus always visible. `accessibility_problems`
checks the page shown now: other browser tests may call it on their own pages."""

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import EXAMPLES, PASSWORD, Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.e2e.test_browser import DESKTOP, PHONE, PLAN_TIMEOUT_MS, Watched, browser, shot, sign_in
from tests.e2e.test_schedule_api import finished

from bespoke.scheduling.solver import SolverSettings
from bespoke.services.demo import DEMO_TASK
from bespoke.services.shop.scheduling import schedule_shop
from bespoke.services.tasks import TaskRunner

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser"]  # the fixture, used by name

SERIOUS = frozenset({"serious", "critical"})
MACHINE = "fiber-laser-3015"
MOST_TABS = 60
"""Tab presses allowed to reach the next control: more means it cannot be reached."""
_axe = Axe()


def accessibility_problems(page: Page) -> list[str]:
    """The serious and critical axe-core violations of the page shown now: the page, the
    rule, its impact and the elements (CSS selectors) that break it."""
    results = _axe.run(page)
    where = re.sub(r"^https?://[^/]+", "", page.url)
    return [
        f"{where}: {v['id']} ({v['impact']}, {v['help']}) at "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


def _shop_with_work(service: Service) -> dict[str, str]:
    """A maker's quote, order and product plan, the shop's schedule of the order with
    its work orders, and a maintenance plan: the paths of the pages that show them."""
    maker, token = service.user("maker")
    operator, operator_token = service.user("operator")
    with httpx.Client(
        base_url=service.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as api:
        offer = quote(api, upload(api, "wall-bracket.dxf")["id"], quantities=[1, 10])
        placed = order(api, offer["id"], 10, "accessibility-1").json()
        spec = (EXAMPLES / "products" / "shelf-bracket-set.yaml").read_text()
        product = api.post("/api/products", json={"spec_yaml": spec}).json()
        job = finished(api, api.post(product["plans_url"], json={"quantities": [1]}).json())
    assert job["status"] == "done", job
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%dT060000Z")
    upkeep = {
        "machine": MACHINE,
        "title": "Clean the lens",
        "trigger": {"kind": "calendar", "rule": f"DTSTART:{start}\nRRULE:FREQ=WEEKLY"},
        "tasks": ["protective window", "nozzle"],
        "duration_s": 1800,
        "window": {"early": 0, "late": 4 * 86400},
    }
    with httpx.Client(
        base_url=service.url, headers={"Authorization": f"Bearer {operator_token}"}, timeout=60
    ) as api:
        assert api.post("/api/maintenance/plans", json=upkeep).status_code == 201
    waiting = TaskRunner(service.env).queue(maker, "product-plan")  # its page stays
    TaskRunner(service.env).queue(maker, DEMO_TASK)  # every page says it is being prepared
    assert operator.shop_id is not None
    schedule = schedule_shop(service.env, operator.shop_id, None, SolverSettings(time_limit=2))
    with service.env.uow() as uow:
        work = uow.work_orders.of_shop(operator.shop_id)[0].id
        batch = uow.batches.of_schedule(schedule.id)[0].id
    return {
        "maker": maker.email,
        "operator": operator.email,
        "quote": f"/quotes/{offer['id']}",
        "checkout": f"/checkout?quote_id={offer['id']}&quantity=1",
        "order": f"/orders/{placed['id']}",
        "plan": f"/quotes/{job['quote_id']}",
        "task": f"/tasks/{waiting.id}",
        "work": f"/floor/work/{work}",
        "queue": f"/floor/orders/{placed['id']}",
        "batch": f"/shop/batches/{batch}",
    }


def test_every_type_of_page_has_no_serious_violation(service: Service, browser: Browser) -> None:
    """Signed out, as a maker and as an operator, at a desktop's width and (for the pages
    people use on the move) a phone's; a demo being prepared, so that its note is on each."""
    paths = _shop_with_work(service)
    admin, _ = service.user("admin")
    maker_pages = ["/quote", paths["quote"], paths["checkout"], "/products", paths["task"]]
    maker_pages += ["/products/examples/shelf-bracket-set", paths["plan"], "/orders"]
    maker_pages += [paths["order"], "/no/such/page"]
    operator_pages = ["/shop", "/shop/schedules/latest", "/shop/batches", paths["batch"]]
    operator_pages += ["/shop/remnants", paths["order"], f"{paths['order']}/move?to=cancelled"]
    operator_pages += ["/shop/settings", "/shop/settings/rates", "/shop/settings/calendar"]
    operator_pages += [f"/shop/settings/machines/{MACHINE}", "/shop/settings/materials/new"]
    operator_pages += ["/floor", "/floor/kpis"]
    operator_pages += [f"/floor/machines/{MACHINE}", "/floor/maintenance", "/floor/quality"]
    operator_pages += ["/floor/scan", paths["queue"], paths["work"]]
    admin_pages = ["/admin/audit?entity=order", "/outbox"]
    problems: list[str] = []
    for name, viewport, who, pages in (
        ("a11y-maker-error-page", DESKTOP, paths["maker"], maker_pages),
        ("a11y-operator-work-order", DESKTOP, paths["operator"], operator_pages),
        ("a11y-admin-outbox", DESKTOP, admin.email, admin_pages),
        ("a11y-phone-maker-order", PHONE, paths["maker"], [paths["quote"], paths["order"]]),
        ("a11y-phone-work-order", PHONE, paths["operator"], ["/floor/scan", paths["work"]]),
    ):
        watched = Watched(browser, service, viewport)
        try:
            page = watched.page
            page.goto("/login")
            problems += accessibility_problems(page)
            sign_in(page, who)
            for path in pages:
                page.goto(path)
                page.wait_for_load_state("load")
                problems += accessibility_problems(page)
            expect(page.locator("p.preparing")).to_contain_text("still being prepared")
            shot(page, name)
            watched.problems = [p for p in watched.problems if "404" not in p]
            problems += watched.problems
        finally:
            watched.close()
    assert not problems, "\n".join(problems)


def test_an_order_is_placed_with_the_keyboard_alone(service: Service, browser: Browser) -> None:
    """Sign in, quote an example and order it with Tab, Enter, Space and the arrow keys;
    every control reached shows where the focus is."""
    maker, _ = service.user("maker")
    watched = Watched(browser, service, DESKTOP)
    page, keys = watched.page, watched.page.keyboard
    # listened for from the start: the browser intercepts file choosers before Space opens one
    page.on("filechooser", lambda _: None)
    try:
        page.goto("/login")
        tab_to(page, "#email")
        keys.type(maker.email)
        tab_to(page, "#password")
        keys.type(PASSWORD)
        keys.press("Enter")
        page.wait_for_url(re.compile(r"/quote$"))

        tab_to(page, "#file")
        with page.expect_file_chooser() as chooser:
            keys.press("Space")
        chooser.value.set_files(EXAMPLES / "wall-bracket.dxf")
        tab_to(page, "#material")
        while page.locator("#material").input_value() != "steel-s235":
            keys.press("ArrowDown")
        tab_to(page, "#thickness")
        keys.type("2")
        shot(page, "a11y-01-keyboard-quote-form")
        with page.expect_navigation(url=re.compile(r"/quotes/\d+$"), timeout=PLAN_TIMEOUT_MS):
            keys.press("Enter")

        tab_to(page, "#quantity")
        keys.press("ArrowDown")
        expect(page.locator("#quantity")).not_to_have_value(
            page.locator("#quantity option").first.get_attribute("value") or ""
        )
        tab_to(page, "#order-form button[type=submit]")
        keys.press("Enter")
        page.wait_for_url(re.compile(r"/checkout\?"))
        for field, text in (
            ("#name", "Kim Keys"),
            ("#line1", "12 Keyboard Street"),
            ("#postcode", "10115"),
            ("#city", "Springfield"),
        ):
            tab_to(page, field)
            keys.type(text)
        tab_to(page, "#country")
        keys.type("Germany")  # a closed list picks its option from the letters typed
        expect(page.locator("#country")).to_have_value("DE")
        tab_to(page, "#checkout-form button[type=submit]")
        shot(page, "a11y-02-keyboard-checkout")
        keys.press("Enter")
        page.wait_for_url(re.compile(r"/orders/\d+$"))
        expect(page.get_by_test_id("status")).to_have_text("placed")
        shot(page, "a11y-03-keyboard-order-placed")
    finally:
        watched.close()
    assert not watched.problems, watched.problems


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element `selector` has the focus, checking that each control
    passed shows its focus."""
    target = page.locator(selector)
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"], f"no visible focus on {focused['element']} ({page.url})"
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} not reached with {MOST_TABS} presses of Tab")


FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow !== "none";
  return {
    element: element.outerHTML.slice(0, 120),
    visible: outline || ring,
  };
}"""
