"""Signing in is throttled: failed sign-ins are counted per email and per client address
in the database; past the limit they are refused (429, `Retry-After`) without checking
the password, on the API and on the login page. Failures are in the audit log.

The service runs with small limits; each test signs in from an address of its own (the
`X-Forwarded-For` the server trusts from a proxy on its machine), and a back-off is
ended by moving its end into the past, not by waiting.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from tests.e2e.conftest import PASSWORD, Service, running_service
from tests.servers import LiveService

from bespoke.model.accounts import LoginLimits
from bespoke.store import now
from bespoke.store.tables import AuditRow, LoginThrottleRow

LIMITS = LoginLimits(per_account=3, per_address=5)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    with running_service(request, tmp_path_factory, login_limits=LIMITS) as running:
        yield running


def address() -> str:
    """A client address no other test uses."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def sign_in(service: Service, email: str, password: str, client: str) -> httpx.Response:
    return httpx.post(
        f"{service.url}/api/session",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": client},
    )


def end_backoffs(service: Service) -> None:
    """As if every back-off had run out."""
    with service.env.uow() as uow:
        earlier = now() - timedelta(seconds=1)
        uow.session.execute(
            update(LoginThrottleRow)
            .where(LoginThrottleRow.locked_until.is_not(None))
            .values(locked_until=earlier)
        )
        uow.commit()


def audit(service: Service, action: str) -> list[AuditRow]:
    with service.env.uow() as uow:
        return list(uow.session.scalars(select(AuditRow).where(AuditRow.action == action)).all())


def refusal_seconds(response: httpx.Response) -> int:
    """The wait a 429 asks for, checked to be the same in the header and the detail."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    waited = int(response.headers["retry-after"])
    match = re.search(r"try again in (\d+) s", response.json()["detail"])
    assert match is not None, response.json()["detail"]
    assert int(match.group(1)) == waited
    return waited


def test_guessing_one_password_is_refused_past_the_limit(service: Service) -> None:
    who, _ = service.user("maker")
    mine = address()
    answers = [sign_in(service, who.email, f"guess {n}", mine) for n in range(20)]
    assert [a.status_code for a in answers] == [401] * LIMITS.per_account + [429] * (
        20 - LIMITS.per_account
    )
    assert 0 < refusal_seconds(answers[-1]) <= LIMITS.first_backoff.total_seconds()
    assert "for this email" in answers[-1].json()["detail"]
    # refused attempts never reach the password check: neither counted nor logged
    failures = [r for r in audit(service, "login_failed") if r.detail["email"] == who.email]
    assert len(failures) == LIMITS.per_account
    # the right password waits too, and so does every other address
    assert sign_in(service, who.email, PASSWORD, mine).status_code == 429
    assert sign_in(service, who.email, PASSWORD, address()).status_code == 429


def test_the_backoff_doubles_and_a_right_password_clears_the_count(service: Service) -> None:
    who, _ = service.user("maker")
    for n in range(LIMITS.per_account):
        assert sign_in(service, who.email, f"guess {n}", address()).status_code == 401
    first = refusal_seconds(sign_in(service, who.email, "again", address()))
    end_backoffs(service)
    for n in range(LIMITS.per_account):
        assert sign_in(service, who.email, f"guess {n}", address()).status_code == 401
    second = refusal_seconds(sign_in(service, who.email, "again", address()))
    assert first <= 60 < second <= 120
    end_backoffs(service)

    assert sign_in(service, who.email, PASSWORD, address()).status_code == 200
    with service.env.uow() as uow:
        counted = uow.login_throttle.counters([("account", who.email.lower())])
    assert counted == []
    for n in range(LIMITS.per_account - 1):  # a fresh count: no back-off yet
        assert sign_in(service, who.email, f"typo {n}", address()).status_code == 401
    assert sign_in(service, who.email, PASSWORD, address()).status_code == 200


def test_every_server_process_sees_the_same_count(service: Service) -> None:
    """A second server on the same database: failures on either count for both."""
    who, _ = service.user("maker")
    with LiveService(service.env.settings) as second:
        other = Service(second.url, second.env, service.backend)
        servers = [service, other]
        for n in range(LIMITS.per_account):
            assert sign_in(servers[n % 2], who.email, f"guess {n}", address()).status_code == 401
        for server in servers:
            assert refusal_seconds(sign_in(server, who.email, PASSWORD, address())) > 0


def test_one_address_trying_many_emails_is_refused(service: Service) -> None:
    mine = address()
    for n in range(LIMITS.per_address):
        email = f"nobody-{n}-{uuid.uuid4().hex[:6]}@example.com"
        assert sign_in(service, email, "guess", mine).status_code == 401
    who, _ = service.user("maker")
    refused = sign_in(service, who.email, PASSWORD, mine)
    assert refusal_seconds(refused) > 0
    assert "from this address" in refused.json()["detail"]
    assert sign_in(service, who.email, PASSWORD, address()).status_code == 200
    throttled = audit(service, "login_throttled")
    assert any(r.entity == "address" and r.entity_id == mine for r in throttled)


def test_failed_sign_ins_are_in_the_audit_log(service: Service) -> None:
    who, _ = service.user("maker")
    mine = address()
    assert sign_in(service, who.email, "not it", mine).status_code == 401
    assert sign_in(service, "stranger@example.com", "not it", mine).status_code == 401
    assert sign_in(service, who.email, PASSWORD, mine).status_code == 200
    failed = {r.detail["email"]: r for r in audit(service, "login_failed")}
    wrong = failed[who.email]
    assert (wrong.entity, wrong.entity_id, wrong.actor_id) == ("user", str(who.id), None)
    assert wrong.detail == {"email": who.email, "address": mine, "reason": "wrong password"}
    assert failed["stranger@example.com"].detail["reason"] == "no such user"
    assert failed["stranger@example.com"].entity_id == "unknown"
    logins = [r for r in audit(service, "login") if r.actor_id == who.id]
    assert logins[-1].detail == {"address": mine}


def test_the_login_page_says_when_to_try_again(service: Service) -> None:
    who, _ = service.user("maker")
    mine = address()
    with httpx.Client(base_url=service.url, headers={"X-Forwarded-For": mine}) as browser:
        for n in range(LIMITS.per_account):
            wrong = browser.post("/login", data={"email": who.email, "password": f"guess {n}"})
            assert wrong.status_code == 401
            assert "Email or password is wrong." in wrong.text
        page = browser.post("/login", data={"email": who.email, "password": PASSWORD})
        assert page.status_code == 429
        assert "text/html" in page.headers["content-type"]
        waited = int(page.headers["retry-after"])
        assert f"Too many failed sign-ins for this email; try again in {waited} s." in page.text
        assert f'value="{who.email}"' in page.text
        assert "bespoke_session" not in browser.cookies


def test_oversized_credentials_are_refused_and_not_counted(service: Service) -> None:
    mine = address()
    long_email = "a" * 400 + "@example.com"
    response = sign_in(service, long_email, "guess", mine)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.email"
    assert "at most 320 characters" in response.json()["detail"]
    huge = sign_in(service, "someone@example.com", "x" * 5000, mine)
    assert huge.status_code == 422
    assert huge.json()["errors"][0]["path"] == "body.password"
    with service.env.uow() as uow:
        assert uow.login_throttle.counters([("address", mine)]) == []


def test_counters_quiet_for_a_window_are_forgotten(service: Service) -> None:
    quiet, locked = address(), address()
    email = f"quiet-{uuid.uuid4().hex[:6]}@example.com"
    assert sign_in(service, email, "guess", quiet).status_code == 401
    for n in range(LIMITS.per_address):
        assert sign_in(service, f"{n}-{email}", "guess", locked).status_code == 401
    long_ago = now() - LIMITS.window - timedelta(minutes=1)
    with service.env.uow() as uow:
        uow.session.execute(
            update(LoginThrottleRow)
            .where(LoginThrottleRow.key.in_([quiet, email, locked]))
            .values(window_start=long_ago)
        )
        uow.commit()
    assert sign_in(service, "another@example.com", "guess", address()).status_code == 401
    keys = [("address", quiet), ("account", email), ("address", locked)]
    with service.env.uow() as uow:
        kept = [(row.scope, row.key) for row in uow.login_throttle.counters(keys)]
    assert kept == [("address", locked)]  # backing off still
