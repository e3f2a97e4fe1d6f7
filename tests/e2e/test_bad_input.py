"""Bad input gets a clear 4xx (a server fault a 5xx) and leaves no partial rows."""

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select, text
from tests.e2e.conftest import Service
from tests.e2e.test_api_flow import order, quote, upload

from bespoke.store import now
from bespoke.store.tables import AuditRow, DesignRow, OrderRow, ProductRow, QuoteRow


def count(service: Service, table: type) -> int:
    with service.env.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_upload_over_the_size_limit(service: Service, maker: httpx.Client) -> None:
    before = count(service, DesignRow)
    big = b"0\nSECTION\n" + b" " * (3 * 1024 * 1024)  # the test service allows 2 MB
    response = maker.post("/api/designs", files={"file": ("big.dxf", big)})
    assert response.status_code == 413
    problem = response.json()
    assert problem["errors"][0]["path"] == "file"
    assert "2.1 MB" in problem["detail"]
    assert count(service, DesignRow) == before


def test_upload_over_the_limit_sent_without_a_declared_length(
    service: Service, maker: httpx.Client
) -> None:
    limit = service.env.settings.max_upload_bytes
    before = count(service, DesignRow)
    body = maker.build_request("POST", "/api/designs", files={"file": ("big.dxf", b"x")})
    boundary = body.headers["content-type"].split("boundary=")[1]
    payload = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.dxf"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"-" * (limit + 10)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = maker.post(
        "/api/designs",
        content=iter([payload]),
        headers={"content-type": body.headers["content-type"]},
    )
    assert response.status_code == 413, response.text
    assert "larger than the limit" in response.json()["detail"]
    assert count(service, DesignRow) == before


def test_wrong_file_type(service: Service, maker: httpx.Client) -> None:
    before = count(service, DesignRow)
    response = maker.post("/api/designs", files={"file": ("part.step", b"ISO-10303-21;")})
    assert response.status_code == 415
    assert "accepted: .dxf, .stl" in response.json()["detail"]
    garbage = maker.post("/api/designs", files={"file": ("part.dxf", b"not a drawing at all")})
    assert garbage.status_code == 422
    assert "part.dxf" in garbage.json()["detail"]
    assert count(service, DesignRow) == before


def test_malformed_spec_names_the_path(service: Service, maker: httpx.Client) -> None:
    before = count(service, ProductRow)
    spec = {
        "name": "Box",
        "parts": [{"id": "side", "material": "mdf", "geometry": {"shape": "plate", "width": 1}}],
    }
    response = maker.post("/api/products", json={"spec": spec})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"].startswith("parts[0].geometry")
    broken = maker.post("/api/products", json={"spec_yaml": "name: [unclosed"})
    assert broken.status_code == 422
    assert "cannot be read as YAML" in broken.json()["detail"]
    both = maker.post("/api/products", json={"spec_yaml": "name: x", "spec": {"name": "x"}})
    assert both.status_code == 422
    assert count(service, ProductRow) == before


def test_bad_quote_requests(maker: httpx.Client) -> None:
    design = upload(maker)
    unknown = maker.post("/api/quotes", json={"design_id": design["id"], "material": "unobtain"})
    assert unknown.status_code == 422
    assert "unobtain" in unknown.json()["detail"]
    typo = maker.post("/api/quotes", json={"design_id": design["id"], "quantity": [1]})
    assert typo.status_code == 422
    assert typo.json()["errors"][0]["path"] == "body.quantity"
    negative = maker.post("/api/quotes", json={"design_id": design["id"], "quantities": [0]})
    assert negative.status_code == 422


def test_expired_quote_cannot_be_ordered(service: Service, maker: httpx.Client) -> None:
    offer = quote(maker, upload(maker)["id"], quantities=[1])
    with service.env.uow() as uow:
        row = uow.session.get(QuoteRow, offer["id"])
        assert row is not None
        row.valid_until = now() - timedelta(minutes=1)
        uow.commit()
    before = count(service, OrderRow)
    response = order(maker, offer["id"], 1, str(uuid.uuid4()))
    assert response.status_code == 410
    assert "expired on" in response.json()["detail"]
    assert count(service, OrderRow) == before


def test_double_submitted_order_is_placed_once(service: Service, maker: httpx.Client) -> None:
    offer = quote(maker, upload(maker)["id"], quantities=[1, 10])
    key = str(uuid.uuid4())
    first = order(maker, offer["id"], 1, key)
    assert first.status_code == 201
    second = order(maker, offer["id"], 1, key)
    assert second.status_code == 409
    assert second.json()["order_id"] == first.json()["id"]
    with service.env.uow() as uow:
        placed = uow.session.scalars(select(OrderRow).where(OrderRow.idempotency_key == key)).all()
    assert len(placed) == 1
    unquoted = order(maker, offer["id"], 7, str(uuid.uuid4()))
    assert unquoted.status_code == 422
    assert "quoted: 1, 10" in unquoted.json()["detail"]
    no_key = maker.post("/api/orders", json={"quote_id": offer["id"], "quantity": 1})
    assert no_key.status_code == 422


def test_database_error_while_placing_an_order_leaves_nothing(
    service: Service, maker: httpx.Client
) -> None:
    """The audit entry is written after the order in one transaction; make it fail."""
    offer = quote(maker, upload(maker)["id"], quantities=[1])
    orders_before, audit_before = count(service, OrderRow), count(service, AuditRow)
    with service.env.uow() as uow:
        for statement in _failing_audit_trigger(service.backend):
            uow.session.execute(text(statement))
        uow.commit()
    try:
        response = order(maker, offer["id"], 1, str(uuid.uuid4()))
    finally:
        with service.env.uow() as uow:
            uow.session.execute(
                text(
                    "DROP TRIGGER refuse_audit ON audit_log"
                    if service.backend == "postgresql"
                    else "DROP TRIGGER refuse_audit"
                )
            )
            uow.commit()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "nothing was saved" in response.json()["detail"]
    assert count(service, OrderRow) == orders_before
    assert count(service, AuditRow) == audit_before


def _failing_audit_trigger(backend: str) -> list[str]:
    if backend == "sqlite":
        return [
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit log is read-only'); END"
        ]
    return [
        "CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit log is read-only'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
    ]


def test_a_bad_reason_for_a_move_changes_nothing(service: Service, maker: httpx.Client) -> None:
    design = upload(maker, "sign-plate.dxf")
    offer = quote(maker, design["id"], material="acrylic-cast", thickness_mm=3, quantities=[1])
    placed = order(maker, offer["id"], 1, f"reason-{uuid.uuid4()}").json()
    moves = count(service, AuditRow)
    for reason, accepted in (("x" * 501, "at most 500 characters"), ("bad\x00", "NUL")):
        refused = maker.post(
            f"/api/orders/{placed['id']}/status", json={"status": "cancelled", "reason": reason}
        )
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert accepted in refused.text
    assert maker.get(f"/api/orders/{placed['id']}").json()["status"] == "placed"
    assert count(service, AuditRow) == moves
