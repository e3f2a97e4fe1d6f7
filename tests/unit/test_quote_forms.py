"""Pure pieces of asking a quote again: units by their one name, the re-quote form's text
as a request, and the day an order is ready."""

import json
from datetime import datetime, timedelta

import pytest
from tests.helpers import ROOT

from bespoke.api.pages.quote_choices import entered_of, infill_share, requote_changes
from bespoke.model.errors import InputError
from bespoke.model.quote_document import QuoteDocument
from bespoke.services.quoting.designs import design_units
from bespoke.services.quoting.quotes import ready_by

KEPT_PRINT = "part-quote-solid.json"


@pytest.mark.parametrize(
    ("given", "units"),
    [(None, None), ("auto", None), ("", None), ("MM", "mm"), (" in ", "inch"), ("ft", "ft")],
)
def test_units_have_one_name(given: str | None, units: str | None) -> None:
    assert design_units(given) == units


@pytest.mark.parametrize("given", ["furlong", "mm2", "inches", "\x00"])
def test_unknown_units_are_refused_naming_the_accepted(given: str) -> None:
    with pytest.raises(InputError, match=r"accepted: auto, mm, cm, m, inch, ft") as refused:
        design_units(given)
    assert refused.value.path == "units"


def test_the_form_text_becomes_a_quote_request() -> None:
    changes = requote_changes(
        {
            "material": "pla",
            "thickness": "",
            "finish": "",
            "process": "cheapest",
            "infill": "20 %",
            "lead_tier": "expedite",
            "own_material": "true",
            "quantities": "10; 1",
        }
    )
    assert changes == {
        "material": "pla",
        "thickness_mm": None,
        "finish": None,
        "process": None,
        "infill": 0.2,
        "lead_tier": "expedite",
        "own_material": True,
        "quantities": [1, 10],
    }
    assert requote_changes({"thickness": "0.125 in"})["thickness_mm"] == pytest.approx(3.175)


@pytest.mark.parametrize("text", ["0", "4.9", "101", "abc", "nan", "-20"])
def test_an_infill_out_of_bounds_is_refused(text: str) -> None:
    with pytest.raises(InputError, match=r"infill: .* is not a percentage from 5 to 100"):
        infill_share(text)


def test_a_kept_quote_fills_the_form() -> None:
    request = {"infill": 0.25, "lead_tier": "economy", "own_material": True, "process": None}
    kept = json.loads((ROOT / "tests/fixtures/documents" / KEPT_PRINT).read_text())
    document = QuoteDocument.model_validate(kept).model_copy(
        update={"material": "petg", "thickness_mm": None, "finish": None, "quantities": [1, 10]}
    )
    assert entered_of(request, document) == {
        "material": "petg",
        "thickness": "",
        "finish": "",
        "process": "cheapest",
        "infill": "25",
        "lead_tier": "economy",
        "own_material": "true",
        "quantities": "1, 10",
    }


def test_ready_by_is_the_later_of_the_lead_time_and_the_schedule() -> None:
    quoted = datetime(2026, 3, 2, 9, 0)
    soon, late = quoted + timedelta(hours=5), quoted + timedelta(days=6, hours=1)
    assert ready_by(quoted, 3, soon) == (quoted + timedelta(days=3), 3)
    assert ready_by(quoted, 3, late) == (late, 7)
    assert ready_by(quoted, 3, None) == (None, 3)
