"""The pages in a real browser: Debian's Chromium driven by Playwright against the service.

A maker signs in, quotes a drawing, orders it and plans a product; an operator of the
same shop finds the order on the dashboard and moves it on. A drawing read in doubtful
units is quoted again in the likelier ones with one click, and ordered as read only when
confirmed; another material is chosen on the quote page. Every page visited is saved
as a full-page screenshot under `test-artifacts/`; the quote page and the dashboard are
also checked at a phone's width for sideways overflow. Every page keeps to the content
security policy: a script, style or picture it refuses fails the test. SQLite only: the
browser adds nothing the HTTP tests on both backends do not already cover.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)
from tests.conftest import require
from tests.e2e.conftest import EXAMPLES, PASSWORD, Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.e2e.test_requote import INCH_PLATE, inch_plate_dxf
from tests.helpers import ROOT

from bespoke.scheduling.solver import SolverSettings
from bespoke.services.shop.scheduling import schedule_shop

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # WebGL (the quote page's 3-D view) on the CPU: Chromium stops falling back to
    # SwiftShader by itself without this
    "--enable-unsafe-swiftshader",
]
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
PLAN_TIMEOUT_MS = 60_000
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"}` +
      ` (${event.sourceFile || document.location.pathname}:${event.lineNumber})`
  );
});
"""

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; skipped (failed in CI) when it is not installed."""
    require(CHROMIUM.is_file(), f"Chromium not found at {CHROMIUM}")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Watched:
    """A page in a fresh browser context that records script errors, failed requests and
    what the content security policy refused."""

    def __init__(self, browser: Browser, service: Service, viewport: ViewportSize) -> None:
        self.context = browser.new_context(base_url=service.url, viewport=viewport)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.problems: list[str] = []
        self.violations: list[str] = []
        self.context.expose_function("reportViolation", self._violation)
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            self.problems.append(f"console error: {message.text} ({message.location['url']})")

    def _violation(self, report: str) -> None:
        self.violations.append(report)

    def _response(self, response: Response) -> None:
        if response.status >= 500 or (response.status >= 400 and "/static/" in response.url):
            self.problems.append(f"{response.status} from {response.url}")

    def close(self) -> None:
        self.context.close()
        self.problems += [f"content security policy: {v}" for v in self.violations]


@pytest.fixture
def desktop(browser: Browser, service: Service) -> Iterator[Watched]:
    """A desktop-sized page; the test fails if the pages raised script or server errors."""
    watched = Watched(browser, service, DESKTOP)
    yield watched
    watched.close()
    assert not watched.problems, watched.problems


def shot(page: Page, name: str) -> None:
    """A full-page screenshot of what the browser shows now."""
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def sign_in(page: Page, email: str) -> None:
    """Fill and send the sign-in form on the page shown now."""
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_load_state()


def fill_quote_form(page: Page) -> None:
    """Fill the quote form with `examples/wall-bracket.dxf` in 2 mm S235 steel."""
    page.set_input_files("#file", EXAMPLES / "wall-bracket.dxf")
    page.select_option("#material", "steel-s235")
    page.fill("#thickness", "2")


def fill_checkout(page: Page, **values: str) -> None:
    """Fill the checkout with an address in Berlin, `values` (by field id) over it."""
    address = {
        "name": "Mia Maker",
        "line1": "Hauptstraße 5",
        "postcode": "10115",
        "city": "Berlin",
        "purchase_order": "PO-1",
    }
    for key, value in (address | values).items():
        page.fill(f"#{key}", value)
    page.select_option("#country", "DE")


def check_out(page: Page) -> None:
    """From a quote page: on to the checkout, fill it and place the order."""
    page.get_by_role("button", name="Continue to checkout").click()
    fill_checkout(page)
    page.get_by_role("button", name="Place order").click()


def send_quote_form(page: Page) -> None:
    """Ask for the price and wait for the quote page."""
    click_to_quote(page, page.get_by_role("button", name="Get a price"))


def click_to_quote(page: Page, button: Locator) -> None:
    """Click a button that quotes and wait for the quote page, however long the shop's
    workers take on a busy machine."""
    with page.expect_navigation(url=re.compile(r"/quotes/\d+$"), timeout=PLAN_TIMEOUT_MS):
        button.click(no_wait_after=True)


def wait_for_curve(page: Page) -> None:
    """Wait until plotly has drawn the scale curve."""
    expect(page.locator("#curve .plot-container svg.main-svg").first).to_be_visible()


def expect_drawing(page: Page) -> None:
    """The quote page shows the drawing of its part."""
    expect(page.locator("svg.drawing path").first).to_be_visible()


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when it fits)."""
    width: int = page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )
    return width


def test_maker_quotes_and_orders_then_the_shop_plans_it(service: Service, desktop: Watched) -> None:
    """The whole path of an order through the pages, at a desktop's width."""
    maker, _ = service.user("maker")
    operator, _ = service.user("operator")
    page = desktop.page

    # the start page asks to sign in
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    shot(page, "01-login")
    sign_in(page, maker.email)
    expect(page).to_have_url(re.compile(r"/quote$"))

    # a drawing uploaded gets a price, a curve, a preview and the findings
    fill_quote_form(page)
    shot(page, "02-quote-form")
    send_quote_form(page)
    expect(page.get_by_test_id("price")).to_have_text(re.compile(r"^[A-Z]{3} [\d,]+\.\d\d$"))
    expect(page.get_by_role("heading", name="Price by quantity", exact=True)).to_be_visible()
    expect(page.locator("table").first).to_contain_text("Unit price")
    expect(page.get_by_role("heading", name=re.compile("cannot make it"))).to_be_visible()
    wait_for_curve(page)
    expect_drawing(page)
    shot(page, "03-quote")

    # the maker orders it
    page.select_option("#quantity", index=1)
    check_out(page)
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    order_path = page.url.removeprefix(service.url)
    expect(page.get_by_test_id("status")).to_have_text("placed")
    shot(page, "04-order-placed")

    # the maker's orders, and a product planned in the background
    page.get_by_role("link", name="My orders").click()
    expect(page.get_by_role("heading", name="My orders")).to_be_visible()
    expect(page.locator(f"a[href='{order_path}']")).to_be_visible()
    shot(page, "05-my-orders")
    page.get_by_role("link", name="Plan a product").click()
    spec = page.locator("#spec_yaml")
    expect(spec).to_have_value(re.compile("Wall shelf"))
    shot(page, "06-product-form")
    page.get_by_role("button", name="Plan it").click()
    page.wait_for_url(re.compile(r"/tasks/[\w-]+$"))
    shot(page, "07-plan-job")
    finished = page.locator("[data-testid=price], #job .message.error").first
    expect(finished).to_be_visible(timeout=PLAN_TIMEOUT_MS)
    assert not page.locator("#job").is_visible(), page.locator("#job").inner_text()
    expect(page).to_have_url(re.compile(r"/quotes/\d+$"))
    expect(page.get_by_test_id("price")).to_have_text(re.compile(r"^[A-Z]{3} [\d,]+\.\d\d$"))
    wait_for_curve(page)
    shot(page, "08-product-plan")

    # an operator of the shop finds the order and plans it
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.goto("/")
    sign_in(page, operator.email)
    expect(page).to_have_url(re.compile(r"/shop$"))
    row = page.locator("tr", has=page.locator(f"a[href='{order_path}']"))
    expect(row).to_contain_text("wall-bracket.dxf")
    expect(row).to_contain_text("placed")
    shot(page, "09-dashboard")
    row.locator(f"a[href='{order_path}']").click()
    expect(page.get_by_test_id("status")).to_have_text("placed")
    shot(page, "10-order-for-shop")
    page.get_by_role("link", name="Mark planned…").click()
    page.get_by_role("button", name="Mark it planned").click()
    page.wait_for_url(re.compile(re.escape(order_path) + "$"))
    expect(page.get_by_test_id("status")).to_have_text("planned")
    shot(page, "11-order-planned")


def test_quote_and_dashboard_fit_a_phone(browser: Browser, service: Service) -> None:
    """At a phone's width the quote page and the dashboard do not scroll sideways."""
    maker, _ = service.user("maker")
    operator, _ = service.user("operator")
    problems: list[str] = []
    for number, who, name in ((12, maker, "quote"), (13, operator, "dashboard")):
        watched = Watched(browser, service, PHONE)
        try:
            page = watched.page
            page.goto("/")
            sign_in(page, who.email)
            if name == "quote":
                page.goto("/quote")
                fill_quote_form(page)
                send_quote_form(page)
                wait_for_curve(page)
                expect_drawing(page)
            else:
                expect(page).to_have_url(re.compile(r"/shop$"))
            shot(page, f"{number}-phone-{name}")
            if extra := overflow(page):
                problems.append(f"{name}: {extra} px wider than the phone's {PHONE['width']}")
            problems += watched.problems
        finally:
            watched.close()
    assert not problems, problems


def test_shop_sees_the_sheets_of_a_batch_and_a_maker_their_part_on_it(
    service: Service, browser: Browser, desktop: Watched
) -> None:
    """Two makers' steel parts scheduled together: the operator opens the batch and sees
    its sheet drawn; the maker's order page shows the batch with their part on the sheet."""
    placed = []
    for name in ("sprocket.dxf", "motor-mount.dxf"):
        with service.client("maker") as maker:
            design = upload(maker, name)["id"]
            offer = quote(maker, design, quantities=[1], process="fiber-laser")
            response = order(maker, offer["id"], 1, f"browser-{name}")
            assert response.status_code == 201, response.text
            placed.append((maker_email(service, response.json()["owner_id"]), response.json()))
    operator, _ = service.user("operator")
    shop_id = operator.shop_id
    assert shop_id is not None
    schedule_shop(service.env, shop_id, None, SolverSettings(time_limit=2))

    page = desktop.page
    page.goto("/shop/batches")
    sign_in(page, operator.email)
    page.goto("/shop/batches")
    row = page.locator("#batches tr", has_text="Fiber laser cutting")
    expect(row).to_have_count(1)
    shot(page, "14-batches")
    row.locator("a").click()
    sheet = page.locator("figure.sheet svg").first
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    expect(page.locator("figure.sheet a", has_text="cut file")).to_have_count(1)
    shot(page, "15-batch-sheet")

    email, ordered = placed[0]
    watched = Watched(browser, service, DESKTOP)
    try:
        maker_page = watched.page
        maker_page.goto(f"/orders/{ordered['id']}")
        sign_in(maker_page, email)
        maker_page.goto(f"/orders/{ordered['id']}")
        expect(maker_page.get_by_text("Made with other orders")).to_be_visible()
        expect(maker_page.locator("figure.sheet svg g[data-order]")).to_have_count(1)
        shot(maker_page, "16-order-in-batch")
        assert not watched.problems, watched.problems
    finally:
        watched.close()


def maker_email(service: Service, user_id: int) -> str:
    with service.env.uow() as uow:
        user = uow.users.by_id(user_id)
        assert user is not None
        return user.email


def test_the_main_pages_keep_to_the_content_security_policy(
    service: Service, browser: Browser
) -> None:
    """A maker's and an operator's pages, with plotly's charts drawn, raise no refusal of
    the content security policy."""
    maker, token = service.user("maker")
    operator, _ = service.user("operator")
    with httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {token}"}) as api:
        offer = quote(api, upload(api, "wall-bracket.dxf")["id"], quantities=[1, 10])
        placed = order(api, offer["id"], 1, "csp-1").json()
        spec = (EXAMPLES / "products" / "shelf-bracket-set.yaml").read_text()
        product = api.post("/api/products", json={"spec_yaml": spec}).json()
        job = api.post(product["plans_url"], json={"quantities": [1]}).json()
    assert operator.shop_id is not None
    schedule_shop(service.env, operator.shop_id, None, SolverSettings(time_limit=2))

    watched = Watched(browser, service, DESKTOP)
    try:
        page = watched.page
        page.goto("/quote")
        sign_in(page, maker.email)
        for path in ("/quote", "/products", "/orders", f"/orders/{placed['id']}"):
            page.goto(path)
            page.wait_for_load_state("load")
        page.goto(f"/tasks/{job['id']}")
        expect(page.get_by_test_id("price")).to_be_visible(timeout=PLAN_TIMEOUT_MS)
        wait_for_curve(page)
        page.goto(f"/quotes/{offer['id']}")
        wait_for_curve(page)
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r"/login$"))

        page.goto("/shop")
        sign_in(page, operator.email)
        for path in ("/shop", "/shop/batches", "/shop/remnants", f"/orders/{placed['id']}"):
            page.goto(path)
            page.wait_for_load_state("load")
        page.goto("/shop/schedules/latest")
        expect(page.locator("#gantt .plot-container svg.main-svg").first).to_be_visible()
        assert page.locator("#gantt").evaluate("g => g.style.minHeight").endswith("px")
        shot(page, "17-schedule")
    finally:
        watched.close()
    assert not watched.problems, "\n".join(watched.problems)


def quote_path(page: Page, service: Service) -> str:
    """The path of the quote shown now."""
    expect(page).to_have_url(re.compile(r"/quotes/\d+$"))
    return page.url.removeprefix(service.url)


def test_a_flagged_drawing_is_quoted_as_inch_and_ordered_only_when_confirmed(
    service: Service, desktop: Watched
) -> None:
    """An inch drawing that names no units reads as a 4 mm part and is flagged: one click
    quotes it as inch with the new sizes; the flagged quote is ordered only once the maker
    confirms its sizes."""
    maker, _ = service.user("maker")
    page = desktop.page
    page.goto("/quote")
    sign_in(page, maker.email)
    page.set_input_files(
        "#file", {"name": INCH_PLATE, "mimeType": "application/dxf", "buffer": inch_plate_dxf()}
    )
    page.select_option("#material", "acrylic-cast")
    page.fill("#thickness", "3")
    send_quote_form(page)
    flagged_path = quote_path(page, service)
    expect(page.locator("#flagged-reading")).to_contain_text("The sizes may be misread")
    expect(page.locator("p.note").first).to_contain_text("4.0 \u00d7 3.0 mm")

    # the order waits for the maker to confirm the sizes as read
    place = page.get_by_role("button", name="Continue to checkout")
    confirm = page.get_by_label("I confirm the sizes are right as read (units mm)")
    expect(place).to_be_disabled()
    confirm.check()
    expect(place).to_be_enabled()
    confirm.uncheck()
    expect(place).to_be_disabled()
    shot(page, "18-flagged-reading")

    # one click: the same file read in inches, quoted with the same options
    click_to_quote(page, page.get_by_role("button", name="Quote it as inch"))
    assert quote_path(page, service) != flagged_path
    expect(page.locator("#flagged-reading")).to_have_count(0)
    expect(page.locator("p.note").first).to_contain_text("101.6 \u00d7 76.2 mm")
    expect(page.get_by_test_id("reading")).to_contain_text("Read in inch (as you chose)")
    expect(page.get_by_text("Cast acrylic (PMMA) sheet, 3 mm")).to_be_visible()
    expect(page.get_by_role("button", name="Continue to checkout")).to_be_enabled()
    shot(page, "19-quoted-as-inch")

    # the flagged quote, confirmed, is ordered
    page.goto(flagged_path)
    page.get_by_label("I confirm the sizes are right as read (units mm)").check()
    check_out(page)
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    expect(page.get_by_test_id("status")).to_have_text("placed")


def test_the_material_is_changed_on_the_quote_page(service: Service, desktop: Watched) -> None:
    """On the quote page the maker picks another material: the thicknesses and finishes
    follow it, and the same drawing is quoted again in it without uploading."""
    maker, _ = service.user("maker")
    page = desktop.page
    page.goto("/quote")
    sign_in(page, maker.email)
    fill_quote_form(page)
    send_quote_form(page)
    first_path = quote_path(page, service)
    first_price = page.get_by_test_id("price").inner_text()
    expect(page.get_by_text("Mild steel S235JR, hot/cold rolled sheet, 2 mm")).to_be_visible()

    form = page.locator("#requote")
    thickness = form.locator("#requote-thickness")
    finish = form.locator("#requote-finish")
    expect(finish.locator("option[value=powder-coat]")).to_have_count(1)
    form.locator("#requote-material").select_option("acrylic-cast")
    expect(thickness.locator("option[value='20']")).to_have_count(1)
    expect(thickness.locator("option[value='0.8']")).to_have_count(0)
    expect(finish.locator("option[value=powder-coat]")).to_have_count(0)
    thickness.select_option("5")
    form.locator("#requote-lead-tier").select_option("economy")
    shot(page, "20-requote-form")
    click_to_quote(page, form.get_by_role("button", name="Quote again"))
    assert quote_path(page, service) != first_path
    expect(page.get_by_text("Cast acrylic (PMMA) sheet, 5 mm, economy")).to_be_visible()
    expect(page.get_by_test_id("price")).not_to_have_text(first_price)
    expect(page.locator("#requote-material")).to_have_value("acrylic-cast")
    expect(page.locator("#requote-thickness")).to_have_value("5")
    wait_for_curve(page)
    shot(page, "21-requoted")
