"""write_shape: configured shapes written as DXF or STL, read back, and measured against
figures computed by hand; check_shape: every rejection with its sub-path and numbers."""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from ezdxf.entities.lwpolyline import LWPolyline
from ezdxf.filemanagement import readfile

from bespoke.geometry.dxf import read_dxf
from bespoke.geometry.parametric import (
    CUT_LAYER,
    MAX_PLATE_FEATURES,
    MIN_WEB_MM,
    ShapeError,
    check_shape,
    write_shape,
)
from bespoke.geometry.stl import read_stl
from bespoke.model.errors import InputError
from bespoke.model.geometry import ContourKind, Sheet2D, Solid3D
from bespoke.model.product import (
    BoxShape,
    ConfiguredShape,
    CylinderShape,
    HoleAt,
    PlateShape,
    SlotAt,
    TubeShape,
)

PI = math.pi
EXACT = 1e-9
"""Relative tolerance for figures of exact arcs and flat faces."""
FACETED = 1e-3
"""Relative tolerance for round solids: volume and area within 0.1 %."""
FLATTENING_MM = 0.005
"""How far the reader's flattened arcs may fall inside the true curve (bounding boxes)."""
SLOT_WIDTH = 0.02
"""Relative precision of the reader's width of a non-circular contour."""


def hole(x: float, y: float, diameter: float) -> HoleAt:
    return HoleAt(x_mm=x, y_mm=y, diameter_mm=diameter)


def slot(x: float, y: float, length: float, width: float, angle: float = 0.0) -> SlotAt:
    return SlotAt(x_mm=x, y_mm=y, length_mm=length, width_mm=width, angle_deg=angle)


def plate(
    width: float,
    height: float,
    radius: float = 0.0,
    holes: list[HoleAt] | None = None,
    slots: list[SlotAt] | None = None,
) -> PlateShape:
    return PlateShape(
        width_mm=width,
        height_mm=height,
        corner_radius_mm=radius,
        holes=holes or [],
        slots=slots or [],
    )


def write_and_read_dxf(shape: PlateShape, tmp_path: Path, name: str = "plate") -> Sheet2D:
    return read_dxf(write_shape(shape, tmp_path, name))


def write_and_read_stl(shape: ConfiguredShape, tmp_path: Path, name: str = "solid") -> Solid3D:
    return read_stl(
        write_shape(shape, tmp_path, name), "mm"
    )  # written in mm, read as configure does


# --- plates: written, read back, against hand-computed figures ----------------------------------


@dataclass(frozen=True)
class Expected:
    cut_mm: float
    area_mm2: float
    pierces: int
    holes: int
    bbox_mm: tuple[float, float]
    smallest_hole_mm: float | None


PLATES = {
    # 120 x 80 rectangle: cut 2(120 + 80) = 400, area 9600.
    "rectangle": (plate(120, 80), Expected(400.0, 9600.0, 1, 0, (120, 80), None)),
    # 200 x 100, r 10: outline 600 - 80 + 20π; holes 8, 8, 30: 46π; slot 40 x 10: 60 + 10π.
    # Area 20000 - 100(4 - π) - π(16 + 16 + 225) - (300 + 25π) = 19300 - 182π.
    "rounded, three holes, a slot": (
        plate(
            200,
            100,
            10,
            holes=[hole(20, 20, 8), hole(180, 20, 8), hole(100, 50, 30)],
            slots=[slot(100, 85, 40, 10)],
        ),
        Expected(580 + 76 * PI, 19300 - 182 * PI, 5, 4, (200, 100), 8.0),
    ),
    # 120 x 40 stadium (r 20): outline 320 - 160 + 40π; holes 6, 6 at the arc centres: 12π;
    # slot 30 x 8 at 30°: 44 + 8π. Area 4800 - 400(4 - π) - 18π - (176 + 16π) = 3024 + 366π.
    "stadium, holes at the arc centres, a turned slot": (
        plate(
            120,
            40,
            20,
            holes=[hole(20, 20, 6), hole(100, 20, 6)],
            slots=[slot(60, 20, 30, 8, 30)],
        ),
        Expected(204 + 60 * PI, 3024 + 366 * PI, 4, 3, (120, 40), 6.0),
    ),
    # 60 x 60 with r 30 is a disc: cut 60π + 20π, area 900π - 100π.
    "disc with a bore": (
        plate(60, 60, 30, holes=[hole(30, 30, 20)]),
        Expected(80 * PI, 800 * PI, 2, 1, (60, 60), 20.0),
    ),
    # 150 x 60, r 5: outline 420 - 40 + 10π; slots 40 x 12 upright: 56 + 12π, 60 x 6: 108 + 6π.
    # Area 9000 - 25(4 - π) - (336 + 36π) - (324 + 9π) = 8240 - 20π.
    "slots only": (
        plate(150, 60, 5, slots=[slot(30, 30, 40, 12, 90), slot(100, 30, 60, 6)]),
        Expected(544 + 28 * PI, 8240 - 20 * PI, 3, 2, (150, 60), 6.0),
    ),
}


@pytest.mark.parametrize("shape, expected", PLATES.values(), ids=PLATES.keys())
def test_plate_read_back_matches_hand_computed_figures(
    shape: PlateShape, expected: Expected, tmp_path: Path
) -> None:
    sheet = write_and_read_dxf(shape, tmp_path)

    assert sheet.cut_length_mm == pytest.approx(expected.cut_mm, rel=EXACT)
    assert sheet.area_mm2 == pytest.approx(expected.area_mm2, rel=EXACT)
    assert sheet.pierces == expected.pierces
    assert sheet.holes == expected.holes
    assert sheet.parts == 1
    assert sheet.bbox_min_mm == pytest.approx((0.0, 0.0), abs=EXACT)
    assert sheet.bbox_mm == pytest.approx(expected.bbox_mm, rel=EXACT)
    if expected.smallest_hole_mm is None:
        assert sheet.smallest_hole_mm is None
    else:
        assert sheet.smallest_hole_mm == pytest.approx(expected.smallest_hole_mm, rel=SLOT_WIDTH)
    assert (sheet.open_chains, sheet.warnings, sheet.units.declared) == (0, [], "mm")


def test_hole_grid_read_back_matches_the_formula(tmp_path: Path) -> None:
    holes = [hole(10 + 12 * i, 10 + 12 * j, 5) for i in range(20) for j in range(10)]
    shape = plate(250, 130, 4, holes=holes)

    sheet = write_and_read_dxf(shape, tmp_path)

    assert sheet.cut_length_mm == pytest.approx(
        2 * (250 + 130) - 8 * 4 + 2 * PI * 4 + 200 * PI * 5, rel=EXACT
    )
    assert sheet.area_mm2 == pytest.approx(250 * 130 - (4 - PI) * 16 - 200 * PI * 25 / 4, rel=EXACT)
    assert (sheet.pierces, sheet.holes, sheet.smallest_hole_mm) == (201, 200, 5.0)


@pytest.mark.parametrize("angle", [30.0, 45.0, 90.0, 135.0, 217.5, -60.0])
def test_turned_slot_measures_like_a_straight_one(angle: float, tmp_path: Path) -> None:
    length, width = 40.0, 10.0
    straight = write_and_read_dxf(plate(100, 100, slots=[slot(50, 50, length, width)]), tmp_path)
    turned = write_and_read_dxf(
        plate(100, 100, slots=[slot(50, 50, length, width, angle)]), tmp_path, "turned"
    )

    assert turned.cut_length_mm == pytest.approx(straight.cut_length_mm, rel=EXACT)
    assert turned.area_mm2 == pytest.approx(straight.area_mm2, rel=EXACT)
    assert turned.area_mm2 == pytest.approx(10000 - (30 * 10 + 25 * PI), rel=EXACT)
    assert turned.smallest_hole_mm == pytest.approx(width, rel=SLOT_WIDTH)
    (contour,) = [c for c in turned.contours if c.kind is ContourKind.HOLE]
    x0, y0, x1, y1 = contour.bbox_mm
    radians = math.radians(angle)
    across = (length - width) * abs(math.cos(radians)) + width
    up = (length - width) * abs(math.sin(radians)) + width
    assert (x1 - x0, y1 - y0) == pytest.approx((across, up), abs=2 * FLATTENING_MM)
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((50, 50), abs=FLATTENING_MM)


def test_plate_drawing_is_r2010_in_mm_with_true_arcs_on_the_cut_layer(tmp_path: Path) -> None:
    shape = plate(200, 100, 10, holes=[hole(20, 20, 8)], slots=[slot(100, 50, 40, 10, 15)])

    path = write_shape(shape, tmp_path, "bracket-2")

    assert path == tmp_path / "bracket-2.dxf"
    doc = readfile(path)
    assert (doc.dxfversion, doc.header["$INSUNITS"]) == ("AC1024", 4)
    entities = list(doc.modelspace())
    assert [e.dxftype() for e in entities] == ["LWPOLYLINE", "CIRCLE", "LWPOLYLINE"]
    assert {e.dxf.layer for e in entities} == {CUT_LAYER}
    outline, circle, slot_outline = entities
    assert isinstance(outline, LWPolyline) and isinstance(slot_outline, LWPolyline)
    assert outline.closed and slot_outline.closed
    outline_bulges = [b for *_, b in outline.get_points("xyb")]
    assert outline_bulges == pytest.approx([0, math.tan(PI / 8)] * 4)
    assert sorted(b for *_, b in slot_outline.get_points("xyb")) == [0, 0, 1, 1]
    assert (tuple(circle.dxf.center)[:2], circle.dxf.radius) == ((20, 20), 4)


def test_same_shape_gives_the_same_files(tmp_path: Path) -> None:
    shape = plate(200, 100, 10, holes=[hole(20, 20, 8)], slots=[slot(100, 50, 40, 10, 15)])
    first = write_shape(shape, tmp_path / "a", "part").read_text()
    second = write_shape(shape, tmp_path / "b", "part").read_text()

    def entities(text: str) -> str:
        return text[text.index("ENTITIES") : text.index("OBJECTS")]

    assert entities(first) == entities(second)
    tube = TubeShape(outer_diameter_mm=40, wall_mm=3, length_mm=100)
    box = BoxShape(x_mm=40, y_mm=30, z_mm=20, wall_mm=2)
    for solid in (tube, box):
        assert (
            write_shape(solid, tmp_path / "a", "s").read_bytes()
            == write_shape(solid, tmp_path / "b", "s").read_bytes()
        )


# --- solids -------------------------------------------------------------------------------------


def assert_one_closed_body(solid: Solid3D) -> None:
    assert (solid.watertight, solid.winding_consistent, solid.bodies) == (True, True, 1)
    assert (solid.volume_method, solid.repaired, solid.warnings) == ("exact", False, [])
    assert solid.bbox_min_mm == pytest.approx((0, 0, 0), abs=EXACT)


def test_solid_box(tmp_path: Path) -> None:
    solid = write_and_read_stl(BoxShape(x_mm=100, y_mm=60, z_mm=40), tmp_path)

    assert_one_closed_body(solid)
    assert solid.volume_mm3 == pytest.approx(240_000, rel=EXACT)
    assert solid.surface_area_mm2 == pytest.approx(2 * (6000 + 4000 + 2400), rel=EXACT)
    assert solid.bbox_mm == pytest.approx((100, 60, 40), rel=EXACT)
    assert solid.facets == 12


@pytest.mark.parametrize(
    "x, y, z, wall",
    [(100, 60, 40, 2), (30, 20, 10, 4), (500, 400, 300, 0.75)],
)
def test_open_box_shell(x: float, y: float, z: float, wall: float, tmp_path: Path) -> None:
    solid = write_and_read_stl(BoxShape(x_mm=x, y_mm=y, z_mm=z, wall_mm=wall), tmp_path)

    inner_x, inner_y, depth = x - 2 * wall, y - 2 * wall, z - wall
    outside = x * y + 2 * (x + y) * z  # floor and four walls, no lid
    rim = x * y - inner_x * inner_y
    inside = inner_x * inner_y + 2 * (inner_x + inner_y) * depth
    assert_one_closed_body(solid)
    assert solid.volume_mm3 == pytest.approx(x * y * z - inner_x * inner_y * depth, rel=1e-6)
    assert solid.surface_area_mm2 == pytest.approx(outside + rim + inside, rel=1e-6)
    assert solid.bbox_mm == pytest.approx((x, y, z), rel=EXACT)


def test_open_box_shell_by_hand(tmp_path: Path) -> None:
    solid = write_and_read_stl(BoxShape(x_mm=100, y_mm=60, z_mm=40, wall_mm=2), tmp_path)

    assert solid.volume_mm3 == pytest.approx(240_000 - 96 * 56 * 38, rel=1e-6)  # 35712
    # outside 6000 + 12800, rim 624, inside 5376 + 11552
    assert solid.surface_area_mm2 == pytest.approx(36_352, rel=1e-6)


@pytest.mark.parametrize("diameter, height", [(50, 40), (2, 5), (400, 3), (3000, 100)])
def test_cylinder_within_a_thousandth(diameter: float, height: float, tmp_path: Path) -> None:
    solid = write_and_read_stl(CylinderShape(diameter_mm=diameter, height_mm=height), tmp_path)

    r = diameter / 2
    volume = PI * r * r * height
    assert_one_closed_body(solid)
    assert volume * (1 - FACETED) < (solid.volume_mm3 or 0) < volume
    assert solid.surface_area_mm2 == pytest.approx(
        2 * PI * r * r + 2 * PI * r * height, rel=FACETED
    )
    assert solid.bbox_mm == pytest.approx((diameter, diameter, height), rel=1e-6)


@pytest.mark.parametrize(
    "outer, wall, length", [(50, 5, 200), (10, 0.5, 1000), (2000, 3, 50), (6, 2.9, 10)]
)
def test_tube_within_a_thousandth(outer: float, wall: float, length: float, tmp_path: Path) -> None:
    shape = TubeShape(outer_diameter_mm=outer, wall_mm=wall, length_mm=length)
    solid = write_and_read_stl(shape, tmp_path)

    big, small = outer / 2, outer / 2 - wall
    volume = PI * (big**2 - small**2) * length
    area = 2 * PI * (big + small) * length + 2 * PI * (big**2 - small**2)
    assert_one_closed_body(solid)
    assert volume * (1 - FACETED) < (solid.volume_mm3 or 0) < volume
    assert solid.surface_area_mm2 == pytest.approx(area, rel=FACETED)
    assert solid.bbox_mm == pytest.approx((outer, outer, length), rel=1e-6)


def test_tube_by_hand(tmp_path: Path) -> None:
    shape = TubeShape(outer_diameter_mm=50, wall_mm=5, length_mm=200)
    solid = write_and_read_stl(shape, tmp_path)

    assert solid.volume_mm3 == pytest.approx(45_000 * PI, rel=FACETED)  # π(625 - 400)·200
    assert solid.surface_area_mm2 == pytest.approx(18_450 * PI, rel=FACETED)  # 2π·45·200 + 2π·225


# --- rejections ---------------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")

REJECTED: dict[str, tuple[ConfiguredShape, str, list[str]]] = {
    "corner radius over half the shorter side": (
        plate(100, 50, 25.5),
        "corner_radius_mm",
        ["25.5 mm", "100 x 50", "25 mm"],
    ),
    "hole past the edge": (
        plate(100, 100, holes=[hole(50, 50, 10), hole(5, 50, 12)]),
        "holes[1]",
        ["12 mm hole at (5, 50)", "1 mm past the plate edge"],
    ),
    "hole with a thin web to the edge": (
        plate(100, 100, holes=[hole(5.3, 50, 10)]),
        "holes[0]",
        ["0.3 mm web", f"{MIN_WEB_MM} mm"],
    ),
    "hole in a rounded corner": (
        plate(100, 100, 20, holes=[hole(4, 4, 4)]),
        "holes[0]",
        ["4 mm hole at (4, 4)", "4.627 mm past"],  # 2 - (20 - 16√2)
    ),
    "hole wholly outside": (
        plate(100, 100, holes=[hole(150, 50, 10)]),
        "holes[0]",
        ["55 mm past"],
    ),
    "turned slot past the edge": (
        plate(100, 100, slots=[slot(50, 50, 20, 6), slot(50, 10, 40, 6, 90)]),
        "slots[1]",
        ["40 x 6 mm slot at (50, 10)", "10 mm past"],  # end centre at y = -7, radius 3
    ),
    "slot no longer than wide": (
        plate(100, 100, slots=[slot(50, 50, 6, 6)]),
        "slots[0].length_mm",
        ["6 mm long", "(6 mm)"],
    ),
    "overlapping holes": (
        plate(100, 100, holes=[hole(20, 20, 10), hole(80, 80, 10), hole(28, 20, 10)]),
        "holes[2]",
        ["overlaps holes[0]", "10 mm hole at (20, 20)", "by 2 mm"],
    ),
    "holes with a thin web between them": (
        plate(100, 100, holes=[hole(20, 20, 10), hole(30.2, 20, 10)]),
        "holes[1]",
        ["0.2 mm web to holes[0]", f"{MIN_WEB_MM} mm"],
    ),
    "slot across a hole": (
        plate(100, 100, holes=[hole(80, 80, 10), hole(50, 50, 10)], slots=[slot(50, 45, 30, 6)]),
        "slots[0]",
        ["overlaps holes[1]", "by 3 mm"],
    ),
    "crossing slots": (
        plate(100, 100, slots=[slot(50, 50, 40, 6), slot(50, 50, 40, 6, 90)]),
        "slots[1]",
        ["overlaps slots[0]", "by 6 mm"],
    ),
    "box wall too thick for x": (
        BoxShape(x_mm=50, y_mm=80, z_mm=40, wall_mm=25),
        "wall_mm",
        ["25 mm wall", "50 x 80 x 40", "thinner than 25 mm (half of x)"],
    ),
    "box wall too thick for y": (
        BoxShape(x_mm=80, y_mm=30, z_mm=40, wall_mm=16),
        "wall_mm",
        ["thinner than 15 mm (half of y)"],
    ),
    "box wall as thick as it is high": (
        BoxShape(x_mm=100, y_mm=100, z_mm=5, wall_mm=5),
        "wall_mm",
        ["thinner than 5 mm (z)"],
    ),
    "tube wall as thick as the radius": (
        TubeShape(outer_diameter_mm=20, wall_mm=10, length_mm=100),
        "wall_mm",
        ["10 mm wall", "20 mm outer diameter", "thinner than 10 mm"],
    ),
    "infinite size": (
        CylinderShape(diameter_mm=INF, height_mm=10),
        "diameter_mm",
        ["inf is not a finite number"],
    ),
    "hole at no number": (
        plate(100, 100, holes=[hole(50, 50, 5), hole(NAN, 50, 5)]),
        "holes[1].x_mm",
        ["nan is not a finite number"],
    ),
}


@pytest.mark.parametrize("shape, path, fragments", REJECTED.values(), ids=REJECTED.keys())
def test_rejected_shape_names_where_and_why(
    shape: ConfiguredShape, path: str, fragments: list[str], tmp_path: Path
) -> None:
    with pytest.raises(ShapeError) as caught:
        write_shape(shape, tmp_path / "out", "part")

    error = caught.value
    assert isinstance(error, InputError)
    assert error.path == path
    assert str(error) == f"{path}: {error.reason}"
    for fragment in fragments:
        assert fragment in error.reason
    assert not (tmp_path / "out").exists()


ACCEPTED: dict[str, ConfiguredShape] = {
    "corner radius half the shorter side": plate(100, 50, 25),
    "webs of exactly the minimum": plate(
        100,
        100,
        holes=[hole(5 + MIN_WEB_MM, 50, 10), hole(15 + 2 * MIN_WEB_MM, 50, 10)],
        slots=[slot(50, 100 - 3 - MIN_WEB_MM - 20, 46, 6, 90)],
    ),
    "hole near a rounded corner, clear of the arc": plate(100, 100, 20, holes=[hole(10, 10, 4)]),
    "thin-walled box": BoxShape(x_mm=100, y_mm=60, z_mm=40, wall_mm=0.4),
    "thin tube": TubeShape(outer_diameter_mm=20, wall_mm=9.9, length_mm=100),
    "cylinder": CylinderShape(diameter_mm=0.5, height_mm=0.5),
}


@pytest.mark.parametrize("shape", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_shape(shape: ConfiguredShape) -> None:
    check_shape(shape)


@pytest.mark.parametrize("name", ["", "Part", "../part", "part.dxf", "-part", "a" * 65])
def test_unsafe_name_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="accepted are") as caught:
        write_shape(plate(10, 10), tmp_path, name)

    assert not isinstance(caught.value, ShapeError)
    assert list(tmp_path.iterdir()) == []


def test_plate_of_more_holes_and_slots_than_the_bound_is_refused() -> None:
    holes = [hole(2.0 + 2.0 * (i % 100), 2.0 + 2.0 * (i // 100), 1.0) for i in range(10_001)]
    with pytest.raises(ShapeError) as caught:
        check_shape(plate(205.0, 205.0, holes=holes))
    assert caught.value.path == "holes"
    assert f"a plate may have at most {MAX_PLATE_FEATURES:,}" in caught.value.reason


def test_large_hole_among_many_small_ones_is_checked_against_its_neighbours() -> None:
    """2,000 small holes round a 300 mm one; one small hole 0.3 mm from its rim."""
    ring = [
        hole(250.0 + r * math.cos(a), 250.0 + r * math.sin(a), 1.0)
        for r in (152.0, 170.0, 190.0, 210.0)
        for a in np.linspace(0.0, 2 * PI, 500, endpoint=False)
    ]
    big = hole(250.0, 250.0, 300.0)
    check_shape(plate(500.0, 500.0, holes=[big, *ring]))
    with pytest.raises(ShapeError) as caught:
        check_shape(plate(500.0, 500.0, holes=[big, hole(99.2, 250.0, 1.0), *ring]))
    assert caught.value.path == "holes[1]"
    assert "leaves a 0.3 mm web to holes[0], the 300 mm hole" in caught.value.reason
