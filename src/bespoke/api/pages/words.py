"""Words and numbers as people read them on the pages: money with separators and its
currency, durations in hours and minutes, counts with their plural, catalog names in
place of codes (`Catalog.names`). Each is a Jinja filter (`kit.templates`)."""

from collections.abc import Mapping
from decimal import Decimal

from bespoke.model.wording import number, plural

__all__ = ["duration", "money", "named", "number", "plural"]


def money(amount: Decimal | float | int, currency: str = "", decimals: int = 2) -> str:
    """ "USD 189,807.15": the amount with thousands separators, after its currency."""
    text = f"{Decimal(str(amount)):,.{decimals}f}"
    return f"{currency} {text}" if currency else text


def duration(seconds: float | int) -> str:
    """A duration as people say it: "42 s", "7 min 5 s", "11 h 37 min", "3 d 4 h"."""
    total = round(float(seconds))
    if total < 0:
        return "-" + duration(-total)
    if float(seconds) < 10 and float(seconds) != total:
        return f"{float(seconds):.1f} s"
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 10:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    minutes = round(total / 60)
    hours, minutes = divmod(minutes, 60)
    if hours == 0:
        return f"{minutes} min"
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(round(total / 3600), 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def named(code: str | None, names: Mapping[str, str]) -> str:
    """The name of a catalog code, or the code itself when the catalog has no name for it."""
    if code is None:
        return ""
    return names.get(code, code)
