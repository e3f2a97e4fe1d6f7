"""Running the shop: its settings, catalog and calendar; its open orders batched, nested
and scheduled; its batches and the off-cuts in stock."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.shop.network import retire_shop
    from bespoke.services.shop.scheduling import promised_completions, schedule_shop
    from bespoke.services.shop.settings import (
        add_window,
        close_day,
        edit_entry,
        remove_window,
        reopen_day,
        retire_machine,
        set_hours,
        shop_settings,
    )
    from bespoke.services.shop.shops import (
        ensure_shop,
        set_calendar,
        set_entry,
        set_rates,
        shop_catalog,
        shop_view,
    )

EXPORTS = {
    "add_window": "settings",
    "close_day": "settings",
    "edit_entry": "settings",
    "ensure_shop": "shops",
    "promised_completions": "scheduling",
    "remove_window": "settings",
    "reopen_day": "settings",
    "retire_machine": "settings",
    "retire_shop": "network",
    "schedule_shop": "scheduling",
    "set_calendar": "shops",
    "set_entry": "shops",
    "set_hours": "settings",
    "set_rates": "shops",
    "shop_catalog": "shops",
    "shop_settings": "settings",
    "shop_view": "shops",
}
__all__ = [
    "add_window",
    "close_day",
    "edit_entry",
    "ensure_shop",
    "promised_completions",
    "remove_window",
    "reopen_day",
    "retire_machine",
    "retire_shop",
    "schedule_shop",
    "set_calendar",
    "set_entry",
    "set_hours",
    "set_rates",
    "shop_catalog",
    "shop_settings",
    "shop_view",
]
__getattr__ = lazy(__name__, EXPORTS)
