"""Mail about an order: the bus's handlers for an order placed and moved write a mail to
its maker into the outbox, in the transaction of the change (`services/ordering/delivery`
sends it)."""

from datetime import datetime

from bespoke.model.accounts import Account
from bespoke.model.checkout import ShippingAddress
from bespoke.model.errors import NotFoundError
from bespoke.model.events import OrderMoved, OrderPlaced
from bespoke.model.orders import Mover, OrderStatus
from bespoke.store import UnitOfWork
from bespoke.store.tables import MailRow, OrderRow

SUBJECT_TITLE = 80
"""Characters of the quote's title in a subject."""


def queue_placed(uow: UnitOfWork, actor: Account | None, event: OrderPlaced) -> None:
    """Bus handler: tell the maker their order was placed, with what they gave."""
    order = _order(uow, event.order_id)
    if order is None:
        return
    title, shop = _names(uow, order)
    lines = [
        f"your order #{order.id} at {shop} was placed on {_when(event.at)}:",
        "",
        f"  {order.quantity} x {title}",
        f"  Total: {order.currency} {order.total_price:,.2f}"
        f" ({order.currency} {order.unit_price:,.2f} each)",
        f"  Due by: {order.due_date:%Y-%m-%d}",
    ]
    if order.purchase_order:
        lines.append(f"  Your purchase order: {order.purchase_order}")
    if order.shipping_address:
        address = ShippingAddress.model_validate(order.shipping_address)
        lines += ["", "Ship to:", *(f"  {line}" for line in address.printed())]
    if order.notes:
        lines += ["", "Your notes:", order.notes]
    lines += ["", "We write again each time it moves on."]
    _queue(uow, order, event.at, f"Order #{order.id} placed: {_cut(title)}", lines, shop)


def queue_moved(uow: UnitOfWork, actor: Account | None, event: OrderMoved) -> None:
    """Bus handler: tell the maker their order moved on, who moved it and why."""
    order = _order(uow, event.order_id)
    if order is None:
        return
    title, shop = _names(uow, order)
    after = status_words(event.after)
    lines = [
        f"your order #{order.id} ({order.quantity} x {title}) at {shop} is now {after}:",
        f"it was {status_words(event.before)} until {_when(event.at)};"
        f" {mover_words(event.by, actor)}.",
    ]
    if event.reason:
        lines += ["", f"Reason: {event.reason}"]
    if event.after == OrderStatus.SHIPPED and order.shipping_address:
        address = ShippingAddress.model_validate(order.shipping_address)
        lines += ["", "Shipped to:", *(f"  {line}" for line in address.printed())]
    subject = f"Order #{order.id} is {after}: {_cut(title)}"
    _queue(uow, order, event.at, subject, lines, shop)


def status_words(status: OrderStatus | str) -> str:
    """An order's status as a sentence says it."""
    return str(status).replace("_", " ")


def mover_words(mover: Mover, actor: Account | None) -> str:
    """Who moved an order, as a sentence says it."""
    if mover == Mover.SCHEDULE:
        return "the shop's schedule placed its work"
    if mover == Mover.FLOOR:
        return "work on the floor moved it"
    if actor is None:
        return "the shop moved it"
    who = "you" if mover == Mover.MAKER else f"{actor.name or actor.email} of the shop"
    return f"moved by {who}"


def _queue(
    uow: UnitOfWork, order: OrderRow, at: datetime, subject: str, lines: list[str], shop: str
) -> None:
    owner = uow.users.by_id(order.owner_id)
    if owner is None:
        return
    greeting = f"Hello {owner.name}," if owner.name else "Hello,"
    body = "\n".join([greeting, "", *lines, "", f"{shop}, by Bespoke", ""])
    uow.outbox.add(
        MailRow(
            order_id=order.id,
            recipient=owner.email,
            subject=subject[:200],
            body=body,
            created_at=at,
            attempts=0,
            next_attempt_at=at,
            gave_up=False,
        )
    )


def _order(uow: UnitOfWork, order_id: int) -> OrderRow | None:
    """The order an event names; None for an event of no stored order (no one to tell)."""
    try:
        return uow.orders.by_id(order_id)
    except NotFoundError:
        return None


def _names(uow: UnitOfWork, order: OrderRow) -> tuple[str, str]:
    """The order's title (its quote's) and its shop's name."""
    return uow.quotes.by_id(order.quote_id).title, uow.shops.by_id(order.shop_id).name


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _cut(title: str) -> str:
    return title if len(title) <= SUBJECT_TITLE else title[: SUBJECT_TITLE - 1] + "…"
