"""read_dxf on the shared real-world DXF files, against their reference measurements.

Every expected figure below comes from `../shared/fixtures/REFERENCE.md` (measured
independently with ezdxf 1.4.5 and shapely 2.2). Lengths there are totals in mm per
header; where the file holds duplicates the expected cut length is that total minus
what is cut only once, as stated in each case.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from bespoke.geometry.dxf import read_dxf
from bespoke.model.geometry import ContourKind

REL = 1e-3  # REFERENCE.md figures are matched within 0.1 %


@dataclass(frozen=True)
class Expected:
    cut_length_mm: float
    area_mm2: float
    bbox_min: tuple[float, float]
    bbox_size: tuple[float, float]
    contours: int
    open_chains: int = 0
    duplicates: int = 0
    degenerate: int = 0
    overlap_mm: float = 0.0


# From REFERENCE.md: "closed contours" minus duplicates and degenerate entities gives
# the contours cut; pierces are those plus the open chains.
REFERENCE = {
    "atles_side1.dxf": Expected(1500.152, 63705.350, (-15.0, -206.0), (323.5, 206.0), 1),
    "atles_tank_baffle.dxf": Expected(15.613, 10.521, (0.0021, 0.0020), (2.2400, 5.5079), 1),
    "atles_tank_lid_for_shock.dxf": Expected(
        1380.275, 15738.094, (0.2505, 0.2505), (294.6347, 61.6807), 8
    ),
    "d2g_FLH-001.dxf": Expected(722.228, 5464.599, (-42.5, -37.1996), (175.5, 74.3990), 3),
    # 45 closed contours of which 6 are degenerate, plus 1 open chain; the total
    # includes the degenerate ones (together < 0.01 mm).
    "d2g_Fluegel_Rippen_sp2_0201.dxf": Expected(
        3501.244, 11197.249, (0.8606, 8.3796), (333.3485, 101.0861), 39, 1, 0, 6
    ),
    # Header says inch: the header-faithful reading (the file is flagged, see below).
    "d2g_fc_mounting.dxf": Expected(
        1659.766, 42.486 * 25.4**2, (-16.55 * 25.4, -16.55 * 25.4), (33.1 * 25.4, 33.1 * 25.4), 8
    ),
    # 58 closed contours, 1 duplicate (a circle of r 22.5), 3 open chains; two of the
    # grid's LINEs are drawn twice (2 x 106 mm), so they are cut once.
    "d2g_pumpenteile.dxf": Expected(
        6043.738 - 2 * math.pi * 22.5 - 2 * 106,
        25164.780,
        (0.0, 0.0),
        (212.0, 212.0),
        57,
        3,
        1,
        overlap_mm=212.0,
    ),
    "ezdxf_forms.dxf": Expected(15581.255, 374737.875, (-246.0, -1015.0), (1016.0, 831.3382), 40),
    # The panel is drawn twice: 5 duplicates, de-duplicated cut length 1363.39 mm.
    "switchwire_top_panel_abs.dxf": Expected(
        1363.39, 96211.082, (-183.0, -190.0), (366.0, 270.0), 5, 0, 5
    ),
    "voron0_mid_panel.dxf": Expected(967.381, 38896.954, (-115.0, -233.3476), (230.0, 170.0), 11),
    "voron0_tophat_side_100.dxf": Expected(
        602.566, 19288.570, (-140.6670, 105.2556), (212.0, 91.0), 1
    ),
    "voron2_250_deck.dxf": Expected(1726.363, 132332.852, (-311.5, -351.5001), (369.0, 369.0), 6),
}


@pytest.fixture(scope="module")
def dxf_dir(shared_fixtures: Path) -> Path:
    return shared_fixtures / "dxf"


def test_every_shared_dxf_has_reference_figures(dxf_dir: Path) -> None:
    assert sorted(path.name for path in dxf_dir.glob("*.dxf")) == sorted(REFERENCE)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_measurements_match_reference(dxf_dir: Path, name: str) -> None:
    expected = REFERENCE[name]
    sheet = read_dxf(dxf_dir / name)
    size = max(expected.bbox_size)
    assert sheet.cut_length_mm == pytest.approx(expected.cut_length_mm, rel=REL)
    assert sheet.area_mm2 == pytest.approx(expected.area_mm2, rel=REL)
    assert sheet.bbox_min_mm == pytest.approx(expected.bbox_min, abs=REL * size)
    assert sheet.bbox_mm == pytest.approx(expected.bbox_size, abs=REL * size)
    assert len(sheet.contours) == expected.contours
    assert sheet.open_chains == expected.open_chains
    assert sheet.pierces == expected.contours + expected.open_chains
    assert sheet.duplicates_removed == expected.duplicates
    assert sheet.degenerate_removed == expected.degenerate
    assert sheet.overlap_removed_mm == pytest.approx(expected.overlap_mm, abs=1e-6)
    assert sheet.parts + sheet.holes == len(sheet.contours)


@pytest.mark.parametrize(
    "name", sorted(set(REFERENCE) - {"atles_tank_baffle.dxf", "d2g_fc_mounting.dxf"})
)
def test_correctly_drawn_files_are_not_flagged(dxf_dir: Path, name: str) -> None:
    assert not read_dxf(dxf_dir / name).units.suspicious


def test_switchwire_panel_is_one_outline_with_four_holes(dxf_dir: Path) -> None:
    sheet = read_dxf(dxf_dir / "switchwire_top_panel_abs.dxf")
    assert (sheet.parts, sheet.holes) == (1, 4)
    # REFERENCE.md: outline 1295.53 + 4 holes 67.86
    outline = next(c for c in sheet.contours if c.kind is ContourKind.OUTER)
    assert outline.length_mm == pytest.approx(1295.53, rel=REL)
    assert sheet.smallest_hole_mm == pytest.approx(5.4, rel=REL)


def test_header_less_file_is_read_as_mm_not_metres(dxf_dir: Path) -> None:
    """atles_side1.dxf has no HEADER: ezdxf's default $INSUNITS (metres) must not apply."""
    units = read_dxf(dxf_dir / "atles_side1.dxf").units
    assert (units.declared, units.used, units.source) == (None, "mm", "assumed")
    assert units.factor_to_mm == 1.0


def test_baffle_without_units_is_flagged_as_inches(dxf_dir: Path) -> None:
    path = dxf_dir / "atles_tank_baffle.dxf"
    as_declared = read_dxf(path)
    assert as_declared.units.suspicious
    assert (as_declared.units.source, as_declared.units.used) == ("assumed", "mm")
    assert as_declared.units.alternative_units == "inch"
    assert as_declared.units.alternative_factor_to_mm == 25.4

    # REFERENCE.md, read as inches: 396.57 mm of cut, 6787.8 mm², 56.90 x 139.90 mm
    as_inches = read_dxf(path, units="inch")
    assert not as_inches.units.suspicious
    assert as_inches.cut_length_mm == pytest.approx(396.57, rel=REL)
    assert as_inches.area_mm2 == pytest.approx(6787.8, rel=REL)
    assert as_inches.bbox_mm == pytest.approx((56.90, 139.90), rel=REL)


def test_fc_mounting_inch_header_over_mm_geometry_is_flagged(dxf_dir: Path) -> None:
    path = dxf_dir / "d2g_fc_mounting.dxf"
    as_declared = read_dxf(path)
    assert as_declared.units.suspicious
    assert (as_declared.units.source, as_declared.units.used) == ("header", "inch")
    assert as_declared.units.alternative_units == "mm"
    assert as_declared.units.alternative_factor_to_mm == 1.0
    assert as_declared.bbox_mm == pytest.approx((840.7, 840.7), rel=REL)

    # REFERENCE.md, read as mm: 65.345 mm of cut, a 33.1 x 33.1 mm pattern of Ø 2.6 holes
    as_mm = read_dxf(path, units="mm")
    assert not as_mm.units.suspicious
    assert as_mm.cut_length_mm == pytest.approx(65.345, rel=REL)
    assert as_mm.bbox_mm == pytest.approx((33.1, 33.1), rel=REL)
    assert {round(c.width_mm, 3) for c in as_mm.contours} == {2.6}


def test_fluegel_open_chain_names_its_gap(dxf_dir: Path) -> None:
    sheet = read_dxf(dxf_dir / "d2g_Fluegel_Rippen_sp2_0201.dxf")
    (warning,) = [w for w in sheet.warnings if "open chain" in w]
    assert "(87.71, 88.33) and (87.71, 88.31)" in warning


def test_pumpenteile_lines_drawn_twice_are_cut_once(dxf_dir: Path) -> None:
    sheet = read_dxf(dxf_dir / "d2g_pumpenteile.dxf")
    assert any("212 mm of linework" in w for w in sheet.warnings)
    assert any("branching at (106.00, 106.00)" in w for w in sheet.warnings)
