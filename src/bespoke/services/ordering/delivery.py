"""Mail in the outbox handed to the SMTP server: each claimed by one sender at a time (the
server's processes may all run a sender), marked sent once the server accepted it, tried
again with a growing pause when the server is away or refuses it, and given up after
`MAX_ATTEMPTS`. Without a server configured, mail stays in the outbox, not sent."""

import logging
import smtplib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bespoke.adapters.mail import Mail, SmtpServer, send
from bespoke.model.accounts import Account, Role
from bespoke.model.errors import PermissionDeniedError
from bespoke.services.environment import Environment
from bespoke.store import now
from bespoke.store.tables import MailRow

log = logging.getLogger("bespoke.mail")

CLAIM = timedelta(minutes=5)
"""How long a sender holds a mail it is sending: longer than a send's timeouts."""
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
"""A mail not taken is tried again after 30 s, then twice as long each time, up to 1 h."""
MAX_ATTEMPTS = 12
"""Tries before a mail is given up (about six hours of trying)."""
PER_PASS = 50
"""Mails tried in one pass."""
MAX_LISTED = 200


def deliver_due(env: Environment, server: SmtpServer, moment: datetime | None = None) -> int:
    """Send the mails due at `moment` (now) through `server`; how many it accepted."""
    moment = moment or now()
    with env.uow() as uow:
        due = uow.outbox.due(moment, PER_PASS)
    sent = 0
    for mail_id in due:
        with env.uow() as uow:
            row = uow.outbox.claim(mail_id, moment, moment + CLAIM)
            uow.commit()
        if row is None:  # another sender has it
            continue
        try:
            send(Mail(row.recipient, row.subject, row.body), server)
        except (OSError, smtplib.SMTPException) as error:
            _not_taken(env, mail_id, moment, error)
        else:
            _taken(env, mail_id, moment)
            sent += 1
    return sent


def _taken(env: Environment, mail_id: int, moment: datetime) -> None:
    with env.uow() as uow:
        row = uow.session.get_one(MailRow, mail_id)
        row.attempts += 1
        row.sent_at = moment
        row.claimed_until = None
        row.last_error = None
        uow.commit()


def _not_taken(env: Environment, mail_id: int, moment: datetime, error: Exception) -> None:
    with env.uow() as uow:
        row = uow.session.get_one(MailRow, mail_id)
        row.attempts += 1
        row.next_attempt_at = moment + min(FIRST_RETRY * 2 ** (row.attempts - 1), LAST_RETRY)
        row.claimed_until = None
        row.gave_up = row.attempts >= MAX_ATTEMPTS
        row.last_error = f"{type(error).__name__}: {error}"[:500]
        uow.commit()
    log.warning("mail %s not sent (try %s): %s", mail_id, row.attempts, row.last_error)


@dataclass
class MailDelivery:
    """The server's sender, running in its thread until `stop`."""

    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout)


def deliver_mail(env: Environment) -> MailDelivery:
    """Send what is due every `mail_poll_s` in a daemon thread; nothing runs without an
    SMTP server in the settings."""
    delivery = MailDelivery()
    server = env.settings.smtp
    if server is None:
        log.info("no SMTP server configured: mail about orders stays in the outbox")
        return delivery

    def run() -> None:
        while not delivery.stop_event.wait(env.settings.mail_poll_s):
            try:
                deliver_due(env, server)
            except Exception:
                log.exception("mail delivery failed; trying again")

    delivery.thread = threading.Thread(target=run, name="mail-delivery", daemon=True)
    delivery.thread.start()
    return delivery


def outbox(env: Environment, who: Account, unsent_only: bool = False) -> Sequence[MailRow]:
    """The newest mails, for an admin."""
    if who.role != Role.ADMIN:
        raise PermissionDeniedError("the outbox is for admins")
    with env.uow() as uow:
        return uow.outbox.latest(MAX_LISTED, unsent_only)


def order_mails(env: Environment, who: Account, order_id: int) -> Sequence[MailRow]:
    """The mails about an order its viewer may see."""
    with env.uow() as uow:
        order = uow.orders.get(who, order_id)
        return uow.outbox.of_order(order.id)
