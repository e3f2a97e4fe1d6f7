"""A maker sees only their own designs, quotes, products, jobs and orders; an operator
only their shop's; an admin everything. Over the API and over the pages."""

import httpx
import pytest
from tests.e2e.conftest import PASSWORD, Service
from tests.e2e.test_api_flow import order, quote, upload


@pytest.fixture(scope="module")
def world(service: Service) -> dict[str, object]:
    """Maker B's design, quote, order and product job; maker A's client."""
    b = service.client("maker")
    design = upload(b, "sign-plate.dxf")
    offer = b.post(
        "/api/quotes",
        json={"design_id": design["id"], "material": "acrylic-cast", "thickness_mm": 3},
    ).json()
    placed = order(b, offer["id"], 1, "b-1").json()
    product = b.post("/api/products", json={"spec": {"name": "Nothing much"}}).json()
    job = b.post(product["plans_url"], json={}).json()
    return {
        "b": b,
        "a": service.client("maker"),
        "design": design,
        "quote": offer,
        "order": placed,
        "product": product,
        "job": job,
    }


def test_maker_cannot_read_anothers_work_by_id(world: dict) -> None:
    a: httpx.Client = world["a"]
    for url in (
        f"/api/designs/{world['design']['id']}",
        f"/api/designs/{world['design']['id']}/file",
        f"/api/designs/{world['design']['id']}/preview.png",
        f"/api/quotes/{world['quote']['id']}",
        f"/api/orders/{world['order']['id']}",
        f"/api/products/{world['product']['id']}",
        f"/api/tasks/{world['job']['id']}",
    ):
        response = a.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"


def test_maker_cannot_list_anothers_work(world: dict) -> None:
    a: httpx.Client = world["a"]
    for url in ("/api/designs", "/api/quotes", "/api/orders", "/api/products"):
        assert a.get(url).json() == [], url
    b: httpx.Client = world["b"]
    assert [d["id"] for d in b.get("/api/designs").json()] == [world["design"]["id"]]


def test_maker_cannot_quote_order_move_or_plan_anothers_work(world: dict) -> None:
    a: httpx.Client = world["a"]
    assert a.post("/api/quotes", json={"design_id": world["design"]["id"]}).status_code == 404
    assert order(a, world["quote"]["id"], 1, "a-steals").status_code == 404
    moved = a.post(f"/api/orders/{world['order']['id']}/status", json={"status": "cancelled"})
    assert moved.status_code == 404
    assert a.post(world["product"]["plans_url"], json={}).status_code == 404


def test_guessed_ids_look_like_missing_ones(world: dict) -> None:
    a: httpx.Client = world["a"]
    real = a.get(f"/api/quotes/{world['quote']['id']}").json()
    missing = a.get("/api/quotes/999999").json()
    assert real["title"] == missing["title"] == "Not found"


def test_operators_see_their_shop_and_admins_everything(service: Service, world: dict) -> None:
    with service.client("operator") as ours, service.client("operator", shop="other") as theirs:
        assert ours.get(f"/api/orders/{world['order']['id']}").status_code == 200
        assert theirs.get(f"/api/orders/{world['order']['id']}").status_code == 404
        assert world["order"]["id"] not in [o["id"] for o in theirs.get("/api/orders").json()]
        assert (
            theirs.post(
                f"/api/orders/{world['order']['id']}/status", json={"status": "planned"}
            ).status_code
            == 404
        )
    with service.client("admin", shop="other") as admin:
        assert admin.get(f"/api/designs/{world['design']['id']}").status_code == 200


def test_pages_keep_makers_apart(service: Service, world: dict) -> None:
    who, _ = service.user("maker")
    with httpx.Client(base_url=service.url) as browser:
        signed = browser.post("/login", data={"email": who.email, "password": PASSWORD})
        assert signed.status_code == 303
        for url in (
            f"/quotes/{world['quote']['id']}",
            f"/orders/{world['order']['id']}",
            f"/tasks/{world['job']['id']}",
        ):
            page = browser.get(url)
            assert page.status_code == 404, url
            assert "text/html" in page.headers["content-type"]
            assert world["design"]["filename"] not in page.text
        assert world["design"]["filename"] not in browser.get("/orders").text
        assert world["design"]["filename"] not in browser.get("/quote").text
        assert browser.get("/shop").status_code == 403


def test_no_credentials_or_a_bad_token_get_401(service: Service) -> None:
    anonymous = httpx.get(f"{service.url}/api/designs")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    forged = httpx.get(f"{service.url}/api/designs", headers={"Authorization": "Bearer bsp_x"})
    assert forged.status_code == 401
    assert httpx.get(f"{service.url}/quote").headers["location"] == "/login?next=/quote"


def test_cookie_sessions_need_the_csrf_token_to_change_things(service: Service) -> None:
    who, _ = service.user("maker")
    with httpx.Client(base_url=service.url) as browser:
        session = browser.post("/api/session", json={"email": who.email, "password": PASSWORD})
        csrf = session.json()["csrf_token"]
        body = {"quote_id": 1, "quantity": 1}
        refused = browser.post("/api/orders", json=body, headers={"Idempotency-Key": "c"})
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        assert browser.get("/api/designs").status_code == 200
        form = browser.post("/orders", data={"quote_id": 1, "quantity": 1, "idempotency_key": "k"})
        assert form.status_code == 403
        checked = browser.post(
            "/api/orders", json=body, headers={"Idempotency-Key": "c", "X-CSRF-Token": csrf}
        )
        assert checked.status_code == 404  # past the CSRF check: quote 1 is not theirs
        wrong = browser.post("/api/session", json={"email": who.email, "password": "nope"})
        assert wrong.status_code == 401


def test_makers_see_no_staff_identities(service: Service) -> None:
    """Figures the staff enter are sourced with their e-mail address: operators see who,
    a maker sees "the shop", in the shop's view, quotes and pages."""
    with (
        service.client("operator", shop="other") as operator,
        service.client("maker", shop="other") as maker,
    ):
        staff = operator.account.email  # type: ignore[attr-defined]
        laser = {"name": "Laser", "process": "fiber-laser", "envelope_mm": [3000, 1500]}
        added = operator.put("/api/shop/machines/staff-laser", json={**laser, "rate_per_hour": 90})
        assert added.status_code == 200, added.text
        assert operator.patch("/api/shop/rates", json={"margin": 0.3}).status_code == 200
        assert staff in operator.get("/api/shop").text

        seen = maker.get("/api/shop")
        assert seen.status_code == 200
        assert staff not in seen.text and staff.split("@")[0] not in seen.text
        machine = next(m for m in seen.json()["machines"] if m["id"] == "staff-laser")
        assert machine["sources"]["rate_per_hour"].startswith("entered by the shop on ")
        assert "overrides" not in seen.json()

        offer = quote(maker, upload(maker)["id"], quantities=[1])
        placed = order(maker, offer["id"], 1, "staff-1").json()
        assert staff not in maker.get(f"/api/quotes/{offer['id']}").text
        maker_email = maker.account.email  # type: ignore[attr-defined]
    with httpx.Client(base_url=service.url) as browser:
        browser.post("/login", data={"email": maker_email, "password": PASSWORD})
        for url in ("/quote", f"/quotes/{offer['id']}", "/orders", f"/orders/{placed['id']}"):
            page = browser.get(url)
            assert page.status_code == 200, url
            assert staff not in page.text, url
