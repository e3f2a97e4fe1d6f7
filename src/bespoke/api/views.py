"""What the API answers: stored rows as documented JSON shapes."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from bespoke.model.accounts import Account
from bespoke.model.checkout import ShippingAddress
from bespoke.model.orders import OrderStatus, next_statuses
from bespoke.model.plan_document import PlanDocument
from bespoke.model.quote_document import QuoteDocument
from bespoke.store.tables import (
    ApiTokenRow,
    AuditRow,
    DesignRow,
    OrderRow,
    ProductRow,
    QuoteRow,
    TaskRunRow,
)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Moment = Annotated[datetime, AfterValidator(_utc)]
"""A time in UTC; stored without a zone, served with it."""


class DesignOut(BaseModel):
    id: int
    filename: str
    kind: str
    sha256: str
    size_bytes: int
    units: str | None
    created_at: Moment
    geometry: dict[str, Any]
    preview_url: str
    file_url: str


class QuotePriceOut(BaseModel):
    quantity: int
    unit_price: Decimal
    total_price: Decimal
    lead_time_days: int
    promised_at: Moment | None = None


class QuoteOut(BaseModel):
    id: int
    kind: str
    title: str
    design_id: int | None
    product_id: int | None
    currency: str
    makeable: bool
    created_at: Moment
    valid_until: Moment
    request: dict[str, Any]
    prices: list[QuotePriceOut]
    document: QuoteDocument | PlanDocument | None = Field(
        default=None, description="A part's quote or, for kind 'product', a product's plan"
    )


class ProductOut(BaseModel):
    id: int
    name: str
    created_at: Moment
    spec: dict[str, Any] | None = None
    plans_url: str


class OrderOut(BaseModel):
    id: int
    quote_id: int
    shop_id: int = Field(description="The shop that makes it")
    owner_id: int
    quantity: int
    unit_price: Decimal
    total_price: Decimal
    currency: str
    batched: bool
    status: str
    next_statuses: list[str]
    due_date: Moment
    created_at: Moment
    updated_at: Moment
    shipping_address: ShippingAddress | None = Field(
        default=None, description="Where to ship it; None for an order placed without one"
    )
    notes: str | None = None
    purchase_order: str | None = None


class TaskRunOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: float
    message: str
    quote_id: int | None
    quote_url: str | None
    result_url: str | None
    error: dict[str, Any] | None
    created_at: Moment
    updated_at: Moment


class AuditEntryOut(BaseModel):
    """One change: who made it, when, to what, and what it was."""

    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]


class AccountOut(BaseModel):
    account: Account
    csrf_token: str | None = None


class TokenOut(BaseModel):
    """An API token as its owner sees it: never the secret."""

    id: int
    name: str
    created_at: Moment
    last_used_at: Moment | None
    expires_at: Moment
    expired: bool


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret, shown once")
    note: str = "shown once: keep it; send it as 'Authorization: Bearer <token>'"


def audit_entry_out(row: AuditRow) -> AuditEntryOut:
    return AuditEntryOut(
        at=row.at,
        actor_id=row.actor_id,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        detail=row.detail,
    )


def token_out(row: ApiTokenRow, moment: datetime) -> TokenOut:
    """The token as at `moment` (expired or not)."""
    return TokenOut(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        expired=row.expires_at <= moment,
    )


def design_out(row: DesignRow) -> DesignOut:
    return DesignOut(
        id=row.id,
        filename=row.filename,
        kind=row.kind,
        sha256=row.sha256,
        size_bytes=row.size_bytes,
        units=row.units,
        created_at=row.created_at,
        geometry=row.measurements,
        preview_url=f"/api/designs/{row.id}/preview.png",
        file_url=f"/api/designs/{row.id}/file",
    )


def quote_out(row: QuoteRow, *, document: bool = True) -> QuoteOut:
    return QuoteOut(
        id=row.id,
        kind=row.kind,
        title=row.title,
        design_id=row.design_id,
        product_id=row.product_id,
        currency=row.currency,
        makeable=row.makeable,
        created_at=row.created_at,
        valid_until=row.valid_until,
        request=row.request,
        prices=[QuotePriceOut.model_validate(p, from_attributes=True) for p in row.prices],
        document=row.typed_document() if document else None,
    )


def product_out(row: ProductRow, *, spec: bool = True) -> ProductOut:
    return ProductOut(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        spec=row.spec if spec else None,
        plans_url=f"/api/products/{row.id}/plans",
    )


def order_out(row: OrderRow) -> OrderOut:
    return OrderOut(
        id=row.id,
        quote_id=row.quote_id,
        shop_id=row.shop_id,
        owner_id=row.owner_id,
        quantity=row.quantity,
        unit_price=row.unit_price,
        total_price=row.total_price,
        currency=row.currency,
        batched=row.batched,
        status=row.status,
        next_statuses=list(next_statuses(OrderStatus(row.status))),
        due_date=row.due_date,
        created_at=row.created_at,
        updated_at=row.updated_at,
        shipping_address=ShippingAddress.model_validate(row.shipping_address)
        if row.shipping_address
        else None,
        notes=row.notes,
        purchase_order=row.purchase_order,
    )


def task_run_out(row: TaskRunRow) -> TaskRunOut:
    return TaskRunOut(
        id=row.id,
        kind=row.kind,
        status=row.status,
        progress=row.progress,
        message=row.message,
        quote_id=row.quote_id,
        quote_url=f"/api/quotes/{row.quote_id}" if row.quote_id else None,
        result_url=row.result_url,
        error=row.error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
