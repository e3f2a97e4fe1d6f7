"""Ordering: a maker accepts a quote with where to ship it; the order's work is frozen as
it is placed; the shop and the maker move it along its life, each change kept in its
timeline and mailed to its maker; the shop downloads the maker's files."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.ordering.delivery import (
        deliver_due,
        deliver_mail,
        order_mails,
        outbox,
    )
    from bespoke.services.ordering.files import order_file, order_files
    from bespoke.services.ordering.orders import (
        DuplicateOrderError,
        move_order,
        offered_moves,
        place_order,
    )
    from bespoke.services.ordering.timeline import order_timeline

EXPORTS = {
    "DuplicateOrderError": "orders",
    "deliver_due": "delivery",
    "deliver_mail": "delivery",
    "move_order": "orders",
    "offered_moves": "orders",
    "order_file": "files",
    "order_files": "files",
    "order_mails": "delivery",
    "order_timeline": "timeline",
    "outbox": "delivery",
    "place_order": "orders",
}
__all__ = [
    "DuplicateOrderError",
    "deliver_due",
    "deliver_mail",
    "move_order",
    "offered_moves",
    "order_file",
    "order_files",
    "order_mails",
    "order_timeline",
    "outbox",
    "place_order",
]
__getattr__ = lazy(__name__, EXPORTS)
