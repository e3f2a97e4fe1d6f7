"""A network of three shops over HTTP: a design quoted across them, the best picked by
price or by date, an order sent to the chosen shop only; a shop that cannot make it, an
unknown shop and a shop retired between quote and order refused by name."""

import re
import time
from pathlib import Path

import httpx
import pytest
from tests.e2e.conftest import PASSWORD, Service
from tests.e2e.test_api_flow import order, upload
from typer.testing import CliRunner

from bespoke.cli import app
from bespoke.services.shop.settings import retire_machine
from bespoke.services.shop.shops import ensure_shop

PART = {"material": "acrylic-cast", "thickness_mm": 3, "quantities": [1, 10]}
LASERS_AND_MILLS = ("co2-laser-1390", "waterjet-4020", "mill-vmc-3axis")


@pytest.fixture(scope="module")
def network(service: Service) -> dict[str, httpx.Client]:
    """Shops 'main' (bundled rates), 'other' (cheaper, slower) and 'far' (no machine
    that cuts acrylic); an operator of each."""
    ensure_shop(service.env, "far", "Far workshop")
    operators = {slug: service.client("operator", shop=slug) for slug in ("main", "other", "far")}
    rates = operators["other"].patch("/api/shop/rates", json={"margin": 0.05, "base_lead_days": 15})
    assert rates.status_code == 200, rates.text
    for machine in LASERS_AND_MILLS:
        retire_machine(service.env, operators["far"].account, machine, True)  # type: ignore[attr-defined]
    return operators


def across(maker: httpx.Client, design_id: int, **more: object) -> httpx.Response:
    return maker.post("/api/quotes/across-shops", json={"design_id": design_id, **PART, **more})


def test_quote_across_three_shops_and_order_from_the_chosen_one(
    service: Service, network: dict[str, httpx.Client], maker: httpx.Client
) -> None:
    design = upload(maker, "sign-plate.dxf")
    assert {s["slug"] for s in maker.get("/api/shops").json()} == {"main", "other", "far"}
    answer = across(maker, design["id"])
    assert answer.status_code == 201, answer.text
    offers = {o["shop"]: o for o in answer.json()["offers"]}
    assert offers["main"]["makeable"] and offers["other"]["makeable"]
    assert not offers["far"]["makeable"]
    assert "no machine in the shop runs CO2 laser cutting" in offers["far"]["reason"]
    main, other = ({p["quantity"]: p for p in offers[s]["prices"]} for s in ("main", "other"))
    assert float(other[10]["total_price"]) < float(main[10]["total_price"])
    assert other[10]["promised_at"] > main[10]["promised_at"]
    assert {b["quantity"]: b["shop"] for b in answer.json()["best"]}[10] == "other"
    soonest = across(maker, design["id"], best_by="date").json()["best"]
    assert {b["quantity"]: b["shop"] for b in soonest}[10] == "main"

    placed = order(maker, offers["other"]["quote_id"], 10, "network-1")
    assert placed.status_code == 201, placed.text
    assert placed.json()["shop_id"] == offers["other"]["shop_id"]
    order_id = placed.json()["id"]
    assert network["other"].get(f"/api/orders/{order_id}").status_code == 200
    for elsewhere in ("main", "far"):
        assert network[elsewhere].get(f"/api/orders/{order_id}").status_code == 404
        assert order_id not in [o["id"] for o in network[elsewhere].get("/api/orders").json()]

    refused = order(maker, offers["far"]["quote_id"], 10, "network-2")
    assert refused.status_code == 422
    assert "'far' cannot make this: " in refused.json()["detail"]
    assert "no machine in the shop runs CO2 laser cutting" in refused.json()["detail"]


def test_the_quote_page_asks_every_shop(service: Service, network: dict[str, httpx.Client]) -> None:
    who, token = service.user("maker")
    api = httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {token}"})
    with api, httpx.Client(base_url=service.url, timeout=60) as browser:
        design = upload(api, "sign-plate.dxf")
        asked = api.post("/api/quotes", json={"design_id": design["id"], **PART}).json()
        browser.post("/login", data={"email": who.email, "password": PASSWORD})
        page = browser.get(f"/quotes/{asked['id']}")
        assert 'action="/quotes/{}/across-shops"'.format(asked["id"]) in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text
        fields = {"csrf_token": token.group(1), "best_by": "date"}
        shown = browser.post(f"/quotes/{asked['id']}/across-shops", data=fields)
        assert shown.status_code == 200, shown.text
        assert (
            "Order from Main workshop" in shown.text and "Order from Another workshop" in shown.text
        )
        assert 'Far workshop</td><td colspan="5">Cannot make it: ' in shown.text
        assert "best by date" in shown.text
        wrong = browser.post(f"/quotes/{asked['id']}/across-shops", data={**fields, "best_by": "x"})
        assert wrong.status_code == 422 and "best_by" in wrong.text


def test_a_product_is_planned_and_ordered_in_the_chosen_shop(
    network: dict[str, httpx.Client], maker: httpx.Client
) -> None:
    upload(maker, "sign-plate.dxf")
    plate = {"id": "plate", "material": "acrylic-cast", "thickness": 3}
    plate["geometry"] = {"shape": "file", "file": "sign-plate.dxf"}
    product = maker.post("/api/products", json={"spec": {"name": "Sign", "parts": [plate]}})
    plans_url = product.json()["plans_url"]
    unknown = maker.post(plans_url, json={"quantities": [1], "shop": "nowhere"})
    assert unknown.status_code == 404 and "no shop 'nowhere'" in unknown.json()["detail"]
    job = maker.post(plans_url, json={"quantities": [1], "shop": "other"}).json()
    deadline = time.monotonic() + 60
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
        job = maker.get(f"/api/tasks/{job['id']}").json()
    assert job["status"] == "done", job
    plan = maker.get(job["quote_url"]).json()
    placed = order(maker, plan["id"], 1, "network-product")
    assert placed.status_code == 201, placed.text
    assert network["other"].get(f"/api/orders/{placed.json()['id']}").status_code == 200
    assert network["main"].get(f"/api/orders/{placed.json()['id']}").status_code == 404


def test_unknown_and_retired_shops_are_refused_by_name(
    service: Service, network: dict[str, httpx.Client], maker: httpx.Client
) -> None:
    design = upload(maker, "sign-plate.dxf")
    unknown = across(maker, design["id"], shops=["main", "nowhere"])
    assert unknown.status_code == 404
    assert "no shop 'nowhere' (known: main, other, far)" in unknown.json()["detail"]
    assert across(maker, design["id"], best_by="fastest").status_code == 422

    offers = {o["shop"]: o for o in across(maker, design["id"], shops=["main"]).json()["offers"]}
    assert list(offers) == ["main"]
    with service.client("admin") as admin:
        assert (
            network["main"].post("/api/shops/main/retirement", json={"reason": "x"}).status_code
            == 403
        )
        retired = admin.post("/api/shops/main/retirement", json={"reason": "moved to Leeds"})
        assert retired.status_code == 200, retired.text
        before = len(admin.get("/api/orders").json())
        late = order(maker, offers["main"]["quote_id"], 1, "network-3")
        assert late.status_code == 409
        assert late.headers["content-type"] == "application/problem+json"
        assert "shop 'main' (Main workshop) was retired on " in late.json()["detail"]
        assert "moved to Leeds" in late.json()["detail"]
        assert len(admin.get("/api/orders").json()) == before
    again = across(maker, design["id"], shops=["main"])
    assert again.status_code == 422
    assert "shops taking work: other, far" in again.json()["detail"]
    assert [o["shop"] for o in across(maker, design["id"]).json()["offers"]] == ["other", "far"]


def test_shops_are_added_and_listed_from_the_command_line(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path)]
    added = CliRunner().invoke(app, ["shop", "add", "north", "North workshop", *data])
    assert added.exit_code == 0, added.output
    again = CliRunner().invoke(app, ["shop", "add", "north", "Another", *data])
    assert again.exit_code == 1 and "there is a shop 'north' already" in again.output
    bad = CliRunner().invoke(app, ["shop", "add", "North Shop", "x", *data])
    assert bad.exit_code == 1 and "is not a shop id (accepted: lower-case letters" in bad.output
    listed = CliRunner().invoke(app, ["shop", "list", *data])
    assert listed.output.splitlines() == ["north\tNorth workshop\ttakes work"]
