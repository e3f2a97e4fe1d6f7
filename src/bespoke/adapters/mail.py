"""Mail out through an SMTP server, with the standard library's smtplib: plain SMTP, or
STARTTLS and a login when the server asks for them."""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes and who sends it."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout_s: float = 30.0

    def __repr__(self) -> str:  # the password stays out of logs
        return f"SmtpServer({self.host}:{self.port}, from {self.sender})"


@dataclass(frozen=True)
class Mail:
    """One mail in plain text."""

    recipient: str
    subject: str
    body: str


def message_of(mail: Mail, server: SmtpServer) -> EmailMessage:
    """`mail` as an RFC 5322 message from the server's sender."""
    message = EmailMessage()
    message["From"] = server.sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=server.sender.rpartition("@")[2] or None)
    message.set_content(mail.body)
    return message


def send(mail: Mail, server: SmtpServer) -> None:
    """Hand `mail` to `server`; returns once the server has accepted it.

    Raises:
        OSError: the server cannot be reached.
        smtplib.SMTPException: the server refused the mail, the login or STARTTLS.
    """
    with smtplib.SMTP(server.host, server.port, timeout=server.timeout_s) as smtp:
        if server.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if server.user:
            smtp.login(server.user, server.password or "")
        smtp.send_message(message_of(mail, server))
