"""How each kind of process is costed, checked by hand against the bundled catalog: printed
shell and infill, a pooled powder-bed build, deburring only where a burr is left, the
customer's own material, and one set-up per operation in a product."""

import math
from pathlib import Path

import pytest
import trimesh
from tests.helpers import plate_dxf

from bespoke.catalog import load_catalog
from bespoke.costing.quote import quote_design
from bespoke.model import Additive, Catalog, Machine, ProcessOption, QuoteChoices


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(None)


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("solids") / "box.stl"
    trimesh.creation.box((50, 50, 30)).export(path)
    return path


def _option(
    path: Path,
    catalog: Catalog,
    process: str,
    material: str,
    thickness_mm: float | None = None,
) -> ProcessOption:
    quote = quote_design(
        path,
        process=process,
        material=material,
        thickness_mm=thickness_mm,
        catalog=catalog,
        quantities=[1],
    )
    assert quote.options, [f.message for o in quote.rejected for f in o.findings]
    return quote.options[0].option


def test_a_print_is_its_shell_solid_and_its_inside_at_the_infill(
    box: Path, catalog: Catalog
) -> None:
    fdm = catalog.processes["fdm"]
    assert isinstance(fdm, Additive)
    option = _option(box, catalog, "fdm", material="pla")
    machine = catalog.machines[option.machine_id or ""]
    volume, surface = 50 * 50 * 30, 2 * (50 * 50 + 2 * 50 * 30)
    shell = surface * fdm.shell_mm
    deposited = (shell + (volume - shell) * fdm.infill) * (1 + fdm.support_fraction)
    rate = fdm.deposition_mm3_s * machine.speed_factor
    assert option.routing is not None
    build = option.routing.operations[0]
    assert build.run_s == pytest.approx(deposited / rate + fdm.handling_s)
    density = catalog.materials["pla"].density_kg_m3
    assert option.material_kg_per_part == pytest.approx(deposited * density / 1e9)


def test_a_farm_of_identical_printers_is_counted(box: Path, catalog: Catalog) -> None:
    option = _option(box, catalog, "fdm", material="pla")
    farm = [m for m in catalog.machines.values() if m.process == "fdm"]
    assert option.machines == len(farm) > 1


def test_a_powder_bed_part_pays_the_share_of_a_pooled_build_its_box_takes(
    box: Path, catalog: Catalog
) -> None:
    mjf = catalog.processes["mjf"]
    assert isinstance(mjf, Additive)
    option = _option(box, catalog, "mjf", material="pa12")
    machine: Machine = catalog.machines[option.machine_id or ""]
    occupied = math.prod(s + mjf.part_spacing_mm for s in (50, 50, 30))
    share = occupied / (math.prod(machine.envelope_mm) * mjf.packing_density)
    layers = math.ceil(machine.envelope_mm[-1] / mjf.layer_height_mm)
    assert option.routing is not None
    build, post = option.routing.operations
    scan = 50 * 50 * 30 / mjf.deposition_mm3_s
    assert build.run_s == pytest.approx(share * layers * mjf.layer_time_s + scan + mjf.handling_s)
    assert build.setup_s == 0 and build.parts_per_batch == 1
    assert post.run_s == pytest.approx(mjf.post_process_s + mjf.setup_s * share)


@pytest.mark.parametrize(
    ("process", "thickness", "deburred"),
    [
        ("fiber-laser", 1.0, False),
        ("fiber-laser", 3.0, True),
        ("plasma", 3.0, True),
        ("waterjet", 3.0, False),
    ],
)
def test_cut_metal_is_deburred_only_where_the_process_leaves_a_burr(
    tmp_path: Path, catalog: Catalog, process: str, thickness: float, deburred: bool
) -> None:
    plate = plate_dxf(tmp_path / "plate.dxf", 120, 80, [(30, 40, 10)])
    option = _option(plate, catalog, process, material="steel-s235", thickness_mm=thickness)
    assert option.routing is not None
    steps = [op.process_id for op in option.routing.operations]
    assert ("deburr" in steps) is deburred


def test_the_customers_own_material_is_not_charged(box: Path, catalog: Catalog) -> None:
    own = quote_design(
        box,
        material="pla",
        process="fdm",
        catalog=catalog,
        quantities=[1],
        choices=QuoteChoices(own_material=True),
    )
    option = own.options[0].option
    assert option.material_price_per_kg == 0 and option.material_kg_per_part > 0
    assert "supplied by the customer" in option.material_basis
    assert own.best[0].breakdown.material == 0
