"""Quality on the floor: inspection plans, measurements with their control charts,
nonconformances and their actions."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.quality.measurements import import_csv, inspections, record
    from bespoke.services.quality.nonconformances import (
        add_action,
        check_action,
        close,
        nonconformance,
        nonconformances,
        set_disposition,
    )

EXPORTS = {
    "add_action": "nonconformances",
    "check_action": "nonconformances",
    "close": "nonconformances",
    "import_csv": "measurements",
    "inspections": "measurements",
    "nonconformance": "nonconformances",
    "nonconformances": "nonconformances",
    "record": "measurements",
    "set_disposition": "nonconformances",
}
__all__ = [
    "add_action",
    "check_action",
    "close",
    "import_csv",
    "inspections",
    "nonconformance",
    "nonconformances",
    "record",
    "set_disposition",
]
__getattr__ = lazy(__name__, EXPORTS)
