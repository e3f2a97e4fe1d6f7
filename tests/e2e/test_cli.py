"""The `bespoke` command as a user runs it: a real process, its output and exit status."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ezdxf
import pytest
import trimesh
from ezdxf.layouts import Modelspace
from tests.helpers import ROOT, plate_dxf
from typer.testing import CliRunner

from bespoke.cli import app

EXAMPLES = ROOT / "examples"
BESPOKE = Path(sys.executable).with_name("bespoke")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [str(BESPOKE), *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def test_quote_prints_a_priced_plan() -> None:
    result = run(
        "quote", EXAMPLES / "wall-bracket.dxf", "--material", "steel-s235", "--thickness", "2"
    )
    assert result.returncode == 0, result.stderr
    assert "Price by quantity" in result.stdout
    assert "fiber-laser" in result.stdout
    assert "Cannot make it this way" in result.stdout


def test_quote_json_is_a_stable_document(tmp_path: Path) -> None:
    curve = tmp_path / "curve.png"
    result = run(
        "quote",
        EXAMPLES / "sprocket.dxf",
        "--material",
        "steel-s235",
        "--thickness",
        "4",
        "--qty",
        "1,10,100",
        "--json",
        "--curve",
        curve,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["quantities"] == [1, 10, 100]
    assert document["geometry"]["pierces"] == 6
    assert [b["quantity"] for b in document["best"]] == [1, 10, 100]
    assert curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_part_nothing_can_make_prints_findings_and_fails(tmp_path: Path) -> None:
    result = run("quote", plate_dxf(tmp_path / "huge.dxf", 6000, 3500))
    assert result.returncode == 3
    assert "6000.0 x 3500.0 mm does not fit" in result.stdout
    assert "No process in this shop can make this part" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--material", "stainless-340"], "unknown material 'stainless-340'"),
        (["--thickness", "2.7"], "not stocked 2.7 mm thick"),
        (["--qty", "0"], "'0' is not a whole number from 1 to 1,000,000"),
        (["--qty", "10000000000"], "'10000000000' is not a whole number from 1 to 1,000,000"),
        (["--qty", "ten"], "'ten' is not a whole number"),
        (["--units", "furlong"], "furlong"),
    ],
)
def test_bad_options_give_one_clear_line(args: list[str], message: str) -> None:
    result = run("quote", EXAMPLES / "wall-bracket.dxf", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "not a design file"),
        ("fake.dxf", b"\x89PNG\r\n\x1a\n" + bytes(100), "fake.dxf"),
        ("fake.stl", b"this is not a mesh at all", "fake.stl"),
        ("cut.dxf", b"0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n0\n10\n0.0\n20", "cut.dxf"),
    ],
)
def test_unreadable_files_give_one_clear_line(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = run("quote", path)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_catalog_lists_materials_processes_and_machines() -> None:
    for kind, expected in [
        ("materials", "steel-s235"),
        ("processes", "fiber-laser"),
        ("machines", "fiber-laser"),
    ]:
        result = run("catalog", kind)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout


@pytest.mark.parametrize("kind", ["dxf", "stl"])
def test_every_shared_design_is_quoted(shared_fixtures: Path, kind: str) -> None:
    """Each fixture gets a priced plan, or its DFM findings and exit status 3 (in process)."""
    designs = sorted(
        p for p in (shared_fixtures / kind).glob("*") if p.suffix.lower() == f".{kind}"
    )
    assert designs, f"no {kind} fixtures in {shared_fixtures / kind}"
    for design in designs:
        result = CliRunner().invoke(app, ["quote", str(design), "--json"])
        assert result.exit_code in (0, 3), f"{design.name}: {result.output}"
        document = json.loads(result.stdout)
        if result.exit_code == 0:
            assert document["best"], design.name
        else:
            assert document["rejected"], design.name


def test_a_shop_file_changes_the_price(tmp_path: Path) -> None:
    args = ["quote", EXAMPLES / "wall-bracket.dxf", "--process", "fiber-laser", "--json"]
    before = json.loads(run(*args).stdout)["best"][-1]["unit_price"]
    shop = tmp_path / "myshop.yaml"
    shop.write_text(
        "machines:\n"
        "  - id: fiber-laser-3015\n"
        "    rate_per_hour: 400\n"
        "    sources: {rate_per_hour: 'our machine-hour calculation'}\n"
    )
    result = run(*args, "--shop", shop)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["best"][-1]["unit_price"] > before


def test_an_invalid_shop_file_names_the_file_key_and_reason(tmp_path: Path) -> None:
    shop = tmp_path / "myshop.yaml"
    shop.write_text(
        "machines:\n"
        "  - id: big-laser\n"
        "    name: Big laser\n"
        "    process: laser-x\n"
        "    envelope_mm: [4000, 2000]\n"
        "    rate_per_hour: 150\n"
        "    sources: {envelope_mm: 'spec sheet', rate_per_hour: 'our calculation'}\n"
    )
    result = run("quote", EXAMPLES / "wall-bracket.dxf", "--shop", shop)
    assert result.returncode == 1
    assert "myshop.yaml" in result.stderr
    assert "machines[0]" in result.stderr
    assert "laser-x" in result.stderr


def _drawing(path: Path, draw: Callable[[Modelspace], object]) -> Path:
    doc = ezdxf.new("R2010")
    draw(doc.modelspace())
    doc.saveas(path)
    return path


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        (lambda msp: msp.add_text("only a note"), "TEXT"),
        (lambda msp: None, "empty.dxf"),
        (lambda msp: msp.add_lwpolyline([(0, 0), (50, 0), (50, 30)]), "clos"),
    ],
    ids=["only-text", "empty", "only-open"],
)
def test_drawings_without_a_closed_outline_give_one_clear_line(
    tmp_path: Path, draw: Callable[[Modelspace], object], message: str
) -> None:
    result = run("quote", _drawing(tmp_path / "empty.dxf", draw))
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def test_spec_schema_is_json_schema() -> None:
    result = CliRunner().invoke(app, ["spec", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "ProductSpec"


def test_configure_writes_and_measures_the_parts(tmp_path: Path) -> None:
    spec = EXAMPLES / "products" / "desk-organiser.yaml"
    result = run(
        "configure", spec, "--set", "width=400mm", "--set", "wood=mdf", "--out", tmp_path, "--json"
    )
    assert result.returncode == 0, result.stderr
    product = json.loads(result.stdout)
    assert product["settings"]["width"] == 400
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "back.dxf",
        "base.dxf",
        "divider.dxf",
        "front.dxf",
        "side.dxf",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "width=2 m"], "--set width: 2000 mm is above the maximum 600 mm"),
        (["--set", "colour=red"], "unknown parameter 'colour'"),
        (["--set", "width"], "expected name=value"),
    ],
)
def test_configure_refuses_bad_settings_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(
        "configure", EXAMPLES / "products" / "desk-organiser.yaml", *args, "--out", tmp_path
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def test_plan_prints_the_product_plan_as_json(tmp_path: Path) -> None:
    spec = EXAMPLES / "products" / "table-lamp.yaml"
    result = run("plan", spec, "--qty", "1,10,100", "--files", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["feasible"] is True
    assert [p["quantity"] for p in document["prices"]] == [1, 10, 100]
    assert document["routing"]["edges"]
    assert {p["id"] for p in document["parts"]} == {"base", "shade-panel"}


def test_plan_of_a_product_that_cannot_be_made_exits_3(tmp_path: Path) -> None:
    spec = tmp_path / "huge.yaml"
    spec.write_text(
        "name: Huge plate\n"
        "parts:\n"
        "  - id: plate\n"
        "    material: steel-s235\n"
        "    thickness: 2\n"
        "    geometry: {shape: plate, width: 7 m, height: 4 m}\n"
    )
    result = run("plan", spec, "--files", tmp_path / "parts")
    assert result.returncode == 3
    assert "plate cannot be made" in result.stdout


def test_plan_writes_a_self_contained_html_report(tmp_path: Path) -> None:
    report = tmp_path / "plan.html"
    spec = EXAMPLES / "products" / "shelf-bracket-set.yaml"
    result = run("plan", spec, "--qty", "1,10,100", "--files", tmp_path / "parts", "--out", report)
    assert result.returncode == 0, result.stderr
    html = report.read_text()
    for section in (
        "Summary",
        "Design for manufacture",
        "Parts",
        "Bill of materials",
        "Routing",
        "Cost by quantity",
        "Economy of scale",
    ):
        assert f"<h2>{section}" in html, section
    assert html.count('src="data:image/png;base64,') >= 3  # part preview, routing, curve
    assert "http://" not in html and "https://" not in html
    assert "Press brake" in html and "Bend 90 degrees" in html


def test_quote_choices_change_the_price_and_are_kept(tmp_path: Path) -> None:
    box = tmp_path / "box.stl"
    trimesh.creation.box((50, 50, 30)).export(box)

    def quoted(*choices: str) -> dict[str, Any]:
        args = ("quote", box, "--material", "pla", "--qty", "10")
        result = run(*args, "--process", "fdm", "--json", *choices)
        assert result.returncode == 0, result.stderr
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    standard = quoted()
    expedite = quoted("--tier", "expedite")
    own = quoted("--own-material")
    denser = quoted("--infill", "0.6")
    price = standard["best"][0]
    assert expedite["choices"]["lead_tier"] == "expedite"
    assert expedite["best"][0]["unit_price"] > price["unit_price"]
    assert expedite["best"][0]["lead_time_days"] < price["lead_time_days"]
    assert own["best"][0]["breakdown"]["material"] == 0 < price["breakdown"]["material"]
    assert denser["best"][0]["breakdown"]["material"] > price["breakdown"]["material"]


@pytest.mark.parametrize(
    ("choice", "status", "message"),
    [
        (("--tier", "fast"), 1, "--tier 'fast': use one of economy, standard, expedite"),
        (("--infill", "2"), 2, "--infill"),
        (("--infill", "0"), 2, "--infill"),
    ],
)
def test_bad_quote_choices_are_refused_clearly(
    choice: tuple[str, str], status: int, message: str
) -> None:
    result = run("quote", EXAMPLES / "cable-clip.stl", *choice)
    assert result.returncode == status
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
