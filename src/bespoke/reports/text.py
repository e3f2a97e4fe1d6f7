"""Numbers as people read them in tables and reports."""

from decimal import Decimal


def money(value: float | Decimal, currency: str = "") -> str:
    """Two decimals, four below one unit of currency, with thousands separators."""
    small = 0 < abs(float(value)) < 1
    text = f"{value:,.4f}" if small else f"{value:,.2f}"
    return f"{text} {currency}".strip()


def duration(seconds: float) -> str:
    """Seconds, minutes or hours, whichever reads best."""
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"
