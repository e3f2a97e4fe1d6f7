"""A hostile maker over HTTP: names that try to be paths, numbers past every bound, ids
past the databases' integers, bodies past their limit. Each is refused with a problem
document that names the bound, nothing is written, and the connection stays open."""

import uuid
from pathlib import Path

import httpx
import pytest
from tests.e2e.conftest import Service
from tests.e2e.test_api_flow import quote, upload
from tests.e2e.test_bad_input import count

from bespoke.api.limits import MAX_BODY_BYTES
from bespoke.model.bounds import MAX_QUANTITY
from bespoke.store import now
from bespoke.store.tables import OrderRow, ProductRow, QuoteRow

HUGE_IDS = [2**31, 2**63, 10**100]
HUGE_QUANTITIES = [MAX_QUANTITY + 1, 10**18, 2**63, 10**100]


def _spec(file: str) -> dict[str, object]:
    return {
        "name": "Sign",
        "parts": [
            {
                "id": "plate",
                "material": "acrylic-cast",
                "thickness": 3,
                "geometry": {"shape": "file", "file": file},
            }
        ],
    }


def refused(response: httpx.Response, status: int, *words: str) -> dict[str, object]:
    """The problem document of a refusal, on a connection the server keeps open."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers.get("connection") != "close"
    problem: dict[str, object] = response.json()
    for word in words:
        assert word in str(problem), problem
    return problem


@pytest.mark.parametrize("folder", ["absolute", "parent", "nested", "backslash"])
def test_a_spec_cannot_name_a_path_outside_the_makers_uploads(
    service: Service, maker: httpx.Client, tmp_path: Path, folder: str
) -> None:
    upload(maker, "sign-plate.dxf")
    target = tmp_path / uuid.uuid4().hex / "sign-plate.dxf"
    names = {
        "absolute": str(target),
        "parent": "../../../../../../.." + str(target),
        "nested": "drawings/sign-plate.dxf",
        "backslash": "..\\..\\sign-plate.dxf",
    }
    before = count(service, ProductRow)
    response = maker.post("/api/products", json={"spec": _spec(names[folder])})
    problem = refused(response, 422, "parts[0].geometry.file", "without folders")
    assert problem["errors"] == [{"path": "parts[0].geometry.file", "reason": problem["detail"]}]
    assert count(service, ProductRow) == before
    assert not target.parent.exists()


def test_a_stored_spec_naming_a_path_writes_nothing_when_planned(
    service: Service, maker: httpx.Client, tmp_path: Path
) -> None:
    """A spec kept before names were checked is refused when it is planned, before any
    task starts."""
    upload(maker, "sign-plate.dxf")
    target = tmp_path / uuid.uuid4().hex / "sign-plate.dxf"
    with service.env.uow() as uow:
        row = ProductRow(
            owner_id=maker.account.id,  # type: ignore[attr-defined]
            shop_id=maker.account.shop_id,  # type: ignore[attr-defined]
            name="Sign",
            spec_text="",
            spec=_spec(str(target)),
            created_at=now(),
        )
        uow.products.add(row)
        uow.commit()
        product_id = row.id
    started = maker.post(f"/api/products/{product_id}/plans", json={"quantities": [1]})
    refused(started, 422, "parts[0].geometry.file", "is not a file name")
    assert not target.parent.exists()


@pytest.mark.parametrize("quantity", HUGE_QUANTITIES)
def test_quantities_past_the_bound_are_refused(
    service: Service, maker: httpx.Client, quantity: int
) -> None:
    design = upload(maker)
    before = count(service, QuoteRow)
    response = maker.post("/api/quotes", json={"design_id": design["id"], "quantities": [quantity]})
    refused(response, 422, "body.quantities.0", f"{MAX_QUANTITY}")
    product = maker.post("/api/products", json={"spec": _spec("wall-bracket.dxf")}).json()
    planned = maker.post(product["plans_url"], json={"quantities": [1, quantity]})
    refused(planned, 422, "body.quantities.1")
    assert count(service, QuoteRow) == before
    offer = quote(maker, design["id"], quantities=[1])
    orders = count(service, OrderRow)
    ordered = maker.post(
        "/api/orders",
        json={"quote_id": offer["id"], "quantity": quantity},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    refused(ordered, 422, "body.quantity")
    assert count(service, OrderRow) == orders


def test_the_largest_quantity_is_quoted_with_a_promised_date(maker: httpx.Client) -> None:
    offer = quote(maker, upload(maker)["id"], quantities=[1, MAX_QUANTITY])
    assert [p["quantity"] for p in offer["prices"]] == [1, MAX_QUANTITY]
    assert all(p["promised_at"] for p in offer["prices"])


def test_more_quantities_than_the_bound_are_refused(maker: httpx.Client) -> None:
    design = upload(maker)
    many = list(range(1, 22))
    response = maker.post("/api/quotes", json={"design_id": design["id"], "quantities": many})
    refused(response, 422, "body.quantities", "at most 20")


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize(
    "path",
    [
        "/api/designs/{}",
        "/api/designs/{}/file",
        "/api/designs/{}/preview.png",
        "/api/quotes/{}",
        "/api/products/{}",
        "/api/orders/{}",
        "/api/orders/{}/batches",
        "/api/shop/batches/{}",
        "/api/shop/batches/1/sheets/{}.svg",
        "/api/shop/schedules/{}",
    ],
)
def test_ids_past_the_databases_integers_are_refused(
    maker: httpx.Client, path: str, huge: int
) -> None:
    response = maker.get(path.format(huge))
    assert response.status_code in (403, 404, 422), response.text
    refused(response, response.status_code)


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_ids_past_the_databases_integers_in_bodies_are_refused(
    maker: httpx.Client, huge: int
) -> None:
    refused(maker.post("/api/quotes", json={"design_id": huge}), 422, "body.design_id")
    ordered = maker.post(
        "/api/orders",
        json={"quote_id": huge, "quantity": 1},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    refused(ordered, 422, "body.quote_id")
    moved = maker.post(f"/api/orders/{huge}/status", json={"status": "cancelled"})
    refused(moved, 422, "order_id")


def test_a_body_past_its_limit_is_refused_while_it_streams(maker: httpx.Client) -> None:
    chunk = b" " * 65536
    chunks = MAX_BODY_BYTES // len(chunk) + 2
    response = maker.post(
        "/api/products",
        content=iter([b'{"spec_yaml": "', *([chunk] * chunks), b'"}']),
        headers={"content-type": "application/json"},
    )
    refused(response, 413, "larger than the limit of 4.2 MB")
    declared = maker.post(
        "/api/products",
        content=b" " * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    refused(declared, 413, "limited to 4.2 MB")


def test_lists_are_served_a_page_at_a_time(service: Service) -> None:
    with service.client("maker") as maker:
        design = upload(maker)
        offers = [quote(maker, design["id"], quantities=[q])["id"] for q in range(1, 8)]
        first = maker.get("/api/quotes", params={"limit": 3})
        assert first.headers["x-total-count"] == "7"
        assert [q["id"] for q in first.json()] == offers[::-1][:3]
        assert first.headers["link"] == '</api/quotes?limit=3&offset=3>; rel="next"'
        last = maker.get("/api/quotes", params={"limit": 3, "offset": 6})
        assert [q["id"] for q in last.json()] == offers[:1]
        assert last.headers["link"] == '</api/quotes?limit=3&offset=3>; rel="prev"'
        every = [q["id"] for q in maker.get("/api/quotes", params={"limit": 200}).json()]
        assert every == offers[::-1]
        refused(maker.get("/api/quotes", params={"limit": 201}), 422, "query.limit")
        refused(maker.get("/api/orders", params={"offset": -1}), 422, "query.offset")
        products = maker.get("/api/products")
        assert products.headers["x-total-count"] == "0"
        assert "link" not in products.headers


def test_text_with_nul_characters_is_refused_on_every_database(
    service: Service, maker: httpx.Client
) -> None:
    signed = httpx.post(
        f"{service.url}/api/session", json={"email": "a\x00@example.com", "password": "x" * 8}
    )
    refused(signed, 422, "body.email", "NUL")
    spec = {**_spec("sign-plate.dxf"), "name": "Sign\x00"}
    refused(maker.post("/api/products", json={"spec": spec}), 422, "name", "NUL")
    with service.client("admin") as admin:
        entries = admin.get("/api/audit", params={"entity": "design\x00"})
    if service.backend == "postgresql":  # a value the database cannot hold: nothing saved
        refused(entries, 422, "cannot contain NUL")
    else:
        assert entries.status_code == 200
        assert entries.json() == []
