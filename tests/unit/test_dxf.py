"""read_dxf on drawings made with ezdxf: exact figures, chaining, duplicates, units, bad input."""

import gc
import math
from pathlib import Path

import ezdxf
import pytest
from ezdxf.document import Drawing

from bespoke.geometry._blocks import MAX_BLOCK_DEPTH, MAX_EXPANDED_ENTITIES
from bespoke.geometry._entities import MAX_PATH_POINTS
from bespoke.geometry.dxf import read_dxf
from bespoke.model.errors import DesignFileError, InputError
from bespoke.model.geometry import ContourKind, Sheet2D

MM, INCH = 4, 1


def new_drawing(units: int = MM) -> Drawing:
    return ezdxf.new("R2010", units=units)


def save(doc: Drawing, tmp_path: Path, name: str = "part.dxf") -> Path:
    path = tmp_path / name
    doc.saveas(path)
    return path


def rectangle(doc: Drawing, x: float, y: float, width: float, height: float) -> None:
    doc.modelspace().add_lwpolyline(
        [(x, y), (x + width, y), (x + width, y + height), (x, y + height)], close=True
    )


def line_rectangle(doc: Drawing, width: float, height: float) -> None:
    """A rectangle drawn as four separate LINEs."""
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    for start, end in zip(corners, corners[1:] + corners[:1], strict=True):
        doc.modelspace().add_line(start, end)


def ellipse_perimeter(a: float, b: float) -> float:
    """Ramanujan's second approximation (relative error ~1e-10 for b/a = 0.5)."""
    h = ((a - b) / (a + b)) ** 2
    return math.pi * (a + b) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))


def read(doc: Drawing, tmp_path: Path, units: str | None = None) -> Sheet2D:
    return read_dxf(save(doc, tmp_path), units)


def bad_file_message(path: Path) -> str:
    with pytest.raises(DesignFileError) as caught:
        read_dxf(path)
    message = str(caught.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


# --- entity kinds, with hand-computed figures --------------------------------------------------


def test_rectangle_of_lines_chains_into_one_part(tmp_path: Path) -> None:
    doc = new_drawing()
    line_rectangle(doc, 30, 20)
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(100.0, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx(600.0, rel=1e-12)
    assert (sheet.parts, sheet.holes, sheet.pierces, sheet.open_chains) == (1, 0, 1, 0)
    assert sheet.bbox_min_mm == pytest.approx((0.0, 0.0))
    assert sheet.bbox_mm == pytest.approx((30.0, 20.0))
    assert sheet.contours[0].width_mm == pytest.approx(20.0, rel=0.01)
    assert sheet.warnings == []


def test_circle_is_exact_and_marked_round(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_circle((5, 5), 10)
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(20 * math.pi, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx(100 * math.pi, rel=1e-12)
    (contour,) = sheet.contours
    assert contour.is_circle
    assert contour.width_mm == pytest.approx(20.0, rel=1e-12)
    assert sheet.bbox_min_mm == pytest.approx((-5.0, -5.0), abs=0.01)
    assert sheet.bbox_mm == pytest.approx((20.0, 20.0), abs=0.01)


def test_arc_and_line_close_a_half_disc(tmp_path: Path) -> None:
    doc = new_drawing()
    msp = doc.modelspace()
    msp.add_arc((0, 0), 10, 0, 180)
    msp.add_line((-10, 0), (10, 0))
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(10 * math.pi + 20, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx(50 * math.pi, rel=1e-12)
    assert sheet.pierces == 1
    assert not sheet.contours[0].is_circle


def test_ellipse_length_by_integral_and_exact_area(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_ellipse((0, 0), major_axis=(20, 0), ratio=0.5)
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(ellipse_perimeter(20, 10), rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(200 * math.pi, rel=1e-9)
    assert sheet.contours[0].width_mm == pytest.approx(20.0, rel=0.01)


def test_half_ellipse_closed_by_a_line(tmp_path: Path) -> None:
    doc = new_drawing()
    msp = doc.modelspace()
    msp.add_ellipse((0, 0), major_axis=(20, 0), ratio=0.5, start_param=0, end_param=math.pi)
    msp.add_line((-20, 0), (20, 0))
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(ellipse_perimeter(20, 10) / 2 + 40, rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(100 * math.pi, rel=1e-9)


def test_spline_chains_with_lines(tmp_path: Path) -> None:
    """A spline whose control points lie on a line is that straight line."""
    doc = new_drawing()
    msp = doc.modelspace()
    msp.add_open_spline([(0, 0), (10, 0), (20, 0), (30, 0)])
    msp.add_line((30, 0), (30, 10))
    msp.add_line((30, 10), (0, 10))
    msp.add_line((0, 10), (0, 0))
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(80.0, rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(300.0, rel=1e-9)
    assert sheet.pierces == 1


def test_bulged_lwpolyline_slot(tmp_path: Path) -> None:
    """A 40 x 10 slot with semicircular ends: bulge 1 is a half circle."""
    doc = new_drawing()
    doc.modelspace().add_lwpolyline(
        [(0, 0, 0), (40, 0, 1), (40, 10, 0), (0, 10, 1)], format="xyb", close=True
    )
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(80 + 10 * math.pi, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx(400 + 25 * math.pi, rel=1e-12)
    assert sheet.contours[0].width_mm == pytest.approx(10.0, rel=0.01)
    assert sheet.bbox_min_mm == pytest.approx((-5.0, 0.0), abs=0.01)
    assert sheet.bbox_mm == pytest.approx((50.0, 10.0), abs=0.01)


def test_quarter_bulge_is_an_arc_of_its_own_radius(tmp_path: Path) -> None:
    """Bulge tan(θ/4): θ = 90° on a chord of 10·√2 is an arc of radius 10."""
    doc = new_drawing()
    bulge = math.tan(math.pi / 8)
    doc.modelspace().add_lwpolyline(
        [(10, 0, bulge), (0, 10, 0), (0, 0, 0)], format="xyb", close=True
    )
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(5 * math.pi + 20, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx(25 * math.pi, rel=1e-12)


def test_polyline_of_two_half_circles_is_a_circle(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_lwpolyline([(0, 0, 1), (10, 0, 1)], format="xyb", close=True)
    sheet = read(doc, tmp_path)
    (contour,) = sheet.contours
    assert contour.is_circle
    assert contour.width_mm == pytest.approx(10.0, rel=1e-12)
    assert sheet.cut_length_mm == pytest.approx(10 * math.pi, rel=1e-12)


def test_old_style_polylines_2d_with_bulge_and_3d_projected(tmp_path: Path) -> None:
    doc = new_drawing()
    msp = doc.modelspace()
    msp.add_polyline2d([(0, 0, 0), (40, 0, 1), (40, 10, 0), (0, 10, 1)], format="xyb", close=True)
    msp.add_polyline3d([(100, 0, 0), (130, 0, 5), (130, 40, 0), (100, 40, 7)], close=True)
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(80 + 10 * math.pi + 140, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx(400 + 25 * math.pi + 1200, rel=1e-12)
    assert sheet.parts == 2


def test_polyface_mesh_is_ignored_with_a_warning(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 10, 10)
    mesh = doc.modelspace().add_polyface()
    mesh.append_face([(0, 0, 0), (1, 0, 0), (1, 1, 0)])
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(40.0)
    assert any("polyface" in warning for warning in sheet.warnings)


def test_mirrored_extrusion_maps_arcs_to_world_coordinates(tmp_path: Path) -> None:
    """With extrusion (0, 0, -1) the object x axis points to world -x."""
    doc = new_drawing()
    doc.modelspace().add_circle((10, 0), 2, dxfattribs={"extrusion": (0, 0, -1)})
    sheet = read(doc, tmp_path)
    assert sheet.bbox_min_mm == pytest.approx((-12.0, -2.0), abs=0.01)
    assert sheet.area_mm2 == pytest.approx(4 * math.pi, rel=1e-12)


def test_circle_in_a_tilted_plane_is_measured_by_its_projection(tmp_path: Path) -> None:
    """Tilted by acos(0.8) about the x axis, a circle of r 10 projects to a 10 x 8 ellipse.

    A projection is measured on the flattened path, not exactly.
    """
    doc = new_drawing()
    doc.modelspace().add_circle((0, 0), 10, dxfattribs={"extrusion": (0, 0.6, 0.8)})
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(ellipse_perimeter(10, 8), rel=1e-3)
    assert sheet.area_mm2 == pytest.approx(80 * math.pi, rel=1e-3)
    assert any("projection onto XY: 1 entity" in warning for warning in sheet.warnings)


# --- block references ---------------------------------------------------------------------------


def test_nested_scaled_rotated_inserts(tmp_path: Path) -> None:
    """A 20 x 10 plate with a hole block (r 1, scaled 2) inserted at 3x, turned 90°."""
    doc = new_drawing()
    hole = doc.blocks.new("HOLE")
    hole.add_circle((0, 0), 1)
    plate = doc.blocks.new("PLATE")
    plate.add_lwpolyline([(0, 0), (20, 0), (20, 10), (0, 10)], close=True)
    plate.add_blockref("HOLE", (5, 5), dxfattribs={"xscale": 2, "yscale": 2})
    doc.modelspace().add_blockref(
        "PLATE", (100, 0), dxfattribs={"xscale": 3, "yscale": 3, "rotation": 90}
    )
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.holes) == (1, 1)
    assert sheet.cut_length_mm == pytest.approx(180 + 12 * math.pi, rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(1800 - 36 * math.pi, rel=1e-9)
    assert sheet.bbox_min_mm == pytest.approx((70.0, 0.0), abs=1e-6)
    assert sheet.bbox_mm == pytest.approx((30.0, 60.0), abs=1e-6)
    assert sheet.smallest_hole_mm == pytest.approx(12.0)


def test_non_uniform_scale_turns_a_circle_into_an_ellipse(tmp_path: Path) -> None:
    doc = new_drawing()
    block = doc.blocks.new("DISC")
    block.add_circle((0, 0), 5)
    doc.modelspace().add_blockref("DISC", (0, 0), dxfattribs={"xscale": 2, "yscale": 1})
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(ellipse_perimeter(10, 5), rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(50 * math.pi, rel=1e-9)


def test_non_uniformly_scaled_bulge_polyline_is_exploded_and_rechained(tmp_path: Path) -> None:
    doc = new_drawing()
    block = doc.blocks.new("SLOT")
    block.add_lwpolyline([(0, 0, 0), (40, 0, 1), (40, 10, 0), (0, 10, 1)], format="xyb", close=True)
    doc.modelspace().add_blockref("SLOT", (0, 0), dxfattribs={"xscale": 1, "yscale": 2})
    sheet = read(doc, tmp_path)
    assert sheet.pierces == 1
    assert sheet.area_mm2 == pytest.approx(2 * (400 + 25 * math.pi), rel=1e-9)
    assert sheet.cut_length_mm == pytest.approx(80 + ellipse_perimeter(10, 5), rel=1e-9)


def test_mirrored_insert_keeps_areas_positive(tmp_path: Path) -> None:
    doc = new_drawing()
    block = doc.blocks.new("HALF")
    block.add_arc((0, 0), 10, 0, 180)
    block.add_line((-10, 0), (10, 0))
    doc.modelspace().add_blockref("HALF", (50, 0), dxfattribs={"xscale": -1})
    sheet = read(doc, tmp_path)
    assert sheet.area_mm2 == pytest.approx(50 * math.pi, rel=1e-12)
    assert sheet.bbox_min_mm == pytest.approx((40.0, 0.0), abs=0.01)


def test_multi_insert_places_every_copy(tmp_path: Path) -> None:
    doc = new_drawing()
    block = doc.blocks.new("HOLE")
    block.add_circle((0, 0), 1)
    insert = doc.modelspace().add_blockref("HOLE", (0, 0))
    insert.dxf.column_count = 3
    insert.dxf.column_spacing = 10
    sheet = read(doc, tmp_path)
    assert sheet.pierces == 3
    assert sheet.bbox_mm == pytest.approx((22.0, 2.0), abs=0.01)


def test_undefined_blocks_are_left_out(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_circle((0, 0), 1)
    doc.modelspace().add_blockref("GONE", (0, 0))
    sheet = read(doc, tmp_path)
    assert sheet.pierces == 1
    assert "left out block references: GONE (not defined) 1" in sheet.warnings


def test_grid_of_ten_thousand_block_copies_is_measured(tmp_path: Path) -> None:
    """One 5 x 5 square inserted 100 x 100 times by a single MINSERT: a 16 KB file."""
    doc = new_drawing()
    doc.blocks.new("CELL").add_lwpolyline([(0, 0), (5, 0), (5, 5), (0, 5)], close=True)
    doc.modelspace().add_blockref("CELL", (0, 0)).grid(size=(100, 100), spacing=(10, 10))
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.holes) == (10_000, 0)
    assert sheet.cut_length_mm == pytest.approx(200_000.0, rel=1e-9)
    assert sheet.area_mm2 == pytest.approx(250_000.0, rel=1e-9)
    assert sheet.bbox_mm == pytest.approx((995.0, 995.0), abs=1e-6)


def test_block_copies_stacked_on_each_other_are_cut_once(tmp_path: Path) -> None:
    doc = new_drawing()
    block = doc.blocks.new("CELL")
    block.add_lwpolyline([(0, 0), (50, 0), (50, 50), (0, 50)], close=True)
    block.add_line((10, 10), (40, 10))
    block.add_line((40, 10), (25, 40))
    block.add_line((25, 40), (10, 10))
    doc.modelspace().add_blockref("CELL", (0, 0)).grid(size=(50, 50), spacing=(1e-6, 1e-6))
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.holes, sheet.open_chains) == (1, 1, 0)
    assert sheet.area_mm2 == pytest.approx(2500.0 - 450.0, rel=1e-4)


def test_grid_expanding_past_the_bound_is_refused_before_expansion(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.blocks.new("HOLE").add_circle((0, 0), 1)
    outer = doc.blocks.new("PANEL")
    outer.add_blockref("HOLE", (0, 0)).grid(size=(1000, 1000), spacing=(3, 3))
    doc.modelspace().add_blockref("PANEL", (0, 0)).grid(size=(1000, 1000), spacing=(4000, 4000))
    message = bad_file_message(save(doc, tmp_path))
    assert message.startswith("part.dxf holds 1,000,000,000,000 entities once its block")
    assert f"at most {MAX_EXPANDED_ENTITIES:,} are accepted" in message


def _semicircles(count: int, radius: float) -> list[tuple[float, float, float]]:
    """Vertices of a polyline of `count` half circles of `radius` (bulge 1): 512 points
    each when flattened, for radii over a metre."""
    return [(2 * radius * i, 0.0, 1.0) for i in range(count + 1)]


def test_polyline_flattening_past_the_point_bound_is_refused_before_flattening(
    tmp_path: Path,
) -> None:
    doc = new_drawing()
    doc.modelspace().add_lwpolyline(_semicircles(5_000, 2000.0), format="xyb")
    message = bad_file_message(save(doc, tmp_path))
    assert message.startswith("part.dxf: its cut paths flatten into more than 2,")
    assert f"at most {MAX_PATH_POINTS:,} are accepted" in message


def test_copies_of_a_block_past_the_point_bound_are_refused(tmp_path: Path) -> None:
    """Three copies of a polyline of a million points: few entities, many points."""
    doc = new_drawing()
    doc.blocks.new("WAVE").add_lwpolyline(_semicircles(2_000, 2000.0), format="xyb")
    doc.modelspace().add_blockref("WAVE", (0, 0)).grid(size=(3, 1), spacing=(9000, 0))
    message = bad_file_message(save(doc, tmp_path))
    assert "its cut paths flatten into more than" in message
    assert "block copies counted" in message


@pytest.mark.parametrize("levels", [MAX_BLOCK_DEPTH + 1, 3000])
def test_blocks_nested_too_deep_are_refused(tmp_path: Path, levels: int) -> None:
    doc = new_drawing()
    doc.blocks.new("B0").add_circle((0, 0), 1)
    for level in range(1, levels):
        doc.blocks.new(f"B{level}").add_blockref(f"B{level - 1}", (1, 0))
    doc.modelspace().add_blockref(f"B{levels - 1}", (0, 0))
    message = bad_file_message(save(doc, tmp_path))
    assert f"blocks are nested more than {MAX_BLOCK_DEPTH} levels deep" in message
    assert f"at most {MAX_BLOCK_DEPTH} levels of blocks inside blocks are accepted" in message


def test_blocks_nested_as_deep_as_allowed_are_measured(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.blocks.new("B1").add_circle((0, 0), 1)
    for level in range(2, MAX_BLOCK_DEPTH + 1):
        doc.blocks.new(f"B{level}").add_blockref(f"B{level - 1}", (1, 0))
    doc.modelspace().add_blockref(f"B{MAX_BLOCK_DEPTH}", (0, 0))
    assert read(doc, tmp_path).bbox_min_mm == pytest.approx((MAX_BLOCK_DEPTH - 2, -1.0))


def test_deep_block_also_inserted_near_the_top_is_still_too_deep(tmp_path: Path) -> None:
    """Each block is counted once: its depth counts wherever it is inserted again."""
    doc = new_drawing()
    doc.blocks.new("B0").add_circle((0, 0), 1)
    for level in range(1, MAX_BLOCK_DEPTH):
        doc.blocks.new(f"B{level}").add_blockref(f"B{level - 1}", (1, 0))
    doc.blocks.new("WRAP").add_blockref(f"B{MAX_BLOCK_DEPTH - 1}", (0, 0))
    doc.modelspace().add_blockref(f"B{MAX_BLOCK_DEPTH - 1}", (0, 0))
    doc.modelspace().add_blockref("WRAP", (0, 0))
    assert "levels deep" in bad_file_message(save(doc, tmp_path))


@pytest.mark.parametrize(
    ("inserts", "cycle"),
    [
        ({"LOOP": "LOOP"}, "LOOP -> LOOP"),
        ({"A": "B", "B": "C", "C": "A"}, "A -> B -> C -> A"),
    ],
)
def test_blocks_that_insert_themselves_are_refused(
    tmp_path: Path, inserts: dict[str, str], cycle: str
) -> None:
    doc = new_drawing()
    for name, inner in inserts.items():
        block = doc.blocks.new(name)
        block.add_circle((0, 0), 1)
        block.add_blockref(inner, (5, 0))
    doc.modelspace().add_blockref("A" if "A" in inserts else "LOOP", (0, 0))
    message = bad_file_message(save(doc, tmp_path))
    assert f"inserts itself ({cycle})" in message
    assert "accepted: blocks that do not contain themselves" in message


# --- geometry drawn more than once -------------------------------------------------------------


def test_contour_drawn_twice_is_cut_once(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 30, 20)
    rectangle(doc, 0, 0, 30, 20)
    sheet = read(doc, tmp_path)
    assert sheet.duplicates_removed == 1
    assert sheet.cut_length_mm == pytest.approx(100.0)
    assert sheet.pierces == 1
    assert sheet.area_mm2 == pytest.approx(600.0)
    assert any("drawn more than once" in warning for warning in sheet.warnings)


def test_line_drawn_twice_is_cut_once_and_still_chains(tmp_path: Path) -> None:
    doc = new_drawing()
    line_rectangle(doc, 30, 20)
    doc.modelspace().add_line((30, 20), (30, 0))
    sheet = read(doc, tmp_path)
    assert (sheet.pierces, sheet.open_chains) == (1, 0)
    assert sheet.cut_length_mm == pytest.approx(100.0)
    assert sheet.overlap_removed_mm == pytest.approx(20.0)


def test_two_parts_sharing_an_edge_cut_it_once(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 10, 10)
    rectangle(doc, 10, 0, 10, 10)
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.pierces) == (2, 2)
    assert sheet.cut_length_mm == pytest.approx(70.0)
    assert sheet.overlap_removed_mm == pytest.approx(10.0)
    assert sheet.area_mm2 == pytest.approx(200.0)
    assert any("drawn over other linework" in warning for warning in sheet.warnings)


def test_partly_overlapping_collinear_line_is_not_cut_twice(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 20, 10)
    doc.modelspace().add_line((5, 0), (25, 0))
    sheet = read(doc, tmp_path)
    assert sheet.open_chains == 1
    assert sheet.overlap_removed_mm == pytest.approx(15.0)
    assert sheet.cut_length_mm == pytest.approx(60.0 + 5.0)


# --- open and degenerate geometry --------------------------------------------------------------


def test_open_chain_is_cut_counted_and_located(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 100, 50)
    msp = doc.modelspace()
    msp.add_line((10, 10), (30, 10))
    msp.add_line((30, 10), (30, 30))
    sheet = read(doc, tmp_path)
    assert (sheet.open_chains, sheet.pierces, sheet.parts) == (1, 2, 1)
    assert sheet.open_length_mm == pytest.approx(40.0)
    assert sheet.cut_length_mm == pytest.approx(340.0)
    (warning,) = [w for w in sheet.warnings if "open chain" in w]
    assert "(10.00, 10.00)" in warning
    assert "(30.00, 30.00)" in warning


def test_branching_lines_are_an_open_chain(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 100, 50)
    msp = doc.modelspace()
    for end in [(20, 10), (10, 20), (0.5, 0.5)]:
        msp.add_line((10, 10), end)
    sheet = read(doc, tmp_path)
    assert sheet.open_chains == 1
    assert any("branching at (10.00, 10.00)" in warning for warning in sheet.warnings)


def test_ends_join_within_the_tolerance_only(tmp_path: Path) -> None:
    doc = new_drawing()
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 0))
    msp.add_line((10.005, 0), (10, 10))
    msp.add_line((10, 10), (0, 0))
    msp.add_line((20, 0), (30, 0))
    msp.add_line((30.05, 0), (30, 10))
    msp.add_line((30, 10), (20, 0))
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.open_chains) == (1, 1)
    assert any("0.05 mm apart" in warning for warning in sheet.warnings)


def test_open_polyline_ending_at_its_start_is_a_contour(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_lwpolyline([(0, 0), (10, 0), (10, 10), (0, 0)])
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.open_chains) == (1, 0)
    assert sheet.area_mm2 == pytest.approx(50.0)


def test_degenerate_contours_are_dropped(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 10, 10)
    msp = doc.modelspace()
    msp.add_lwpolyline([(50, 50), (60, 50)], close=True)
    msp.add_lwpolyline([(70, 70), (70, 70), (70, 70)], close=True)
    msp.add_line((5, 5), (5, 5))
    sheet = read(doc, tmp_path)
    assert sheet.degenerate_removed == 3
    assert sheet.pierces == 1
    assert sheet.cut_length_mm == pytest.approx(40.0)
    assert any("degenerate" in warning for warning in sheet.warnings)


# --- topology -----------------------------------------------------------------------------------


def test_holes_and_islands_alternate_by_depth(tmp_path: Path) -> None:
    """An outline with a hole, and an island part inside that hole."""
    doc = new_drawing()
    rectangle(doc, 0, 0, 100, 100)
    rectangle(doc, 10, 10, 80, 80)
    doc.modelspace().add_circle((50, 50), 10)
    sheet = read(doc, tmp_path)
    kinds = [contour.kind for contour in sheet.contours]
    assert kinds == [ContourKind.OUTER, ContourKind.HOLE, ContourKind.OUTER]
    assert (sheet.parts, sheet.holes) == (2, 1)
    assert sheet.area_mm2 == pytest.approx(10000 - 6400 + 100 * math.pi, rel=1e-12)


def test_crossing_contours_count_area_covered_an_odd_number_of_times(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 20, 10)
    rectangle(doc, 10, 0, 20, 10)
    sheet = read(doc, tmp_path)
    assert sheet.area_mm2 == pytest.approx(200.0, rel=1e-9)


def test_self_crossing_contour_is_measured_by_its_lobes(tmp_path: Path) -> None:
    """A figure-eight: two triangles of 25 mm² that meet at (5, 5)."""
    doc = new_drawing()
    doc.modelspace().add_lwpolyline([(0, 0), (10, 10), (10, 0), (0, 10)], close=True)
    sheet = read(doc, tmp_path)
    assert sheet.cut_length_mm == pytest.approx(20 * math.sqrt(2) + 20)
    assert sheet.area_mm2 == pytest.approx(50.0)
    assert sheet.contours[0].width_mm > 0


# --- ignored entities ---------------------------------------------------------------------------


def test_annotations_are_ignored_and_listed(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 30, 20)
    msp = doc.modelspace()
    msp.add_text("PART 1")
    msp.add_mtext("notes")
    msp.add_point((3, 3))
    msp.add_linear_dim(base=(0, 30), p1=(0, 20), p2=(30, 20)).render()
    sheet = read(doc, tmp_path)
    assert sheet.ignored_entities == {"DIMENSION": 1, "MTEXT": 1, "POINT": 1, "TEXT": 1}
    assert sheet.cut_length_mm == pytest.approx(100.0)
    (warning,) = [w for w in sheet.warnings if w.startswith("ignored")]
    assert "DIMENSION 1, MTEXT 1, POINT 1, TEXT 1" in warning


# --- units --------------------------------------------------------------------------------------


def test_inch_header_is_converted_to_mm(tmp_path: Path) -> None:
    doc = new_drawing(INCH)
    rectangle(doc, 0, 0, 2, 1)
    doc.modelspace().add_circle((1, 0.5), 0.125)
    sheet = read(doc, tmp_path)
    assert (sheet.units.declared, sheet.units.used, sheet.units.source) == (
        "inch",
        "inch",
        "header",
    )
    assert sheet.units.factor_to_mm == 25.4
    assert sheet.cut_length_mm == pytest.approx(6 * 25.4 + 0.25 * math.pi * 25.4, rel=1e-12)
    assert sheet.area_mm2 == pytest.approx((2 - math.pi / 64) * 25.4**2, rel=1e-12)
    assert sheet.bbox_mm == pytest.approx((50.8, 25.4))
    assert sheet.smallest_hole_mm == pytest.approx(6.35)
    assert not sheet.units.suspicious


@pytest.mark.parametrize(
    ("option", "factor"), [("mm", 1.0), ("CM", 10.0), ("m", 1000.0), ("in", 25.4), ("ft", 304.8)]
)
def test_units_option_overrides_the_header(tmp_path: Path, option: str, factor: float) -> None:
    doc = new_drawing(INCH)
    rectangle(doc, 0, 0, 2, 1)
    sheet = read(doc, tmp_path, units=option)
    assert (sheet.units.declared, sheet.units.source) == ("inch", "option")
    assert sheet.units.factor_to_mm == pytest.approx(factor)
    assert sheet.cut_length_mm == pytest.approx(6 * factor)
    assert not sheet.units.suspicious


def test_unknown_units_option_lists_the_accepted_names(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 10, 10)
    with pytest.raises(InputError, match=r"furlong.*mm, cm, m, inch, in, ft"):
        read(doc, tmp_path, units="furlong")


HEADERLESS_SQUARE = "".join(
    f"0\nLINE\n8\n0\n10\n{x1}\n20\n{y1}\n11\n{x2}\n21\n{y2}\n"
    for x1, y1, x2, y2 in [(0, 0, 50, 0), (50, 0, 50, 50), (50, 50, 0, 50), (0, 50, 0, 0)]
)


def test_file_without_header_is_assumed_mm_not_metres(tmp_path: Path) -> None:
    """ezdxf gives a header-less file a default $INSUNITS of metres: that is not a declaration."""
    path = tmp_path / "no_header.dxf"
    path.write_text(f"0\nSECTION\n2\nENTITIES\n{HEADERLESS_SQUARE}0\nENDSEC\n0\nEOF\n")
    sheet = read_dxf(path)
    assert (sheet.units.declared, sheet.units.used, sheet.units.source) == (None, "mm", "assumed")
    assert sheet.cut_length_mm == pytest.approx(200.0)
    assert any("declares no units" in warning for warning in sheet.warnings)


def test_tiny_drawing_without_units_is_flagged_as_probably_inches(tmp_path: Path) -> None:
    path = tmp_path / "tiny.dxf"
    path.write_text(
        "0\nSECTION\n2\nENTITIES\n" + HEADERLESS_SQUARE.replace("50", "2.5") + "0\nENDSEC\n0\nEOF\n"
    )
    sheet = read_dxf(path)
    units = sheet.units
    assert units.suspicious
    assert (units.used, units.alternative_units, units.alternative_factor_to_mm) == (
        "mm",
        "inch",
        25.4,
    )
    assert "2.50 mm across" in (units.reason or "")
    assert sheet.cut_length_mm == pytest.approx(10.0)
    assert any("units look wrong" in warning for warning in sheet.warnings)


def test_drawing_in_metres_without_units_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "metres.dxf"
    path.write_text(
        "0\nSECTION\n2\nENTITIES\n" + HEADERLESS_SQUARE.replace("50", "0.3") + "0\nENDSEC\n0\nEOF\n"
    )
    units = read_dxf(path).units
    assert units.suspicious
    assert (units.alternative_units, units.alternative_factor_to_mm) == ("m", 1000.0)
    assert "read as m it is 300.0 mm across" in (units.reason or "")


def test_inch_header_over_millimetre_hole_pattern_is_flagged(tmp_path: Path) -> None:
    """Four r 1.3 holes on a 30.5 pattern: fastener holes in mm, 66 mm holes in inches."""
    doc = new_drawing(INCH)
    for x in (-15.25, 15.25):
        for y in (-15.25, 15.25):
            doc.modelspace().add_circle((x, y), 1.3)
    sheet = read(doc, tmp_path)
    assert sheet.units.suspicious
    assert (sheet.units.used, sheet.units.alternative_units) == ("inch", "mm")
    assert "66.0 mm" in (sheet.units.reason or "")
    assert sheet.smallest_hole_mm is None


def test_plausible_millimetre_part_is_not_flagged(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 200, 100)
    for x in (10, 190):
        doc.modelspace().add_circle((x, 10), 2.5)
    assert not read(doc, tmp_path).units.suspicious


def test_units_option_is_never_flagged(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 2, 5)
    sheet = read(doc, tmp_path, units="mm")
    assert not sheet.units.suspicious
    assert sheet.units.reason is None


# --- file formats -------------------------------------------------------------------------------


def test_binary_dxf(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 30, 20)
    path = tmp_path / "binary.dxf"
    doc.saveas(path, fmt="bin")
    assert path.read_bytes().startswith(b"AutoCAD Binary DXF")
    assert read_dxf(path).cut_length_mm == pytest.approx(100.0)


def test_legacy_code_page(tmp_path: Path) -> None:
    """R2000 files are written in the code page their header names (cp1252 here)."""
    doc = ezdxf.new("R2000", units=MM)
    doc.layers.add("Flügel")
    rectangle(doc, 0, 0, 30, 20)
    doc.modelspace().add_text("Rippe ä", dxfattribs={"layer": "Flügel"})
    path = save(doc, tmp_path)
    assert "ü".encode("cp1252") in path.read_bytes()
    sheet = read_dxf(path)
    assert sheet.cut_length_mm == pytest.approx(100.0)
    assert sheet.ignored_entities == {"TEXT": 1}


def test_text_with_byte_order_mark(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 30, 20)
    path = tmp_path / "bom.dxf"
    path.write_bytes(b"\xef\xbb\xbf" + save(doc, tmp_path).read_bytes())
    assert read_dxf(path).cut_length_mm == pytest.approx(100.0)


def test_garbage_collector_state_is_restored(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 10, 10)
    path = save(doc, tmp_path)
    read_dxf(path)
    assert gc.isenabled()
    gc.disable()
    try:
        read_dxf(path)
        assert not gc.isenabled()
    finally:
        gc.enable()


# --- bad input ----------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    message = bad_file_message(tmp_path / "nowhere.dxf")
    assert "nowhere.dxf" in message and "does not exist" in message


def test_directory_is_not_a_drawing(tmp_path: Path) -> None:
    assert "is a directory" in bad_file_message(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.dxf"
    path.write_bytes(b"")
    message = bad_file_message(path)
    assert "empty.dxf is empty" in message


def test_png_renamed_to_dxf(tmp_path: Path) -> None:
    path = tmp_path / "photo.dxf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    message = bad_file_message(path)
    assert "photo.dxf is not a DXF file" in message and "PNG image" in message


def test_dwg_renamed_to_dxf(tmp_path: Path) -> None:
    path = tmp_path / "drawing.dxf"
    path.write_bytes(b"AC1032" + bytes(200))
    assert "a DWG drawing (export it as DXF)" in bad_file_message(path)


def test_text_renamed_to_dxf(tmp_path: Path) -> None:
    path = tmp_path / "notes.dxf"
    path.write_text("shopping list\neggs\nmilk\n")
    message = bad_file_message(path)
    assert "notes.dxf is not a DXF file" in message and "text" in message


_UTF8_HEADER = b"0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1024\n0\nENDSEC\n"


def test_undecodable_bytes_quoted_in_an_error_are_valid_text(tmp_path: Path) -> None:
    path = tmp_path / "garbled.dxf"
    path.write_bytes(
        _UTF8_HEADER + b"0\nSECTION\n2\nENTITIES\n\xff\xfe1\nLINE\n0\nENDSEC\n0\nEOF\n"
    )
    message = bad_file_message(path)
    assert "garbled.dxf is damaged" in message
    assert "\ufffd" in message
    message.encode("utf-8")


def test_undecodable_bytes_in_a_block_name_give_warnings_that_are_valid_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "garbled.dxf"
    path.write_bytes(
        _UTF8_HEADER + b"0\nSECTION\n2\nENTITIES\n0\nINSERT\n2\nBL\xffK\n10\n0\n20\n0\n"
        b"0\nCIRCLE\n10\n0\n20\n0\n40\n5\n0\nENDSEC\n0\nEOF\n"
    )
    sheet = read_dxf(path)
    assert "left out block references: BL\ufffdK (not defined) 1" in sheet.warnings
    sheet.model_dump_json()


def test_undecodable_file_name_gives_an_error_that_is_valid_text(tmp_path: Path) -> None:
    message = bad_file_message(tmp_path / "plan\udcff.dxf")
    assert "plan\ufffd.dxf does not exist" in message
    message.encode("utf-8")


def test_entities_with_values_out_of_range_are_left_out(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 30, 20)
    msp = doc.modelspace()
    msp.add_line((math.nan, 0), (10, 10))
    msp.add_circle((5, 5), -2)
    msp.add_spline(fit_points=[(10, -1e300), (52, -72)])
    msp.add_ellipse((0, 0), major_axis=(1e300, 0), ratio=0.5)
    sheet = read(doc, tmp_path)
    assert (sheet.parts, sheet.pierces) == (1, 1)
    assert "left out entities with invalid data: CIRCLE 1, ELLIPSE 1, SPLINE 1" in sheet.warnings
    assert any(
        "1 piece of cut path with coordinates that are not numbers" in w for w in sheet.warnings
    )


def test_vertex_without_a_location_leaves_its_polyline_out(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 30, 20)
    doc.modelspace().add_polyline2d([(0, 0), (5, 0), (5, 5)], close=True)
    text = save(doc, tmp_path).read_text()
    vertex = text.index("VERTEX")
    location = text.index("\n 10\n", vertex)
    end = text.index("\n 30\n", location)
    path = tmp_path / "damaged.dxf"
    path.write_text(text[:location] + text[text.index("\n", end + 5) :])
    sheet = read_dxf(path)
    assert sheet.parts == 1
    assert "left out entities with invalid data: POLYLINE 1" in sheet.warnings


def test_truncated_file_with_nothing_recoverable(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 10, 10)
    data = save(doc, tmp_path, "whole.dxf").read_bytes()
    path = tmp_path / "cut.dxf"
    path.write_bytes(data[: data.index(b"ENTITIES")])
    message = bad_file_message(path)
    assert "cut.dxf is damaged" in message and "truncated" in message


def test_truncated_file_after_its_entities_is_recovered_with_a_warning(tmp_path: Path) -> None:
    doc = new_drawing()
    rectangle(doc, 0, 0, 10, 10)
    data = save(doc, tmp_path, "whole.dxf").read_bytes()
    path = tmp_path / "cut.dxf"
    path.write_bytes(data[: data.index(b"OBJECTS") + 200])
    sheet = read_dxf(path)
    assert sheet.cut_length_mm == pytest.approx(40.0)
    assert any("damaged file recovered" in warning for warning in sheet.warnings)


def test_corrupt_value_that_cannot_be_recovered(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.dxf"
    path.write_text(
        "0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\nabc\n20\n0\n11\n1\n21\n1\n0\nENDSEC\n0\nEOF\n"
    )
    message = bad_file_message(path)
    assert "corrupt.dxf is a damaged DXF file" in message and "floating point" in message


def test_drawing_with_only_annotations(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_text("nothing to cut")
    message = bad_file_message(save(doc, tmp_path, "label.dxf"))
    assert "label.dxf has no cut geometry" in message and "TEXT 1" in message


def test_empty_drawing(tmp_path: Path) -> None:
    message = bad_file_message(save(new_drawing(), tmp_path, "blank.dxf"))
    assert "blank.dxf has no cut geometry" in message and "modelspace is empty" in message


def test_drawing_only_in_paper_space(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.paperspace().add_circle((10, 10), 5)
    message = bad_file_message(save(doc, tmp_path, "layout.dxf"))
    assert "paper space holds 1 cut entity: draw parts in model space" in message


def test_only_open_contours(tmp_path: Path) -> None:
    doc = new_drawing()
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 0))
    msp.add_line((10, 0), (10, 10))
    msp.add_arc((50, 50), 5, 0, 90)
    message = bad_file_message(save(doc, tmp_path, "open.dxf"))
    assert "open.dxf: nothing closes: 2 open chains" in message
    assert "largest gap 14.142 mm between (0.00, 0.00) and (10.00, 10.00)" in message


def test_only_degenerate_contours(tmp_path: Path) -> None:
    doc = new_drawing()
    doc.modelspace().add_lwpolyline([(0, 0), (10, 0)], close=True)
    message = bad_file_message(save(doc, tmp_path, "flat.dxf"))
    assert "flat.dxf has no usable contour" in message and "degenerate" in message
