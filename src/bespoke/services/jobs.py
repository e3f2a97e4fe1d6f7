"""Background jobs: long work (a big plan) runs in a worker thread and reports progress.

A job row holds its status (queued, running, done, failed), progress from 0 to 1, a
message and its result (the URL of the quote or schedule it made) or its error. Any
server process can read it.
"""

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bespoke.model.accounts import Account
from bespoke.model.errors import BespokeError, InputError
from bespoke.services.environment import Environment
from bespoke.services.plan import Progress
from bespoke.store import now
from bespoke.store.tables import JobRow

Work = Callable[[Progress], str]  # returns the API URL of what it made
log = logging.getLogger(__name__)


class JobRunner:
    """Runs jobs on a small pool of threads in this process."""

    def __init__(self, env: Environment, workers: int = 1) -> None:
        self.env = env
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bespoke-job")

    def submit(self, owner: Account, kind: str, work: Work) -> JobRow:
        """Queue `work`; it returns the API URL of what it made (a quote, a schedule)."""
        if owner.shop_id is None:
            raise InputError("this account belongs to no shop to run work in")
        stamp = now()
        with self.env.uow() as uow:
            row = JobRow(
                id=str(uuid.uuid4()),
                owner_id=owner.id,
                shop_id=owner.shop_id,
                kind=kind,
                status="queued",
                progress=0.0,
                message="waiting for a worker",
                created_at=stamp,
                updated_at=stamp,
            )
            uow.jobs.add(row)
            uow.commit()
        self._pool.submit(self._run, row.id, work)
        return row

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job_id: str, work: Work) -> None:
        self._update(job_id, status="running", progress=0.0, message="started")
        try:
            url = work(lambda fraction, what: self._update(job_id, progress=fraction, message=what))
        except BespokeError as error:
            self._update(job_id, status="failed", message=str(error), error=_problem(error))
        except Exception:
            log.exception("job %s failed", job_id)
            self._update(
                job_id,
                status="failed",
                message="internal error",
                error={"title": "internal error", "detail": "the job failed; the log has details"},
            )
        else:
            quote = url.removeprefix("/api/quotes/")
            self._update(
                job_id,
                status="done",
                progress=1.0,
                message="done",
                result_url=url,
                quote_id=int(quote) if quote.isdigit() else None,
            )

    def _update(self, job_id: str, **fields: object) -> None:
        with self.env.uow() as uow:
            row = uow.session.get(JobRow, job_id)
            assert row is not None
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = now()
            uow.commit()


def fail_interrupted(env: Environment) -> int:
    """Mark jobs left queued or running by a stopped server as failed; how many there were."""
    with env.uow() as uow:
        rows = uow.jobs.unfinished()
        for row in rows:
            row.status = "failed"
            row.message = "interrupted: the server stopped; run it again"
            row.updated_at = now()
        uow.commit()
        return len(rows)


def _problem(error: BespokeError) -> dict[str, object]:
    return {"title": type(error).__name__, "detail": str(error), "path": error.path}
