"""Words and numbers on the pages: money, durations, counts and names as people read them."""

from decimal import Decimal

import pytest

from bespoke.api.pages.words import duration, money, named, number, plural
from bespoke.catalog.loader import load_catalog


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("189807.15"), "USD", "USD 189,807.15"),
        (Decimal("0.5"), "EUR", "EUR 0.50"),
        (1234567, "", "1,234,567.00"),
        (Decimal("-1200.004"), "GBP", "GBP -1,200.00"),
    ],
)
def test_money_has_separators_and_its_currency(amount, currency, shown):
    assert money(amount, currency) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 s"),
        (4.25, "4.2 s"),
        (42, "42 s"),
        (425, "7 min 5 s"),
        (600, "10 min"),
        (41823.7, "11 h 37 min"),
        (7200, "2 h"),
        (3 * 86400 + 4 * 3600 + 100, "3 d 4 h"),
        (-90, "-1 min 30 s"),
    ],
)
def test_durations_are_in_hours_and_minutes(seconds, shown):
    assert duration(seconds) == shown


@pytest.mark.parametrize(
    ("count", "word", "shown"),
    [
        (1, "pierce", "1 pierce"),
        (2, "pierce", "2 pierces"),
        (1, "piece", "1 piece"),
        (1500, "piece", "1,500 pieces"),
        (0, "batch", "0 batches"),
        (2.5, "sheet", "2.5 sheets"),
    ],
)
def test_counts_take_their_plural(count, word, shown):
    assert plural(count, word) == shown


def test_numbers_have_separators():
    assert number(189807.149, 1) == "189,807.1"


def test_catalog_codes_read_as_their_names():
    names = load_catalog().names()
    assert named("steel-s235", names).startswith("Mild steel")
    assert named("no-such-code", names) == "no-such-code"
    assert named(None, names) == ""
