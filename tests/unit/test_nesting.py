"""Nesting parts of many orders on sheets and plates, checked independently with shapely."""

import itertools
import math
from pathlib import Path

import ezdxf
import pytest
import shapely
from shapely import affinity
from tests.helpers import ROOT

from bespoke.batching.layouts import (
    CUT_LAYER,
    ENGRAVE_LAYER,
    placed_parts,
    sheet_svg,
    write_cut_dxf,
)
from bespoke.batching.nesting import NestingError, NestSettings, nest
from bespoke.batching.plates import pack_plates, pack_volume
from bespoke.geometry.dxf import read_dxf_outlines
from bespoke.geometry.stl import read_stl_footprint
from bespoke.model import InputError
from bespoke.model.batching import Nest, NestPart, Outline, Remnant

EXAMPLES = ROOT / "examples"
FAST = NestSettings(time_limit_s=2, seed=1)
TOLERANCE_MM = 0.05


def _parts(quantities: dict[str, int], rotations: list[float] | None = None) -> list[NestPart]:
    parts = []
    for order, (name, quantity) in enumerate(quantities.items(), start=1):
        for k, outline in enumerate(read_dxf_outlines(EXAMPLES / f"{name}.dxf")):
            parts.append(
                NestPart(
                    id=f"{order}/{name}/{k}",
                    order=str(order),
                    name=name,
                    outline=outline,
                    quantity=quantity,
                    **({} if rotations is None else {"rotations": rotations}),
                )
            )
    return parts


def _check_layout(
    nest_: Nest, parts: list[NestPart], kerf: float, spacing: float, edge: float | None = None
) -> None:
    """No two parts closer than the spacing, each at least `edge` (the spacing unless given)
    in from the sheet's edges, both measured on outlines grown by half the kerf; every copy
    placed exactly once."""
    margin = spacing if edge is None else edge
    assert [p.id for p in nest_.parts] == [p.id for p in parts]
    parts = nest_.parts  # outlines as nested: repaired where they had to be
    placed_copies = [(p.part, p.copy_index) for p in nest_.placements]
    wanted = [(p.id, i) for p in parts for i in range(p.quantity)]
    assert sorted(placed_copies) == sorted(wanted)
    for sheet in nest_.sheets:
        width, height = sheet.size_mm
        inside = shapely.box(0, 0, width, height).buffer(-margin + TOLERANCE_MM)
        cut = [
            shapely.Polygon(p.polygon.exterior).buffer(kerf / 2) for p in placed_parts(sheet, parts)
        ]
        for polygon in cut:
            assert inside.contains(polygon), "a part reaches into the edge margin"
        tree = shapely.STRtree(cut)
        for i, polygon in enumerate(cut):
            for j in tree.query(polygon, predicate="dwithin", distance=spacing - TOLERANCE_MM):
                assert j == i, f"parts {i} and {j} closer than {spacing} mm"


def test_parts_of_four_orders_share_one_sheet_without_overlap() -> None:
    parts = _parts({"wall-bracket": 6, "sprocket": 4, "sign-plate": 2, "motor-mount": 3})
    result = nest(
        parts,
        (1000, 500),
        material="steel-s235",
        thickness_mm=2,
        kerf_mm=0.2,
        spacing_mm=5,
        settings=FAST,
    )
    _check_layout(result, parts, kerf=0.2, spacing=5)
    assert len(result.sheets) == 1
    sheet = result.sheets[0]
    assert sheet.remnant_mm is not None and sheet.remnant_mm[1] == 500
    assert sheet.used_length_mm + sheet.remnant_mm[0] == pytest.approx(1000)
    area = sum(shapely.Polygon(p.outline.exterior).area * p.quantity for p in parts)
    assert sheet.utilisation == pytest.approx(area / (sheet.used_length_mm * 500), abs=1e-3)


def test_more_parts_than_a_sheet_holds_go_on_several_sheets() -> None:
    parts = _parts({"sign-plate": 9, "wall-bracket": 10})
    result = nest(
        parts,
        (700, 400),
        material="acrylic-cast",
        thickness_mm=3,
        kerf_mm=0.25,
        spacing_mm=4,
        settings=FAST,
    )
    _check_layout(result, parts, kerf=0.25, spacing=4)
    assert len(result.sheets) >= 2
    assert all(s.remnant_mm is None for s in result.sheets[:-1])
    needed = sum(shapely.Polygon(p.outline.exterior).area * p.quantity for p in parts) / (700 * 400)
    assert len(result.sheets) >= math.ceil(needed)


def test_offcuts_in_stock_are_filled_before_a_full_sheet() -> None:
    parts = _parts({"wall-bracket": 6, "sprocket": 4})
    narrow, wide = Remnant(id=3, size_mm=(80, 500)), Remnant(id=5, size_mm=(450, 500))
    result = nest(
        parts,
        (1000, 500),
        material="steel-s235",
        thickness_mm=2,
        kerf_mm=0.2,
        spacing_mm=5,
        remnants=[narrow, wide],
        settings=FAST,
    )
    _check_layout(result, parts, kerf=0.2, spacing=5)
    # no part fits within 80 mm: that off-cut stays in stock; all go on the wider one
    assert [(s.from_remnant, s.size_mm) for s in result.sheets] == [(5, (500, 450))]
    sheet = result.sheets[0]
    taken = sheet.used_length_mm * 450
    assert result.sheet_area_mm2 == pytest.approx(taken if sheet.remnant_mm else 500 * 450, abs=1)


def test_what_an_offcut_cannot_hold_goes_on_full_sheets() -> None:
    parts = _parts({"sign-plate": 3, "wall-bracket": 8})
    offcut = Remnant(id=11, size_mm=(500, 160))
    result = nest(
        parts,
        (1000, 500),
        material="acrylic-cast",
        thickness_mm=3,
        kerf_mm=0.25,
        spacing_mm=4,
        remnants=[offcut],
        settings=FAST,
    )
    _check_layout(result, parts, kerf=0.25, spacing=4)
    assert [s.from_remnant for s in result.sheets] == [11, None]
    assert result.sheets[0].size_mm == (500, 160)
    assert result.sheets[0].placements and result.sheets[1].placements


def test_grain_keeps_parts_at_zero_or_half_a_turn() -> None:
    parts = _parts({"wall-bracket": 8, "sprocket": 3}, rotations=[0.0, 180.0])
    result = nest(
        parts,
        (800, 400),
        material="plywood",
        thickness_mm=6,
        kerf_mm=0.25,
        spacing_mm=3,
        settings=FAST,
    )
    _check_layout(result, parts, kerf=0.25, spacing=3)
    assert {round(p.rotation) % 360 for p in result.placements} <= {0, 180}


def test_cut_file_reads_back_to_the_same_parts(tmp_path: Path) -> None:
    parts = _parts({"wall-bracket": 2, "sign-plate": 1, "sprocket": 2})
    result = nest(
        parts,
        (800, 400),
        material="steel-s235",
        thickness_mm=2,
        kerf_mm=0.2,
        spacing_mm=5,
        settings=FAST,
    )
    sheet = result.sheets[0]
    path = write_cut_dxf(sheet, parts, tmp_path / "sheet-1.dxf")
    doc = ezdxf.readfile(path)
    msp = doc.modelspace()
    rings = [
        shapely.Polygon([tuple(v)[:2] for v in e.get_points("xy")])
        for e in msp.query(f'LWPOLYLINE[layer=="{CUT_LAYER}"]')
    ]
    read_back = shapely.make_valid(_even_odd(rings))
    expected = shapely.union_all([p.polygon for p in placed_parts(sheet, parts)])
    assert shapely.symmetric_difference(read_back, expected).area < 1e-6 * expected.area
    labels = [e.dxf.text for e in msp.query(f'TEXT[layer=="{ENGRAVE_LAYER}"]')]
    assert sorted(labels) == sorted(
        f"{p.part.order} {p.part.name}" for p in placed_parts(sheet, parts)
    )
    for text, item in zip(msp.query("TEXT"), placed_parts(sheet, parts), strict=True):
        assert item.polygon.contains(shapely.Point(text.dxf.align_point.x, text.dxf.align_point.y))
    assert read_dxf_outlines(path) != []  # the cut file is itself a drawing Bespoke reads
    svg = sheet_svg(sheet, parts)
    assert svg.startswith("<svg") and svg.count("<path") == len(sheet.placements)


def _even_odd(rings: list[shapely.Polygon]) -> shapely.Geometry:
    result = shapely.Polygon()
    for ring in rings:
        result = shapely.symmetric_difference(result, ring)
    return result


def test_zero_area_outline_is_rejected_with_the_reason() -> None:
    flat = NestPart(
        id="1/line", order="1", name="line", outline=Outline(exterior=[(0, 0), (50, 0), (100, 0)])
    )
    with pytest.raises(InputError, match="encloses no area"):
        nest(
            [flat],
            (1000, 500),
            material="steel-s235",
            thickness_mm=2,
            kerf_mm=0.2,
            spacing_mm=5,
            settings=FAST,
        )


def test_self_intersecting_outline_is_repaired_or_rejected() -> None:
    bow_tie = Outline(exterior=[(0, 0), (100, 100), (100, 0), (0, 100)])
    part = NestPart(id="1/bow", order="1", name="bow", outline=bow_tie)
    with pytest.raises(InputError, match="repairs into 2 separate pieces"):
        nest(
            [part],
            (1000, 500),
            material="steel-s235",
            thickness_mm=2,
            kerf_mm=0.2,
            spacing_mm=5,
            settings=FAST,
        )
    spur = Outline(
        exterior=[(0, 0), (100, 0), (100, 50), (120, 50), (100, 50), (100, 100), (0, 100)]
    )
    part = NestPart(id="1/spur", order="1", name="spur", outline=spur, quantity=2)
    result = nest(
        [part],
        (1000, 500),
        material="steel-s235",
        thickness_mm=2,
        kerf_mm=0.2,
        spacing_mm=5,
        settings=FAST,
    )
    _check_layout(result, [part], kerf=0.2, spacing=5)
    assert result.parts[0].outline != spur and "outline repaired" in result.notes[0]


def test_part_larger_than_the_sheet_is_a_finding_naming_the_sheet() -> None:
    parts = _parts({"sign-plate": 1, "wall-bracket": 1})
    with pytest.raises(NestingError) as caught:
        nest(
            parts,
            (250, 200),
            material="steel-s235",
            thickness_mm=2,
            kerf_mm=0.2,
            spacing_mm=5,
            process="fiber-laser",
            settings=FAST,
        )
    (finding,) = caught.value.findings
    assert finding.feature == "part 1/sign-plate/0"
    assert (
        "250 x 200 mm" in finding.message
        and "sign-plate of order 1 (300 x 120 mm)" in finding.message
    )


def test_repeated_part_ids_are_refused() -> None:
    parts = _parts({"sprocket": 1})
    with pytest.raises(InputError, match="ids must be unique"):
        nest(
            parts * 2,
            (500, 500),
            material="steel-s235",
            thickness_mm=2,
            kerf_mm=0.2,
            spacing_mm=5,
            settings=FAST,
        )


def _prints() -> list[NestPart]:
    parts = []
    for order, (name, quantity) in enumerate({"cable-clip": 12, "enclosure": 2}.items(), start=1):
        outline, height = read_stl_footprint(EXAMPLES / f"{name}.stl")
        parts.append(
            NestPart(
                id=f"{order}/{name}",
                order=str(order),
                name=name,
                outline=outline,
                quantity=quantity,
                height_mm=height,
                rotations=None,
            )
        )
    return parts


def test_prints_of_two_orders_share_build_plates() -> None:
    parts = _prints()
    result = pack_plates(
        parts, (250, 210, 210), spacing_mm=5, material="petg", process="fdm", settings=FAST
    )
    _check_layout(result, parts, kerf=0.0, spacing=5, edge=0.0)
    assert all(s.remnant_mm is None for s in result.sheets)


def test_powder_bed_stacks_layers_within_the_build_height() -> None:
    parts = [p.model_copy(update={"quantity": p.quantity * 3}) for p in _prints()]
    result = pack_volume(
        parts, (165, 165, 100), spacing_mm=3, material="pa12", process="sls", settings=FAST
    )
    placed = sorted((p.part, p.copy_index) for p in result.placements)
    assert placed == sorted((p.id, i) for p in parts for i in range(p.quantity))
    tall = {p.id: p.height_mm for p in parts}
    for build in result.sheets:
        assert build.used_height_mm is not None and build.used_height_mm <= 100
        for p in build.placements:
            assert p.z + tall[p.part] <= 100
        solids = [
            (
                p.z,
                p.z + tall[p.part],
                shapely.Polygon(
                    affinity.translate(
                        affinity.rotate(
                            shapely.Polygon(by.outline.exterior), p.rotation, origin=(0, 0)
                        ),
                        p.x,
                        p.y,
                    )
                ),
            )
            for p in build.placements
            for by in parts
            if by.id == p.part
        ]
        for (z0, z1, a), (w0, w1, b) in itertools.combinations(solids, 2):
            if z0 < w1 and w0 < z1:  # share some height: must not share plan area
                assert a.distance(b) >= 3 - TOLERANCE_MM


def test_a_print_taller_than_the_build_is_a_finding() -> None:
    parts = _prints()
    with pytest.raises(
        NestingError, match="enclosure of order 2 is 40 mm tall: the build holds 30 mm"
    ):
        pack_plates(
            parts, (250, 210, 30), spacing_mm=5, material="petg", process="fdm", settings=FAST
        )
