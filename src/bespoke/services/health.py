"""What the service's readiness check and metrics read from the database: whether it
answers at the newest schema, and the work waiting in it."""

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bespoke.services.environment import Environment
from bespoke.store import revisions


@dataclass(frozen=True)
class Backlog:
    """Task runs queued and running, mail waiting to be sent and, with a job queue, its
    jobs waiting by queue and its workers alive (heartbeat within the stalled time)."""

    queued: int
    running: int
    mail_waiting: int
    jobs_waiting: dict[str, int] = field(default_factory=dict)
    queue_workers: int | None = None


def database_problem(env: Environment) -> str | None:
    """None when the database answers and is at the newest schema, else what is wrong."""
    try:
        with env.uow() as uow:
            connection = uow.session.connection()
            connection.execute(text("SELECT 1"))
            current, newest = revisions(connection)
    except SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
        return f"the database does not answer: {reason}"
    if current != newest:
        return (
            f"the database is at schema revision {current or 'none (never migrated)'},"
            f" not the newest, {newest}: `bespoke serve` migrates it when it starts"
        )
    return None


def backlog(env: Environment) -> Backlog:
    """The work waiting in the database now."""
    with env.uow() as uow:
        runs = uow.task_runs.counts()
        if env.queue is None:
            return Backlog(runs["queued"], runs["running"], uow.outbox.waiting())
        waiting, alive = env.queue.backlog(uow)
        return Backlog(
            runs["queued"],
            runs["running"],
            uow.outbox.waiting(),
            waiting,
            alive,
        )
