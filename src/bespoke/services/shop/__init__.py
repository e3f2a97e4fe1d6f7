"""Running the shop: its settings, catalog and calendar; its open orders batched, nested
and scheduled; its batches and the off-cuts in stock."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.shop.scheduling import promised_completions, schedule_shop
    from bespoke.services.shop.shops import (
        ensure_shop,
        set_calendar,
        set_entry,
        set_rates,
        shop_catalog,
        shop_view,
    )

EXPORTS = {
    "ensure_shop": "shops",
    "promised_completions": "scheduling",
    "schedule_shop": "scheduling",
    "set_calendar": "shops",
    "set_entry": "shops",
    "set_rates": "shops",
    "shop_catalog": "shops",
    "shop_view": "shops",
}
__all__ = [
    "ensure_shop",
    "promised_completions",
    "schedule_shop",
    "set_calendar",
    "set_entry",
    "set_rates",
    "shop_catalog",
    "shop_view",
]
__getattr__ = lazy(__name__, EXPORTS)
