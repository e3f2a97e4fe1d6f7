"""Pages for orders: the checkout of a quote (where to ship it, notes, a purchase order),
following an order (its timeline, its files, the mail sent about it), moving it along the
moves its life and the floor allow with a confirmation, a quote as a PDF, and the outbox
of mail for admins. A refused form comes back with its message and what was typed."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bespoke.api.pages.kit import Signed, refusal, render, see_other
from bespoke.api.security import Caller, Env, check_csrf, environment
from bespoke.api.views import order_out, quote_out
from bespoke.model.accounts import Role
from bespoke.model.bounds import MAX_REASON, Quantity, RowId
from bespoke.model.checkout import (
    MAX_LINE,
    MAX_NAME,
    MAX_NOTES,
    MAX_PHONE,
    MAX_POSTCODE,
    MAX_PURCHASE_ORDER,
    Checkout,
)
from bespoke.model.countries import COUNTRIES
from bespoke.model.errors import BespokeError, InputError
from bespoke.model.orders import FLOW, OrderStatus
from bespoke.services import ordering, quoting
from bespoke.services.ordering.orders import DuplicateOrderError
from bespoke.services.shop import batches
from bespoke.services.shop.shops import shop_catalog
from bespoke.services.shopfloor.progress import order_progress

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]

CHECKOUT_FIELDS = {
    "name": ("Name", MAX_NAME),
    "line1": ("Street and number", MAX_LINE),
    "line2": ("Address line 2", MAX_LINE),
    "postcode": ("Postcode", MAX_POSTCODE),
    "city": ("City", MAX_LINE),
    "country": ("Country", 2),
    "phone": ("Phone", MAX_PHONE),
    "notes": ("Notes for the shop", MAX_NOTES),
    "purchase_order": ("Purchase-order reference", MAX_PURCHASE_ORDER),
}
"""The checkout form's fields: their labels and how long each may be."""
_CUT = max(limit for _, limit in CHECKOUT_FIELDS.values())


# --- checkout -------------------------------------------------------------------------------


@router.get("/checkout", response_class=HTMLResponse)
def checkout_page(
    request: Request,
    caller: Signed,
    quote_id: RowId,
    quantity: Quantity,
    batched: bool = False,
    confirm_reading: bool = False,
) -> HTMLResponse:
    """The checkout of a quote at one of its quantities: where to ship it and what else
    the shop should know."""
    chosen = {"batched": batched, "confirm_reading": confirm_reading}
    return _checkout(request, caller, quote_id, quantity, chosen, {"country": ""})


def _checkout(
    request: Request,
    caller: Caller,
    quote_id: int,
    quantity: int,
    chosen: dict[str, bool],
    entered: dict[str, str],
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    with environment(request).uow() as uow:
        row = uow.quotes.get(caller.account, quote_id)
        quote = quote_out(row, document=False)
    price = next((p for p in quote.prices if p.quantity == quantity), None)
    if price is None:
        quoted = ", ".join(str(p.quantity) for p in quote.prices)
        context["error"] = context.get("error") or (
            f"quantity: {quantity} was not quoted (quoted: {quoted}); choose one on the quote"
        )
        status = max(status, 422)
    return render(
        request,
        "checkout.html.j2",
        caller,
        status,
        quote=quote,
        price=price,
        quantity=quantity,
        chosen=chosen,
        entered=entered,
        fields=CHECKOUT_FIELDS,
        countries=COUNTRIES,
        idempotency_key=entered.get("idempotency_key") or str(uuid.uuid4()),
        **context,
    )


@router.post("/orders")
def order_submit(
    request: Request,
    env: Env,
    caller: Signed,
    quote_id: Annotated[RowId, Form()],
    quantity: Annotated[Quantity, Form()],
    idempotency_key: Annotated[str, Form(max_length=100)],
    csrf_token: Text = "",
    batched: Annotated[bool, Form()] = False,
    confirm_reading: Annotated[bool, Form()] = False,
    name: Text = "",
    line1: Text = "",
    line2: Text = "",
    postcode: Text = "",
    city: Text = "",
    country: Text = "",
    phone: Text = "",
    notes: Text = "",
    purchase_order: Text = "",
) -> Response:
    """Place the order from the checkout; refused, the checkout comes back with the
    message by each field and what was typed."""
    check_csrf(caller, csrf_token)
    entered = {
        "name": name,
        "line1": line1,
        "line2": line2,
        "postcode": postcode,
        "city": city,
        "country": country,
        "phone": phone,
        "notes": notes,
        "purchase_order": purchase_order,
    }
    entered = {k: v[:_CUT] for k, v in entered.items()} | {"idempotency_key": idempotency_key}
    chosen = {"batched": batched, "confirm_reading": confirm_reading}
    try:
        checkout = Checkout.model_validate(
            {
                "address": {
                    "name": name,
                    "lines": [line for line in (line1, line2) if line.strip()],
                    "postcode": postcode,
                    "city": city,
                    "country": country,
                    "phone": phone,
                },
                "notes": notes,
                "purchase_order": purchase_order,
            }
        )
    except ValidationError as invalid:
        problems = _field_problems(invalid)
        return _checkout(
            request,
            caller,
            quote_id,
            quantity,
            chosen,
            entered,
            422,
            problems=problems,
            error="Check the form: " + "; ".join(problems.values()),
        )
    try:
        row = ordering.place_order(
            env,
            caller.account,
            quote_id,
            quantity,
            idempotency_key,
            batched=batched,
            confirm_reading=confirm_reading,
            checkout=checkout,
        )
    except DuplicateOrderError as duplicate:  # a second click: show the order that stands
        return see_other(f"/orders/{duplicate.order_id}")
    except BespokeError as error:
        status, message = refusal(error)
        return _checkout(
            request, caller, quote_id, quantity, chosen, entered, status, error=message
        )
    return see_other(f"/orders/{row.id}")


def _field_problems(invalid: ValidationError) -> dict[str, str]:
    """Each form field refused, with what is wrong in words that name it."""
    problems: dict[str, str] = {}
    for error in invalid.errors():
        location = [str(part) for part in error["loc"] if part != "address"]
        field = location[0] if location else "name"
        if field == "lines":
            field = "line2" if location[1:] == ["1"] else "line1"
        label = CHECKOUT_FIELDS.get(field, (field, 0))[0]
        reason = str(error["msg"]).removeprefix("Value error, ")
        if field == "line1" and error["type"] == "too_short":
            reason = "give the street and number"
        problems.setdefault(field, f"{label}: {reason}")
    return problems


# --- following an order ---------------------------------------------------------------------


@router.get("/orders", response_class=HTMLResponse)
def orders_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    with env.uow() as uow:
        rows = [order_out(o) for o in uow.orders.list(caller.account)]
        titles = {o.quote_id: uow.quotes.get(caller.account, o.quote_id).title for o in rows}
    return render(request, "orders.html.j2", caller, orders=rows, titles=titles)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: RowId, request: Request, caller: Signed) -> HTMLResponse:
    return _order_page(request, caller, order_id)


def _order_page(
    request: Request, caller: Caller, order_id: int, status: int = 200, **context: Any
) -> HTMLResponse:
    env = environment(request)
    who = caller.account
    with env.uow() as uow:
        row = uow.orders.get(who, order_id)
        order = order_out(row)
        quote = quote_out(uow.quotes.get(who, order.quote_id))
        owner = uow.users.by_id(order.owner_id)
        names = shop_catalog(uow, row.shop_id).names()
    joined = batches.drawn_order_batches(env, who, order_id)
    sheets = {d.batch.id: d.sheets for d in joined}
    staff = who.role != Role.MAKER
    return render(
        request,
        "order.html.j2",
        caller,
        status,
        order=order,
        batches=[d.batch for d in joined],
        sheets=sheets,
        quote=quote,
        doc=quote.document,
        owner=owner,
        flow=FLOW,
        moves=ordering.offered_moves(env, who, order_id),
        timeline=ordering.order_timeline(env, who, order_id),
        files=ordering.order_files(env, who, order_id),
        mails=ordering.order_mails(env, who, order_id) if staff else [],
        names=names,
        staff=staff,
        progress=order_progress(env, who, order_id),
        **context,
    )


# --- moving an order ------------------------------------------------------------------------


@router.get("/orders/{order_id}/move", response_class=HTMLResponse)
def order_move_page(
    order_id: RowId, request: Request, caller: Signed, to: Annotated[str, Query(max_length=32)]
) -> HTMLResponse:
    """Confirm a move (and give its reason) before it is made."""
    return _move_page(request, caller, order_id, to)


def _move_page(
    request: Request, caller: Caller, order_id: int, to: str, status: int = 200, **context: Any
) -> HTMLResponse:
    env = environment(request)
    offered = ordering.offered_moves(env, caller.account, order_id)
    if to not in offered:
        allowed = ", ".join(offered) or "none"
        message = f"status: order {order_id} cannot be moved to {to!r} now (offered: {allowed})"
        return _order_page(request, caller, order_id, 409, error=message)
    with env.uow() as uow:
        order = order_out(uow.orders.get(caller.account, order_id))
        title = uow.quotes.get(caller.account, order.quote_id).title
    return render(
        request,
        "order_move.html.j2",
        caller,
        status,
        order=order,
        title=title,
        to=OrderStatus(to),
        max_reason=MAX_REASON,
        **context,
    )


@router.post("/orders/{order_id}/status")
def order_move(
    order_id: RowId,
    request: Request,
    env: Env,
    caller: Signed,
    status: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    csrf_token: Text = "",
) -> Response:
    """Make a confirmed move; refused, the confirmation comes back with why."""
    check_csrf(caller, csrf_token)
    if status not in ordering.offered_moves(env, caller.account, order_id):
        return _move_page(request, caller, order_id, status)
    try:
        ordering.move_order(env, caller.account, order_id, status, reason or None)
    except InputError as error:
        code, message = refusal(error)
        return _move_page(request, caller, order_id, status, code, error=message, reason=reason)
    return see_other(f"/orders/{order_id}")


# --- documents and mail ---------------------------------------------------------------------


@router.get("/quotes/{quote_id}/quote.pdf")
def quote_pdf_page(quote_id: RowId, env: Env, caller: Signed) -> Response:
    """The quote as a PDF, for its maker and its shop."""
    name, content = quoting.quote_pdf(env, caller.account, quote_id)
    disposition = f'inline; filename="{name}"'
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    """The mail about orders, sent and waiting (admins)."""
    mails = ordering.outbox(env, caller.account)
    return render(
        request, "outbox.html.j2", caller, mails=mails, configured=env.settings.smtp is not None
    )
