"""Repositories: the queries each use case needs, scoped to what the asker may see.

A maker sees the rows they own, an operator the rows of their shop, an admin all rows.
A row outside the asker's scope is reported as not found, so ids cannot be probed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Row, Select, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bespoke.model.accounts import Account, Role
from bespoke.model.bounds import MAX_ROW_ID
from bespoke.model.errors import NotFoundError
from bespoke.store.tables import (
    ApiTokenRow,
    AuditRow,
    BatchOrderRow,
    BatchRow,
    DesignRow,
    LoginSessionRow,
    LoginThrottleRow,
    MachineSpanRow,
    MailRow,
    MaintenanceOrderRow,
    MaintenancePlanRow,
    MeasurementRow,
    MeterReadingRow,
    NonconformanceRow,
    ObservationHourRow,
    ObservationRow,
    OrderRow,
    ProductRow,
    QuoteRow,
    RemnantRow,
    ScheduleRow,
    ShopRow,
    SparePartRow,
    TaskRunRow,
    UserRow,
    WorkOrderEventRow,
    WorkOrderRow,
)

Owned = TypeVar("Owned", DesignRow, ProductRow, QuoteRow, OrderRow, TaskRunRow)
Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


def visible(statement: Query, table: type[Owned], viewer: Account) -> Query:
    """`statement` narrowed to the rows of `table` that `viewer` may see."""
    if viewer.role == Role.ADMIN:
        return statement
    if viewer.role == Role.OPERATOR:
        return statement.where(table.shop_id == viewer.shop_id)
    return statement.where(table.owner_id == viewer.id)


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)


class _Owned(_Repository, Generic[Owned]):
    """Rows that belong to a user and a shop, seen through `visible`."""

    table: type[Owned]
    noun: str

    def get(self, viewer: Account, row_id: int | str) -> Owned:
        """The row `row_id` if `viewer` may see it; NotFoundError otherwise."""
        statement = visible(select(self.table).where(self.table.id == row_id), self.table, viewer)
        row: Owned | None = self.session.scalars(statement).one_or_none()
        if row is None:
            raise NotFoundError(f"{self.noun} {row_id} not found")
        return row

    def list(self, viewer: Account, limit: int = 200, offset: int = 0) -> Sequence[Owned]:
        """The newest rows `viewer` may see, skipping the first `offset`."""
        statement = select(self.table).order_by(self.table.created_at.desc(), self.table.id.desc())
        statement = visible(statement, self.table, viewer).limit(limit).offset(offset)
        return self.session.scalars(statement).all()

    def count(self, viewer: Account) -> int:
        """How many rows `viewer` may see."""
        statement = visible(select(func.count()).select_from(self.table), self.table, viewer)
        return int(self.session.scalar(statement) or 0)


class Users(_Repository):
    def by_email(self, email: str) -> UserRow | None:
        return self.session.scalars(
            select(UserRow).where(func.lower(UserRow.email) == email.lower())
        ).one_or_none()

    def by_id(self, user_id: int) -> UserRow | None:
        return self.session.get(UserRow, user_id)

    def token(self, token_sha256: str) -> ApiTokenRow | None:
        return self.session.scalars(
            select(ApiTokenRow).where(
                ApiTokenRow.token_sha256 == token_sha256, ApiTokenRow.revoked.is_(False)
            )
        ).one_or_none()

    def tokens_of(self, user_id: int) -> Sequence[ApiTokenRow]:
        """The user's tokens not revoked, newest first."""
        return self.session.scalars(
            select(ApiTokenRow)
            .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked.is_(False))
            .order_by(ApiTokenRow.created_at.desc(), ApiTokenRow.id.desc())
        ).all()

    def token_of(self, user_id: int, token_id: int) -> ApiTokenRow:
        """One of the user's tokens not revoked; NotFoundError otherwise."""
        row = self.session.get(ApiTokenRow, token_id)
        if row is None or row.user_id != user_id or row.revoked:
            raise NotFoundError(f"token {token_id} not found")
        return row

    def revoke_tokens(self, user_id: int) -> int:
        """Revoke every token of the user; how many were live."""
        done = self.session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked.is_(False))
            .values(revoked=True)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]

    def login_session(self, session_id: str) -> LoginSessionRow | None:
        return self.session.get(LoginSessionRow, session_id)

    def end_sessions(self, user_id: int) -> int:
        """End every browser session of the user; how many there were."""
        done = self.session.execute(
            delete(LoginSessionRow).where(LoginSessionRow.user_id == user_id)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]

    def end_expired_sessions(self, moment: datetime) -> None:
        self.session.execute(delete(LoginSessionRow).where(LoginSessionRow.expires_at < moment))

    def end_login_session(self, session_id: str) -> None:
        row = self.session.get(LoginSessionRow, session_id)
        if row is not None:
            self.session.delete(row)


class LoginThrottle(_Repository):
    def counters(self, keys: Sequence[tuple[str, str]]) -> Sequence[LoginThrottleRow]:
        """The counters of these (scope, key) pairs that exist."""
        pair = tuple_(LoginThrottleRow.scope, LoginThrottleRow.key)
        return self.session.scalars(select(LoginThrottleRow).where(pair.in_(keys))).all()

    def counter(self, scope: str, key: str, at: datetime) -> LoginThrottleRow:
        """The counter of `key`, made empty if new, locked for update till the commit."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        blank = {"failures": 0, "window_start": at, "locked_until": None, "backoffs": 0}
        mine = select(LoginThrottleRow).where(
            LoginThrottleRow.scope == scope, LoginThrottleRow.key == key
        )
        while True:  # again if another process forgot the counter in between
            self.session.execute(
                insert(LoginThrottleRow)
                .values(scope=scope, key=key, **blank)
                .on_conflict_do_nothing()
            )
            row = self.session.scalars(mine.with_for_update()).one_or_none()
            if row is not None:
                return row

    def forget(self, scope: str, key: str) -> None:
        self.session.execute(
            delete(LoginThrottleRow).where(
                LoginThrottleRow.scope == scope, LoginThrottleRow.key == key
            )
        )

    def forget_quiet(self, since: datetime) -> None:
        """Forget the counters with no failure and no back-off since `since`, but those
        another transaction holds (it is counting them)."""
        self.session.flush()
        quiet = (
            select(LoginThrottleRow.id)
            .where(
                LoginThrottleRow.window_start < since,
                or_(LoginThrottleRow.locked_until.is_(None), LoginThrottleRow.locked_until < since),
            )
            .with_for_update(skip_locked=True)
        )
        self.session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.id.in_(quiet)))


class Shops(_Repository):
    def by_id(self, shop_id: int) -> ShopRow:
        row = self.session.get(ShopRow, shop_id)
        if row is None:
            raise NotFoundError(f"shop {shop_id} not found")
        return row

    def by_slug(self, slug: str) -> ShopRow | None:
        return self.session.scalars(select(ShopRow).where(ShopRow.slug == slug)).one_or_none()

    def first(self) -> ShopRow | None:
        return self.session.scalars(select(ShopRow).order_by(ShopRow.id).limit(1)).one_or_none()

    def all(self) -> Sequence[ShopRow]:
        return self.session.scalars(select(ShopRow).order_by(ShopRow.id)).all()


class Designs(_Owned[DesignRow]):
    table = DesignRow
    noun = "design"

    def by_id(self, design_id: int) -> DesignRow:
        """A design whoever owns it: for the shop's own work (batching), not for people."""
        row = self.session.get(DesignRow, design_id)
        if row is None:
            raise NotFoundError(f"design {design_id} not found")
        return row

    def of_owner(self, owner_id: int, until: datetime) -> Sequence[DesignRow]:
        """The owner's designs uploaded up to `until`, newest first: what a quote made
        then could use."""
        return self.session.scalars(
            select(DesignRow)
            .where(DesignRow.owner_id == owner_id, DesignRow.created_at <= until)
            .order_by(DesignRow.created_at.desc(), DesignRow.id.desc())
        ).all()

    def same_upload(
        self, owner_id: int, sha256: str, filename: str, units: str | None
    ) -> DesignRow | None:
        """The owner's earlier upload of the same content, name and units, if any."""
        return self.session.scalars(
            select(DesignRow)
            .where(
                DesignRow.owner_id == owner_id,
                DesignRow.sha256 == sha256,
                DesignRow.filename == filename,
                DesignRow.units.is_(None) if units is None else DesignRow.units == units,
            )
            .limit(1)
        ).one_or_none()


class Products(_Owned[ProductRow]):
    table = ProductRow
    noun = "product"

    def by_id(self, product_id: int) -> ProductRow:
        """A product whoever owns it: for the shop's own work (batching), not for people."""
        row = self.session.get(ProductRow, product_id)
        if row is None:
            raise NotFoundError(f"product {product_id} not found")
        return row

    def same_spec(self, owner_id: int, spec_text: str) -> ProductRow | None:
        """The owner's newest product submitted with exactly this text, if any."""
        statement = (
            select(ProductRow)
            .where(ProductRow.owner_id == owner_id, ProductRow.spec_text == spec_text)
            .order_by(ProductRow.id.desc())
            .limit(1)
        )
        return self.session.scalars(statement).one_or_none()

    def planned(self, viewer: Account, limit: int) -> Sequence[tuple[ProductRow, int]]:
        """The newest products `viewer` may see that have a plan, each with its latest plan's
        quote id."""
        latest = (
            select(QuoteRow.product_id, func.max(QuoteRow.id).label("quote_id"))
            .where(QuoteRow.product_id.is_not(None))
            .group_by(QuoteRow.product_id)
            .subquery()
        )
        statement = (
            select(ProductRow, latest.c.quote_id)
            .join(latest, latest.c.product_id == ProductRow.id)
            .order_by(latest.c.quote_id.desc())
        )
        rows = self.session.execute(visible(statement, ProductRow, viewer).limit(limit)).all()
        return [(product, quote_id) for product, quote_id in rows]


class Quotes(_Owned[QuoteRow]):
    table = QuoteRow
    noun = "quote"

    def by_id(self, quote_id: int) -> QuoteRow:
        """A quote whoever owns it: for the shop's own work (scheduling), not for people."""
        row = self.session.get(QuoteRow, quote_id)
        if row is None:
            raise NotFoundError(f"quote {quote_id} not found")
        return row


class Orders(_Owned[OrderRow]):
    table = OrderRow
    noun = "order"

    def by_idempotency_key(self, owner_id: int, key: str) -> OrderRow | None:
        return self.session.scalars(
            select(OrderRow).where(OrderRow.owner_id == owner_id, OrderRow.idempotency_key == key)
        ).one_or_none()

    def by_id(self, order_id: int) -> OrderRow:
        """An order whoever asks (the floor's and the schedule's work name it)."""
        row = self.session.get(OrderRow, order_id)
        if row is None:
            raise NotFoundError(f"order {order_id} not found")
        return row

    def open_in_shop(self, shop_id: int, statuses: list[str]) -> list[OrderRow]:
        return list(
            self.session.scalars(
                select(OrderRow)
                .where(OrderRow.shop_id == shop_id, OrderRow.status.in_(statuses))
                .order_by(OrderRow.id)
            ).all()
        )

    def dates_in_shop(
        self, shop_id: int, start: datetime, end: datetime, finished: Sequence[str]
    ) -> Sequence[Row[datetime, datetime, str, datetime]]:
        """When the shop's orders that matter to [start, end) were placed and promised,
        their status and last change: those placed before `end`, not cancelled, and not
        `finished` before `start`."""
        return self.session.execute(
            select(OrderRow.created_at, OrderRow.due_date, OrderRow.status, OrderRow.updated_at)
            .where(
                OrderRow.shop_id == shop_id,
                OrderRow.created_at < end,
                OrderRow.status != "cancelled",
                or_(OrderRow.status.not_in(finished), OrderRow.updated_at >= start),
            )
            .order_by(OrderRow.id)
        ).all()


class TaskRuns(_Owned[TaskRunRow]):
    table = TaskRunRow
    noun = "job"

    def unfinished(self) -> Sequence[TaskRunRow]:
        return self.session.scalars(
            select(TaskRunRow).where(TaskRunRow.status.in_(("queued", "running")))
        ).all()

    def claim(self, run_id: str) -> TaskRunRow | None:
        """The run, locked until this transaction ends (no other worker claims it meanwhile)."""
        return self.session.scalars(
            select(TaskRunRow).where(TaskRunRow.id == run_id).with_for_update()
        ).one_or_none()

    def latest_of_kind(self, kind: str) -> TaskRunRow | None:
        """The newest run of `kind`, whoever owns it."""
        return self.session.scalars(
            select(TaskRunRow)
            .where(TaskRunRow.kind == kind)
            .order_by(TaskRunRow.created_at.desc())
            .limit(1)
        ).first()

    def counts(self) -> dict[str, int]:
        """How many runs are queued and running, whoever owns them."""
        counted = self.session.execute(
            select(TaskRunRow.status, func.count())
            .where(TaskRunRow.status.in_(("queued", "running")))
            .group_by(TaskRunRow.status)
        ).all()
        return {"queued": 0, "running": 0} | {status: n for status, n in counted}


class Schedules(_Repository):
    def get(self, shop_id: int, schedule_id: int) -> ScheduleRow:
        row = self.session.get(ScheduleRow, schedule_id)
        if row is None or row.shop_id != shop_id:
            raise NotFoundError(f"schedule {schedule_id} not found")
        return row

    def named(self, shop_id: int, name: str) -> ScheduleRow:
        """A schedule by its id, or 'latest' for the newest."""
        if name == "latest":
            row = self.latest(shop_id)
            if row is None:
                raise NotFoundError("the shop has no schedule yet")
            return row
        if not (name.isascii() and name.isdigit() and len(name) <= 10) or int(name) > MAX_ROW_ID:
            raise NotFoundError(f"schedule {name[:40]} not found (an id, or 'latest')")
        return self.get(shop_id, int(name))

    def latest(self, shop_id: int) -> ScheduleRow | None:
        return self.session.scalars(
            select(ScheduleRow)
            .where(ScheduleRow.shop_id == shop_id)
            .order_by(ScheduleRow.id.desc())
            .limit(1)
        ).one_or_none()


class Batches(_Repository):
    def of_schedule(self, schedule_id: int) -> Sequence[BatchRow]:
        return self.session.scalars(
            select(BatchRow).where(BatchRow.schedule_id == schedule_id).order_by(BatchRow.start)
        ).all()

    def get(self, shop_id: int, batch_id: int) -> BatchRow:
        row = self.session.get(BatchRow, batch_id)
        if row is None or row.shop_id != shop_id:
            raise NotFoundError(f"batch {batch_id} not found")
        return row

    def by_key(self, schedule_id: int, key: str) -> BatchRow | None:
        """A schedule's batch by its job's name."""
        return self.session.scalars(
            select(BatchRow).where(BatchRow.schedule_id == schedule_id, BatchRow.key == key)
        ).one_or_none()

    def of_order(self, order_id: int, schedule_id: int) -> Sequence[BatchRow]:
        """The batches of a schedule that hold some of the order's work."""
        return self.session.scalars(
            select(BatchRow)
            .join(BatchOrderRow)
            .where(BatchRow.schedule_id == schedule_id, BatchOrderRow.order_id == order_id)
            .order_by(BatchRow.start)
        ).all()


class Remnants(_Repository):
    def in_stock(self, shop_id: int) -> Sequence[RemnantRow]:
        """The shop's off-cuts not yet cut or scrapped, oldest first."""
        return self.session.scalars(
            select(RemnantRow)
            .where(RemnantRow.shop_id == shop_id, RemnantRow.removed_at.is_(None))
            .order_by(RemnantRow.created_at, RemnantRow.id)
        ).all()

    def get(self, shop_id: int, remnant_id: int) -> RemnantRow:
        row = self.session.get(RemnantRow, remnant_id)
        if row is None or row.shop_id != shop_id:
            raise NotFoundError(f"remnant {remnant_id} not found")
        return row

    def left_by(self, shop_id: int, batch: str, sheet: int) -> RemnantRow | None:
        """The off-cut that sheet `sheet` of batch `batch` left, if it is recorded."""
        return self.session.scalars(
            select(RemnantRow).where(
                RemnantRow.shop_id == shop_id,
                RemnantRow.source_batch == batch,
                RemnantRow.source_sheet == sheet,
            )
        ).one_or_none()


CLOSED_WORK = ("done", "cancelled")


class WorkOrders(_Repository):
    def get(self, shop_id: int, work_order_id: int) -> WorkOrderRow:
        row = self.session.get(WorkOrderRow, work_order_id)
        if row is None or row.shop_id != shop_id:
            raise NotFoundError(f"work order {work_order_id} not found")
        return row

    def locked(self, shop_id: int, work_order_id: int) -> WorkOrderRow:
        """The work order as last committed, its row locked until the transaction ends, so
        that two terminals cannot book over each other. SQLite has no row locks: a write
        that changes nothing takes its one write lock first, so that the read that follows
        waits for any other writer and sees what it committed."""
        if self.session.get_bind().dialect.name == "sqlite":
            self.session.execute(
                update(WorkOrderRow)
                .where(WorkOrderRow.id == work_order_id)
                .values(id=WorkOrderRow.id)
                .execution_options(synchronize_session=False)
            )
        row = self.session.scalars(
            select(WorkOrderRow)
            .where(WorkOrderRow.id == work_order_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()
        if row is None or row.shop_id != shop_id:
            raise NotFoundError(f"work order {work_order_id} not found")
        return row

    def of_shop(
        self, shop_id: int, statuses: Sequence[str] | None = None
    ) -> Sequence[WorkOrderRow]:
        """The shop's work orders (of `statuses`, when given) in planned order."""
        statement = select(WorkOrderRow).where(WorkOrderRow.shop_id == shop_id)
        if statuses is not None:
            statement = statement.where(WorkOrderRow.status.in_(statuses))
        return self.session.scalars(
            statement.order_by(WorkOrderRow.planned_start, WorkOrderRow.id)
        ).all()

    def not_cancelled(self, shop_id: int) -> Sequence[WorkOrderRow]:
        return self.session.scalars(
            select(WorkOrderRow)
            .where(WorkOrderRow.shop_id == shop_id, WorkOrderRow.status != "cancelled")
            .order_by(WorkOrderRow.planned_start, WorkOrderRow.id)
        ).all()

    def by_key(self, shop_id: int, key: str) -> WorkOrderRow | None:
        """The newest work order of that name that is not cancelled."""
        return self.session.scalars(
            select(WorkOrderRow)
            .where(
                WorkOrderRow.shop_id == shop_id,
                WorkOrderRow.key == key,
                WorkOrderRow.status != "cancelled",
            )
            .order_by(WorkOrderRow.id.desc())
            .limit(1)
        ).one_or_none()

    def of_order(self, shop_id: int, order_id: int) -> list[WorkOrderRow]:
        """Every work order of the shop that works for the order, its batches' included."""
        return [r for r in self.not_cancelled(shop_id) if order_id in r.orders]

    def booked_between(
        self, shop_id: int, start: datetime, end: datetime
    ) -> Sequence[Row[str, int, int, int, int]]:
        """Parts booked good and scrap in [start, end) on the shop's work orders, one row
        per work order: machine, planned seconds, planned quantity, good, scrap."""
        return self.session.execute(
            select(
                WorkOrderRow.machine,
                WorkOrderRow.planned_s,
                WorkOrderRow.quantity,
                func.sum(WorkOrderEventRow.good),
                func.sum(WorkOrderEventRow.scrap),
            )
            .join(WorkOrderEventRow, WorkOrderEventRow.work_order_id == WorkOrderRow.id)
            .where(
                WorkOrderRow.shop_id == shop_id,
                WorkOrderEventRow.at >= start,
                WorkOrderEventRow.at < end,
            )
            .group_by(
                WorkOrderRow.id, WorkOrderRow.machine, WorkOrderRow.planned_s, WorkOrderRow.quantity
            )
            .order_by(WorkOrderRow.id)
        ).all()

    def events(self, work_order_id: int) -> Sequence[WorkOrderEventRow]:
        return self.session.scalars(
            select(WorkOrderEventRow)
            .where(WorkOrderEventRow.work_order_id == work_order_id)
            .order_by(WorkOrderEventRow.id)
        ).all()


class Observations(_Repository):
    def add_all(self, rows: Sequence[dict[str, Any]]) -> None:
        """Keep many readings in one statement: a Core insert of the table, one
        executemany (the ORM's bulk insert would split the rows at each change of the
        columns left NULL, a statement for every run of numbers or texts)."""
        if rows:
            table = ObservationRow.metadata.tables[ObservationRow.__tablename__]
            self.session.execute(insert(table), list(rows))

    def latest(self, shop_id: int, machine: str, limit: int = 50) -> Sequence[ObservationRow]:
        return self.session.scalars(
            select(ObservationRow)
            .where(ObservationRow.shop_id == shop_id, ObservationRow.machine == machine)
            .order_by(ObservationRow.at.desc(), ObservationRow.id.desc())
            .limit(limit)
        ).all()

    def older_than(self, shop_id: int, before: datetime, limit: int) -> Sequence[ObservationRow]:
        return self.session.scalars(
            select(ObservationRow)
            .where(ObservationRow.shop_id == shop_id, ObservationRow.at < before)
            .order_by(ObservationRow.id)
            .limit(limit)
        ).all()

    def machines_before(self, shop_id: int, before: datetime) -> list[str]:
        """The machines with readings older than `before`."""
        return list(
            self.session.scalars(
                select(ObservationRow.machine)
                .where(ObservationRow.shop_id == shop_id, ObservationRow.at < before)
                .distinct()
                .order_by(ObservationRow.machine)
            ).all()
        )

    def oldest(
        self, shop_id: int, machine: str, before: datetime, limit: int
    ) -> Sequence[Row[int, str, str, float | None, str | None, datetime]]:
        """A machine's oldest readings before `before` in time order: id, item, signal,
        number, text, at."""
        return self.session.execute(
            select(
                ObservationRow.id,
                ObservationRow.item,
                ObservationRow.signal,
                ObservationRow.number,
                ObservationRow.text,
                ObservationRow.at,
            )
            .where(
                ObservationRow.shop_id == shop_id,
                ObservationRow.machine == machine,
                ObservationRow.at < before,
            )
            .order_by(ObservationRow.at, ObservationRow.id)
            .limit(limit)
        ).all()

    def hours_of(
        self, shop_id: int, machine: str, keys: Sequence[tuple[str, datetime]]
    ) -> Sequence[ObservationHourRow]:
        """A machine's hourly roll-ups of these (item, hour) pairs that exist."""
        if not keys:
            return []
        pair = tuple_(ObservationHourRow.item, ObservationHourRow.hour)
        return self.session.scalars(
            select(ObservationHourRow).where(
                ObservationHourRow.shop_id == shop_id,
                ObservationHourRow.machine == machine,
                pair.in_(keys),
            )
        ).all()

    def delete(self, ids: Sequence[int]) -> None:
        self.session.execute(delete(ObservationRow).where(ObservationRow.id.in_(ids)))

    def hour(
        self, shop_id: int, machine: str, item: str, hour: datetime
    ) -> ObservationHourRow | None:
        return self.session.scalars(
            select(ObservationHourRow).where(
                ObservationHourRow.shop_id == shop_id,
                ObservationHourRow.machine == machine,
                ObservationHourRow.item == item,
                ObservationHourRow.hour == hour,
            )
        ).one_or_none()

    def hours(self, shop_id: int, machine: str, since: datetime) -> Sequence[ObservationHourRow]:
        return self.session.scalars(
            select(ObservationHourRow)
            .where(
                ObservationHourRow.shop_id == shop_id,
                ObservationHourRow.machine == machine,
                ObservationHourRow.hour >= since,
            )
            .order_by(ObservationHourRow.hour, ObservationHourRow.item)
        ).all()

    def of_item(
        self, shop_id: int, machine: str, item: str, since: datetime, limit: int
    ) -> Sequence[ObservationRow]:
        """A machine's readings of one data item since `since`, oldest first."""
        return self.session.scalars(
            select(ObservationRow)
            .where(
                ObservationRow.shop_id == shop_id,
                ObservationRow.machine == machine,
                ObservationRow.item == item,
                ObservationRow.at >= since,
            )
            .order_by(ObservationRow.at, ObservationRow.id)
            .limit(limit)
        ).all()

    def count(self, shop_id: int) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(ObservationRow)
                .where(ObservationRow.shop_id == shop_id)
            )
            or 0
        )


class MachineSpans(_Repository):
    def add_all(self, rows: Sequence[dict[str, Any]]) -> None:
        """Keep many spans in one statement."""
        if rows:
            self.session.execute(insert(MachineSpanRow), list(rows))

    def change_open(self, shop_id: int, machine: str, **values: Any) -> int:
        """Change the machine's open span (state, alarms, or its `end` to close it); how
        many spans changed (0 or 1)."""
        done = self.session.execute(
            update(MachineSpanRow)
            .where(
                MachineSpanRow.shop_id == shop_id,
                MachineSpanRow.machine == machine,
                MachineSpanRow.end.is_(None),
            )
            .values(**values)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]

    def open_spans(self, shop_id: int) -> Sequence[MachineSpanRow]:
        """Each machine's current state: its spans without an end."""
        return self.session.scalars(
            select(MachineSpanRow).where(
                MachineSpanRow.shop_id == shop_id, MachineSpanRow.end.is_(None)
            )
        ).all()

    def between(
        self,
        shop_id: int,
        start: datetime,
        end: datetime,
        machine: str | None = None,
        limit: int | None = None,
    ) -> Sequence[MachineSpanRow]:
        """Spans that overlap [start, end), by machine and oldest first (the first `limit`)."""
        statement = select(MachineSpanRow).where(
            MachineSpanRow.shop_id == shop_id,
            MachineSpanRow.start < end,
            or_(MachineSpanRow.end.is_(None), MachineSpanRow.end > start),
        )
        if machine is not None:
            statement = statement.where(MachineSpanRow.machine == machine)
        return self.session.scalars(
            statement.order_by(MachineSpanRow.machine, MachineSpanRow.start).limit(limit)
        ).all()


class Quality(_Repository):
    def latest(self, shop_id: int, feature_key: str, limit: int) -> Sequence[MeasurementRow]:
        """A feature's newest measurements, newest first."""
        return self.session.scalars(
            select(MeasurementRow)
            .where(MeasurementRow.shop_id == shop_id, MeasurementRow.feature_key == feature_key)
            .order_by(MeasurementRow.at.desc(), MeasurementRow.id.desc())
            .limit(limit)
        ).all()

    def of_work_order(self, work_order_id: int) -> Sequence[MeasurementRow]:
        return self.session.scalars(
            select(MeasurementRow)
            .where(MeasurementRow.work_order_id == work_order_id)
            .order_by(MeasurementRow.id)
        ).all()

    def open_nonconformance(self, work_order_id: int, feature_key: str) -> NonconformanceRow | None:
        return self.session.scalars(
            select(NonconformanceRow).where(
                NonconformanceRow.work_order_id == work_order_id,
                NonconformanceRow.feature_key == feature_key,
                NonconformanceRow.status == "open",
            )
        ).first()

    def nonconformance(self, shop_id: int, nc_id: int) -> NonconformanceRow:
        row = self.session.get(NonconformanceRow, nc_id)
        if row is None or row.shop_id != shop_id:
            raise NotFoundError(f"nonconformance {nc_id} not found")
        return row

    def nonconformances(self, shop_id: int, open_only: bool) -> Sequence[NonconformanceRow]:
        statement = select(NonconformanceRow).where(NonconformanceRow.shop_id == shop_id)
        if open_only:
            statement = statement.where(NonconformanceRow.status != "closed")
        return self.session.scalars(statement.order_by(NonconformanceRow.id.desc())).all()

    def dispositions(self, shop_id: int) -> Sequence[NonconformanceRow]:
        """Nonconformances whose parts are to be made again (scrapped, reworked, returned)."""
        return self.session.scalars(
            select(NonconformanceRow).where(
                NonconformanceRow.shop_id == shop_id,
                NonconformanceRow.disposition.in_(("scrap", "rework", "return")),
            )
        ).all()


class Maintenance(_Repository):
    def plans(self, shop_id: int, active_only: bool = False) -> Sequence[MaintenancePlanRow]:
        statement = select(MaintenancePlanRow).where(MaintenancePlanRow.shop_id == shop_id)
        if active_only:
            statement = statement.where(MaintenancePlanRow.active.is_(True))
        return self.session.scalars(statement.order_by(MaintenancePlanRow.id)).all()

    def order(self, shop_id: int, order_id: int) -> MaintenanceOrderRow:
        row = self.session.get(MaintenanceOrderRow, order_id)
        if row is None or row.shop_id != shop_id:
            raise NotFoundError(f"maintenance order {order_id} not found")
        return row

    def order_by_key(self, shop_id: int, key: str) -> MaintenanceOrderRow | None:
        return self.session.scalars(
            select(MaintenanceOrderRow).where(
                MaintenanceOrderRow.shop_id == shop_id, MaintenanceOrderRow.key == key
            )
        ).one_or_none()

    def orders(
        self, shop_id: int, statuses: Sequence[str] | None = None, machine: str | None = None
    ) -> Sequence[MaintenanceOrderRow]:
        statement = select(MaintenanceOrderRow).where(MaintenanceOrderRow.shop_id == shop_id)
        if statuses is not None:
            statement = statement.where(MaintenanceOrderRow.status.in_(statuses))
        if machine is not None:
            statement = statement.where(MaintenanceOrderRow.machine == machine)
        return self.session.scalars(statement.order_by(MaintenanceOrderRow.id)).all()

    def readings(
        self, shop_id: int, machine: str, meter: str, limit: int
    ) -> Sequence[MeterReadingRow]:
        """A meter's latest readings, oldest first."""
        rows = self.session.scalars(
            select(MeterReadingRow)
            .where(
                MeterReadingRow.shop_id == shop_id,
                MeterReadingRow.machine == machine,
                MeterReadingRow.meter == meter,
            )
            .order_by(MeterReadingRow.at.desc(), MeterReadingRow.id.desc())
            .limit(limit)
        ).all()
        return list(reversed(rows))

    def spare_part(self, shop_id: int, part: str) -> SparePartRow | None:
        return self.session.scalars(
            select(SparePartRow).where(SparePartRow.shop_id == shop_id, SparePartRow.part == part)
        ).one_or_none()

    def spare_parts(self, shop_id: int) -> Sequence[SparePartRow]:
        return self.session.scalars(
            select(SparePartRow).where(SparePartRow.shop_id == shop_id).order_by(SparePartRow.part)
        ).all()


class Audit(_Repository):
    def record(
        self,
        at: datetime,
        actor: Account | None,
        action: str,
        entity: str,
        entity_id: int | str,
        **detail: Any,
    ) -> None:
        """Note a change; it is kept only if the change's transaction commits."""
        self.session.add(
            AuditRow(
                at=at,
                actor_id=actor.id if actor else None,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                detail=detail,
            )
        )

    def entries(
        self, entity: str | None = None, limit: int = 200, offset: int = 0
    ) -> Sequence[AuditRow]:
        """The newest entries (about `entity` only, when given), skipping `offset`."""
        statement = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        if entity is not None:
            statement = statement.where(AuditRow.entity == entity)
        return self.session.scalars(statement).all()

    def of_entity(self, entity: str, entity_id: int | str, limit: int = 500) -> Sequence[AuditRow]:
        """The first `limit` entries about one thing, oldest first."""
        return self.session.scalars(
            select(AuditRow)
            .where(AuditRow.entity == entity, AuditRow.entity_id == str(entity_id))
            .order_by(AuditRow.id)
            .limit(limit)
        ).all()

    def count(self, entity: str | None = None) -> int:
        statement = select(func.count()).select_from(AuditRow)
        if entity is not None:
            statement = statement.where(AuditRow.entity == entity)
        return int(self.session.scalar(statement) or 0)

    def found(
        self, search: "AuditSearch", limit: int, offset: int
    ) -> list[tuple[AuditRow, UserRow | None]]:
        """The newest entries matching `search`, each with its actor's row (or None),
        skipping `offset`."""
        statement = (
            select(AuditRow, UserRow)
            .outerjoin(UserRow, UserRow.id == AuditRow.actor_id)
            .where(*search.conditions())
            .order_by(AuditRow.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(entry, user) for entry, user in self.session.execute(statement).all()]

    def found_count(self, search: "AuditSearch") -> int:
        statement = (
            select(func.count())
            .select_from(AuditRow)
            .outerjoin(UserRow, UserRow.id == AuditRow.actor_id)
            .where(*search.conditions())
        )
        return int(self.session.scalar(statement) or 0)


@dataclass(frozen=True)
class AuditSearch:
    """Which audit entries to find: each given part must match (text ones in any case;
    `actor` within a person's e-mail or name, "system" for changes of no one)."""

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    before: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.actor == "system":
            found.append(AuditRow.actor_id.is_(None))
        elif self.actor:
            pattern = f"%{_escaped(self.actor.lower())}%"
            found.append(
                or_(
                    func.lower(UserRow.email).like(pattern, escape="\\"),
                    func.lower(UserRow.name).like(pattern, escape="\\"),
                )
            )
        if self.action:
            found.append(func.lower(AuditRow.action) == self.action.lower())
        if self.entity:
            found.append(func.lower(AuditRow.entity) == self.entity.lower())
        if self.entity_id:
            found.append(AuditRow.entity_id == self.entity_id)
        if self.since is not None:
            found.append(AuditRow.at >= self.since)
        if self.before is not None:
            found.append(AuditRow.at < self.before)
        return found


def _escaped(text: str) -> str:
    """`text` with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Outbox(_Repository):
    """Mail waiting for a server, and mail sent."""

    def waiting(self) -> int:
        """How many mails are neither sent nor given up."""
        return (
            self.session.scalar(
                select(func.count()).where(MailRow.sent_at.is_(None), MailRow.gave_up.is_(False))
            )
            or 0
        )

    def due(self, moment: datetime, limit: int) -> Sequence[int]:
        """Ids of mails to try at `moment`: not sent, not given up, not claimed by another
        sender, their next try come."""
        return self.session.scalars(
            select(MailRow.id)
            .where(
                MailRow.sent_at.is_(None),
                MailRow.gave_up.is_(False),
                MailRow.next_attempt_at <= moment,
                or_(MailRow.claimed_until.is_(None), MailRow.claimed_until < moment),
            )
            .order_by(MailRow.id)
            .limit(limit)
        ).all()

    def claim(self, mail_id: int, moment: datetime, until: datetime) -> MailRow | None:
        """The mail, claimed until `until` when no other sender holds it at `moment`
        (one statement: of two senders, one gets it); None when another holds it."""
        claimed = self.session.execute(
            update(MailRow)
            .where(
                MailRow.id == mail_id,
                MailRow.sent_at.is_(None),
                or_(MailRow.claimed_until.is_(None), MailRow.claimed_until < moment),
            )
            .values(claimed_until=until)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return self.session.get(MailRow, mail_id, populate_existing=True)

    def of_order(self, order_id: int) -> Sequence[MailRow]:
        return self.session.scalars(
            select(MailRow).where(MailRow.order_id == order_id).order_by(MailRow.id)
        ).all()

    def latest(self, limit: int, unsent_only: bool = False) -> Sequence[MailRow]:
        statement = select(MailRow).order_by(MailRow.id.desc()).limit(limit)
        if unsent_only:
            statement = statement.where(MailRow.sent_at.is_(None))
        return self.session.scalars(statement).all()
