"""Quoting designs end to end in process: geometry, planning, costing, the curve."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import ezdxf
import pytest
from tests.helpers import ROOT, plate_dxf

from bespoke.catalog import load_catalog
from bespoke.costing import unit_price
from bespoke.costing.quote import quote_design
from bespoke.model import Catalog, DesignFileError, InputError, ProfileCutting, Quote
from bespoke.model.quote_document import QuoteDocument
from bespoke.planning.tables import by_thickness

EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def bracket(catalog: Catalog) -> Quote:
    return quote_design(
        EXAMPLES / "wall-bracket.dxf", material="steel-s235", thickness_mm=2, catalog=catalog
    )


@pytest.mark.parametrize(
    ("name", "material", "thickness"),
    [
        ("wall-bracket.dxf", "steel-s235", 2.0),
        ("sign-plate.dxf", "acrylic-cast", 3.0),
        ("sprocket.dxf", "steel-s235", 4.0),
        ("motor-mount.dxf", "aluminium-5052", 3.0),
        ("cable-clip.stl", "petg", None),
        ("enclosure.stl", "abs", None),
    ],
)
def test_every_example_gets_a_priced_plan(
    catalog: Catalog, name: str, material: str, thickness: float | None
) -> None:
    quote = quote_design(
        EXAMPLES / name, material=material, thickness_mm=thickness, catalog=catalog
    )
    assert quote.makeable
    assert [b.quantity for b in quote.best] == [1, 10, 100, 1000]
    unit_prices = [b.unit_price for b in quote.best]
    assert unit_prices == sorted(unit_prices, reverse=True), "unit price falls with quantity"
    assert unit_prices[0] > 2 * unit_prices[-1], "set-up spreads over the quantity"


def test_breakdown_adds_up_to_the_total(bracket: Quote) -> None:
    for option in bracket.options:
        for price in option.prices:
            b = price.breakdown
            parts = b.setup + b.run + b.material + b.tooling + b.consumables + b.purchased
            parts += b.overhead + b.markup + b.lead_tier + b.minimum_order
            assert parts + b.margin == b.total == price.total_price
            assert b.margin >= 0


def test_best_is_the_cheapest_option_at_each_quantity(bracket: Quote) -> None:
    for i, best in enumerate(bracket.best):
        assert best.unit_price == min(o.prices[i].unit_price for o in bracket.options)


def test_laser_time_follows_the_cut_length_equation(bracket: Quote, catalog: Catalog) -> None:
    laser = next(o.option for o in bracket.options if o.option.process_id == "fiber-laser")
    process = catalog.processes["fiber-laser"]
    assert isinstance(process, ProfileCutting)
    sheet = bracket.part.sheet
    assert sheet is not None
    speed = by_thickness(process.speed_mm_s["mild_steel"], 2.0) * process.speed_derate
    pierce = by_thickness(process.pierce_s["mild_steel"], 2.0)
    expected = sheet.cut_length_mm / speed + sheet.pierces * pierce + process.handling_s
    assert laser.routing is not None
    assert laser.routing.operations[0].run_s == pytest.approx(expected)


def test_cut_metal_is_deburred_by_hand_with_learning(bracket: Quote) -> None:
    laser = next(o.option for o in bracket.options if o.option.process_id == "fiber-laser")
    assert laser.routing is not None
    manual = [op for op in laser.routing.operations if op.manual]
    assert manual, "a deburring step follows laser cutting of steel"
    assert all(op.learning_rate < 1 for op in manual)
    assert all(not op.manual for op in laser.routing.operations if op.process_id == "fiber-laser")


def test_scale_curve_names_the_cheapest_and_its_break_evens(catalog: Catalog) -> None:
    quote = quote_design(
        EXAMPLES / "sprocket.dxf", material="steel-s235", thickness_mm=4, catalog=catalog
    )
    assert quote.curve is not None
    points = quote.curve.points
    assert points[0].quantity == 1 and points[-1].quantity == 100_000
    for point in points:
        assert point.unit_prices[point.cheapest] == min(point.unit_prices.values())
    switches = [(b.from_process, b.to_process) for b in quote.curve.break_evens]
    assert switches, "a sprocket is laser cut one-off and stamped in the thousands"
    assert switches[-1][1] == "stamping"
    options = {o.option.process_id: o.option for o in quote.options}
    for even in quote.curve.break_evens:
        before, after = options[even.from_process], options[even.to_process]
        q = even.quantity
        assert unit_price(after, q, catalog.shop) <= unit_price(before, q, catalog.shop)
        assert unit_price(after, q - 1, catalog.shop) >= unit_price(before, q - 1, catalog.shop)


def test_printing_gives_way_to_moulding_at_volume(catalog: Catalog) -> None:
    quote = quote_design(EXAMPLES / "cable-clip.stl", material="abs", catalog=catalog)
    assert quote.curve is not None
    assert quote.curve.points[0].cheapest != "injection-moulding"
    assert quote.curve.points[-1].cheapest == "injection-moulding"
    assert any(b.to_process == "injection-moulding" for b in quote.curve.break_evens)


def test_a_part_larger_than_every_machine_cannot_be_made(tmp_path: Path, catalog: Catalog) -> None:
    quote = quote_design(plate_dxf(tmp_path / "huge.dxf", 6000, 3500), catalog=catalog)
    assert not quote.makeable
    assert quote.best == [] and quote.curve is None
    features = {f.feature for o in quote.rejected for f in o.findings}
    assert "bounding box" in features
    finding = next(f for o in quote.rejected for f in o.findings if f.feature == "bounding box")
    assert finding.measured == pytest.approx(6000)
    assert finding.limit is not None and finding.limit < 6000


def test_a_hole_too_small_for_the_laser_names_the_limit_and_what_would_work(
    tmp_path: Path, catalog: Catalog
) -> None:
    drawing = plate_dxf(tmp_path / "thick.dxf", 200, 100, holes=[(50, 50, 1.0)])
    quote = quote_design(drawing, material="steel-s235", thickness_mm=10, catalog=catalog)
    laser = next(o for o in quote.rejected if o.process_id == "fiber-laser")
    hole = next(f for f in laser.findings if f.feature == "smallest hole or slot")
    assert hole.measured == pytest.approx(1.0, rel=1e-3)
    assert hole.limit is not None and hole.limit > 1.0
    if quote.makeable:
        assert hole.alternatives


def test_a_material_no_process_works_is_refused_with_alternatives(
    tmp_path: Path, catalog: Catalog
) -> None:
    drawing = plate_dxf(tmp_path / "p.dxf", 100, 50)
    quote = quote_design(drawing, material="acrylic-cast", thickness_mm=3, catalog=catalog)
    plasma = next(o for o in quote.rejected if o.process_id == "plasma")
    finding = plasma.findings[0]
    assert finding.feature == "material"
    assert "acrylic" in finding.message
    assert finding.alternatives


def test_a_finish_the_material_cannot_take_blocks_every_option(
    tmp_path: Path, catalog: Catalog
) -> None:
    drawing = plate_dxf(tmp_path / "p.dxf", 100, 50)
    quote = quote_design(
        drawing, material="acrylic-cast", thickness_mm=3, finish="powder-coat", catalog=catalog
    )
    assert not quote.makeable
    assert all(
        any(f.feature == "finish" for f in o.findings)
        for o in quote.rejected
        if o.machine_id is not None
    )


def document_json(quote: Quote) -> dict[str, Any]:
    """The quote's document as JSON types, as it is stored and served."""
    return QuoteDocument.of(quote).model_dump(mode="json")


def test_json_document_names_units_in_its_keys(bracket: Quote) -> None:
    document = document_json(bracket)
    geometry = document["geometry"]
    for key in ("cut_length_mm", "pierces", "area_mm2", "bbox_mm"):
        assert key in geometry
    assert document["best"][0]["unit_price"] == float(bracket.best[0].unit_price)
    assert document["curve"]["points"][0]["quantity"] == 1


def test_json_document_of_a_mesh(catalog: Catalog) -> None:
    quote = quote_design(EXAMPLES / "enclosure.stl", material="abs", catalog=catalog)
    geometry = document_json(quote)["geometry"]
    for key in ("volume_mm3", "surface_area_mm2", "bbox_mm", "watertight", "bodies"):
        assert key in geometry
    assert geometry["watertight"] is True
    assert geometry["bbox_mm"] == pytest.approx([120, 80, 40])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"material": "steel-s253"}, "did you mean 'steel-s235'"),
        ({"material": "steel-s235", "thickness_mm": 2.7}, "not stocked 2.7 mm thick"),
        ({"quantities": [10, 0]}, "from 1 to 1,000,000, got 0"),
        ({"quantities": [-5]}, "from 1 to 1,000,000, got -5"),
        ({"quantities": [10**18]}, "from 1 to 1,000,000, got 1000000000000000000"),
        ({"quantities": list(range(1, 22))}, "1 to 20 in one quote, got 21"),
        ({"process": "lazer"}, "unknown shaping process 'lazer'"),
        ({"finish": "deburr"}, "unknown finish 'deburr'"),
    ],
)
def test_bad_requests_are_refused_clearly(
    catalog: Catalog, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        quote_design(EXAMPLES / "wall-bracket.dxf", catalog=catalog, **kwargs)  # type: ignore[arg-type]


def test_thickness_is_refused_for_a_mesh(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="flat drawings"):
        quote_design(EXAMPLES / "enclosure.stl", thickness_mm=3, catalog=catalog)


def test_a_file_of_another_kind_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(DesignFileError, match=r"photo.png: .*accepted: \.dxf, \.stl"):
        quote_design(picture, catalog=catalog)


def test_work_carries_overhead_and_margin_and_material_its_markup(
    bracket: Quote, catalog: Catalog
) -> None:
    thousand = bracket.best[-1]
    b = thousand.breakdown
    shop = catalog.shop
    assert thousand.total_price > Decimal(str(shop.min_order_price))
    work = b.setup + b.run + b.consumables
    assert b.overhead == pytest.approx(work * Decimal(str(shop.overhead)), abs=Decimal("0.02"))
    worked = (work + b.overhead) / (1 - Decimal(str(shop.margin)))
    sold_on = b.material * Decimal(str(1 + shop.material_markup))
    passed = (b.tooling + b.purchased) * Decimal(str(1 + shop.pass_through_markup))
    assert b.minimum_order == 0 and b.lead_tier == 0
    assert thousand.total_price == pytest.approx(worked + sold_on + passed, abs=Decimal("0.05"))


def test_a_tiny_order_pays_the_minimum_order_price(tmp_path: Path, catalog: Catalog) -> None:
    drawing = plate_dxf(tmp_path / "washer.dxf", 10, 10)
    quote = quote_design(
        drawing, material="steel-s235", thickness_mm=1, catalog=catalog, quantities=[1]
    )
    assert quote.best[0].total_price >= Decimal(str(catalog.shop.min_order_price))


@pytest.mark.parametrize(
    ("name", "units", "cut_length_mm", "area_mm2", "bbox_mm"),
    [
        # REFERENCE.md notes: the baffle read as inches, fc_mounting read as millimetres
        ("atles_tank_baffle.dxf", "inch", 396.57, 6787.8, (56.90, 139.90)),
        ("d2g_fc_mounting.dxf", "mm", 65.345, 42.486, (33.1, 33.1)),
    ],
)
def test_suspicious_units_show_the_other_reading(
    shared_fixtures: Path,
    catalog: Catalog,
    name: str,
    units: str,
    cut_length_mm: float,
    area_mm2: float,
    bbox_mm: tuple[float, float],
) -> None:
    quote = quote_design(shared_fixtures / "dxf" / name, catalog=catalog)
    other = document_json(quote)["geometry"]["alternative_reading"]
    assert other["units"] == units
    assert other["cut_length_mm"] == pytest.approx(cut_length_mm, rel=1e-3)
    assert other["area_mm2"] == pytest.approx(area_mm2, rel=1e-3)
    assert other["bbox_mm"] == pytest.approx(list(bbox_mm), rel=1e-3)
    again = quote_design(shared_fixtures / "dxf" / name, units=units, catalog=catalog)
    assert again.part.sheet is not None
    assert again.part.sheet.cut_length_mm == pytest.approx(cut_length_mm, rel=1e-3)
    assert document_json(again)["geometry"]["alternative_reading"] is None


def test_trustworthy_units_have_no_other_reading(catalog: Catalog) -> None:
    quote = quote_design(EXAMPLES / "sprocket.dxf", catalog=catalog)
    assert document_json(quote)["geometry"]["alternative_reading"] is None


def test_json_document_says_which_reading_it_used_and_what_is_in_doubt(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Three holes without their outline: quoted as discs, and the document says so."""
    doc = ezdxf.new("R2010", units=4)
    for x in (0, 30, 60):
        doc.modelspace().add_circle((x, 0), 2.5)
    path = tmp_path / "holes.dxf"
    doc.saveas(path)

    geometry = document_json(quote_design(path, catalog=catalog))["geometry"]

    assert geometry["doubtful"] is True
    assert geometry["doubts"] == [
        "only circles: read as 3 round discs; if they are holes, the outline of their part "
        "is missing"
    ]
    assert geometry["units"]["source"] == "header"
    assert geometry["units"]["basis"] == "the header's $INSUNITS says mm"
    assert geometry["drawing_sheet"] is None
