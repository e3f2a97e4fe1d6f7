"""The database schema: one table per stored entity, SQLAlchemy 2 typed mappings."""

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bespoke.model.plan_document import PlanDocument
from bespoke.model.quote_document import QuoteDocument

Money = Numeric(14, 2)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        Decimal: Money,
    }


class OwnedColumns:
    """The columns of a row that belongs to a user and a shop: what the repositories narrow
    a viewer's rows by."""

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)


class ShopRow(Base):
    """A workshop: its catalog overrides (machines, materials, rates) and its calendar."""

    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    calendar: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class ApiTokenRow(Base):
    """A token for scripts; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)


class LoginSessionRow(Base):
    """A browser session: the cookie's sha256, its CSRF token and when it ends."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginThrottleRow(Base):
    """Failed sign-ins counted for one email (`account`) or one client `address`, and the
    back-off they started: sign-ins for it are refused until `locked_until`."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(8), doc="account or address")
    key: Mapped[str] = mapped_column(String(320), doc="The email (lower case) or the address")
    failures: Mapped[int] = mapped_column(doc="Failures since `window_start`")
    window_start: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    backoffs: Mapped[int] = mapped_column(doc="Back-offs started since the key was last quiet")


class DesignRow(OwnedColumns, Base):
    """An uploaded design file (content in the blob store by sha256) and its measurements."""

    __tablename__ = "designs"
    __table_args__ = (Index("ix_designs_owner_sha", "owner_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    units: Mapped[str | None] = mapped_column(String(16))
    geometry: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    """Everything measured, contours included: read only when planning."""
    measurements: Mapped[dict[str, Any]]
    """The measurements without the contours: what lists and answers show."""
    created_at: Mapped[datetime]


class ProductRow(OwnedColumns, Base):
    """A product spec as submitted (YAML or JSON text) and its parsed form."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    spec_text: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class QuoteRow(OwnedColumns, Base):
    """A frozen offer: the request, the whole plan and prices as a document, a validity date."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    design_id: Mapped[int | None] = mapped_column(ForeignKey("designs.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3))
    request: Mapped[dict[str, Any]]
    document: Mapped[dict[str, Any]]
    makeable: Mapped[bool]
    created_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    prices: Mapped[list["QuotePriceRow"]] = relationship(
        order_by="QuotePriceRow.quantity", cascade="all, delete-orphan", lazy="selectin"
    )

    def part_document(self) -> QuoteDocument:
        """The document of a part's quote."""
        return QuoteDocument.model_validate(self.document)

    def plan_document(self) -> PlanDocument:
        """The document of a product's plan."""
        return PlanDocument.model_validate(self.document)

    def typed_document(self) -> QuoteDocument | PlanDocument:
        """The document as its kind reads: a product's plan or a part's quote."""
        return self.plan_document() if self.kind == "product" else self.part_document()


class QuotePriceRow(Base):
    """The offered price of one quantity of a quote."""

    __tablename__ = "quote_prices"
    __table_args__ = (UniqueConstraint("quote_id", "quantity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]
    total_price: Mapped[Decimal]
    lead_time_days: Mapped[int]
    promised_at: Mapped[datetime | None] = mapped_column(default=None)


class OrderRow(OwnedColumns, Base):
    """A maker's commitment to a quote at one of its quantities."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("owner_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal]
    total_price: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100))
    batched: Mapped[bool] = mapped_column(
        default=False, doc="Ordered at the price of the next batch it could join"
    )
    due_date: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    work: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, default=None, doc="What the order asks of the shop, frozen when it was placed"
    )
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, default=None, doc="Where to ship it (`ShippingAddress`); None before checkout asked"
    )
    notes: Mapped[str | None] = mapped_column(Text, default=None, doc="The maker's notes")
    purchase_order: Mapped[str | None] = mapped_column(
        String(64), default=None, doc="The maker's purchase-order reference"
    )


class TaskRunRow(OwnedColumns, Base):
    """Long work run in the background: its progress, and the quote it produced or its error."""

    __tablename__ = "task_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))
    result_url: Mapped[str | None] = mapped_column(String(200), default=None)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    request: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, default=None, doc="What it was asked: a product plan's product, settings, quantities"
    )
    task: Mapped[str | None] = mapped_column(
        String(120), default=None, doc="The queued task's name (services/task_calls.py)"
    )
    arguments: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, default=None, doc="The queued task's budget and arguments"
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    worker: Mapped[str | None] = mapped_column(
        String(100), default=None, doc="The queue worker that started it last (host-pid)"
    )


class CallRow(Base):
    """Heavy work a request waits for, made by a queue worker: the call, then its result
    or its error (the waiting request reads it and deletes the row)."""

    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task: Mapped[str] = mapped_column(String(120))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[Any | None] = mapped_column(JSON, default=None)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


class ScheduleRow(Base):
    """A shop's schedule of its open orders: every operation on a machine at a time."""

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    origin: Mapped[datetime] = mapped_column(doc="Time 0 of the schedule's seconds")
    status: Mapped[str] = mapped_column(String(16))
    makespan_s: Mapped[int]
    weighted_tardiness: Mapped[float]
    setups: Mapped[int]
    moved: Mapped[int]
    document: Mapped[dict[str, Any]]


class BatchRow(Base):
    """Work of many orders under one set-up in a kept schedule, with its nest or plates."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64), doc="The batch's job in the schedule's tasks")
    family: Mapped[str] = mapped_column(String(200))
    process: Mapped[str] = mapped_column(String(64))
    machine: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime | None]
    end: Mapped[datetime | None]
    duration_s: Mapped[int]
    cost: Mapped[Decimal]
    document: Mapped[dict[str, Any]]
    members: Mapped[list["BatchOrderRow"]] = relationship(
        order_by="BatchOrderRow.order_id", cascade="all, delete-orphan", lazy="selectin"
    )


class BatchOrderRow(Base):
    """An order's work in a batch and its share of the batch's cost."""

    __tablename__ = "batch_orders"
    __table_args__ = (UniqueConstraint("batch_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    setup: Mapped[Decimal]
    material: Mapped[Decimal]
    run: Mapped[Decimal]
    total: Mapped[Decimal]


class RemnantRow(Base):
    """An off-cut of sheet in a shop's stock: left after a batch's parts, or put in by hand.
    It leaves stock when a batch that cuts it starts (`used_by`) or when it is scrapped."""

    __tablename__ = "remnants"
    __table_args__ = (UniqueConstraint("shop_id", "source_batch", "source_sheet"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    material: Mapped[str] = mapped_column(String(64))
    thickness_mm: Mapped[float]
    length_mm: Mapped[float]
    width_mm: Mapped[float]
    source_batch: Mapped[str | None] = mapped_column(String(64), doc="The batch that left it")
    source_sheet: Mapped[int | None] = mapped_column(doc="Its sheet in that batch, from 1")
    created_at: Mapped[datetime]
    used_by: Mapped[str | None] = mapped_column(String(64), doc="The batch that cut it")
    removed_at: Mapped[datetime | None] = mapped_column(doc="When it was cut or scrapped")


class AuditRow(Base):
    """Who changed what, when: one row per change, written in the change's transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]


class WorkOrderRow(Base):
    """A scheduled operation (one order's, or a batch's for many) as an instruction on a
    machine or bench, with what the floor booked against it. `key` names the work in the
    schedule's tasks; a re-scheduled work order that has not started keeps its row."""

    __tablename__ = "work_orders"
    __table_args__ = (Index("ix_work_orders_shop_key", "shop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    schedule_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="SET NULL"), doc="The schedule that placed it last"
    )
    key: Mapped[str] = mapped_column(String(160))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id"), index=True, doc="The order; None: a batch's work"
    )
    batch: Mapped[str | None] = mapped_column(String(64), doc="The batch's job in the schedule")
    orders: Mapped[list[Any]] = mapped_column(doc="The orders it works for")
    operation: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    process: Mapped[str] = mapped_column(String(64))
    machine: Mapped[str] = mapped_column(String(64), index=True)
    family: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(doc="Planned quantity")
    planned_start: Mapped[datetime]
    planned_end: Mapped[datetime]
    planned_s: Mapped[int] = mapped_column(doc="Time planned on the machine, closed hours aside")
    instructions: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    started: Mapped[int] = mapped_column(default=0)
    good: Mapped[int] = mapped_column(default=0)
    scrap: Mapped[int] = mapped_column(default=0)
    scrap_by_reason: Mapped[dict[str, Any]] = mapped_column(default=dict)
    per_order: Mapped[dict[str, Any]] = mapped_column(
        default=dict, doc="order id -> planned and scrapped quantities of a batch's orders"
    )
    first_start_at: Mapped[datetime | None] = mapped_column(default=None)
    last_event_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    running_s: Mapped[float] = mapped_column(default=0.0)
    paused_s: Mapped[float] = mapped_column(default=0.0)
    pauses: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WorkOrderEventRow(Base):
    """Something done to a work order on the floor: an action with its quantities and
    reasons, a note, a photo. Rows are only ever added."""

    __tablename__ = "work_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int | None] = mapped_column(default=None)
    good: Mapped[int] = mapped_column(default=0)
    scrap: Mapped[int] = mapped_column(default=0)
    scrap_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    pause_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    order_id: Mapped[int | None] = mapped_column(default=None, doc="Whose parts were scrapped")
    note: Mapped[str | None] = mapped_column(Text, default=None)
    photo_sha256: Mapped[str | None] = mapped_column(String(64), default=None)


class ObservationRow(Base):
    """One reading of a machine, kept raw for the retention period."""

    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_machine_at", "shop_id", "machine", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    machine: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(100))
    signal: Mapped[str] = mapped_column(String(16))
    number: Mapped[float | None] = mapped_column(default=None)
    text: Mapped[str | None] = mapped_column(String(500), default=None)
    code: Mapped[str | None] = mapped_column(String(100), default=None)
    at: Mapped[datetime]


class ObservationHourRow(Base):
    """A machine's readings of one data item over one hour, rolled up when the raw rows
    pass their retention: how many, the numbers' least, most and sum, the last value."""

    __tablename__ = "observation_hours"
    __table_args__ = (UniqueConstraint("shop_id", "machine", "item", "hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    machine: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(100))
    signal: Mapped[str] = mapped_column(String(16))
    hour: Mapped[datetime]
    count: Mapped[int]
    least: Mapped[float | None]
    most: Mapped[float | None]
    total: Mapped[float | None]
    last_number: Mapped[float | None]
    last_text: Mapped[str | None] = mapped_column(String(500))


class MachineSpanRow(Base):
    """A machine in one state from `start` until `end` (None: still), with the alarm
    codes active: the machine's state timeline."""

    __tablename__ = "machine_spans"
    __table_args__ = (Index("ix_machine_spans_machine_start", "shop_id", "machine", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    machine: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime]
    end: Mapped[datetime | None]
    alarms: Mapped[list[Any]] = mapped_column(default=list)


class MaintenancePlanRow(Base):
    """How a machine (or one of its components) is kept fit: one trigger (calendar, usage
    or condition), its tasks, duration, skills, spare parts and window of tolerance, as a
    document; `state` is what the due check remembers (the last occurrence generated)."""

    __tablename__ = "maintenance_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    machine: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    document: Mapped[dict[str, Any]]
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class MaintenanceOrderRow(Base):
    """Maintenance to do on a machine: due by a plan, raised by an operator (a request, a
    failure), by a condition or by a prediction; done on the terminal with its checklist,
    time, parts used and findings. `key` makes a plan's occurrence one order only."""

    __tablename__ = "maintenance_orders"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_plans.id"))
    key: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16), doc="planned, request, failure, condition")
    machine: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    due_at: Mapped[datetime | None]
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    duration_s: Mapped[int]
    planned_start: Mapped[datetime | None] = mapped_column(default=None)
    planned_end: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    checklist: Mapped[list[Any]] = mapped_column(default=list)
    parts: Mapped[list[Any]] = mapped_column(default=list, doc="Spare parts planned")
    parts_used: Mapped[list[Any]] = mapped_column(default=list)
    findings: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    photo_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    raised_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SparePartRow(Base):
    """A spare part the shop keeps, and how many are on the shelf."""

    __tablename__ = "spare_parts"
    __table_args__ = (UniqueConstraint("shop_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    part: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    on_hand: Mapped[float]
    unit: Mapped[str] = mapped_column(String(16), default="pcs")


class MeterReadingRow(Base):
    """A machine's cumulative meter (run hours, cycles, cut metres, printed hours or kg)."""

    __tablename__ = "meter_readings"
    __table_args__ = (Index("ix_meter_readings_machine", "shop_id", "machine", "meter", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    machine: Mapped[str] = mapped_column(String(64))
    meter: Mapped[str] = mapped_column(String(16))
    value: Mapped[float]
    reset: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime]


class MeasurementRow(Base):
    """A feature of a part measured: on the terminal or from a gauge's file."""

    __tablename__ = "measurements"
    __table_args__ = (Index("ix_measurements_feature", "shop_id", "feature_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    machine: Mapped[str] = mapped_column(String(64))
    feature_key: Mapped[str] = mapped_column(String(160), doc="What is charted together")
    feature: Mapped[str] = mapped_column(String(120))
    nominal_mm: Mapped[float]
    lower_mm: Mapped[float]
    upper_mm: Mapped[float]
    value_mm: Mapped[float]
    part_number: Mapped[int] = mapped_column(default=1, doc="Which part of the lot, from 1")
    subgroup: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class NonconformanceRow(Base):
    """Parts that failed inspection: what, the disposition (rework, scrap, use as is,
    return to supplier), its cost, and corrective and preventive actions that close only
    with an effectiveness check."""

    __tablename__ = "nonconformances"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    machine: Mapped[str] = mapped_column(String(64))
    feature_key: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), index=True)
    disposition: Mapped[str | None] = mapped_column(String(16), default=None)
    cost: Mapped[Decimal | None] = mapped_column(default=None)
    actions: Mapped[list[Any]] = mapped_column(default=list, doc="Corrective and preventive")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


# --- order life: mail about orders --------------------------------------------------------


class MailRow(Base):
    """A mail to send, written in the transaction of the change it tells of; the sender
    claims it for a while (`claimed_until`), and marks it sent once the server took it."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    gave_up: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
