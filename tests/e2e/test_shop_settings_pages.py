"""The shop run from its pages, over real HTTP: machines, materials, processes, suppliers,
rates and the weekly calendar changed by form (a refused form names the field, keeps what
was typed and stores nothing), the dashboard's week and status links, and the audit page
(admins) found by who, what and when."""

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from tests.e2e.conftest import PASSWORD, Service

from bespoke.model.accounts import Account
from bespoke.services.shop.settings import ShopSettings, shop_settings

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
LASER = "fiber-laser-3015"


class Person:
    """A signed-in browser session of a new user of the shop 'main'."""

    def __init__(self, service: Service, role: str) -> None:
        self.account, _ = service.user(role)
        self.http = httpx.Client(base_url=service.url, timeout=60)
        self.http.post("/login", data={"email": self.account.email, "password": PASSWORD})
        self.csrf = self.http.get("/api/me").json()["csrf_token"]

    def post(self, url: str, **fields: Any) -> httpx.Response:
        return self.http.post(url, data={"csrf_token": self.csrf, **fields})


@pytest.fixture
def operator(service: Service) -> Iterator[Person]:
    person = Person(service, "operator")
    yield person
    person.http.close()


class FormReader(HTMLParser):
    """The fields a browser would send from a page's forms, as they are filled."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        name = found.get("name")
        if tag == "input" and name and (found.get("type") != "checkbox" or "checked" in found):
            self.fields[name] = found.get("value", "on" if found.get("type") == "checkbox" else "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in found:
            self.fields[self._select] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_on(person: "Person", url: str, **changes: str) -> dict[str, str]:
    """The form of the page at `url` as shown, with `changes` typed in."""
    reader = FormReader()
    reader.feed(person.http.get(url).text)
    return {**reader.fields, **changes}


def settings_of(service: Service, who: Account) -> ShopSettings:
    return shop_settings(service.env, who)


def machine_form(**changes: str) -> dict[str, str]:
    """The laser's form as the page shows it, with `changes`."""
    return {
        "name": "Fiber laser 3015, 3 kW",
        "process": "fiber-laser",
        "envelope_mm_x": "3000",
        "envelope_mm_y": "1500",
        "rate_per_hour": "102",
        **changes,
    }


def text_of(response: httpx.Response) -> str:
    """The message of a refused form (or the whole page when it has none)."""
    found = re.search(r'role="alert">(.*?)</p>', response.text, re.S)
    return html.unescape(found.group(1) if found else response.text)


def test_a_machine_is_changed_added_and_retired_by_form(service: Service, operator: Person) -> None:
    page = operator.http.get(f"/shop/settings/machines/{LASER}")
    assert page.status_code == 200, page.text
    assert "Machine rate (USD/h)" in page.text and 'value="102"' in page.text
    before = settings_of(service, operator.account)

    refused = operator.post(f"/shop/settings/machines/{LASER}", **machine_form(rate_per_hour="-5"))
    assert refused.status_code == 422
    assert "Machine rate (USD/h): Input should be greater than 0" in text_of(refused)
    assert 'value="-5"' in refused.text and 'aria-invalid="true"' in refused.text
    words = operator.post(f"/shop/settings/machines/{LASER}", **machine_form(envelope_mm_x="wide"))
    assert words.status_code == 422 and "Work envelope (mm): 'wide' is not a number" in text_of(
        words
    )
    assert settings_of(service, operator.account).overrides == before.overrides

    saved = operator.post(f"/shop/settings/machines/{LASER}", **machine_form(rate_per_hour="120"))
    assert saved.status_code == 303, saved.text
    laser = settings_of(service, operator.account).catalog.machines[LASER]
    assert laser.rate_per_hour == 120
    assert operator.account.email in laser.sources["rate_per_hour"]
    assert operator.account.email not in laser.sources["envelope_mm"]

    new = machine_form(id="laser-2", name="Second laser", rate_per_hour="90")
    assert operator.post("/shop/settings/machines/new", **new).status_code == 303
    again = operator.post("/shop/settings/machines/new", **new)
    assert again.status_code == 409 and "already an entry 'laser-2'" in text_of(again)
    assert 'value="laser-2"' in again.text

    assert operator.post("/shop/settings/machines/laser-2/retire").status_code == 303
    retired = settings_of(service, operator.account)
    assert "laser-2" not in retired.catalog.machines
    listed = operator.http.get("/shop/settings")
    assert "Retired machines" in listed.text and "/shop/settings/machines/laser-2/return" in (
        listed.text
    )
    assert operator.post("/shop/settings/machines/laser-2/return").status_code == 303
    assert "laser-2" in settings_of(service, operator.account).catalog.machines


def test_materials_processes_and_suppliers_by_form(service: Service, operator: Person) -> None:
    page = operator.http.get("/shop/settings/materials/steel-s235")
    assert page.status_code == 200 and "Price (USD/kg)" in page.text
    assert "Sheet sizes (mm" in page.text
    before = settings_of(service, operator.account)
    steel = before.catalog.materials["steel-s235"]
    stock = {
        "stock_0_kind": "sheet",
        "stock_0_thicknesses_mm": "1, 2, 3",
        "stock_0_sheet_sizes_mm": "3000 x",
    }
    form = {"name": steel.name, "family": steel.family, "price_per_kg": "1.9", **stock}
    form["density_kg_m3"] = str(steel.density_kg_m3)
    refused = operator.post("/shop/settings/materials/steel-s235", **form)
    assert refused.status_code == 422
    assert "sheet size '3000 x' is not 'length \N{MULTIPLICATION SIGN} width'" in text_of(refused)
    assert settings_of(service, operator.account).overrides == before.overrides
    form["stock_0_sheet_sizes_mm"] = "3000 \N{MULTIPLICATION SIGN} 1500; 2500 x 1250"
    assert operator.post("/shop/settings/materials/steel-s235", **form).status_code == 303
    changed = settings_of(service, operator.account).catalog.materials["steel-s235"]
    assert changed.price_per_kg == 1.9
    assert changed.stock[0].sheet_sizes_mm == [(3000, 1500), (2500, 1250)]

    process = operator.http.get("/shop/settings/processes/fiber-laser")
    assert "Set-up per batch (s)" in process.text and "Speed derate (%)" in process.text
    assert operator.http.get("/shop/settings/processes/new").status_code == 404
    url = "/shop/settings/processes/fiber-laser"
    figures = form_on(operator, url, setup_s="900", speed_derate="85")
    saved_figures = operator.post(url, **figures)
    assert saved_figures.status_code == 303, text_of(saved_figures)
    saved = settings_of(service, operator.account).catalog.processes["fiber-laser"]
    assert saved.setup_s == 900 and saved.speed_derate == pytest.approx(0.85)

    supplier = {"id": "bureau-2", "name": "Bureau two", "process": "fiber-laser"}
    supplier |= {"envelope_mm_x": "1000", "envelope_mm_y": "500", "lead_days": "5"}
    refused = operator.post("/shop/settings/suppliers/new", **supplier)
    assert refused.status_code == 422 and "Material families: required" in text_of(refused)
    supplier["families"] = "mild_steel, stainless"
    assert operator.post("/shop/settings/suppliers/new", **supplier).status_code == 303
    kept = settings_of(service, operator.account).catalog.suppliers["bureau-2"]
    assert kept.families == ["mild_steel", "stainless"]


def test_the_rates_by_form(service: Service, operator: Person) -> None:
    page = operator.http.get("/shop/settings/rates")
    assert "Labour rate (USD/h)" in page.text and "Margin (%)" in page.text
    before = settings_of(service, operator.account)
    url = "/shop/settings/rates"
    refused = operator.post(url, **form_on(operator, url, margin="150", labour_rate_per_hour="70"))
    assert refused.status_code == 422 and "Margin (%): Input should be less than 1" in text_of(
        refused
    )
    assert 'value="150"' in refused.text
    assert settings_of(service, operator.account).overrides == before.overrides
    typed = {"margin": "35", "labour_rate_per_hour": "70", "quantity_breaks": "1, 5, 50"}
    saved = operator.post(url, **form_on(operator, url, **typed))
    assert saved.status_code == 303
    shop = settings_of(service, operator.account).catalog.shop
    assert (shop.margin, shop.labour_rate_per_hour, shop.quantity_breaks) == (0.35, 70, [1, 5, 50])
    assert shop.overhead == before.catalog.shop.overhead


def test_the_weekly_calendar_by_form(service: Service, operator: Person) -> None:
    page = operator.http.get("/shop/settings/calendar")
    assert page.status_code == 200 and 'name="tue_1_start"' in page.text
    before = settings_of(service, operator.account).calendar
    hours = {f"{d}_1_{e}": t for d in ("mon", "tue") for e, t in (("start", "07:00"),)}
    hours |= {"mon_1_end": "15:00", "tue_1_end": "06:00", "timezone": "Europe/Berlin"}
    refused = operator.post("/shop/settings/calendar/hours", **hours)
    assert refused.status_code == 422 and "Tuesday, shift 1: a shift ends after it starts" in (
        text_of(refused)
    )
    assert 'value="06:00"' in refused.text
    good = {**hours, "tue_1_end": "15:00"}
    zone = operator.post("/shop/settings/calendar/hours", **{**good, "timezone": "Mars/Base"})
    assert zone.status_code == 422 and "unknown time zone 'Mars/Base'" in text_of(zone)
    assert settings_of(service, operator.account).calendar == before
    assert operator.post("/shop/settings/calendar/hours", **good).status_code == 303
    calendar = settings_of(service, operator.account).calendar
    assert calendar.timezone == "Europe/Berlin" and calendar.hours_per_week() == 16

    day = date.today() + timedelta(days=2)
    long = operator.post("/shop/settings/calendar/closed", day=day.isoformat(), reason="x" * 201)
    assert long.status_code == 422 and "Reason: at most 200 characters" in long.text
    closed = operator.post("/shop/settings/calendar/closed", day=day.isoformat(), reason="Audit")
    assert closed.status_code == 303
    assert settings_of(service, operator.account).calendar.closed_reasons == {day: "Audit"}
    dashboard = operator.http.get("/shop")
    assert "<strong>Closed</strong>: Audit" in dashboard.text

    unknown = operator.post(
        "/shop/settings/calendar/maintenance",
        machine="no-such",
        start="2030-01-02T08:00",
        end="2030-01-02T12:00",
    )
    assert unknown.status_code == 422 and "machine: no machine 'no-such'" in text_of(unknown)
    window = {"machine": LASER, "start": "2030-01-02T08:00", "end": "2030-01-02T12:00"}
    assert operator.post("/shop/settings/calendar/maintenance", **window).status_code == 303
    kept = settings_of(service, operator.account).calendar.maintenance
    assert [(w.machine, w.start.hour) for w in kept] == [(LASER, 7)]  # 08:00 in Berlin
    shown = operator.http.get("/shop/settings/calendar")
    assert "maintenance window" in shown.text
    assert operator.post("/shop/settings/calendar/maintenance/1/remove").status_code == 303
    assert operator.post(f"/shop/settings/calendar/closed/{day}/open").status_code == 303
    calendar = settings_of(service, operator.account).calendar
    assert (calendar.closed, calendar.maintenance) == ([], [])


def test_the_dashboard_links_its_status_tiles(service: Service, operator: Person) -> None:
    page = operator.http.get("/shop")
    assert 'href="/shop?status=placed#orders"' in page.text
    assert 'href="/shop/settings/calendar"' in page.text and "This week" in page.text
    placed = operator.http.get("/shop", params={"status": "placed"})
    assert placed.status_code == 200 and "Only orders placed" in placed.text


def test_the_audit_page_finds_changes_by_who_and_what(service: Service, operator: Person) -> None:
    assert operator.http.get("/admin/audit").status_code == 403
    operator.post(f"/shop/settings/machines/{LASER}", **machine_form(rate_per_hour="130"))
    admin = Person(service, "admin")
    found = admin.http.get(
        "/admin/audit", params={"who": operator.account.email, "entity": "machines"}
    )
    assert found.status_code == 200, found.text
    assert operator.account.email in found.text and "rate per hour: 130" in found.text
    assert f'href="/shop/settings/machines/{LASER}"' in found.text
    assert "denied" not in found.text.split('id="audit"')[1]

    paged = admin.http.get("/admin/audit", params={"limit": 1})
    assert "Entries 1 to 1 of" in paged.text and 'rel="next"' in paged.text
    wrong = admin.http.get("/admin/audit", params={"since": "2026-03-02", "until": "2026-03-01"})
    assert wrong.status_code == 422 and "is before since" in text_of(wrong)
    assert 'value="2026-03-02"' in wrong.text
    bad_day = admin.http.get("/admin/audit", params={"since": "2026-02-30"})
    assert bad_day.status_code == 422 and 'value="2026-02-30"' in bad_day.text
    admin.http.close()
