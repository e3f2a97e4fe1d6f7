"""Configuring product specs: parameters set, parts made and measured, errors with spec paths."""

import copy
import math
from pathlib import Path
from typing import Any

import pytest
from tests.helpers import ROOT, plate_dxf

from bespoke.catalog import load_catalog
from bespoke.geometry.parametric import MAX_PLATE_FEATURES
from bespoke.model import Catalog
from bespoke.model.product import Product
from bespoke.products.configure import (
    MAX_COUNT,
    MAX_PER_PRODUCT,
    MAX_PIECES_PER_PRODUCT,
    configure,
)
from bespoke.products.spec import SpecError, load_spec, parse_spec

PRODUCTS = ROOT / "examples" / "products"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _configure(name: str, catalog: Catalog, out: Path, **settings: str) -> Product:
    path = PRODUCTS / f"{name}.yaml"
    return configure(
        load_spec(path), settings, catalog, spec_dir=path.parent, out_dir=out, source=path.name
    )


def test_a_configured_plate_measures_as_its_dimensions_say(
    catalog: Catalog, tmp_path: Path
) -> None:
    product = _configure("desk-organiser", catalog, tmp_path, width="400 mm", depth="250mm")
    base = next(p for p in product.parts if p.id == "base")
    sheet = base.part.sheet
    assert sheet is not None
    w, h, r = 400.0, 250.0, 3.0
    assert sheet.bbox_mm == pytest.approx((w, h))
    assert sheet.cut_length_mm == pytest.approx(2 * (w + h) - 8 * r + 2 * math.pi * r, rel=1e-6)
    assert sheet.area_mm2 == pytest.approx(w * h - (4 - math.pi) * r**2, rel=1e-6)
    assert Path(base.design_file).suffix == ".dxf" and Path(base.design_file).is_file()


def test_a_slot_and_a_hole_grid_measure_as_drawn(catalog: Catalog, tmp_path: Path) -> None:
    organiser = _configure("desk-organiser", catalog, tmp_path)
    front = next(p for p in organiser.parts if p.id == "front").part.sheet
    assert front is not None
    w, h, length, width = 300.0, 94.0, 60.0, 20.0
    slot = 2 * (length - width) + math.pi * width
    assert front.cut_length_mm == pytest.approx(2 * (w + h) + slot, rel=1e-6)
    assert front.pierces == 2
    lamp = _configure("table-lamp", catalog, tmp_path, shade_height="240 mm")
    panel = next(p for p in lamp.parts if p.id == "shade-panel").part.sheet
    assert panel is not None
    rows = math.floor((240 - 60) / 30) + 1
    assert panel.holes == 3 * rows
    w, h, r, d = 120.0, 240.0, 4.0, 8.0
    holes = 3 * rows * math.pi * d
    assert panel.cut_length_mm == pytest.approx(2 * (w + h) - 8 * r + 2 * math.pi * r + holes)


def test_quantities_and_choices_follow_the_parameters(catalog: Catalog, tmp_path: Path) -> None:
    product = _configure("desk-organiser", catalog, tmp_path, compartments="5", wood="mdf")
    dividers = next(p for p in product.parts if p.id == "divider")
    assert dividers.quantity == 4
    assert {p.part.material_id for p in product.parts} == {"mdf"}
    organiser = product.assemblies[0]
    assert ("divider", 4) in organiser.components
    assert product.settings["compartments"] == 5


def test_a_printed_shell_measures_as_its_walls_say(catalog: Catalog, tmp_path: Path) -> None:
    product = _configure("table-lamp", catalog, tmp_path, shade_width="100 mm")
    base = next(p for p in product.parts if p.id == "base").part.solid
    assert base is not None
    assert base.watertight and base.bodies == 1
    x = y = 130.0
    z, wall = 25.0, 2.0
    assert base.bbox_mm == pytest.approx((x, y, z))
    expected = x * y * z - (x - 2 * wall) * (y - 2 * wall) * (z - wall)
    assert base.volume_mm3 == pytest.approx(expected, rel=1e-6)


def test_settings_in_inches_are_converted(catalog: Catalog, tmp_path: Path) -> None:
    product = _configure("shelf-bracket-set", catalog, tmp_path, depth="10 in")
    bracket = product.parts[0].part.sheet
    assert bracket is not None
    assert bracket.bbox_mm[0] == pytest.approx(254 + 150)


BASE: dict[str, Any] = {
    "name": "Plate with holes",
    "parameters": [
        {"name": "width", "type": "length", "default": "100 mm", "min": "50 mm", "max": "200 mm"},
        {"name": "count", "type": "integer", "default": 2},
    ],
    "parts": [
        {
            "id": "plate",
            "material": "steel-s235",
            "thickness": 2,
            "geometry": {
                "shape": "plate",
                "width": "width",
                "height": "40 mm",
                "holes": [{"x": "10 mm", "y": "10 mm", "diameter": "5 mm"}],
            },
        }
    ],
}


def _bad(change: Any, catalog: Catalog, tmp_path: Path, **settings: str) -> SpecError:
    data = copy.deepcopy(BASE)
    change(data)
    spec = parse_spec(data, "plate.yaml")
    with pytest.raises(SpecError) as caught:
        configure(
            spec,
            settings,
            catalog,
            spec_dir=tmp_path,
            out_dir=tmp_path / "out",
            source="plate.yaml",
        )
    return caught.value


def _set(path: list[Any], value: Any) -> Any:
    def change(data: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "settings", "where", "reason"),
    [
        (_set(["parts", 0, "material"], "steel-s325"), {}, "parts[0].material", "did you mean"),
        (_set(["parts", 0, "finish"], "gold-leaf"), {}, "parts[0].finish", "unknown finish"),
        (lambda d: None, {"width": "500 mm"}, "--set width", "above the maximum 200 mm"),
        (lambda d: None, {"width": "wide"}, "--set width", "wide"),
        (lambda d: None, {"count": "two"}, "--set count", "two"),
        (
            _set(["parts", 0, "geometry", "holes", 0, "diameter"], "dia / 2"),
            {},
            "parts[0].geometry.holes[0].diameter",
            "unknown name 'dia'",
        ),
        (
            _set(["parts", 0, "geometry", "holes", 0, "diameter"], "width / 0"),
            {},
            "parts[0].geometry.holes[0].diameter",
            "division by zero",
        ),
        (
            _set(["parts", 0, "geometry", "holes", 0, "x"], "width + 5"),
            {},
            "parts[0].geometry.holes[0].x",
            "write 5 mm",
        ),
        (
            _set(["parts", 0, "geometry", "holes", 0, "x"], "width"),
            {},
            "parts[0].geometry.holes[0]",
            "",
        ),
        (
            _set(["parts", 0, "geometry"], {"shape": "file", "file": "missing.dxf"}),
            {},
            "parts[0].geometry.file",
            "not found",
        ),
        (_set(["parts", 0, "thickness"], "2.7 mm"), {}, "parts[0].thickness", "not stocked"),
        (_set(["parts", 0, "quantity"], "count - 5"), {}, "parts[0].quantity", "negative"),
    ],
)
def test_bad_values_name_their_spec_path(
    catalog: Catalog,
    tmp_path: Path,
    change: Any,
    settings: dict[str, str],
    where: str,
    reason: str,
) -> None:
    error = _bad(change, catalog, tmp_path, **settings)
    assert error.path.startswith(where), str(error)
    assert reason in error.reason, str(error)
    assert str(error).startswith(f"plate.yaml: {where}")


def test_a_design_file_is_read_relative_to_the_spec(catalog: Catalog, tmp_path: Path) -> None:
    plate_dxf(tmp_path / "drawn.dxf", 120, 60, holes=[(30, 30, 8)])
    data = copy.deepcopy(BASE)
    data["parts"][0]["geometry"] = {"shape": "file", "file": "drawn.dxf"}
    spec = parse_spec(data, "plate.yaml")
    product = configure(spec, {}, catalog, spec_dir=tmp_path, out_dir=tmp_path / "out")
    sheet = product.parts[0].part.sheet
    assert sheet is not None and sheet.holes == 1
    assert sheet.cut_length_mm == pytest.approx(360 + math.pi * 8)


def test_nothing_is_written_for_a_bad_spec(catalog: Catalog, tmp_path: Path) -> None:
    _bad(_set(["parts", 0, "material"], "unobtainium"), catalog, tmp_path)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


TREE: dict[str, Any] = {
    "name": "Stool",
    "parts": [
        {
            "id": "seat",
            "material": "steel-s235",
            "thickness": 2,
            "geometry": {"shape": "plate", "width": 300, "height": 300},
        },
        {
            "id": "leg",
            "material": "pla",
            "geometry": {"shape": "cylinder", "diameter": 30, "height": 40},
        },
    ],
    "purchased": [{"id": "screw", "name": "Screw", "unit_price": 0.05}],
    "assemblies": [
        {"id": "stool", "components": [{"id": "seat"}, {"id": "leg-set", "quantity": 2}]},
        {
            "id": "leg-set",
            "components": [{"id": "leg", "quantity": 2}, {"id": "screw", "quantity": 3}],
        },
    ],
}


def test_the_assembly_tree_gives_the_counts_per_product(catalog: Catalog, tmp_path: Path) -> None:
    spec = parse_spec(copy.deepcopy(TREE), "stool.yaml")
    product = configure(spec, {}, catalog, spec_dir=tmp_path, out_dir=tmp_path)
    assert {p.id: p.quantity for p in product.parts} == {"seat": 1, "leg": 4}
    assert product.purchased[0].quantity == 6


def test_a_count_that_disagrees_with_the_tree_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    data = copy.deepcopy(TREE)
    data["purchased"][0]["quantity"] = 4
    spec = parse_spec(data, "stool.yaml")
    with pytest.raises(SpecError) as caught:
        configure(
            spec, {}, catalog, spec_dir=tmp_path, out_dir=tmp_path / "out", source="stool.yaml"
        )
    assert caught.value.path == "purchased[0].quantity"
    assert "4 per product here, but the assemblies use 6 of 'screw'" in caught.value.reason
    assert not (tmp_path / "out").exists()


# --- what configuring may produce, bounded --------------------------------------------------


def _grid(rows: int | str, columns: int | str) -> Any:
    grid = {"x": "5 mm", "y": "5 mm", "diameter": "1 mm", "pitch_x": "2 mm", "pitch_y": "2 mm"}
    return _set(
        ["parts", 0, "geometry", "hole_grids"], [{**grid, "rows": rows, "columns": columns}]
    )


def test_a_hole_grid_past_the_plate_bound_is_refused_before_it_is_laid_out(
    catalog: Catalog, tmp_path: Path
) -> None:
    error = _bad(_grid(1_000, 1_000), catalog, tmp_path)
    assert error.path == "parts[0].geometry.hole_grids[0]"
    assert "1,000 x 1,000 holes" in error.reason
    assert f"up to {MAX_PLATE_FEATURES:,}" in error.reason


def test_a_count_past_the_bound_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    error = _bad(_grid("10 ** 9", 1), catalog, tmp_path)
    assert error.path == "parts[0].geometry.hole_grids[0].rows"
    assert f"1,000,000,000 is more than the {MAX_COUNT:,} a count may be" in error.reason


def _nested_assemblies(levels: int, each: int) -> Any:
    """Assembly a0 holds `each` of a1, which holds `each` of a2 ... the last holds the plate."""

    def change(data: Any) -> None:
        data["assemblies"] = [
            {"id": f"a{i}", "components": [{"id": f"a{i + 1}", "quantity": each}]}
            for i in range(levels - 1)
        ] + [{"id": f"a{levels - 1}", "components": [{"id": "plate", "quantity": each}]}]

    return change


def test_parts_per_product_past_the_bound_are_refused(catalog: Catalog, tmp_path: Path) -> None:
    error = _bad(_nested_assemblies(5, 100), catalog, tmp_path)
    assert error.path == "assemblies[3]"
    assert "the assemblies use 1,000,000 of 'a3' per product" in error.reason
    assert f"at most {MAX_PER_PRODUCT:,} are accepted" in error.reason


def test_parts_and_items_in_all_past_the_bound_are_refused(
    catalog: Catalog, tmp_path: Path
) -> None:
    def change(data: Any) -> None:
        data["purchased"] = [
            {"id": f"screw-{i}", "name": "Screw", "quantity": MAX_PER_PRODUCT, "unit_price": 0.1}
            for i in range(MAX_PIECES_PER_PRODUCT // MAX_PER_PRODUCT)
        ]

    error = _bad(change, catalog, tmp_path)
    assert error.path == "parts"
    assert f"uses {MAX_PIECES_PER_PRODUCT + 1:,} parts and bought items in all" in error.reason


def test_assemblies_used_along_many_paths_are_counted_without_walking_each(
    catalog: Catalog, tmp_path: Path
) -> None:
    """a(i) holds a(i+1) and b(i+1), which holds a(i+1) again: 2^40 paths to a40 and the
    plate, each assembly used twice as often as the one before."""
    data = copy.deepcopy(BASE)
    data["assemblies"] = [
        {"id": f"a{i}", "components": [{"id": f"a{i + 1}"}, {"id": f"b{i + 1}"}]} for i in range(40)
    ] + [{"id": f"b{i}", "components": [{"id": f"a{i}"}]} for i in range(1, 41)]
    data["assemblies"].append({"id": "a40", "components": [{"id": "plate"}]})
    error = _bad(lambda d: d.update(data), catalog, tmp_path)
    assert error.path == "assemblies[14]"
    assert "the assemblies use 16,384 of 'a14' per product" in error.reason
