"""The stored documents of quotes and product plans: documents kept before (fixtures/documents)
read back to the same JSON, a document made now has their shape, and readers find in them
what orders and schedules need."""

import json
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import ROOT

from bespoke.catalog import load_catalog
from bespoke.costing.quote import quote_design
from bespoke.model.plan_document import PlanDocument
from bespoke.model.quote_document import QuoteDocument
from bespoke.services.quoting.products import plan_spec

DOCUMENTS = ROOT / "tests" / "fixtures" / "documents"
EXAMPLES = ROOT / "examples"


def kept(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DOCUMENTS / name).read_text())
    return document


def shape(value: object, path: str = "") -> set[str]:
    """Every key path in a JSON value; list items share their list's path."""
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in {f"{path}.{k}"} | shape(v, f"{path}.{k}")}
    if isinstance(value, list):
        return {p for item in value for p in shape(item, f"{path}[]")}
    return set()


@pytest.mark.parametrize("name", sorted(p.name for p in DOCUMENTS.glob("part-*.json")))
def test_a_kept_part_quote_reads_back_to_the_same_json(name: str) -> None:
    stored = kept(name)
    assert QuoteDocument.model_validate(stored).model_dump(mode="json") == stored


@pytest.mark.parametrize("name", sorted(p.name for p in DOCUMENTS.glob("product-*.json")))
def test_a_kept_product_plan_reads_back_to_the_same_json_and_its_version(name: str) -> None:
    stored = kept(name)
    again = PlanDocument.model_validate(stored).model_dump(mode="json")
    assert again == {"schema_version": 1, **stored}


def test_a_part_quote_made_now_has_the_shape_of_one_kept() -> None:
    quote = quote_design(EXAMPLES / "enclosure.stl", material="pla", catalog=load_catalog())
    made = QuoteDocument.of(quote).model_dump(mode="json")
    assert shape(made) == shape(kept("part-quote-solid.json"))
    assert "batching" not in made


def test_a_product_plan_made_now_has_the_shape_of_one_kept(tmp_path: Path) -> None:
    quote = plan_spec(
        EXAMPLES / "products" / "shelf-bracket-set.yaml",
        quantities=[1, 10, 100],
        files_dir=tmp_path,
        catalog=load_catalog(),
    )
    made = PlanDocument.of(quote).model_dump(mode="json")
    assert shape(made) == shape({"schema_version": 1, **kept("product-plan.json")})


def test_a_batched_order_is_made_the_way_its_batch_makes_it() -> None:
    document = QuoteDocument.model_validate(kept("part-quote-batched.json"))
    quantity = document.quantities[0]
    entry = document.batched_entry(quantity)
    assert entry is not None and entry.batches
    assert document.chosen_option(quantity, batched=True).process == entry.process
    alone = next(b.process for b in document.best if b.quantity == quantity)
    assert document.chosen_option(quantity).process == alone


def test_a_doubtful_reading_is_flagged_and_a_plain_one_is_not() -> None:
    doubtful = QuoteDocument.model_validate(kept("part-quote-doubtful-units.json"))
    flagged = doubtful.flagged_reading()
    assert flagged is not None and flagged.alternative_units
    assert QuoteDocument.model_validate(kept("part-quote-solid.json")).flagged_reading() is None


def test_a_product_batched_makes_its_parts_the_batches_ways() -> None:
    document = PlanDocument.model_validate(kept("product-plan-batched.json"))
    price = document.prices[0]
    assert document.price_at(price.quantity) == price
    assert document.ways_at(price, batched=False) == price.ways
    entry = document.batched_entry(price.quantity)
    assert entry is not None
    assert document.ways_at(price, batched=True) == entry.ways != price.ways
