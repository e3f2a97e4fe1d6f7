"""API tokens have a name and a lifetime, are listed (never the secret) and revoked by
their owner, and expire; signing out ends a cookie's session (with its CSRF token),
revokes a bearer token, or everything of the caller. Each is in the audit log."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from tests.e2e.conftest import PASSWORD, Service

from bespoke.services.accounts.tokens import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from bespoke.store import now
from bespoke.store.tables import ApiTokenRow, AuditRow


def bearer(service: Service, token: str) -> httpx.Client:
    return httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {token}"})


@contextmanager
def cookie_session(service: Service, email: str) -> Iterator[tuple[httpx.Client, str]]:
    """A browser-like client signed in by cookie, and its CSRF token."""
    with httpx.Client(base_url=service.url) as browser:
        signed = browser.post("/api/session", json={"email": email, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        yield browser, signed.json()["csrf_token"]


def tokens_stored(service: Service) -> int:
    with service.env.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ApiTokenRow)) or 0)


def audit(service: Service, action: str, actor_id: int) -> list[AuditRow]:
    with service.env.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditRow)
                .where(AuditRow.action == action, AuditRow.actor_id == actor_id)
                .order_by(AuditRow.id)
            ).all()
        )


@pytest.fixture
def operator(service: Service) -> Iterator[httpx.Client]:
    with service.client("operator") as client:
        yield client


def test_a_token_is_made_listed_used_and_revoked(service: Service, maker: httpx.Client) -> None:
    made = maker.post("/api/tokens", json={"name": "nightly export", "days": 7})
    assert made.status_code == 201, made.text
    token = made.json()
    assert token["token"].startswith("bsp_")
    assert token["name"] == "nightly export" and token["last_used_at"] is None
    assert token["expires_at"][:10] == (now() + timedelta(days=7)).strftime("%Y-%m-%d")

    with bearer(service, token["token"]) as script:
        assert script.get("/api/me").json()["account"]["id"] == maker.account.id  # type: ignore[attr-defined]
    listed = {t["id"]: t for t in maker.get("/api/tokens").json()}
    assert set(listed[token["id"]]) == {
        "id", "name", "created_at", "last_used_at", "expires_at", "expired"
    }  # fmt: skip
    assert listed[token["id"]]["last_used_at"] is not None
    assert listed[token["id"]]["expired"] is False
    assert token["token"] not in maker.get("/api/tokens").text

    assert maker.delete(f"/api/tokens/{token['id']}").status_code == 204
    with bearer(service, token["token"]) as script:
        refused = script.get("/api/me")
    assert refused.status_code == 401
    assert "unknown or revoked" in refused.json()["detail"]
    assert token["id"] not in [t["id"] for t in maker.get("/api/tokens").json()]
    assert maker.delete(f"/api/tokens/{token['id']}").status_code == 404
    revoked = audit(service, "revoke", maker.account.id)  # type: ignore[attr-defined]
    assert [(r.entity, r.entity_id) for r in revoked] == [("api_token", str(token["id"]))]


def test_a_new_token_lives_the_default_days(maker: httpx.Client) -> None:
    token = maker.post("/api/tokens", json={}).json()
    assert token["name"] == "script"
    due = (now() + timedelta(days=DEFAULT_TOKEN_DAYS)).strftime("%Y-%m-%d")
    assert token["expires_at"][:10] == due


def test_bad_token_requests_say_what_is_accepted(service: Service, maker: httpx.Client) -> None:
    before = tokens_stored(service)
    cases = {
        "days": ({"days": MAX_TOKEN_DAYS + 1}, f"less than or equal to {MAX_TOKEN_DAYS}"),
        "days ": ({"days": 0}, "greater than or equal to 1"),
        "name": ({"name": ""}, "at least 1 character"),
        "name ": ({"name": "x" * 201}, "at most 200 characters"),
    }
    for field, (body, accepted) in cases.items():
        response = maker.post("/api/tokens", json=body)
        assert response.status_code == 422, field
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["path"] == f"body.{field.strip()}"
        assert accepted in response.json()["detail"], response.json()["detail"]
    blank = maker.post("/api/tokens", json={"name": "   "})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["path"] == "name"
    assert tokens_stored(service) == before


def test_token_ids_out_of_range_are_422_not_500(maker: httpx.Client) -> None:
    for wrong in ("0", "-1", "abc", str(2**31), str(2**63), str(2**64), "1e3"):
        response = maker.delete(f"/api/tokens/{wrong}")
        assert response.status_code == 422, (wrong, response.text)
        assert response.json()["errors"][0]["path"] == "path.token_id"
    assert maker.delete(f"/api/tokens/{2**31 - 1}").status_code == 404


def test_no_one_sees_or_revokes_anothers_tokens(service: Service, maker: httpx.Client) -> None:
    theirs = maker.post("/api/tokens", json={"name": "theirs"}).json()
    with service.client("admin") as admin:
        assert theirs["id"] not in [t["id"] for t in admin.get("/api/tokens").json()]
        missing = admin.delete(f"/api/tokens/{theirs['id']}")
        assert missing.status_code == 404
        assert missing.json()["detail"] == f"token {theirs['id']} not found"
    with bearer(service, theirs["token"]) as script:
        assert script.get("/api/me").status_code == 200


def test_an_expired_token_is_refused_with_the_reason(service: Service, maker: httpx.Client) -> None:
    token = maker.post("/api/tokens", json={"name": "old"}).json()
    with service.env.uow() as uow:
        uow.session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token["id"])
            .values(expires_at=now() - timedelta(minutes=1))
        )
        uow.commit()
    with bearer(service, token["token"]) as script:
        refused = script.get("/api/designs")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "WWW-Authenticate" in refused.headers
    detail = refused.json()["detail"]
    assert "the API token 'old' expired on" in detail and "POST /api/tokens" in detail
    listed = {t["id"]: t for t in maker.get("/api/tokens").json()}
    assert listed[token["id"]]["expired"] is True


def test_signing_out_with_a_token_revokes_it(service: Service, maker: httpx.Client) -> None:
    token = maker.post("/api/tokens", json={"name": "leaving"}).json()
    with bearer(service, token["token"]) as script:
        assert script.delete("/api/session").status_code == 204
        assert script.get("/api/me").status_code == 401
    assert maker.get("/api/me").status_code == 200  # the caller's other tokens live on
    logouts = audit(service, "logout", maker.account.id)  # type: ignore[attr-defined]
    assert logouts[-1].detail == {"ended": f"token {token['id']}"}


def test_signing_out_of_a_cookie_session_needs_its_csrf_token(service: Service) -> None:
    who, _ = service.user("maker")
    with cookie_session(service, who.email) as (browser, csrf):
        refused = browser.delete("/api/session")
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        assert browser.get("/api/me").status_code == 200  # still signed in
        assert browser.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert "bespoke_session" not in browser.cookies
    with cookie_session(service, who.email) as (again, _csrf):
        assert again.delete("/api/session", headers={"X-CSRF-Token": "wrong"}).status_code == 403
        page = again.post("/logout", data={}, follow_redirects=False)
        assert page.status_code == 403
        assert again.get("/api/me").status_code == 200
    assert [r.detail for r in audit(service, "logout", who.id)] == [{"ended": "session"}]
    denied = audit(service, "denied", who.id)
    assert [(r.detail["method"], r.detail["path"]) for r in denied] == [
        ("DELETE", "/api/session"),
        ("DELETE", "/api/session"),
        ("POST", "/logout"),
    ]
    assert "CSRF" in denied[0].detail["reason"]


def test_signing_out_everywhere_ends_every_session_and_token(service: Service) -> None:
    who, first = service.user("maker")
    with service.client("maker") as other_user:
        session = cookie_session(service, who.email)
        with bearer(service, first) as script, session as (browser, _csrf):
            second = script.post("/api/tokens", json={"name": "second"}).json()["token"]
            unclear = script.delete("/api/session", params={"everywhere": "perhaps"})
            assert unclear.status_code == 422
            assert unclear.json()["errors"][0]["path"] == "query.everywhere"
            assert script.get("/api/me").status_code == 200
            gone = script.delete("/api/session", params={"everywhere": "true"})
            assert gone.status_code == 204
            assert script.get("/api/me").status_code == 401
            with bearer(service, second) as also:
                assert also.get("/api/me").status_code == 401
            assert browser.get("/api/me").status_code == 401
        assert other_user.get("/api/me").status_code == 200
    assert audit(service, "logout", who.id)[-1].detail == {
        "everywhere": True,
        "sessions": 1,
        "tokens": 2,
    }
    with cookie_session(service, who.email):  # the password still signs in
        pass


def test_refusals_are_in_the_audit_log(
    service: Service, maker: httpx.Client, operator: httpx.Client
) -> None:
    maker_id = maker.account.id  # type: ignore[attr-defined]
    assert maker.get("/api/audit").status_code == 403  # the role, decided by the route
    changed = maker.put("/api/shop/machines/laser-x", json={"name": "Mine"})
    assert changed.status_code == 403  # the role, decided by the shop's settings
    assert operator.get("/api/audit").status_code == 403
    denied = audit(service, "denied", maker_id)
    assert [(r.detail["method"], r.detail["path"]) for r in denied] == [
        ("GET", "/api/audit"),
        ("PUT", "/api/shop/machines/laser-x"),
    ]
    assert denied[0].detail["reason"] == "this needs the role admin"
    assert "operators and admins" in denied[1].detail["reason"]
    assert (denied[0].entity, denied[0].entity_id) == ("user", str(maker_id))
    operator_id = operator.account.id  # type: ignore[attr-defined]
    assert len(audit(service, "denied", operator_id)) == 1
    assert maker.get("/api/shop").status_code == 200
    assert len(audit(service, "denied", maker_id)) == 2


def test_the_openapi_document_lists_the_routes_and_their_errors(service: Service) -> None:
    paths = httpx.get(f"{service.url}/openapi.json").json()["paths"]
    expected = {
        ("/api/session", "post"): {"200", "401", "422", "429"},
        ("/api/session", "delete"): {"204", "401", "403", "422"},
        ("/api/tokens", "get"): {"200", "401"},
        ("/api/tokens", "post"): {"201", "401", "403", "422"},
        ("/api/tokens/{token_id}", "delete"): {"204", "401", "403", "404", "422"},
    }
    for (path, method), statuses in expected.items():
        responses = paths[path][method]["responses"]
        assert statuses | {"500"} <= set(responses), (path, method)
        for status in set(responses) - {"200", "201", "204"}:
            assert "application/problem+json" in responses[status]["content"], (path, status)
    assert "403" not in paths["/api/session"]["post"]["responses"]  # anyone may sign in
    token_id = paths["/api/tokens/{token_id}"]["delete"]["parameters"][0]["schema"]
    assert (token_id["minimum"], token_id["maximum"]) == (1, 2**31 - 1)
