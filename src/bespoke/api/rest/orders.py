"""Orders: accept a quote (with an idempotency key), list and follow orders, move them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, Field

from bespoke.api.openapi import problems
from bespoke.api.paging import Paged, page_of
from bespoke.api.security import Env, api_caller
from bespoke.api.views import OrderOut, order_out
from bespoke.model.accounts import Account
from bespoke.model.bounds import MAX_REASON, Quantity, RowId, WithoutNul
from bespoke.services.ordering import orders

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


@router.post("/orders/{order_id}/status", response_model=OrderOut, responses=problems(409))
def move_order(order_id: RowId, body: StatusChange, env: Env, who: Caller) -> OrderOut:
    """Move an order along: placed -> planned -> scheduled -> in_production -> done -> shipped."""
    moved = orders.move_order(env, who, order_id, body.status, body.reason)
    return order_out(moved)
