"""A nested sheet's picture, its legend and the share of it the parts cover: the figure is
what the picture shows, measured back from the SVG with shapely."""

import re
import xml.etree.ElementTree as ET

import pytest
import shapely
from tests.unit.test_nesting import FAST, _parts

from bespoke.batching.layouts import (
    OTHERS_COLOUR,
    covered_area_mm2,
    sheet_key,
    sheet_svg,
    used_area_mm2,
)
from bespoke.batching.nesting import nest
from bespoke.model.batching import Nest

SVG = "{http://www.w3.org/2000/svg}"


def drawn_share(svg: str) -> float:
    """The parts' area over the sheet's less its off-cut, as the picture draws them: each
    part's path read back ring by ring (holes by the even-odd rule)."""
    root = ET.fromstring(svg)
    sheet = root.find(f".//{SVG}rect[@class='sheet']")
    assert sheet is not None
    area = float(sheet.get("width", 0)) * float(sheet.get("height", 0))
    offcut = root.find(f".//{SVG}rect[@class='offcut']")
    if offcut is not None:
        area -= float(offcut.get("width", 0)) * float(offcut.get("height", 0))
    parts = [_even_odd(path.get("d", "")) for path in root.iter(f"{SVG}path")]
    return float(shapely.union_all(parts).area) / area


def _even_odd(d: str) -> shapely.Geometry:
    shape: shapely.Geometry = shapely.Polygon()
    for ring in re.findall(r"M([^M]+)", d):
        points = [tuple(map(float, p.split(","))) for p in re.findall(r"[-\d.e]+,[-\d.e]+", ring)]
        shape = shapely.symmetric_difference(shape, shapely.Polygon(points))
    return shape


def drawn_fills(svg: str) -> dict[str, set[str]]:
    """Each order's fill colours on the picture."""
    root = ET.fromstring(svg)
    fills: dict[str, set[str]] = {}
    for group in root.iter(f"{SVG}g"):
        order = group.get("data-order")
        path = group.find(f"{SVG}path")
        if order is not None and path is not None:
            fills.setdefault(order, set()).add(path.get("fill", ""))
    return fills


@pytest.fixture(scope="module")
def nested() -> Nest:
    """Three orders' parts, holes and all, on a sheet with an off-cut left over."""
    parts = _parts({"sprocket": 3, "motor-mount": 2, "wall-bracket": 4})
    return nest(
        parts,
        (1500, 600),
        material="steel-s235",
        thickness_mm=2,
        kerf_mm=0.2,
        spacing_mm=5,
        settings=FAST,
    )


def test_the_share_the_parts_cover_is_what_the_picture_draws(nested: Nest) -> None:
    sheet = nested.sheets[0]
    assert sheet.remnant_mm is not None, "the sheet leaves an off-cut"
    svg = sheet_svg(sheet, nested.parts)
    covered = covered_area_mm2(sheet, nested.parts) / used_area_mm2(sheet)
    assert covered == pytest.approx(drawn_share(svg), abs=0.002)
    assert f"parts cover {covered:.0%} of the sheet used" in svg
    assert covered < sheet.utilisation  # the nester's figure fills the parts' holes


def test_the_legend_names_each_order_in_the_colour_it_is_drawn(nested: Nest) -> None:
    sheet = nested.sheets[0]
    key = sheet_key(sheet, nested.parts)
    fills = drawn_fills(sheet_svg(sheet, nested.parts))
    assert [e.order for e in key] == ["1", "2", "3"]
    assert {e.order: {e.colour} for e in key} == fills
    assert len({e.colour for e in key}) == 3
    assert [e.names for e in key] == [("sprocket",), ("motor-mount",), ("wall-bracket",)]
    assert sum(e.count for e in key) == len(sheet.placements)

    mine = sheet_key(sheet, nested.parts, mine="2")
    assert [(e.order, e.colour) for e in mine] == [("2", key[1].colour), (None, OTHERS_COLOUR)]
    assert drawn_fills(sheet_svg(sheet, nested.parts, mine="2")) == {"2": {key[1].colour}}
