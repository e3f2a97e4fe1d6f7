"""Quality on the floor: inspection plans, measurements with their control charts and
capability, nonconformances and their actions."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.quality.charts import feature_charts
    from bespoke.services.quality.measurements import import_csv, inspections, record
    from bespoke.services.quality.nonconformances import (
        add_action,
        check_action,
        close,
        nonconformance,
        set_disposition,
        shop_nonconformances,
    )

EXPORTS = {
    "add_action": "nonconformances",
    "check_action": "nonconformances",
    "close": "nonconformances",
    "feature_charts": "charts",
    "import_csv": "measurements",
    "inspections": "measurements",
    "nonconformance": "nonconformances",
    "shop_nonconformances": "nonconformances",
    "record": "measurements",
    "set_disposition": "nonconformances",
}
__all__ = [
    "add_action",
    "check_action",
    "close",
    "feature_charts",
    "import_csv",
    "inspections",
    "nonconformance",
    "record",
    "set_disposition",
    "shop_nonconformances",
]
__getattr__ = lazy(__name__, EXPORTS)
