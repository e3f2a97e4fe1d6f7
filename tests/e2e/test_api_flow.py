"""The main flow over HTTP: upload, quote, order, follow; a product planned as a job."""

import time

import httpx
import pytest
import shapely
from tests.e2e.conftest import EXAMPLES, Service

from bespoke.geometry.dxf import read_dxf_outlines


def upload(client: httpx.Client, name: str = "wall-bracket.dxf") -> dict:
    with (EXAMPLES / name).open("rb") as stream:
        response = client.post("/api/designs", files={"file": (name, stream)})
    assert response.status_code == 201, response.text
    return response.json()


def quote(client: httpx.Client, design_id: int, **options: object) -> dict:
    body = {"design_id": design_id, "material": "steel-s235", "thickness_mm": 2, **options}
    response = client.post("/api/quotes", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def order(
    client: httpx.Client, quote_id: int, quantity: int, key: str, *, batched: bool = False
) -> httpx.Response:
    return client.post(
        "/api/orders",
        json={"quote_id": quote_id, "quantity": quantity, "batched": batched},
        headers={"Idempotency-Key": key},
    )


def test_openapi_document_and_docs(service: Service) -> None:
    document = httpx.get(f"{service.url}/openapi.json").json()
    for path in ("/api/designs", "/api/quotes", "/api/orders", "/api/products/{product_id}/plans"):
        assert path in document["paths"]
    assert httpx.get(f"{service.url}/docs").status_code == 200


def test_every_answer_is_described_in_the_openapi_document(service: Service) -> None:
    """Each operation declares its success answer: a JSON answer by a schema that names
    its fields (a model, or a list of models), a file by its media types."""
    document = httpx.get(f"{service.url}/openapi.json").json()
    schemas = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
            assert answers, (method, path)
            for status, answer in answers.items():
                for media, content in answer.get("content", {}).items():
                    schema = content.get("schema", {})
                    assert _described(schema, schemas), (method, path, status, media, schema)


def _described(schema: dict, schemas: dict) -> bool:
    """Whether a schema says what it holds: not `{}`, nor an object of anything."""
    if "$ref" in schema:
        return _described(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    if "anyOf" in schema or "oneOf" in schema:
        return all(_described(s, schemas) for s in schema.get("anyOf", schema.get("oneOf")))
    if schema.get("type") == "array":
        return _described(schema.get("items", {}), schemas)
    if schema.get("type") == "object":
        extra = schema.get("additionalProperties")
        return "properties" in schema or (isinstance(extra, dict) and _described(extra, schemas))
    return "type" in schema


def test_upload_measures_and_keeps_the_file_by_content(maker: httpx.Client) -> None:
    design = upload(maker)
    assert design["kind"] == "dxf"
    assert design["geometry"]["pierces"] == 5
    assert "contours" not in design["geometry"]  # kept for planning, not shown
    outlines = read_dxf_outlines(EXAMPLES / "wall-bracket.dxf")
    exterior = sum(shapely.Polygon(o.exterior).area for o in outlines)
    assert design["geometry"]["outline_area_mm2"] == pytest.approx(exterior)
    assert len(design["sha256"]) == 64
    again = upload(maker)
    assert again["id"] == design["id"]
    assert maker.get(design["file_url"]).content == (EXAMPLES / "wall-bracket.dxf").read_bytes()
    picture = maker.get(design["preview_url"])
    assert picture.headers["content-type"] == "image/png"
    assert picture.content[:4] == b"\x89PNG"


def test_quote_then_order_then_follow(service: Service, maker: httpx.Client) -> None:
    design = upload(maker)
    offer = quote(maker, design["id"], quantities=[1, 10, 100])
    assert offer["makeable"]
    assert [p["quantity"] for p in offer["prices"]] == [1, 10, 100]
    assert offer["document"]["material"] == "steel-s235"
    assert float(offer["prices"][2]["unit_price"]) < float(offer["prices"][0]["unit_price"])

    placed = order(maker, offer["id"], 10, "flow-1")
    assert placed.status_code == 201, placed.text
    body = placed.json()
    assert body["status"] == "placed"
    assert body["total_price"] == offer["prices"][1]["total_price"]
    assert placed.headers["location"] == f"/api/orders/{body['id']}"
    assert [o["id"] for o in maker.get("/api/orders").json()] == [body["id"]]

    with service.client("operator") as operator:
        assert body["id"] in [o["id"] for o in operator.get("/api/orders").json()]
        moved = operator.post(f"/api/orders/{body['id']}/status", json={"status": "planned"})
        assert moved.json()["status"] == "planned"
        skipped = operator.post(f"/api/orders/{body['id']}/status", json={"status": "shipped"})
        assert skipped.status_code == 409
        assert "next: cancelled" in skipped.json()["detail"]
        by_hand = operator.post(f"/api/orders/{body['id']}/status", json={"status": "scheduled"})
        assert by_hand.status_code == 403
        assert "when the shop's schedule is made" in by_hand.json()["detail"]
    assert maker.get(f"/api/orders/{body['id']}").json()["status"] == "planned"
    refused = maker.post(f"/api/orders/{body['id']}/status", json={"status": "scheduled"})
    assert refused.status_code == 403
    cancelled = maker.post(
        f"/api/orders/{body['id']}/status",
        json={"status": "cancelled", "reason": "ordered the wrong size"},
    )
    assert cancelled.json()["status"] == "cancelled"
    with service.client("admin") as admin:
        moves = admin.get("/api/audit", params={"entity": "order"}).json()
        mine = [e for e in moves if e["entity_id"] == str(body["id"]) and e["action"] == "move"]
        last = mine[0] if mine[0]["detail"]["status"][1] == "cancelled" else mine[-1]
        assert last["detail"]["status"] == ["planned", "cancelled"]
        assert last["detail"]["by"] == "maker"
        assert last["detail"]["reason"] == "ordered the wrong size"


def test_stl_quote(maker: httpx.Client) -> None:
    design = upload(maker, "cable-clip.stl")
    offer = maker.post(
        "/api/quotes", json={"design_id": design["id"], "material": "petg", "quantities": [1, 1000]}
    ).json()
    assert offer["makeable"]
    assert offer["document"]["geometry"]["watertight"] is True
    assert offer["valid_until"].endswith("Z")
    assert maker.get(design["preview_url"]).content[:4] == b"\x89PNG"


def test_product_plan_runs_as_a_job_with_progress(maker: httpx.Client) -> None:
    spec = (EXAMPLES / "products" / "shelf-bracket-set.yaml").read_text()
    product = maker.post("/api/products", json={"spec_yaml": spec})
    assert product.status_code == 201, product.text
    started = maker.post(
        product.json()["plans_url"], json={"settings": {"brackets": "4"}, "quantities": [1, 10]}
    )
    assert started.status_code == 202, started.text
    status_url = started.headers["location"]
    deadline = time.monotonic() + 60
    job = started.json()
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
        job = maker.get(status_url).json()
    assert job["status"] == "done", job
    assert job["progress"] == 1.0
    plan = maker.get(job["quote_url"]).json()
    assert plan["kind"] == "product"
    assert plan["document"]["settings"]["brackets"] == 4
    assert [p["quantity"] for p in plan["prices"]] == [1, 10]
    assert order(maker, plan["id"], 10, "product-1").status_code == 201


def test_product_with_a_drawn_part_uses_the_makers_upload(maker: httpx.Client) -> None:
    upload(maker, "sign-plate.dxf")
    spec = {
        "name": "Sign",
        "parts": [
            {
                "id": "plate",
                "material": "acrylic-cast",
                "thickness": 3,
                "geometry": {"shape": "file", "file": "sign-plate.dxf"},
            }
        ],
    }
    product = maker.post("/api/products", json={"spec": spec}).json()
    job = maker.post(product["plans_url"], json={"quantities": [1]}).json()
    while job["status"] in ("queued", "running"):
        time.sleep(0.1)
        job = maker.get(f"/api/tasks/{job['id']}").json()
    assert job["status"] == "done", job

    spec["parts"][0]["geometry"]["file"] = "not-uploaded.dxf"
    product = maker.post("/api/products", json={"spec": spec}).json()
    refused = maker.post(product["plans_url"], json={"quantities": [1]})
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["path"] == "parts[0].geometry.file"
    assert "not-uploaded.dxf" in problem["detail"]
    assert "sign-plate.dxf" in problem["detail"]


def test_shop_settings_are_checked_and_change_prices(service: Service) -> None:
    with (
        service.client("operator", shop="other") as operator,
        service.client("maker", shop="other") as maker,
    ):
        design = upload(maker)
        before = quote(maker, design["id"], quantities=[1])["prices"][0]["unit_price"]
        laser = {
            "name": "Fiber laser 6 kW",
            "process": "fiber-laser",
            "envelope_mm": [3000, 1500],
            "rate_per_hour": 150,
            "sources": {"envelope_mm": "maker's datasheet", "rate_per_hour": "our costing 2026"},
        }
        added = operator.put("/api/shop/machines/fiber-laser-6kw", json=laser)
        assert added.status_code == 200, added.text
        machines = [m["id"] for m in operator.get("/api/shop").json()["machines"]]
        assert "fiber-laser-6kw" in machines

        bad = operator.put("/api/shop/machines/x", json={**laser, "process": "teleport"})
        assert bad.status_code == 422
        assert "unknown process 'teleport'" in bad.json()["detail"]
        assert "x" not in [m["id"] for m in operator.get("/api/shop").json()["machines"]]

        rates = operator.patch("/api/shop/rates", json={"margin": 0.5})
        assert rates.json()["margin"] == 0.5
        after = quote(maker, design["id"], quantities=[1])["prices"][0]["unit_price"]
        assert float(after) > float(before)
        assert operator.patch("/api/shop/rates", json={"margin": 2}).status_code == 422
        assert operator.patch("/api/shop/rates", json={"colour": "red"}).status_code == 422

        calendar = {"shifts": [{"days": ["mon"], "start": "16:00", "end": "08:00"}]}
        wrong = operator.put("/api/shop/calendar", json=calendar)
        assert wrong.status_code == 422
        assert "ends after it starts" in wrong.json()["detail"]

        assert maker.put("/api/shop/machines/mine", json=laser).status_code == 403
        assert operator.delete("/api/shop/machines/fiber-laser-6kw").status_code == 204


def test_audit_log_records_who_changed_what(service: Service, maker: httpx.Client) -> None:
    design = upload(maker, "motor-mount.dxf")
    with service.client("admin") as admin:
        entries = admin.get("/api/audit", params={"entity": "design"}).json()
        assert any(
            e["entity_id"] == str(design["id"]) and e["actor_id"] == maker.account.id  # type: ignore[attr-defined]
            for e in entries
        )
    assert maker.get("/api/audit").status_code == 403
