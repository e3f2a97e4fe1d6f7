"""Pages for orders: placing one from a quote, following it, moving it along."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from bespoke.api.pages.kit import (
    Signed,
    render,
    see_other,
)
from bespoke.api.security import (
    Env,
    check_csrf,
)
from bespoke.api.views import order_out, quote_out
from bespoke.model.bounds import MAX_REASON, RowId
from bespoke.model.orders import FLOW
from bespoke.services.ordering import orders
from bespoke.services.ordering.orders import DuplicateOrderError
from bespoke.services.shop import batches
from bespoke.services.shopfloor.progress import order_progress

router = APIRouter(include_in_schema=False)


@router.post("/orders")
def order_submit(
    env: Env,
    caller: Signed,
    quote_id: Annotated[int, Form()],
    quantity: Annotated[int, Form()],
    idempotency_key: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    batched: Annotated[bool, Form()] = False,
    confirm_reading: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(caller, csrf_token)
    try:
        row = orders.place_order(
            env,
            caller.account,
            quote_id,
            quantity,
            idempotency_key,
            batched=batched,
            confirm_reading=confirm_reading,
        )
    except DuplicateOrderError as duplicate:  # a second click: show the order that stands
        return see_other(f"/orders/{duplicate.order_id}")
    return see_other(f"/orders/{row.id}")


@router.get("/orders", response_class=HTMLResponse)
def orders_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    with env.uow() as uow:
        rows = [order_out(o) for o in uow.orders.list(caller.account)]
        titles = {o.quote_id: uow.quotes.get(caller.account, o.quote_id).title for o in rows}
    return render(request, "orders.html.j2", caller, orders=rows, titles=titles)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: RowId, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    with env.uow() as uow:
        order = order_out(uow.orders.get(caller.account, order_id))
        quote = quote_out(uow.quotes.get(caller.account, order.quote_id))
        owner = uow.users.by_id(order.owner_id)
    joined = batches.drawn_order_batches(env, caller.account, order_id)
    pictures = {d.batch.id: [Markup(picture) for picture in d.pictures] for d in joined}
    return render(
        request,
        "order.html.j2",
        caller,
        order=order,
        batches=[d.batch for d in joined],
        pictures=pictures,
        quote=quote,
        doc=quote.document,
        owner=owner.email if owner else "",
        flow=FLOW,
        progress=order_progress(env, caller.account, order_id),
    )


@router.post("/orders/{order_id}/status")
def order_move(
    order_id: RowId,
    env: Env,
    caller: Signed,
    status: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    orders.move_order(env, caller.account, order_id, status, reason or None)
    return see_other(f"/orders/{order_id}")


# --- shop -----------------------------------------------------------------------------------
