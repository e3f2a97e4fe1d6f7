"""Inspection plans from real drawings and meshes (read by Bespoke's readers): features with
ISO 2768-1 tolerances and gauges, findings where the class or the process falls short,
first-article and sampled inspection, and measurements checked in their units."""

from pathlib import Path

import pytest
import trimesh
from pydantic import ValidationError
from tests.helpers import plate_dxf

from bespoke.geometry.readers import read_design
from bespoke.model.errors import InputError
from bespoke.model.geometry import Sheet2D, Solid3D
from bespoke.model.quality import Feature, FeatureKind, Gauge, InspectionPlan, Measurement
from bespoke.quality.inspection import check, gauge_for, inspection_plan


@pytest.fixture(scope="module")
def plate(tmp_path_factory: pytest.TempPathFactory) -> Sheet2D:
    """A 120 x 80 mm plate with three 6 mm holes (one drawn 6.004) and one of 25 mm."""
    holes = [(20, 20, 6), (100, 20, 6), (20, 60, 6.004), (60, 40, 25)]
    path = plate_dxf(tmp_path_factory.mktemp("plate") / "plate.dxf", 120, 80, holes)
    sheet = read_design(path, None)
    assert isinstance(sheet, Sheet2D)
    return sheet


@pytest.fixture(scope="module")
def block(tmp_path_factory: pytest.TempPathFactory) -> Solid3D:
    """A 40 x 20 x 10 mm block as an STL mesh."""
    path = tmp_path_factory.mktemp("block") / "block.stl"
    trimesh.creation.box(extents=(40, 20, 10)).export(path)
    solid = read_design(path, None)
    assert isinstance(solid, Solid3D)
    return solid


def by_name(plan: InspectionPlan) -> dict[str, Feature]:
    return {feature.name: feature for feature in plan.features}


def test_a_flat_part_is_measured_on_its_sides_holes_and_thickness(plate: Sheet2D) -> None:
    plan = inspection_plan(plate, 1, thickness_mm=2)
    features = by_name(plan)
    assert list(features) == ["length", "width", "hole Ø6", "hole Ø25", "thickness"]
    summary = {
        name: (f.kind, f.nominal_mm, f.tolerance_mm, f.count, f.gauge)
        for name, f in features.items()
    }
    assert summary == {
        "length": (FeatureKind.LENGTH, 120.0, 0.3, 1, Gauge.CALIPER),
        "width": (FeatureKind.WIDTH, 80.0, 0.3, 1, Gauge.CALIPER),
        "hole Ø6": (FeatureKind.HOLE, 6.0, 0.1, 3, Gauge.PIN_GAUGE),
        "hole Ø25": (FeatureKind.HOLE, 25.0, 0.2, 1, Gauge.CALIPER),
        "thickness": (FeatureKind.THICKNESS, 2.0, 0.1, 1, Gauge.CALIPER),
    }
    assert (features["hole Ø6"].lower_mm, features["hole Ø6"].upper_mm) == (5.9, 6.1)
    assert plan.findings == []


def test_a_one_off_is_its_own_first_article_and_is_not_sampled(plate: Sheet2D) -> None:
    plan = inspection_plan(plate, 1)
    assert (plan.quantity, plan.sampling, plan.tolerance_class) == (1, None, "m")


def test_a_batch_is_sampled_by_iso_2859_after_its_first_article(plate: Sheet2D) -> None:
    plan = inspection_plan(plate, 400, aql=1.0)
    assert plan.sampling is not None
    sampling = plan.sampling
    assert (sampling.lot_size, sampling.code_letter, sampling.sample_size) == (400, "H", 50)
    assert (sampling.accept, sampling.reject) == (1, 2)
    tight = inspection_plan(plate, 400, aql=0.65, level="III")
    assert tight.sampling is not None
    assert (tight.sampling.code_letter, tight.sampling.sample_size) == ("J", 80)


def test_a_solid_is_measured_on_its_bounding_box(block: Solid3D) -> None:
    plan = inspection_plan(block, 1, tolerance="f")
    assert [(f.name, f.nominal_mm, f.tolerance_mm) for f in plan.features] == [
        ("size x", 40.0, 0.15),
        ("size y", 20.0, 0.1),
        ("size z", 10.0, 0.1),
    ]
    assert {f.gauge for f in plan.features} == {Gauge.CALIPER}


def test_features_tighter_than_the_process_holds_are_findings(plate: Sheet2D) -> None:
    assert inspection_plan(plate, 1, process_holds="m").findings == []
    coarse = inspection_plan(plate, 1, process_holds="c", thickness_mm=2)
    assert [f.feature for f in coarse.findings] == ["length", "width", "hole Ø6", "hole Ø25"]
    length = coarse.findings[0]
    assert (length.required_mm, length.process_mm) == (0.3, 0.8)
    assert "ISO 2768-m asks ±0.3 mm" in length.message
    assert "ISO 2768-c, ±0.8 mm" in length.message
    by_mm = inspection_plan(plate, 1, process_holds=0.15)
    assert [(f.feature, f.required_mm, f.process_mm) for f in by_mm.findings] == [
        ("hole Ø6", 0.1, 0.15)
    ]
    assert len(by_mm.features) == 4


def test_a_size_the_class_gives_no_tolerance_is_left_out_with_a_finding(
    tmp_path: Path,
) -> None:
    sheet = read_design(plate_dxf(tmp_path / "small.dxf", 50, 30, [(10, 10, 2)]), None)
    assert isinstance(sheet, Sheet2D)
    plan = inspection_plan(sheet, 1, tolerance="v")
    assert [f.name for f in plan.features] == ["length", "width"]
    (finding,) = plan.findings
    assert (finding.feature, finding.nominal_mm, finding.required_mm) == ("hole Ø2", 2.0, None)
    assert "ISO 2768-v gives no tolerance for 2 mm" in finding.message


def test_the_stocks_thickness_tolerance_may_be_given(plate: Sheet2D) -> None:
    plan = inspection_plan(plate, 1, thickness_mm=2, thickness_tolerance_mm=0.17)
    assert by_name(plan)["thickness"].tolerance_mm == 0.17


def test_gauges_follow_the_rule_of_ten() -> None:
    assert gauge_for(FeatureKind.LENGTH, 100, 0.05) is Gauge.CALIPER
    assert gauge_for(FeatureKind.LENGTH, 100, 0.02) is Gauge.MICROMETER
    assert gauge_for(FeatureKind.THICKNESS, 2, 0.01) is Gauge.MICROMETER
    assert gauge_for(FeatureKind.HOLE, 20, 0.5) is Gauge.PIN_GAUGE
    assert gauge_for(FeatureKind.HOLE, 0.8, 0.01) is Gauge.PIN_GAUGE
    assert gauge_for(FeatureKind.HOLE, 20.5, 0.05) is Gauge.CALIPER
    assert gauge_for(FeatureKind.HOLE, 20.5, 0.02) is Gauge.BORE_GAUGE


HOLE = Feature(
    name="hole Ø6", kind=FeatureKind.HOLE, nominal_mm=6, tolerance_mm=0.1, gauge=Gauge.PIN_GAUGE
)


@pytest.mark.parametrize(
    ("value", "unit", "passed"),
    [
        (6.05, "mm", True),
        (6.1, "mm", True),
        (5.9, "mm", True),
        (6.1001, "mm", False),
        (5.89, "mm", False),
        (6100, "µm", True),
        (6101, "um", False),
        (5950, "\u03bcm", True),
        (0.24, "inch", True),  # 6.096 mm
        (0.2335, "in", True),  # 5.9309 mm
        (0.2402, "inch", False),  # 6.10108 mm
        (6.0, "MM", True),
    ],
)
def test_a_measurement_is_checked_in_its_unit(value: float, unit: str, passed: bool) -> None:
    result = check(Measurement(value=value, unit=unit), HOLE)
    assert result.passed is passed
    assert result.deviation_mm == pytest.approx(result.value_mm - 6)


def test_a_measurement_keeps_its_units_one_name() -> None:
    assert Measurement(value=6100, unit="um").unit == "µm"
    assert Measurement(value=0.25, unit="IN").value_mm == pytest.approx(6.35)


@pytest.mark.parametrize("unit", ["kg", "deg", "°", "s", "cm3", ""])
def test_a_measurement_in_a_unit_that_is_not_a_length_is_refused(unit: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Measurement(value=6, unit=unit)
    assert "is not a length: use one of mm, µm, inch" in str(refused.value)


@pytest.mark.parametrize("value", [0, -6, float("inf"), float("nan")])
def test_a_measurement_is_a_positive_finite_size(value: float) -> None:
    with pytest.raises(ValidationError):
        Measurement(value=value, unit="mm")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"quantity": 0}, "lot size 0 is out of range"),
        ({"tolerance": "fine"}, "use one of f, m, c, v"),
        ({"process_holds": "x"}, "use one of f, m, c, v"),
        ({"process_holds": -0.1}, "process tolerance -0.1 must be a size above 0 mm"),
        ({"thickness_mm": 0.0}, "thickness 0.0 must be a size above 0 mm"),
        ({"thickness_tolerance_mm": float("nan")}, "thickness tolerance nan must be"),
        ({"aql": 3.0}, "not in ISO 2859-1 Table 2-A"),
        ({"level": "IV"}, "unknown inspection level"),
    ],
)
def test_bad_options_are_refused(plate: Sheet2D, options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"quantity": 10, **options}
    with pytest.raises(InputError) as refused:
        inspection_plan(plate, **arguments)  # type: ignore[arg-type]
    assert message in str(refused.value)
