"""Orders: a maker accepts a quote at one of its quantities; the shop moves it along."""

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from bespoke.costing.line import per_unit
from bespoke.model.accounts import Account, Role
from bespoke.model.bounds import MAX_REASON
from bespoke.model.checkout import Checkout
from bespoke.model.errors import (
    ConflictError,
    ExpiredError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
)
from bespoke.model.events import OrderMoved, OrderPlaced
from bespoke.model.execution import CLOSED
from bespoke.model.orders import MOVES, Mover, OrderStatus, next_statuses, refusal
from bespoke.model.plan_document import PlanDocument
from bespoke.model.quote_document import QuoteDocument
from bespoke.services.bus import MessageBus
from bespoke.services.environment import Environment
from bespoke.services.ordering.work import frozen_work
from bespoke.services.shop.network import retirement
from bespoke.services.shop.shops import shop_catalog
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import OrderRow

MAX_KEY = 100


class DuplicateOrderError(ConflictError):
    """An order placed twice with one idempotency key; names the order that stands."""

    def __init__(self, key: str, order_id: int) -> None:
        self.order_id = order_id
        super().__init__(
            f"Idempotency-Key: an order was already placed with key {key!r}: order {order_id}"
        )


def place_order(
    env: Environment,
    owner: Account,
    quote_id: int,
    quantity: int,
    idempotency_key: str,
    *,
    batched: bool = False,
    confirm_reading: bool = False,
    checkout: Checkout | None = None,
) -> OrderRow:
    """Accept a quote: one order, written with its audit entry and the mail to its maker
    in one transaction. `batched`: at the price the quote gave for making it in the next
    batch it could join; `confirm_reading`: the maker confirms the sizes of a design whose
    units look doubtful; `checkout`: where to ship it, notes and a purchase order.

    Raises NotFoundError (not the owner's quote), ExpiredError (past its validity),
    InputError (a quantity not quoted, a bad key, a doubtful reading not confirmed),
    InputError also when the quote's shop cannot make it (naming why), ConflictError (its
    shop was retired since, or no batch to join), DuplicateOrderError (the key was used
    before).
    """
    key = idempotency_key.strip()
    if not key or len(key) > MAX_KEY:
        raise InputError(f"Idempotency-Key: give 1 to {MAX_KEY} characters, unique per order")
    with env.uow() as uow:
        quote = uow.quotes.get(owner, quote_id)
        if quote.owner_id != owner.id:
            raise NotFoundError(f"quote {quote_id} not found")
        earlier = uow.orders.by_idempotency_key(owner.id, key)
        if earlier is not None:
            raise DuplicateOrderError(key, earlier.id)
        placed = now()
        if quote.valid_until < placed:
            raise ExpiredError(
                f"quote {quote_id}: expired on {quote.valid_until:%Y-%m-%d %H:%M} UTC;"
                " ask for a new quote"
            )
        shop = uow.shops.by_id(quote.shop_id)
        retired = retirement(shop)
        if retired is not None:
            raise ConflictError(
                f"quote {quote_id}: {retired}; ask for a new quote (across shops:"
                " POST /api/quotes/across-shops)"
            )
        document = quote.typed_document()
        if not quote.makeable:
            raise InputError(
                f"quote {quote_id}: shop {shop.slug!r} cannot make this: {document.refusal()}",
                path="quote_id",
            )
        if not confirm_reading and isinstance(document, QuoteDocument):
            _check_reading(document, quote_id, quote.design_id)
        price = next((p for p in quote.prices if p.quantity == quantity), None)
        if price is None:
            quoted = ", ".join(str(p.quantity) for p in quote.prices)
            raise InputError(f"quantity: {quantity} was not quoted (quoted: {quoted})")
        unit_price, total_price = price.unit_price, price.total_price
        if batched:
            unit_price, total_price = _batched_price(document, quote_id, quantity)
        given = checkout or Checkout()
        row = OrderRow(
            owner_id=owner.id,
            shop_id=quote.shop_id,
            quote_id=quote.id,
            quantity=quantity,
            unit_price=unit_price,
            total_price=total_price,
            batched=batched,
            currency=quote.currency,
            status=OrderStatus.PLACED,
            idempotency_key=key,
            due_date=placed + timedelta(days=price.lead_time_days),
            created_at=placed,
            updated_at=placed,
            shipping_address=given.address.model_dump() if given.address else None,
            notes=given.notes,
            purchase_order=given.purchase_order,
        )
        uow.orders.add(row)
        try:
            uow.flush()
        except IntegrityError:
            raise _duplicate(env, owner, key) from None
        catalog = shop_catalog(uow, quote.shop_id)
        row.work = frozen_work(uow, env.blobs, row, quote, catalog).stored()
        env.bus.publish(
            uow,
            owner,
            OrderPlaced(
                at=placed,
                order_id=row.id,
                quote_id=quote.id,
                quantity=quantity,
                batched=batched,
                confirmed_reading=confirm_reading,
            ),
        )
        uow.commit()
        return row


def _check_reading(document: QuoteDocument, quote_id: int, design_id: int | None) -> None:
    """Refuse a quote whose design's units reading is flagged, saying how to go on."""
    flagged = document.flagged_reading()
    if flagged is None:
        return
    other = flagged.alternative_units
    requote = (
        f", or read the design as {other} (POST /api/designs/{design_id}/readings) and order"
        " that quote"
        if other and design_id
        else ""
    )
    raise InputError(
        f"confirm_reading: quote {quote_id} was read in {flagged.used} and that reading"
        f" looks doubtful ({flagged.reason or 'implausible sizes'}); check the sizes and"
        f" order with confirm_reading: true{requote}",
        path="confirm_reading",
    )


def _batched_price(
    document: QuoteDocument | PlanDocument, quote_id: int, quantity: int
) -> tuple[Decimal, Decimal]:
    """(unit, total) price of `quantity` made in the batch the quote found for it."""
    entry = document.batched_entry(quantity)
    if entry is None or not entry.batches:
        raise ConflictError(
            f"quote {quote_id}: no batch was planned that {quantity} could join when it was"
            " quoted; order it made alone (batched: false) or ask for a new quote"
        )
    total = Decimal(str(entry.batched_total_price))
    return per_unit(total, quantity), total


def _duplicate(env: Environment, owner: Account, key: str) -> DuplicateOrderError:
    """The error for a key another request used a moment earlier."""
    with env.uow() as uow:
        earlier = uow.orders.by_idempotency_key(owner.id, key)
    if earlier is None:
        raise ConflictError("Idempotency-Key: the order clashed with another; try again")
    return DuplicateOrderError(key, earlier.id)


def move_order(
    env: Environment, actor: Account, order_id: int, status: str, reason: str | None = None
) -> OrderRow:
    """Move an order on (a maker may only cancel their own before production), with the
    reason given (needed to cancel) in the audit log and the mail to its maker."""
    try:
        target = OrderStatus(status)
    except ValueError:
        raise InputError(
            f"status: unknown status {status!r} (accepted: {', '.join(OrderStatus)})"
        ) from None
    mover = Mover.MAKER if actor.role == Role.MAKER else Mover.SHOP
    reason = (reason or "").strip() or None
    with env.uow() as uow:
        row = uow.orders.get(actor, order_id)
        if target == OrderStatus.CANCELLED and reason is None:
            raise InputError(
                f"reason: say why order {row.id} is cancelled (up to {MAX_REASON} characters);"
                " it is kept with the order and sent to its maker",
                path="reason",
            )
        move(env.bus, uow, row, target, actor, mover, now(), reason)
        uow.commit()
        return row


def move(
    bus: MessageBus,
    uow: UnitOfWork,
    row: OrderRow,
    target: OrderStatus,
    actor: Account | None,
    mover: Mover,
    when: datetime,
    reason: str | None = None,
) -> None:
    """The one way an order's status changes, on every path: checked against the order's
    life and who moves it, and published (the audit log records who, when and why).

    Raises:
        PermissionDeniedError: `mover` may not make this move.
        ConflictError: the order cannot go from its status to `target`.
    """
    current = OrderStatus(row.status)
    refused = refusal(current, target, mover)
    if refused is not None:
        error = PermissionDeniedError if target in MOVES[current] else ConflictError
        raise error(f"status: order {row.id}: {refused}")
    row.status = target
    row.updated_at = when
    moved = OrderMoved(
        at=when, order_id=row.id, before=current, after=target, by=mover, reason=reason
    )
    bus.publish(uow, actor, moved)


def offered_moves(env: Environment, viewer: Account, order_id: int) -> list[OrderStatus]:
    """The moves a person may make now, by the order's life and the facts of the floor:
    work released to the floor starts the order and finishes it there, so the shop marks
    it in production or done by hand only when none of its work is on the floor."""
    mover = Mover.MAKER if viewer.role == Role.MAKER else Mover.SHOP
    with env.uow() as uow:
        row = uow.orders.get(viewer, order_id)
        current = OrderStatus(row.status)
        offered = next_statuses(current, mover)
        if mover == Mover.MAKER or not offered:
            return offered
        work = uow.work_orders.of_order(row.shop_id, row.id)
    on_floor = any(w.status not in CLOSED for w in work)
    if current == OrderStatus.SCHEDULED and work:
        offered = [s for s in offered if s != OrderStatus.IN_PRODUCTION]
    if current == OrderStatus.IN_PRODUCTION and on_floor:
        offered = [s for s in offered if s != OrderStatus.DONE]
    return offered
