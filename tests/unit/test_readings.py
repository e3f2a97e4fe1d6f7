"""Readings that do not lie (issue 15): drawings and meshes that used to be misread.

Every file is drawn here, with ezdxf, trimesh or as raw DXF text; each test checks the
reading and what it says about it.
"""

import math
from pathlib import Path

import ezdxf
import numpy as np
import pytest
import trimesh
from ezdxf.document import Drawing

from bespoke.geometry.dxf import read_dxf
from bespoke.geometry.stl import read_stl
from bespoke.model.errors import DesignFileError
from bespoke.model.geometry import Sheet2D

MM, INCH, UNITLESS = 4, 1, 0


def new_drawing(units: int = MM) -> Drawing:
    return ezdxf.new("R2010", units=units)


def read(doc: Drawing, tmp_path: Path, name: str = "part.dxf") -> Sheet2D:
    path = tmp_path / name
    doc.saveas(path)
    return read_dxf(path)


def rectangle(doc: Drawing, x: float, y: float, width: float, height: float) -> None:
    doc.modelspace().add_lwpolyline(
        [(x, y), (x + width, y), (x + width, y + height), (x, y + height)], close=True
    )


# --- an ARC over the full turn ------------------------------------------------------------------


def test_arc_from_0_to_360_degrees_is_a_round_hole(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 100, 50)
    doc.modelspace().add_arc((50, 25), 5, 0, 360)
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.holes, sheet.pierces) == (1, 1, 2)
    assert sheet.cut_length_mm == pytest.approx(300 + 10 * math.pi, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx(5000 - 25 * math.pi, rel=1e-12)
    assert sheet.smallest_hole_mm == pytest.approx(10.0)
    assert [c.is_circle for c in sheet.contours] == [False, True]


# --- an edge drawn as two overlapping pieces ----------------------------------------------------


def test_edge_of_two_overlapping_collinear_lines_is_one_edge_and_the_outline_closes(
    tmp_path: Path,
) -> None:
    doc = new_drawing()
    msp = doc.modelspace()
    msp.add_line((0, 0), (12, 0))
    msp.add_line((8, 0), (20, 0))  # overlaps the first by 4 mm
    msp.add_line((20, 0), (20, 10))
    msp.add_line((20, 10), (0, 10))
    msp.add_line((0, 10), (0, 0))
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.open_chains, sheet.pierces) == (1, 0, 1)
    assert sheet.area_mm2 == pytest.approx(200.0, rel=1e-12)
    assert sheet.cut_length_mm == pytest.approx(60.0, rel=1e-12)
    assert sheet.overlap_removed_mm == pytest.approx(4.0)
    assert any("4 mm of linework drawn over other linework" in w for w in sheet.warnings)


def test_line_lying_within_another_is_absorbed(tmp_path: Path) -> None:
    doc = new_drawing()
    msp = doc.modelspace()
    for start, end in [((0, 0), (30, 0)), ((30, 0), (30, 10)), ((30, 10), (0, 10))]:
        msp.add_line(start, end)
    msp.add_line((0, 10), (0, 0))
    msp.add_line((0, 3), (0, 6))  # drawn over the left edge
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.open_chains) == (1, 0)
    assert sheet.area_mm2 == pytest.approx(300.0)
    assert sheet.cut_length_mm == pytest.approx(80.0)


# --- joining tolerance in the drawing's units ---------------------------------------------------


def test_inch_drawing_closes_gaps_within_a_hundredth_of_an_inch(tmp_path: Path) -> None:
    """Gaps of 0.005 inch (0.127 mm) close as the author saw them; a 0.1 inch gap does not."""
    doc = new_drawing(INCH)
    msp = doc.modelspace()
    msp.add_line((0, 0), (4, 0))
    msp.add_line((4.005, 0), (4, 3))
    msp.add_line((4, 3), (0, 3.005))
    msp.add_line((0, 3), (0, 0))
    msp.add_line((6, 0), (7, 0))
    msp.add_line((7.1, 0), (7, 1))
    msp.add_line((7, 1), (6, 0))
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.open_chains) == (1, 1)
    assert sheet.area_mm2 == pytest.approx(12 * 25.4**2, rel=2e-3)
    assert any("2.54 mm apart" in w for w in sheet.warnings)


# --- $MEASUREMENT without $INSUNITS -------------------------------------------------------------


def picture_frame(measurement: int | None) -> Drawing:
    """A 6 x 8 frame with a 4.3 x 6.3 window, without $INSUNITS."""
    doc = new_drawing(UNITLESS)
    if measurement is None:
        del doc.header["$MEASUREMENT"]
    else:
        doc.header["$MEASUREMENT"] = measurement
    rectangle(doc, 0, 0, 6, 8)
    rectangle(doc, 0.85, 0.85, 4.3, 6.3)
    return doc


def test_imperial_measurement_without_insunits_is_read_as_inch_and_says_why(
    tmp_path: Path,
) -> None:
    sheet = read(picture_frame(0), tmp_path)
    units = sheet.units
    assert (units.declared, units.used, units.source) == (None, "inch", "measurement")
    assert units.basis is not None and "$MEASUREMENT = 0" in units.basis
    assert sheet.bbox_mm == pytest.approx((6 * 25.4, 8 * 25.4))
    assert not units.suspicious
    assert any("$MEASUREMENT = 0 says imperial" in w for w in sheet.warnings)


@pytest.mark.parametrize("measurement", [1, None])
def test_tiny_frame_read_as_mm_is_doubted_with_inch_as_the_plausible_reading(
    tmp_path: Path, measurement: int | None
) -> None:
    units = read(picture_frame(measurement), tmp_path).units
    assert (units.used, units.source) == ("mm", "assumed")
    assert units.suspicious
    assert (units.alternative_units, units.alternative_factor_to_mm) == ("inch", 25.4)
    assert "only 8.00 mm across" in (units.reason or "")
    assert "read as inch it is 203.2 mm across" in (units.reason or "")
    assert units.sizes_mm == pytest.approx({"mm": 8.0, "cm": 80.0, "m": 8000.0, "inch": 203.2})


# --- an inch header on millimetre geometry ------------------------------------------------------


def test_inch_header_on_millimetre_plate_with_large_windows_is_flagged(tmp_path: Path) -> None:
    """A 145.7 x 60 plate with 7 mm windows: 3.7 m long with 175 mm windows as inches."""
    doc = new_drawing(INCH)
    rectangle(doc, 0, 0, 145.7, 60)
    for x in (20, 60, 100):
        rectangle(doc, x, 20, 6.9, 20)
    sheet = read(doc, tmp_path)
    units = sheet.units
    assert (units.used, units.source) == ("inch", "header")
    assert units.suspicious
    assert (units.alternative_units, units.alternative_factor_to_mm) == ("mm", 1.0)
    reason = units.reason or ""
    assert "3.70 m across" in reason
    assert "smallest hole is 175.3 mm wide" in reason
    assert "read as mm it is 145.7 mm across" in reason
    assert any(w.startswith("units look wrong") and "give units 'mm'" in w for w in sheet.warnings)
    other = sheet.alternative_reading()
    assert other is not None
    assert other.bbox_mm == pytest.approx((145.7, 60.0))


def test_large_inch_panel_with_a_fastener_hole_is_not_doubted(tmp_path: Path) -> None:
    doc = new_drawing(INCH)
    rectangle(doc, 0, 0, 145.7, 60)
    rectangle(doc, 20, 20, 6.9, 20)
    doc.modelspace().add_circle((130, 30), 0.125)
    assert not read(doc, tmp_path).units.suspicious


# --- circles only -------------------------------------------------------------------------------


def test_drawing_of_only_circles_is_doubted_as_holes_without_their_outline(
    tmp_path: Path,
) -> None:
    doc = new_drawing()
    for x in (0, 30, 60):
        doc.modelspace().add_circle((x, 0), 2.5)
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.holes) == (3, 0)
    (doubt,) = sheet.doubts
    assert doubt == (
        "only circles: read as 3 round discs; if they are holes, the outline of their part "
        "is missing"
    )
    assert doubt in sheet.warnings
    assert sheet.doubtful
    assert not sheet.units.suspicious


def test_washer_and_single_disc_are_not_doubted(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_circle((0, 0), 20)
    doc.modelspace().add_circle((0, 0), 8)
    doc.modelspace().add_circle((100, 0), 20)
    sheet = read(doc, tmp_path)
    assert sheet.doubts == []
    assert not sheet.doubtful


# --- a file without subclass markers ------------------------------------------------------------


def tags(*pairs: object) -> str:
    return "".join(
        f"{code}\n{value}\n" for code, value in zip(pairs[::2], pairs[1::2], strict=True)
    )


def generator_file() -> str:
    """As a small box generator writes it: an AC1015 header, entities without subclass
    markers. A 100 x 60 outline as an LWPOLYLINE, a 20 x 10 slot as a POLYLINE with bulges,
    a hole as a CIRCLE, another as an ARC over the full turn, a label as TEXT."""
    header = tags(0, "SECTION", 2, "HEADER", 9, "$ACADVER", 1, "AC1015", 9, "$INSUNITS", 70, 4)
    outline = tags(0, "LWPOLYLINE", 8, "CUT", 90, 4, 70, 1)
    for x, y in [(0, 0), (100, 0), (100, 60), (0, 60)]:
        outline += tags(10, x, 20, y)
    slot = tags(0, "POLYLINE", 8, "CUT", 66, 1, 10, 0, 20, 0, 30, 0, 70, 1)
    for x, y, bulge in [(20, 20, 0), (30, 20, 1), (30, 30, 0), (20, 30, 1)]:
        slot += tags(0, "VERTEX", 8, "CUT", 10, x, 20, y, 30, 0, 42, bulge)
    slot += tags(0, "SEQEND", 8, "CUT")
    holes = tags(0, "CIRCLE", 8, "CUT", 10, 70, 20, 30, 30, 0, 40, 4)
    holes += tags(0, "ARC", 8, "CUT", 10, 85, 20, 30, 30, 0, 40, 4, 50, 0, 51, 360)
    label = tags(0, "TEXT", 8, "CUT", 10, 5, 20, 5, 30, 0, 40, 3, 1, "BOX")
    entities = tags(0, "SECTION", 2, "ENTITIES") + outline + slot + holes + label
    return header + tags(0, "ENDSEC") + entities + tags(0, "ENDSEC", 0, "EOF")


def test_file_without_subclass_markers_is_read_leniently_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "box.dxf"
    path.write_text(generator_file())
    with pytest.raises(ezdxf.DXFStructureError, match="missing 'AcDbPolyline' subclass"):
        ezdxf.recover.readfile(path)

    sheet = read_dxf(path)

    slot = 2 * 10 + 10 * math.pi
    assert (sheet.parts, sheet.holes) == (1, 3)
    assert sheet.cut_length_mm == pytest.approx(320 + slot + 2 * 8 * math.pi, rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(6000 - (100 + 25 * math.pi) - 2 * 16 * math.pi, rel=1e-9)
    assert sheet.units.used == "mm"
    (note,) = [w for w in sheet.warnings if "subclass markers" in w]
    assert "read leniently" in note
    assert "(ARC 1, CIRCLE 1, LINE 0" not in note
    assert "ARC 1, CIRCLE 1, LWPOLYLINE 1, POLYLINE 1" in note
    assert note.endswith("left out: TEXT 1")


# --- meshes in other units ------------------------------------------------------------------------


def mesh_file(tmp_path: Path, extents: tuple[float, float, float], name: str) -> Path:
    path = tmp_path / name
    trimesh.creation.box(extents=extents).export(path)
    return path


@pytest.mark.parametrize(
    ("extents", "units", "across"),
    [
        ((0.23, 0.1, 0.05), "m", "230.0 mm"),  # 5.8 mm as inch: too small, m is plausible
        ((8.0, 5.0, 2.0), "cm", "80.0 mm"),
        ((1.5, 1.0, 0.5), "inch", "38.1 mm"),
    ],
)
def test_mesh_in_other_units_is_doubted_with_the_plausible_reading(
    tmp_path: Path, extents: tuple[float, float, float], units: str, across: str
) -> None:
    solid = read_stl(mesh_file(tmp_path, extents, f"{units}.stl"))
    reading = solid.units
    assert (reading.used, reading.source) == ("mm", "assumed")
    assert reading.suspicious
    assert reading.alternative_units == units
    reason = reading.reason or ""
    assert f"read as {units} it is {across} across, the most plausible" in reason
    assert "other readings:" in reason
    largest = max(extents)
    assert reading.sizes_mm == pytest.approx(
        {"mm": largest, "cm": 10 * largest, "m": 1000 * largest, "inch": 25.4 * largest}
    )
    assert reason in solid.warnings[-1]
    assert solid.doubtful


def test_mesh_of_a_plausible_size_is_not_doubted(tmp_path: Path) -> None:
    assert not read_stl(mesh_file(tmp_path, (40.0, 30.0, 12.0), "part.stl")).units.suspicious


# --- open meshes and facet soups ----------------------------------------------------------------


def test_open_mesh_of_many_shells_is_estimated_within_its_true_volume(tmp_path: Path) -> None:
    """Four balls with a few facets missing and two lidless boxes, spread apart."""
    shells, true_volume = [], 0.0
    for k in range(4):
        ball = trimesh.creation.icosphere(subdivisions=3, radius=8.0 + k)
        true_volume += float(ball.volume)
        ball.apply_translation((60.0 * k, 0.0, 0.0))
        around_a_vertex = np.flatnonzero((ball.faces == 0).any(axis=1))[: 2 + k]
        shells.append(trimesh.Trimesh(ball.vertices, np.delete(ball.faces, around_a_vertex, 0)))
    for k in range(2):
        cube = trimesh.creation.box(extents=(20.0, 30.0, 10.0))
        true_volume += float(cube.volume)
        cube.apply_translation((60.0 * k, 120.0, 0.0))
        shells.append(trimesh.Trimesh(cube.vertices, cube.faces[cube.face_normals[:, 2] < 0.5]))
    mesh = trimesh.util.concatenate(shells)
    path = tmp_path / "shells.stl"
    mesh.export(path)

    solid = read_stl(path)

    assert (solid.watertight, solid.bodies, solid.volume_mm3) == (False, 6, None)
    assert solid.volume_method == "capped"
    assert solid.volume_estimate_mm3 == pytest.approx(true_volume, rel=0.02)
    assert mesh.convex_hull.volume > 5 * true_volume  # what the upper bound used to say
    assert any("on 6 of 6 shells" in w and "fan of facets" in w for w in solid.warnings)


def test_soup_of_loose_triangles_is_refused(tmp_path: Path) -> None:
    corners = np.random.default_rng(7).uniform(0.0, 50.0, (200, 3, 3))
    path = tmp_path / "soup.stl"
    trimesh.Trimesh(corners.reshape(-1, 3), np.arange(600).reshape(-1, 3), process=False).export(
        path
    )
    with pytest.raises(DesignFileError) as refused:
        read_stl(path)
    message = str(refused.value)
    assert message.startswith("soup.stl: no solid: its facets form 200 separate pieces")
    assert "(200 single facets sharing no edge)" in message
    assert "600 of 600 edges are open" in message
    assert "encloses no volume" in message


# --- a dimensioned drawing sheet ----------------------------------------------------------------

PLATE_HOLE_R = 4.0
PLATE_AREA = 100 * 60 - 2 * math.pi * PLATE_HOLE_R**2
PLATE_CUT = 320 + 2 * 2 * math.pi * PLATE_HOLE_R


def drawing_sheet(title_block_as_block: bool = True) -> Drawing:
    """An A3 sheet: border, title block, a 100 x 60 plate with two holes in front view and
    its 100 x 5 top view above it, centre lines, hidden edges, dimensions, a hatch, text."""
    doc = ezdxf.new("R2010", units=MM, setup=True)
    msp = doc.modelspace()
    rectangle(doc, 10, 10, 400, 277)  # the border, on layer 0
    if title_block_as_block:
        title = doc.blocks.new("TB")
        title.add_lwpolyline([(0, 0), (180, 0), (180, 40), (0, 40)], close=True)
        title.add_line((0, 20), (180, 20))
        title.add_attdef("PART", (5, 25), dxfattribs={"height": 5})
        msp.add_blockref("TB", (230, 10)).add_auto_attribs({"PART": "Plate"})
    else:  # drawn against the border, as lines on layer 0
        msp.add_line((230, 10), (230, 50))
        msp.add_line((230, 50), (410, 50))
        msp.add_line((230, 30), (410, 30))
        msp.add_line((300, 10), (300, 30))
    rectangle(doc, 60, 100, 100, 60)  # front view
    for x in (85, 135):
        msp.add_circle((x, 130), PLATE_HOLE_R)
        msp.add_line((x, 120), (x, 140), dxfattribs={"linetype": "CENTER"})
        msp.add_line((x - 4, 180), (x - 4, 185), dxfattribs={"linetype": "DASHED"})
        msp.add_line((x + 4, 180), (x + 4, 185), dxfattribs={"linetype": "DASHED"})
    rectangle(doc, 60, 180, 100, 5)  # top view, 5 mm thick
    doc.layers.add("DIM")
    msp.add_linear_dim(
        base=(60, 90), p1=(60, 100), p2=(160, 100), dxfattribs={"layer": "DIM"}
    ).render()
    msp.add_linear_dim(base=(50, 100), p1=(60, 100), p2=(60, 160), angle=90).render()
    hatch = msp.add_hatch(color=1)
    hatch.paths.add_polyline_path([(60, 180), (160, 180), (160, 185), (60, 185)])
    msp.add_text("SECTION A-A", dxfattribs={"height": 5, "insert": (60, 200)})
    return doc


def test_drawing_sheet_is_reduced_to_its_part_and_says_what_was_left_out(
    tmp_path: Path,
) -> None:
    sheet = read(drawing_sheet(), tmp_path)

    assert (sheet.parts, sheet.holes, sheet.open_chains) == (1, 2, 0)
    assert sheet.cut_length_mm == pytest.approx(PLATE_CUT, rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(PLATE_AREA, rel=1e-9)
    assert sheet.bbox_mm == pytest.approx((100.0, 60.0))
    record = sheet.drawing_sheet
    assert record is not None
    assert record.left_out == {
        "layer 'DIM'": 1,
        "linetype 'CENTER'": 2,
        "linetype 'DASHED'": 4,
        "title block 'TB'": 1,
    }
    assert record.frame_mm == pytest.approx((400.0, 277.0))
    assert record.views == 2
    assert record.reason == (
        "drawing sheet: left out as sheet content, not parts: layer 'DIM' 1, linetype "
        "'CENTER' 2, linetype 'DASHED' 4, title block 'TB' 1; left out its border, a 400 x "
        "277 mm rectangle around all else; measured one view of 2"
    )
    assert record.reason in sheet.warnings
    (doubt,) = sheet.doubts
    assert doubt.startswith(
        "the sheet shows 2 views of one part (outlines that line up as in a projection: "
        "100 x 60, 100 x 5 mm); measured the largest, 100 x 60 mm"
    )
    assert sheet.doubtful
    assert sheet.ignored_entities == {"DIMENSION": 1, "HATCH": 1, "TEXT": 1}


def test_border_with_a_title_block_drawn_against_it_is_left_out_with_the_title_block(
    tmp_path: Path,
) -> None:
    sheet = read(drawing_sheet(title_block_as_block=False), tmp_path)

    assert (sheet.parts, sheet.holes, sheet.open_chains) == (1, 2, 0)
    assert sheet.cut_length_mm == pytest.approx(PLATE_CUT, rel=1e-9)
    assert sheet.drawing_sheet is not None
    assert sheet.drawing_sheet.frame_mm == pytest.approx((400.0, 277.0))


def test_dimensioned_plate_without_a_sheet_keeps_its_outline(tmp_path: Path) -> None:
    """A plate with holes and dimensions is a rectangle around holes: not a border."""
    doc = new_drawing()
    rectangle(doc, 0, 0, 100, 60)
    for x in (25, 75):
        doc.modelspace().add_circle((x, 30), PLATE_HOLE_R)
    doc.modelspace().add_linear_dim(base=(0, 70), p1=(0, 60), p2=(100, 60)).render()
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.holes) == (1, 2)
    assert sheet.area_mm2 == pytest.approx(PLATE_AREA - 0.0, rel=1e-9)
    assert sheet.drawing_sheet is None
    assert sheet.doubts == []


def test_part_drawn_only_on_a_sheet_like_layer_is_measured_all_the_same(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.layers.add("FRAME")
    doc.modelspace().add_lwpolyline(
        [(0, 0), (150, 0), (150, 200), (0, 200)], close=True, dxfattribs={"layer": "FRAME"}
    )
    sheet = read(doc, tmp_path)
    assert sheet.area_mm2 == pytest.approx(30000.0)
    assert any("measured all the same" in w for w in sheet.warnings)
