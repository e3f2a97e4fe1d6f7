"""Orders: accept a quote (with an idempotency key and where to ship it), list and follow
orders, move them, read their timeline and download their files; the outbox of mail about
orders; a quote as a PDF."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from bespoke.api.openapi import files, problems
from bespoke.api.paging import Paged, page_of
from bespoke.api.security import Env, api_caller
from bespoke.api.views import Moment, OrderOut, order_out
from bespoke.model.accounts import Account
from bespoke.model.bounds import MAX_REASON, Quantity, RowId, WithoutNul
from bespoke.model.checkout import Checkout, Notes, PurchaseOrder, ShippingAddress
from bespoke.services import ordering, quoting
from bespoke.services.ordering import orders
from bespoke.services.ordering.files import OrderFile
from bespoke.services.ordering.timeline import TimelineEntry
from bespoke.store.tables import MailRow

router = APIRouter(tags=["orders"])
Caller = Annotated[Account, Depends(api_caller)]


class OrderRequest(BaseModel):
    quote_id: RowId
    quantity: Quantity = Field(description="One of the quote's quantities")
    batched: bool = Field(
        default=False,
        description="Made in the next batch it could join, at the quote's batched price",
    )
    confirm_reading: bool = Field(
        default=False,
        description="The sizes are right as read: needed when the quote's design units"
        " reading is flagged as doubtful (geometry.units.suspicious)",
    )
    address: ShippingAddress | None = Field(
        default=None, description="Where to ship it (optional here; the order pages ask for it)"
    )
    notes: Notes | None = Field(default=None, description="For the shop")
    purchase_order: PurchaseOrder | None = Field(
        default=None, description="Your purchase-order reference"
    )


class StatusChange(BaseModel):
    status: str = Field(
        max_length=32, description="The next status (see the order's next_statuses)"
    )
    reason: Annotated[str, Field(max_length=MAX_REASON), WithoutNul] | None = Field(
        default=None, description="Why, kept in the audit log"
    )


@router.post("/orders", response_model=OrderOut, status_code=201, responses=problems(404, 409, 410))
def place_order(
    body: OrderRequest,
    env: Env,
    response: Response,
    who: Caller,
    idempotency_key: Annotated[
        str, Header(description="Unique per order: a repeat with the same key is refused")
    ],
) -> OrderOut:
    """Accept a quote at one of its quantities."""
    row = orders.place_order(
        env,
        who,
        body.quote_id,
        body.quantity,
        idempotency_key,
        batched=body.batched,
        confirm_reading=body.confirm_reading,
        checkout=Checkout(
            address=body.address, notes=body.notes, purchase_order=body.purchase_order
        ),
    )
    response.headers["Location"] = f"/api/orders/{row.id}"
    return order_out(row)


@router.get("/orders", response_model=list[OrderOut])
def list_orders(
    request: Request, env: Env, response: Response, who: Caller, asked: Paged
) -> list[OrderOut]:
    """The caller's orders (a maker), the shop's (an operator) or all (an admin), newest
    first, a page at a time."""
    with env.uow() as uow:
        return [order_out(r) for r in page_of(request, response, asked, uow.orders, who)]


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: RowId, env: Env, who: Caller) -> OrderOut:
    with env.uow() as uow:
        return order_out(uow.orders.get(who, order_id))


@router.post("/orders/{order_id}/status", response_model=OrderOut, responses=problems(403, 409))
def move_order(order_id: RowId, body: StatusChange, env: Env, who: Caller) -> OrderOut:
    """Move an order along: placed -> planned -> scheduled -> in_production -> done -> shipped."""
    moved = orders.move_order(env, who, order_id, body.status, body.reason)
    return order_out(moved)


@router.get("/orders/{order_id}/timeline", response_model=list[TimelineEntry])
def get_order_timeline(order_id: RowId, env: Env, who: Caller) -> list[TimelineEntry]:
    """Who did what to the order, and when, oldest first: placed, each move with its
    reason, each step of its work started and finished on the floor."""
    return ordering.order_timeline(env, who, order_id)


@router.get("/orders/{order_id}/files", response_model=list[OrderFile])
def list_order_files(order_id: RowId, env: Env, who: Caller) -> list[OrderFile]:
    """The maker's design files of the order (for its maker, its shop and admins)."""
    return ordering.order_files(env, who, order_id)


Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="The file's sha256")]


@router.get(
    "/orders/{order_id}/files/{sha256}",
    response_class=FileResponse,
    responses=files("application/octet-stream"),
)
def get_order_file(order_id: RowId, sha256: Sha256, env: Env, who: Caller) -> FileResponse:
    """One of the order's files, as a download under its original name."""
    found = ordering.order_file(env, who, order_id, sha256)
    return FileResponse(
        env.blobs.path(found.sha256),
        filename=found.filename,
        media_type="application/octet-stream",
    )


class MailOut(BaseModel):
    """A mail about an order: queued until a mail server takes it."""

    id: int
    order_id: int | None
    recipient: str
    subject: str
    created_at: Moment
    status: str = Field(description="sent, queued (tried again later) or given up")
    attempts: int
    next_attempt_at: Moment | None
    sent_at: Moment | None
    last_error: str | None


def mail_out(row: MailRow) -> MailOut:
    status = "sent" if row.sent_at else "given up" if row.gave_up else "queued"
    waiting: datetime | None = row.next_attempt_at if status == "queued" else None
    return MailOut(
        id=row.id,
        order_id=row.order_id,
        recipient=row.recipient,
        subject=row.subject,
        created_at=row.created_at,
        status=status,
        attempts=row.attempts,
        next_attempt_at=waiting,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )


@router.get("/outbox", response_model=list[MailOut], responses=problems(403), tags=["mail"])
def list_outbox(env: Env, who: Caller, unsent: bool = False) -> list[MailOut]:
    """The newest mails about orders (admins): sent, queued, given up; `unsent`: only
    those not sent. Without a mail server configured, mail stays queued here."""
    return [mail_out(row) for row in ordering.outbox(env, who, unsent)]


PDF = "application/pdf"


@router.get(
    "/quotes/{quote_id}/quote.pdf",
    response_class=Response,
    responses=files(PDF),
    tags=["quotes"],
)
def get_quote_pdf(quote_id: RowId, env: Env, who: Caller) -> Response:
    """The quote as a PDF: what is quoted, the price of each quantity with its lead time
    and ready-by date, its validity, how the price is made up and the notes on the design
    (for its maker, its shop's staff and admins)."""
    name, content = quoting.quote_pdf(env, who, quote_id)
    return Response(
        content, media_type=PDF, headers={"Content-Disposition": f'inline; filename="{name}"'}
    )
