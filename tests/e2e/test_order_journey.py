"""From quote to delivery, against a real SMTP server (aiosmtpd on a free port) the service
mails through: the quote as a PDF read back, a checkout whose address is checked field by
field, a mail to the maker at each change of their order, the order's timeline with
names, moves confirmed with a reason, and the maker's file downloaded by the shop. Mail
the server refuses, or cannot be reached for, stays queued and is tried again later, and
each mail is sent once. The browser walks the same way at a desktop's and a phone's width.
"""

import email
import re
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import Browser, expect
from tests.e2e.conftest import EXAMPLES, PASSWORD, Service, running_service
from tests.e2e.test_api_flow import quote, upload
from tests.e2e.test_browser import (
    DESKTOP,
    PHONE,
    Watched,
    browser,
    fill_checkout,
    fill_quote_form,
    overflow,
    send_quote_form,
    shot,
    sign_in,
)
from tests.servers import free_port
from tests.unit.test_traveller import Pdf

from bespoke.adapters.mail import SmtpServer
from bespoke.services.accounts.tokens import create_token
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Settings, open_environment
from bespoke.services.ordering import deliver_due
from bespoke.store import now
from bespoke.store.tables import MailRow

__all__ = ["browser"]  # the fixture, used by name

ADDRESS = {
    "name": "Ada Maker",
    "lines": ["Hauptstraße 5", "Hinterhaus"],
    "postcode": "10115",
    "city": "Berlin",
    "country": "de",
    "phone": "+49 30 1234567",
}
MAIL_WAIT_S = 20.0


class Inbox:
    """What an SMTP server received; `refusing` makes it refuse every mail for now."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []
        self.refusing = False
        self.changed = threading.Condition()

    async def handle_DATA(  # noqa: N802 (the name aiosmtpd calls)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.refusing:
            return "451 4.3.0 not now, try again later"
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.changed:
            self.mails.append((list(envelope.rcpt_tos), message))
            self.changed.notify_all()
        return "250 OK"

    def wait_for(self, recipient: str, subject: str) -> EmailMessage:
        """The first mail to `recipient` whose subject holds `subject`, waiting for it."""
        deadline = time.monotonic() + MAIL_WAIT_S
        with self.changed:
            while True:
                found = [m for m in self._to(recipient) if subject in str(m["Subject"])]
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                assert left > 0, f"no mail {subject!r} to {recipient}: {self.subjects(recipient)}"
                self.changed.wait(left)

    def subjects(self, recipient: str) -> list[str]:
        """The subjects of the mails `recipient` got."""
        with self.changed:
            return [str(m["Subject"]) for m in self._to(recipient)]

    def _to(self, recipient: str) -> list[EmailMessage]:
        return [m for to, m in self.mails if to == [recipient]]


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, SmtpServer]]:
    """A real SMTP server on a free port and the settings that send to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, SmtpServer("127.0.0.1", controller.port, "orders@shop.example", timeout_s=5)
    controller.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def life(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    smtp: tuple[Inbox, SmtpServer],
) -> Iterator[Service]:
    """The service, mailing through the test's SMTP server and looking for mail often."""
    with running_service(request, tmp_path_factory, smtp=smtp[1], mail_poll_s=0.2) as running:
        yield running


def person(service: Service, role: str, name: str, shop: str = "main") -> httpx.Client:
    """A client signed in with a token as a new user of that role and name."""
    mail = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    who = create_user(service.env, mail, PASSWORD, role=role, name=name, shop_slug=shop)
    token = create_token(service.env, who, "tests")[0]
    client = httpx.Client(
        base_url=service.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    client.account = who  # type: ignore[attr-defined]
    return client


def place(client: httpx.Client, quote_id: int, **body: Any) -> httpx.Response:
    return client.post(
        "/api/orders",
        json={"quote_id": quote_id, "quantity": 1, **body},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


@pytest.mark.parametrize("life", ["sqlite", "postgresql"], indirect=True)
def test_an_order_is_mailed_at_each_change_and_kept_in_its_timeline(
    life: Service, smtp: tuple[Inbox, SmtpServer]
) -> None:
    inbox, _ = smtp
    maker = person(life, "maker", "Ada Maker")
    operator = person(life, "operator", "Olga Operator")
    stranger = person(life, "operator", "Otto Other", shop="other")
    admin = person(life, "admin", "Ann Admin")
    design = upload(maker, "wall-bracket.dxf")
    offer = quote(maker, design["id"], quantities=[1, 10])

    # the quote as a PDF, for its maker and its shop only
    answer = maker.get(f"/api/quotes/{offer['id']}/quote.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    text = "\n".join(Pdf(answer.content).pages())
    for expected in (
        "Main workshop",
        maker.account.email,  # type: ignore[attr-defined]
        "wall-bracket.dxf",
        "Price by quantity",
        f"Valid until {offer['valid_until'][:10]}",
        "Total",
    ):
        assert expected in text, (expected, text)
    first = offer["prices"][0]
    assert f"{offer['currency']} {float(first['unit_price']):,.2f}" in text
    assert "Mild steel S235JR, hot/cold rolled sheet, 2 mm" in text, "the name, not the code"
    assert operator.get(f"/api/quotes/{offer['id']}/quote.pdf").status_code == 200
    assert stranger.get(f"/api/quotes/{offer['id']}/quote.pdf").status_code == 404

    # a bad address names its field and stores nothing; an old client's order has none
    refused = place(maker, offer["id"], address={**ADDRESS, "country": "XX"})
    assert refused.status_code == 422
    assert "address.country" in refused.text and "ISO 3166" in refused.text
    refused = place(maker, offer["id"], address={**ADDRESS, "lines": []}, purchase_order="a\tb")
    assert {"body.address.lines", "body.purchase_order"} <= {
        e["path"] for e in refused.json()["errors"]
    }
    assert maker.get("/api/orders").json() == []
    plain = place(maker, offer["id"])
    assert plain.status_code == 201 and plain.json()["shipping_address"] is None

    # placed with its address: the maker gets a mail at once
    placed = place(
        maker, offer["id"], address=ADDRESS, notes="Deburr, please.", purchase_order="PO-4711"
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["shipping_address"]["country"] == "DE"
    assert order["purchase_order"] == "PO-4711" and order["notes"] == "Deburr, please."
    address = maker.account.email  # type: ignore[attr-defined]
    mail = inbox.wait_for(address, f"Order #{order['id']} placed")
    assert mail["To"] == address and mail["From"] == "orders@shop.example"
    body = mail.get_content()
    for expected in ("Hello Ada Maker", "Hauptstraße 5", "10115 Berlin", "Germany", "PO-4711"):
        assert expected in body, (expected, body)

    # the shop moves it on; a cancellation needs its reason
    path = f"/api/orders/{order['id']}/status"
    moved = operator.post(path, json={"status": "planned", "reason": "steel in stock"})
    assert moved.status_code == 200, moved.text
    inbox.wait_for(address, f"Order #{order['id']} is planned")
    unexplained = operator.post(path, json={"status": "cancelled"})
    assert unexplained.status_code == 422 and "reason" in unexplained.text
    cancelled = operator.post(path, json={"status": "cancelled", "reason": "machine broke down"})
    assert cancelled.status_code == 200
    mail = inbox.wait_for(address, f"Order #{order['id']} is cancelled")
    assert "Reason: machine broke down" in mail.get_content()
    assert "Olga Operator" in mail.get_content()

    # the timeline, with names and reasons, for the maker and the shop
    timeline = maker.get(f"/api/orders/{order['id']}/timeline").json()
    assert [(e["status"], e["who"], e["reason"]) for e in timeline] == [
        ("placed", "Ada Maker", None),
        ("planned", "Olga Operator", "steel in stock"),
        ("cancelled", "Olga Operator", "machine broke down"),
    ]
    assert stranger.get(f"/api/orders/{order['id']}/timeline").status_code == 404

    # the maker's file, downloaded by the shop under its own name
    (listed,) = operator.get(f"/api/orders/{order['id']}/files").json()
    download = operator.get(f"/api/orders/{order['id']}/files/{listed['sha256']}")
    assert download.content == (EXAMPLES / "wall-bracket.dxf").read_bytes()
    assert 'filename="wall-bracket.dxf"' in download.headers["content-disposition"]
    assert stranger.get(f"/api/orders/{order['id']}/files/{listed['sha256']}").status_code == 404
    assert operator.get(f"/api/orders/{order['id']}/files/{'0' * 64}").status_code == 404

    # the admin's outbox: every mail sent, none twice
    assert maker.get("/api/outbox").status_code == 403
    mails = [m for m in admin.get("/api/outbox").json() if m["order_id"] == order["id"]]
    assert [m["status"] for m in mails] == ["sent"] * 3
    assert inbox.subjects(address).count(f"Order #{order['id']} placed: wall-bracket.dxf") == 1


def test_mail_not_taken_stays_queued_and_is_tried_again_once_each(
    tmp_path: Path, smtp: tuple[Inbox, SmtpServer]
) -> None:
    """A server away, then refusing, then taking it: the mail waits its growing pause
    between tries, is sent once, and never again."""
    inbox, server = smtp
    env = open_environment(Settings(data_dir=tmp_path))
    start = now()
    subject = f"Order #1 is planned: {uuid.uuid4().hex}"
    with env.uow() as uow:
        uow.outbox.add(
            MailRow(
                recipient="maker@example.com",
                subject=subject,
                body="Hello",
                created_at=start,
                next_attempt_at=start,
            )
        )
        uow.commit()

    def kept() -> MailRow:
        with env.uow() as uow:
            (row,) = uow.outbox.latest(10)
            return row

    away = SmtpServer("127.0.0.1", free_port(), server.sender, timeout_s=5)
    assert deliver_due(env, away, start) == 0
    row = kept()
    assert (row.attempts, row.sent_at, row.next_attempt_at) == (
        1,
        None,
        start + timedelta(seconds=30),
    )
    assert row.last_error and "refused" in row.last_error.lower()
    assert deliver_due(env, server, start + timedelta(seconds=10)) == 0  # its pause
    assert kept().attempts == 1

    inbox.refusing = True
    try:
        assert deliver_due(env, server, start + timedelta(seconds=30)) == 0
    finally:
        inbox.refusing = False
    row = kept()
    assert row.attempts == 2 and "451" in (row.last_error or "")
    assert row.next_attempt_at == start + timedelta(seconds=90)

    assert deliver_due(env, server, start + timedelta(seconds=90)) == 1
    assert kept().sent_at is not None
    assert deliver_due(env, server, start + timedelta(hours=2)) == 0
    assert inbox.subjects("maker@example.com").count(subject) == 1

    # of two senders, one claims a mail
    with env.uow() as uow:
        uow.outbox.add(
            MailRow(
                recipient="m@example.com",
                subject="x",
                body="",
                created_at=start,
                next_attempt_at=start,
            )
        )
        uow.commit()
    with env.uow() as uow:
        (due,) = uow.outbox.due(start, 10)
        assert uow.outbox.claim(due, start, start + timedelta(minutes=5)) is not None
        assert uow.outbox.claim(due, start, start + timedelta(minutes=5)) is None
        uow.commit()
    with env.uow() as uow:
        assert uow.outbox.due(start + timedelta(minutes=1), 10) == []


# --- in the browser -------------------------------------------------------------------------


@pytest.mark.parametrize("life", ["sqlite"], indirect=True)
def test_quote_pdf_checkout_mail_and_a_cancellation_with_its_reason_in_the_browser(
    life: Service, browser: Browser, smtp: tuple[Inbox, SmtpServer]
) -> None:
    """The maker downloads the quote's PDF, checks out (a wrong postcode comes back with
    its message and what was typed), is mailed; the operator plans the order and then
    cancels it with a reason, each confirmed; the maker sees it all in the timeline.
    The checkout and the order page are seen at a phone's width too."""
    inbox, _ = smtp
    maker = person(life, "maker", "Mia Maker").account  # type: ignore[attr-defined]
    operator = person(life, "operator", "Omar Operator").account  # type: ignore[attr-defined]
    problems: list[str] = []
    maker_view = Watched(browser, life, DESKTOP)
    try:
        page = maker_view.page
        page.goto("/quote")
        sign_in(page, maker.email)
        fill_quote_form(page)
        send_quote_form(page)
        expect(page.locator("svg.drawing path").first).to_be_visible()  # the part, in 2-D
        with page.expect_download() as downloading:
            page.get_by_role("link", name="Quote PDF").first.click()
        pdf = Path(downloading.value.path()).read_bytes()
        assert "Price by quantity" in "\n".join(Pdf(pdf).pages())

        page.select_option("#quantity", index=1)
        page.get_by_role("button", name="Continue to checkout").click()
        expect(
            page.get_by_role("heading", name=re.compile("^Checkout: wall-bracket.dxf"))
        ).to_be_visible()
        checkout_path = page.url.removeprefix(life.url)
        fill_checkout(page, postcode="$$")
        page.get_by_role("button", name="Place order").click()
        expect(page.locator("#postcode-problem")).to_contain_text("Postcode:")
        expect(page.locator("#city")).to_have_value("Berlin")
        shot(page, "40-checkout-refused")
        page.fill("#postcode", "10115")
        page.get_by_role("button", name="Place order").click()
        page.wait_for_url(re.compile(r"/orders/\d+$"))
        order_path = page.url.removeprefix(life.url)
        order_id = order_path.rsplit("/", 1)[1]
        expect(page.get_by_test_id("status")).to_have_text("placed")
        expect(page.get_by_test_id("address")).to_contain_text("10115 Berlin")
        shot(page, "41-order-placed")
        inbox.wait_for(maker.email, f"Order #{order_id} placed")

        staff = Watched(browser, life, DESKTOP)
        try:
            shop = staff.page
            shop.goto(order_path)
            sign_in(shop, operator.email)
            shop.goto(order_path)
            expect(shop.get_by_role("link", name="Mark scheduled…")).to_have_count(0)
            with shop.expect_download() as downloading:
                shop.get_by_role("link", name="wall-bracket.dxf").click()
            assert downloading.value.suggested_filename == "wall-bracket.dxf"
            shop.get_by_role("link", name="Mark planned…").click()
            shop.fill("#reason", "steel in stock")
            shot(shop, "42-confirm-planned")
            shop.get_by_role("button", name="Mark it planned").click()
            expect(shop.get_by_test_id("status")).to_have_text("planned")
            shop.get_by_role("link", name="Cancel order…").click()
            expect(shop.locator("#reason")).to_have_attribute("required", "")
            shop.fill("#reason", "the laser is down for a week")
            shot(shop, "43-confirm-cancel")
            shop.get_by_role("button", name="Cancel the order").click()
            expect(shop.get_by_test_id("status")).to_have_text("cancelled")
            expect(shop.get_by_role("link", name=re.compile("…$"))).to_have_count(0)
            shot(shop, "44-order-cancelled-for-shop")
        finally:
            staff.close()
            problems += staff.problems
        mail = inbox.wait_for(maker.email, f"Order #{order_id} is cancelled")
        assert "the laser is down for a week" in mail.get_content()

        page.reload()
        timeline = page.get_by_test_id("timeline")
        expect(timeline.locator("li")).to_have_count(3)
        expect(timeline.locator("li").nth(2)).to_contain_text("by Omar Operator")
        expect(timeline.locator("li").nth(2)).to_contain_text("the laser is down for a week")
        expect(page.get_by_role("link", name="Cancel order…")).to_have_count(0)
        shot(page, "45-maker-timeline")
    finally:
        maker_view.close()
        refused = f"status of 422 (Unprocessable Entity) ({life.url}/orders)"  # as it should be
        problems += [p for p in maker_view.problems if not p.endswith(refused)]

    phone = Watched(browser, life, PHONE)
    try:
        page = phone.page
        page.goto(order_path)
        sign_in(page, maker.email)
        for path, name in ((checkout_path, "46-phone-checkout"), (order_path, "47-phone-order")):
            page.goto(path)
            page.wait_for_load_state("load")
            shot(page, name)
            if extra := overflow(page):
                problems.append(f"{path}: {extra} px wider than the phone")
    finally:
        phone.close()
        problems += phone.problems
    assert not problems, problems
