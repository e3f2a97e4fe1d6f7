"""What every use case runs against: the database, the blob store, the settings."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bespoke.adapters.mail import SmtpServer
from bespoke.model.accounts import LoginLimits
from bespoke.model.errors import InputError
from bespoke.services.bus import MessageBus, standard_bus
from bespoke.services.workers import InProcess, Workers
from bespoke.store import (
    BlobStore,
    UnitOfWorkFactory,
    connect,
    sqlite_url,
    unit_of_work_factory,
    upgrade,
)

if TYPE_CHECKING:
    from bespoke.services.job_queue import JobQueue

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Service settings; `from_environment` reads the `BESPOKE_*` variables."""

    data_dir: Path = Path("data")
    database_url: str | None = None
    max_upload_bytes: int = 20 * MEGABYTE
    quote_valid_days: int = 30
    session_hours: int = 12
    secure_cookies: bool = False
    request_threads: int = 2
    worker_processes: int = 1
    stop_alert_s: int = 600
    """How long a machine may stand with an alarm, or without data, before the floor
    proposes to schedule without it."""
    login_limits: LoginLimits = field(default_factory=LoginLimits)
    smtp: SmtpServer | None = None
    """Where mail about orders goes; None: it stays in the outbox, not sent."""
    mail_poll_s: float = 5.0
    """How often the server looks for mail to send."""
    log_format: str = "text"
    """`text` (lines for people) or `json` (one object per line, for a log collector)."""
    metrics_token: str | None = None
    """The bearer token `/metrics` asks for; None: open to whoever reaches the service."""

    @classmethod
    def from_environment(cls) -> "Settings":
        """BESPOKE_DATA_DIR, BESPOKE_DATABASE_URL, BESPOKE_MAX_UPLOAD_MB,
        BESPOKE_QUOTE_VALID_DAYS, BESPOKE_SECURE_COOKIES (1 behind HTTPS),
        BESPOKE_REQUEST_THREADS (requests worked on at once per server process),
        BESPOKE_WORKER_PROCESSES (processes per server process for heavy work),
        BESPOKE_STOP_ALERT_MINUTES (a machine with an alarm or without data this long is
        proposed to be scheduled without), BESPOKE_LOG_FORMAT (`text` or `json`),
        BESPOKE_METRICS_TOKEN (the bearer token /metrics asks for; unset: none) and the mail
        server (`smtp_from_environment`)."""
        env = os.environ
        return cls(
            data_dir=Path(env.get("BESPOKE_DATA_DIR", "data")),
            database_url=env.get("BESPOKE_DATABASE_URL") or None,
            max_upload_bytes=int(_positive("BESPOKE_MAX_UPLOAD_MB", "20") * MEGABYTE),
            quote_valid_days=int(_positive("BESPOKE_QUOTE_VALID_DAYS", "30")),
            secure_cookies=env.get("BESPOKE_SECURE_COOKIES", "0") == "1",
            request_threads=int(_positive("BESPOKE_REQUEST_THREADS", "2")),
            worker_processes=int(_positive("BESPOKE_WORKER_PROCESSES", "1")),
            stop_alert_s=int(_positive("BESPOKE_STOP_ALERT_MINUTES", "10") * 60),
            smtp=smtp_from_environment(),
            log_format=_log_format(),
            metrics_token=env.get("BESPOKE_METRICS_TOKEN") or None,
        )

    def url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)


def smtp_from_environment() -> SmtpServer | None:
    """BESPOKE_SMTP_HOST (none: mail is not sent), BESPOKE_SMTP_PORT (587 with STARTTLS,
    25 without), BESPOKE_SMTP_FROM (the sender's address, needed with a host),
    BESPOKE_SMTP_STARTTLS (1: encrypt after connecting), BESPOKE_SMTP_USER and
    BESPOKE_SMTP_PASSWORD (a login, when the server asks for one)."""
    env = os.environ
    host = env.get("BESPOKE_SMTP_HOST", "").strip()
    if not host:
        return None
    starttls = env.get("BESPOKE_SMTP_STARTTLS", "0") == "1"
    port = _positive("BESPOKE_SMTP_PORT", "587" if starttls else "25")
    if port != int(port) or port > 65535:
        raise InputError(f"BESPOKE_SMTP_PORT: {env['BESPOKE_SMTP_PORT']!r} is not a port number")
    sender = env.get("BESPOKE_SMTP_FROM", "").strip()
    if "@" not in sender:
        raise InputError(
            "BESPOKE_SMTP_FROM: give the address mail is sent from (orders@shop.example)"
        )
    return SmtpServer(
        host=host,
        port=int(port),
        sender=sender,
        starttls=starttls,
        user=env.get("BESPOKE_SMTP_USER") or None,
        password=env.get("BESPOKE_SMTP_PASSWORD") or None,
    )


LOG_FORMATS = ("text", "json")


def _log_format() -> str:
    text = os.environ.get("BESPOKE_LOG_FORMAT", "text")
    if text not in LOG_FORMATS:
        raise InputError(f"BESPOKE_LOG_FORMAT: {text!r} is not one of {', '.join(LOG_FORMATS)}")
    return text


def _positive(variable: str, default: str) -> float:
    text = os.environ.get(variable, default)
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise InputError(f"{variable}: {text!r} is not a positive number")
    return value


@dataclass
class Environment:
    """The open database, the blob store, the settings, the workers for heavy work, the
    message bus and, on PostgreSQL, the job queue background tasks go through (None: they
    run on `workers`), shared by the use cases."""

    settings: Settings
    uow: UnitOfWorkFactory
    blobs: BlobStore
    workers: Workers = field(default_factory=InProcess)
    bus: MessageBus = field(default_factory=standard_bus)
    queue: "JobQueue | None" = None
    work_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.work_dir = self.settings.data_dir / "work"


def open_environment(settings: Settings, *, migrate: bool = True) -> Environment:
    """Connect to the database (migrating it to the newest schema) and the blob store."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = connect(settings.url())
    if migrate:
        upgrade(engine)
    queue = None
    if engine.dialect.name == "postgresql":
        from bespoke.services.job_queue import JobQueue

        queue = JobQueue(settings.url())
    return Environment(
        settings, unit_of_work_factory(engine), BlobStore(settings.data_dir / "blobs"), queue=queue
    )
