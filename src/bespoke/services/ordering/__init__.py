"""Ordering: a maker accepts a quote; the order's work is frozen as it is placed; the
shop and the maker move it along its life."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.ordering.orders import DuplicateOrderError, move_order, place_order

EXPORTS = {
    "DuplicateOrderError": "orders",
    "move_order": "orders",
    "place_order": "orders",
}
__all__ = [
    "DuplicateOrderError",
    "move_order",
    "place_order",
]
__getattr__ = lazy(__name__, EXPORTS)
