"""read_stl on meshes generated with trimesh: figures, encodings, repairs, units, bad input."""

import math
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh

from bespoke.geometry.stl import MAX_FACETS, MAX_NESTED_PAIRS, read_stl
from bespoke.model.errors import DesignFileError, InputError


def box(extents: tuple[float, float, float], corner: tuple[float, float, float]) -> trimesh.Trimesh:
    """An axis-aligned box with its minimum corner at `corner`."""
    mesh = trimesh.creation.box(extents=extents)
    mesh.apply_translation(np.add(corner, np.divide(extents, 2)))
    return mesh


def write_binary(path: Path, mesh: trimesh.Trimesh) -> Path:
    path.write_bytes(mesh.export(file_type="stl"))
    return path


def write_ascii(path: Path, *meshes: trimesh.Trimesh) -> Path:
    """One `solid ... endsolid` block per mesh."""
    path.write_text("".join(mesh.export(file_type="stl_ascii") for mesh in meshes))
    return path


def with_faces(mesh: trimesh.Trimesh, faces: np.ndarray) -> trimesh.Trimesh:
    return trimesh.Trimesh(vertices=mesh.vertices, faces=faces, process=False)


def flipped(mesh: trimesh.Trimesh, rows: list[int]) -> trimesh.Trimesh:
    """The mesh with the winding of the facets in `rows` reversed."""
    faces = mesh.faces.copy()
    faces[rows] = faces[rows][:, ::-1]
    return with_faces(mesh, faces)


def without(mesh: trimesh.Trimesh, rows: list[int]) -> trimesh.Trimesh:
    return with_faces(mesh, np.delete(mesh.faces, rows, axis=0))


def raw_binary(triangles: np.ndarray, header: bytes = b"") -> bytes:
    """A binary STL written field by field, normals left zero."""
    facets = [
        struct.pack("<12fH", *(0.0, 0.0, 0.0), *np.asarray(triangle).ravel(), 0)
        for triangle in triangles
    ]
    return header.ljust(80, b" ") + struct.pack("<I", len(facets)) + b"".join(facets)


BOX_EXTENTS = (10.0, 20.0, 30.0)
BOX_CORNER = (1.0, -2.0, 3.0)
BOX_VOLUME = 10.0 * 20.0 * 30.0
BOX_AREA = 2 * (10.0 * 20.0 + 20.0 * 30.0 + 10.0 * 30.0)


@pytest.fixture
def box_mesh() -> trimesh.Trimesh:
    return box(BOX_EXTENTS, BOX_CORNER)


def assert_box(solid_volume: float | None, area: float) -> None:
    assert solid_volume == pytest.approx(BOX_VOLUME, rel=1e-9)
    assert area == pytest.approx(BOX_AREA, rel=1e-9)


# --- figures ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["binary", "ascii"])
def test_box_figures_match_hand_computed_values(
    tmp_path: Path, box_mesh: trimesh.Trimesh, encoding: str
) -> None:
    path = tmp_path / "box.stl"
    if encoding == "binary":
        write_binary(path, box_mesh)
    else:
        write_ascii(path, box_mesh)

    solid = read_stl(path)

    assert solid.facets == 12
    assert_box(solid.volume_mm3, solid.surface_area_mm2)
    assert solid.volume_estimate_mm3 == solid.volume_mm3
    assert solid.volume_method == "exact"
    assert solid.bbox_min_mm == pytest.approx(BOX_CORNER)
    assert solid.bbox_mm == pytest.approx(BOX_EXTENTS)
    assert (solid.watertight, solid.winding_consistent, solid.bodies) == (True, True, 1)
    assert not solid.repaired
    assert solid.warnings == []
    assert solid.units.model_dump(include={"declared", "used", "factor_to_mm", "source"}) == {
        "declared": None,
        "used": "mm",
        "factor_to_mm": 1.0,
        "source": "assumed",
    }
    assert not solid.units.suspicious


def test_cylinder_is_close_to_the_analytic_solid(tmp_path: Path) -> None:
    radius, height = 5.0, 20.0
    mesh = trimesh.creation.cylinder(radius=radius, height=height, sections=256)

    solid = read_stl(write_binary(tmp_path / "cylinder.stl", mesh))

    assert solid.volume_mm3 == pytest.approx(math.pi * radius**2 * height, rel=1e-3)
    area = 2 * math.pi * radius * height + 2 * math.pi * radius**2
    assert solid.surface_area_mm2 == pytest.approx(area, rel=1e-3)
    assert solid.bbox_mm == pytest.approx((10.0, 10.0, 20.0), rel=1e-3)
    assert solid.bbox_min_mm[2] == pytest.approx(-10.0)


def test_icosphere_is_close_to_the_analytic_sphere(tmp_path: Path) -> None:
    radius = 10.0
    mesh = trimesh.creation.icosphere(subdivisions=5, radius=radius)

    solid = read_stl(write_ascii(tmp_path / "sphere.stl", mesh))

    assert solid.facets == 20480
    assert solid.volume_mm3 == pytest.approx(4 / 3 * math.pi * radius**3, rel=2e-3)
    assert solid.surface_area_mm2 == pytest.approx(4 * math.pi * radius**2, rel=2e-3)
    assert solid.bbox_mm == pytest.approx((20.0, 20.0, 20.0), rel=1e-3)


def test_binary_file_whose_header_begins_with_solid_is_read_as_binary(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    data = bytearray(box_mesh.export(file_type="stl"))
    data[:80] = b"solid exported by a CAD system".ljust(80, b" ")
    path = tmp_path / "header.stl"
    path.write_bytes(bytes(data))

    solid = read_stl(path)

    assert solid.facets == 12
    assert_box(solid.volume_mm3, solid.surface_area_mm2)


def test_ascii_file_with_several_solids_reads_every_block(tmp_path: Path) -> None:
    first = box((1.0, 2.0, 3.0), (0.0, 0.0, 0.0))
    second = box((4.0, 5.0, 6.0), (10.0, 0.0, 0.0))
    path = write_ascii(tmp_path / "two.stl", first, second)
    assert path.read_text().lower().count("endsolid") == 2

    solid = read_stl(path)

    assert solid.facets == 24
    assert solid.bodies == 2
    assert solid.volume_mm3 == pytest.approx(6.0 + 120.0)
    assert solid.bbox_min_mm == pytest.approx((0.0, 0.0, 0.0))
    assert solid.bbox_mm == pytest.approx((14.0, 5.0, 6.0))


def test_separate_bodies_in_one_binary_file_are_counted_and_summed(tmp_path: Path) -> None:
    bodies = [box((10.0, 10.0, 10.0), (x, 0.0, 0.0)) for x in (0.0, 20.0, 40.0)]

    solid = read_stl(write_binary(tmp_path / "plate.stl", trimesh.util.concatenate(bodies)))

    assert solid.bodies == 3
    assert solid.volume_mm3 == pytest.approx(3000.0)
    assert solid.volume_method == "exact"
    assert solid.warnings == []


# --- orientation and nesting -------------------------------------------------------------


def test_inside_out_box_is_measured_positive_and_reported(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    inside_out = flipped(box_mesh, list(range(12)))

    solid = read_stl(write_binary(tmp_path / "inverted.stl", inside_out))

    assert solid.winding_consistent
    assert_box(solid.volume_mm3, solid.surface_area_mm2)
    assert solid.repaired
    assert solid.volume_method == "repaired"
    assert any("inside out" in warning for warning in solid.warnings)


def test_inconsistent_winding_is_fixed_before_measuring_volume(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    solid = read_stl(write_binary(tmp_path / "mixed.stl", flipped(box_mesh, [0, 5])))

    assert solid.watertight
    assert not solid.winding_consistent
    assert_box(solid.volume_mm3, solid.surface_area_mm2)
    assert solid.repaired
    assert any("winding was inconsistent in 1 of 1 bodies" in w for w in solid.warnings)


def test_bodies_with_inconsistent_winding_each_count_positive(tmp_path: Path) -> None:
    small = flipped(box((1.0, 1.0, 1.0), (0.0, 0.0, 0.0)), [0, 1, 2])
    large = flipped(box((2.0, 2.0, 2.0), (5.0, 0.0, 0.0)), [3, 7])

    solid = read_stl(write_ascii(tmp_path / "multibody.stl", small, large))

    assert solid.bodies == 2
    assert solid.volume_mm3 == pytest.approx(1.0 + 8.0)
    assert any("2 of 2 bodies" in warning for warning in solid.warnings)


def test_inward_facing_inner_shell_is_a_cavity(tmp_path: Path) -> None:
    outer = box((20.0, 20.0, 20.0), (0.0, 0.0, 0.0))
    cavity = flipped(box((10.0, 10.0, 10.0), (5.0, 5.0, 5.0)), list(range(12)))

    solid = read_stl(
        write_binary(tmp_path / "hollow.stl", trimesh.util.concatenate([outer, cavity]))
    )

    assert solid.bodies == 2
    assert solid.volume_mm3 == pytest.approx(8000.0 - 1000.0)
    assert solid.volume_method == "exact"
    assert solid.warnings == []


def test_outward_facing_inner_shell_is_still_a_cavity_and_reported(tmp_path: Path) -> None:
    outer = box((20.0, 20.0, 20.0), (0.0, 0.0, 0.0))
    inner = box((10.0, 10.0, 10.0), (5.0, 5.0, 5.0))

    solid = read_stl(
        write_binary(tmp_path / "nested.stl", trimesh.util.concatenate([outer, inner]))
    )

    assert solid.volume_mm3 == pytest.approx(7000.0)
    assert solid.repaired
    assert any("even-odd" in warning for warning in solid.warnings)


# --- open meshes -------------------------------------------------------------------------


def test_box_missing_a_facet_is_repaired_and_says_so(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    solid = read_stl(write_binary(tmp_path / "holed.stl", without(box_mesh, [4])))

    assert solid.facets == 11
    assert not solid.watertight
    assert solid.repaired
    assert solid.volume_method == "repaired"
    assert solid.volume_mm3 == pytest.approx(BOX_VOLUME)
    assert solid.surface_area_mm2 == pytest.approx(BOX_AREA - box_mesh.area_faces[4])
    assert any("3 open edges" in w and "filling its holes" in w for w in solid.warnings)


def test_box_missing_a_whole_side_is_repaired(tmp_path: Path, box_mesh: trimesh.Trimesh) -> None:
    side = [i for i, normal in enumerate(box_mesh.face_normals) if normal[2] > 0.5]
    assert len(side) == 2

    solid = read_stl(write_binary(tmp_path / "lidless.stl", without(box_mesh, side)))

    assert solid.volume_mm3 == pytest.approx(BOX_VOLUME)
    assert solid.repaired


def test_open_cup_is_estimated_by_capping_its_hole(tmp_path: Path) -> None:
    """A cylinder without its top: the cap restores the missing flat face exactly."""
    cylinder = trimesh.creation.cylinder(radius=5.0, height=20.0, sections=64)
    top = [i for i, normal in enumerate(cylinder.face_normals) if normal[2] > 0.5]
    exact = float(cylinder.volume)

    solid = read_stl(write_binary(tmp_path / "cup.stl", without(cylinder, top)))

    assert not solid.watertight
    assert solid.volume_mm3 is None
    assert solid.volume_method == "capped"
    assert not solid.repaired
    assert solid.volume_estimate_mm3 == pytest.approx(exact, rel=1e-6)  # float32 facets
    (warning,) = solid.warnings
    assert "64 open edges on 1 of 1 shells" in warning
    assert "undefined" in warning
    assert "closes each hole of every shell with a fan" in warning


def test_open_shells_are_capped_each_on_its_own(tmp_path: Path) -> None:
    cups = []
    for x in (0.0, 100.0):
        cylinder = trimesh.creation.cylinder(radius=5.0, height=20.0, sections=64)
        cylinder.apply_translation((x, 0.0, 0.0))
        top = [i for i, normal in enumerate(cylinder.face_normals) if normal[2] > 0.5]
        cups.append(without(cylinder, top))
    mesh = trimesh.util.concatenate(cups)

    solid = read_stl(write_binary(tmp_path / "cups.stl", mesh))

    assert solid.volume_mm3 is None
    assert solid.bodies == 2
    assert solid.volume_estimate_mm3 == pytest.approx(2 * cups[0].convex_hull.volume, rel=1e-6)
    assert "on 2 of 2 shells" in solid.warnings[0]


def test_triangle_soup_is_refused_as_no_solid(tmp_path: Path) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=2, radius=10.0)
    soup = sphere.triangles + np.random.default_rng(3).normal(0.0, 0.01, sphere.triangles.shape)
    path = tmp_path / "soup.stl"
    path.write_bytes(raw_binary(soup))

    message = rejection(path)

    assert message.startswith("soup.stl: no solid: its facets form 320 separate pieces")
    assert "(320 single facets sharing no edge), none of them closed or nearly closed" in message
    assert "960 of 960 edges are open" in message
    assert message.endswith("accepted: a mesh of facets that encloses a volume")


def test_closed_shells_beside_an_open_one_count_their_own_volume(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    cylinder = trimesh.creation.cylinder(radius=5.0, height=20.0, sections=64)
    cylinder.apply_translation((100.0, 0.0, 0.0))
    top = [i for i, normal in enumerate(cylinder.face_normals) if normal[2] > 0.5]
    cup = without(cylinder, top)
    mesh = trimesh.util.concatenate([box_mesh, cup])

    solid = read_stl(write_binary(tmp_path / "mixed.stl", mesh))

    assert solid.volume_mm3 is None
    assert solid.volume_estimate_mm3 == pytest.approx(BOX_VOLUME + cup.convex_hull.volume)
    assert "1 of 2 shells" in solid.warnings[0]


# --- units -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "used", "factor"),
    [
        ("inch", "inch", 25.4),
        ("IN", "inch", 25.4),
        ("cm", "cm", 10.0),
        ("m", "m", 1000.0),
        ("ft", "ft", 304.8),
        ("mm", "mm", 1.0),
    ],
)
def test_units_option_scales_every_figure(
    tmp_path: Path, units: str, used: str, factor: float
) -> None:
    path = write_binary(tmp_path / "part.stl", box((1.0, 2.0, 3.0), (1.0, 1.0, 1.0)))

    solid = read_stl(path, units=units)

    assert (solid.units.used, solid.units.source) == (used, "option")
    assert solid.units.factor_to_mm == factor
    assert solid.volume_mm3 == pytest.approx(6.0 * factor**3)
    assert solid.surface_area_mm2 == pytest.approx(22.0 * factor**2)
    assert solid.bbox_mm == pytest.approx((factor, 2 * factor, 3 * factor))
    assert solid.bbox_min_mm == pytest.approx((factor, factor, factor))
    assert not solid.units.suspicious


def test_unknown_units_are_refused_naming_the_accepted_ones(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    path = write_binary(tmp_path / "part.stl", box_mesh)

    with pytest.raises(InputError, match=r"'furlong'.*mm, cm, m, inch \(or in\), ft"):
        read_stl(path, units="furlong")


def test_tiny_part_is_flagged_as_probably_inches(tmp_path: Path) -> None:
    path = write_binary(tmp_path / "tiny.stl", box((0.5, 1.0, 2.0), (0.0, 0.0, 0.0)))

    solid = read_stl(path)

    assert solid.units.used == "mm"
    assert solid.units.source == "assumed"
    assert solid.units.suspicious
    assert solid.units.alternative_units == "inch"
    assert solid.units.alternative_factor_to_mm == 25.4
    assert solid.volume_mm3 == pytest.approx(1.0)
    assert solid.units.reason is not None
    assert solid.units.reason in solid.warnings
    assert "50.8 mm" in solid.units.reason


def test_part_tiny_even_in_inches_is_flagged_as_probably_metres(tmp_path: Path) -> None:
    path = write_binary(tmp_path / "metres.stl", box((0.02, 0.03, 0.05), (0.0, 0.0, 0.0)))

    solid = read_stl(path)

    assert solid.units.suspicious
    assert solid.units.alternative_units == "m"
    assert solid.units.alternative_factor_to_mm == 1000.0


def test_tiny_part_in_explicit_units_is_not_second_guessed(tmp_path: Path) -> None:
    path = write_binary(tmp_path / "tiny.stl", box((0.5, 1.0, 2.0), (0.0, 0.0, 0.0)))

    assert not read_stl(path, units="mm").units.suspicious


# --- bad input ---------------------------------------------------------------------------

UNIT_TRIANGLE = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def rejection(path: Path) -> str:
    """The message read_stl gives for `path`, checked to be one clean line naming it."""
    with pytest.raises(DesignFileError) as raised:
        read_stl(path)
    message = str(raised.value)
    assert path.name in message
    assert "\n" not in message
    assert "Traceback" not in message
    assert "accepted" in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in rejection(tmp_path / "absent.stl")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.stl"
    path.write_bytes(b"")

    assert "empty" in rejection(path)


def test_png_renamed_to_stl(tmp_path: Path) -> None:
    path = tmp_path / "picture.stl"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)

    assert "not an STL file: it is a PNG image" in rejection(path)


def test_dxf_renamed_to_stl(tmp_path: Path) -> None:
    path = tmp_path / "drawing.stl"
    path.write_text("  0\nSECTION\n  2\nHEADER\n  9\n$INSUNITS\n 70\n4\n  0\nENDSEC\n  0\nEOF\n")

    assert "not an STL file: a DXF drawing" in rejection(path)


def test_other_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.stl"
    path.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")

    assert "text file that does not begin with 'solid'" in rejection(path)


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.stl"
    path.write_bytes(b"\0" + np.random.default_rng(7).bytes(4095))

    assert "binary STL truncated or not an STL" in rejection(path)


def test_truncated_binary_file(tmp_path: Path, box_mesh: trimesh.Trimesh) -> None:
    path = tmp_path / "cut.stl"
    path.write_bytes(box_mesh.export(file_type="stl")[:-20])

    message = rejection(path)

    assert "binary STL truncated" in message
    assert "declares 12 facets (684 bytes)" in message
    assert "664 bytes" in message


def test_truncated_binary_file_with_solid_header(tmp_path: Path) -> None:
    path = tmp_path / "cut.stl"
    path.write_bytes(raw_binary([UNIT_TRIANGLE] * 3, header=b"solid part")[:-10])

    assert "binary STL truncated" in rejection(path)


def test_binary_file_without_facets(tmp_path: Path) -> None:
    path = tmp_path / "none.stl"
    path.write_bytes(raw_binary([]))

    assert "no facets" in rejection(path)


def test_ascii_file_without_facets(tmp_path: Path) -> None:
    path = tmp_path / "none.stl"
    path.write_text("solid nothing\nendsolid nothing\n")

    assert "no facets" in rejection(path)


def test_ascii_file_with_garbage_after_solid(tmp_path: Path) -> None:
    path = tmp_path / "garbage.stl"
    path.write_text("solid part\nthis is not geometry at all\nendsolid part\n")

    assert "no facets" in rejection(path)


def test_ascii_file_with_unreadable_numbers(tmp_path: Path) -> None:
    path = tmp_path / "words.stl"
    path.write_text(
        "solid part\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 zero 0\n"
        "vertex 0 1 0\nendloop\nendfacet\nendsolid part\n"
    )

    assert "malformed ASCII STL" in rejection(path)


def test_ascii_facet_with_too_few_vertices(tmp_path: Path, box_mesh: trimesh.Trimesh) -> None:
    text = box_mesh.export(file_type="stl_ascii")
    lines = text.splitlines()
    first_vertex = next(i for i, line in enumerate(lines) if "vertex" in line)
    path = tmp_path / "short.stl"
    path.write_text("\n".join(lines[:first_vertex] + lines[first_vertex + 1 :]))

    assert "malformed ASCII STL" in rejection(path)


def test_ascii_file_without_endsolid(tmp_path: Path, box_mesh: trimesh.Trimesh) -> None:
    text = box_mesh.export(file_type="stl_ascii")
    path = tmp_path / "cut.stl"
    path.write_text(text[: text.lower().rindex("endsolid")])

    assert "without 'endsolid'" in rejection(path)


def test_all_facets_degenerate(tmp_path: Path) -> None:
    collinear = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    path = tmp_path / "lines.stl"
    path.write_bytes(raw_binary([collinear, collinear + 5.0]))

    message = rejection(path)

    assert "all 2 facets are degenerate" in message
    assert "encloses a volume" in message


def test_flat_surface_encloses_no_volume(tmp_path: Path) -> None:
    square = trimesh.creation.box(extents=(10.0, 10.0, 1.0))
    top = [i for i, normal in enumerate(square.face_normals) if normal[2] > 0.5]
    path = write_binary(tmp_path / "sheet.stl", with_faces(square, square.faces[top]))

    message = rejection(path)
    assert "no solid: its facets form one piece, not closed or nearly closed" in message
    assert "encloses no volume (bounding box 10 x 10 x 0 mm)" in message


def test_closed_but_flat_mesh_encloses_no_volume(tmp_path: Path) -> None:
    triangle = UNIT_TRIANGLE * 10.0
    path = tmp_path / "pillow.stl"
    path.write_bytes(raw_binary([triangle, triangle[::-1]]))
    assert trimesh.load(path).is_watertight

    assert "encloses no volume" in rejection(path)


def test_facets_without_numbers_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.stl"
    path.write_bytes(raw_binary([np.full((3, 3), np.nan)]))

    assert "no facet has numeric coordinates" in rejection(path)


def test_some_facets_without_numbers_are_dropped_with_a_warning(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    triangles = np.concatenate([box_mesh.triangles, np.full((1, 3, 3), np.inf)])
    path = tmp_path / "inf.stl"
    path.write_bytes(raw_binary(triangles))

    solid = read_stl(path)

    assert solid.facets == 13
    assert solid.volume_mm3 == pytest.approx(BOX_VOLUME)
    assert "1 facets ignored: their coordinates are not numbers or lie beyond 1e+12 mm" in (
        solid.warnings
    )


def test_ascii_file_with_bytes_that_are_not_utf8_is_read(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    text = box_mesh.export(file_type="stl_ascii").encode("ascii")
    path = tmp_path / "latin.stl"
    path.write_bytes(text.replace(b"solid ", b"solid caf\xe9 \xff\xfe ", 1))
    solid = read_stl(path)
    assert_box(solid.volume_mm3, solid.surface_area_mm2)


# --- bounds ------------------------------------------------------------------------------


def test_binary_file_of_more_facets_than_the_bound_is_refused_before_reading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.stl"
    facets = MAX_FACETS + 1
    path.write_bytes(b" " * 80 + struct.pack("<I", facets) + bytes(50 * facets))
    message = rejection(path)
    assert f"{facets:,} facets, more than the {MAX_FACETS:,} a mesh may have" in message
    assert f"accepted: up to {MAX_FACETS:,} facets" in message


def test_ascii_file_of_more_facets_than_the_bound_is_refused_before_reading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.stl"
    facet = b"facet normal 0 0 0\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\n"
    path.write_bytes(b"solid huge\n" + facet * (MAX_FACETS + 1) + b"endsolid huge\n")
    assert f"{MAX_FACETS + 1:,} facets, more than the" in rejection(path)


def test_bodies_nested_past_the_bound_are_measured_by_their_hull(tmp_path: Path) -> None:
    """200 boxes, each inside the next: 19,900 pairs to test, more than are tested."""
    shells = [box((1.0 + i, 1.0 + i, 1.0 + i), (-i / 2, -i / 2, -i / 2)) for i in range(200)]
    solid = read_stl(write_binary(tmp_path / "nested.stl", trimesh.util.concatenate(shells)))
    assert solid.bodies == 200
    assert solid.volume_mm3 is None
    assert solid.volume_estimate_mm3 == pytest.approx(200.0**3, rel=1e-9)
    assert any(f"or {MAX_NESTED_PAIRS:,} pairs of bodies" in w for w in solid.warnings)


def test_bodies_nested_within_the_bound_alternate_solid_and_cavity(tmp_path: Path) -> None:
    shells = [box((2.0 * (i + 1),) * 3, (-(i + 1.0),) * 3) for i in range(5)]
    solid = read_stl(write_binary(tmp_path / "nested.stl", trimesh.util.concatenate(shells)))
    assert solid.volume_mm3 == pytest.approx(10**3 - 8**3 + 6**3 - 4**3 + 2**3, rel=1e-9)


def test_facets_far_out_of_range_are_dropped_with_a_warning(
    tmp_path: Path, box_mesh: trimesh.Trimesh
) -> None:
    far = [(1e308, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)]
    path = tmp_path / "far.stl"
    text = box_mesh.export(file_type="stl_ascii")
    facet = "facet normal 0 0 0\nouter loop\n" + "".join(f"vertex {x} {y} {z}\n" for x, y, z in far)
    path.write_text(text.replace("endsolid", facet + "endloop\nendfacet\nendsolid"))
    solid = read_stl(path)
    assert_box(solid.volume_mm3, solid.surface_area_mm2)
    assert "1 facets ignored: their coordinates are not numbers or lie beyond 1e+12 mm" in (
        solid.warnings
    )
