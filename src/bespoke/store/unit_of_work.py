"""A unit of work: one transaction, the repositories that share it, all or nothing."""

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bespoke.store.repositories import (
    Audit,
    Batches,
    Designs,
    LoginThrottle,
    MachineSpans,
    Maintenance,
    Observations,
    Orders,
    Outbox,
    Products,
    Quality,
    Quotes,
    Remnants,
    Schedules,
    Shops,
    TaskRuns,
    Users,
    WorkOrders,
)


class UnitOfWork:
    """`with uow:` opens a transaction; `uow.commit()` keeps it, leaving without it undoes it."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def __enter__(self) -> Self:
        self.session = self._sessions()
        self.users = Users(self.session)
        self.login_throttle = LoginThrottle(self.session)
        self.shops = Shops(self.session)
        self.designs = Designs(self.session)
        self.products = Products(self.session)
        self.quotes = Quotes(self.session)
        self.orders = Orders(self.session)
        self.task_runs = TaskRuns(self.session)
        self.schedules = Schedules(self.session)
        self.batches = Batches(self.session)
        self.remnants = Remnants(self.session)
        self.work_orders = WorkOrders(self.session)
        self.observations = Observations(self.session)
        self.machine_spans = MachineSpans(self.session)
        self.quality = Quality(self.session)
        self.maintenance = Maintenance(self.session)
        self.audit = Audit(self.session)
        self.outbox = Outbox(self.session)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.session.close()  # rolls back what was not committed; loaded rows stay readable

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()


UnitOfWorkFactory = Callable[[], UnitOfWork]


def unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    """Units of work on `engine`; rows stay readable after commit."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    return lambda: UnitOfWork(sessions)
