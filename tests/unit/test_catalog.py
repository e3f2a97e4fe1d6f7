"""The bundled process library, and the loader that merges a shop's own file over it."""

import itertools
from pathlib import Path

import pytest
from pydantic import ValidationError

from bespoke.catalog import load_catalog
from bespoke.model import (
    Additive,
    Catalog,
    CatalogError,
    Machining,
    Material,
    Moulding,
    ProcessKind,
    ProfileCutting,
    Stamping,
    StockForm,
    StockKind,
)
from bespoke.model.catalog import CatalogEntry, ProcessBase

NAMED_MATERIALS = {
    "steel-s235",
    "stainless-304",
    "stainless-316",
    "aluminium-5052",
    "aluminium-6061",
    "brass-cz108",
    "acrylic-cast",
    "birch-plywood",
    "mdf",
    "pla",
    "petg",
    "abs",
    "pa12",
    "resin-standard",
    "pp",
}
NAMED_PROCESSES = {
    "fiber-laser",
    "co2-laser",
    "waterjet",
    "plasma",
    "cnc-router",
    "cnc-mill-3axis",
    "fdm",
    "sla",
    "sls",
    "press-brake",
    "deburr",
    "powder-coat",
    "injection-moulding",
    "stamping",
}
# Handbook density range (kg/m³) of each material family.
DENSITY = {
    "mild_steel": (7800, 7900),
    "stainless": (7850, 8050),
    "aluminium": (2600, 2850),
    "brass": (8300, 8800),
    "acrylic": (1150, 1200),
    "wood": (400, 900),
    "thermoplastic": (850, 1300),
    "nylon": (900, 1100),
    "photopolymer": (1000, 1250),
}

OVERRIDE = """\
shop:
  name: Acme Fab
  margin: 0.25
  sources: {margin: "our 2024 price list"}
materials:
  - id: steel-s235
    price_per_kg: 1.20
    sources: {price_per_kg: "invoice 2024-03"}
processes:
  - id: fiber-laser
    setup_s: 300
    sources: {setup_s: "timed on our machine"}
machines:
  - id: fiber-laser-3015
    rate_per_hour: 95
    sources: {rate_per_hour: "our cost sheet"}
  - id: big-laser
    name: Fiber laser 6025, 12 kW
    process: fiber-laser
    envelope_mm: [6000, 2500]
    rate_per_hour: 180
    max_thickness_mm: 25
    sources:
      envelope_mm: "vendor data sheet"
      rate_per_hour: "our cost sheet"
      max_thickness_mm: "vendor data sheet"
"""

NEW_PROCESS = """\
x-pierce: &pierce [[3, 0.5], [10, 2.0]]
processes:
  - id: co2-laser-150w
    kind: profile_cutting
    name: CO2 laser cutting (150 W)
    stock: sheet
    families: [acrylic, wood]
    setup_s: 300
    kerf_mm: 0.3
    min_hole_factor: 0.5
    speed_mm_s:
      acrylic: [[3, 30], [15, 2]]
      wood: [[3, 30], [15, 2]]
    pierce_s: {acrylic: *pierce, wood: *pierce}
    sources:
      setup_s: timed
      kerf_mm: measured
      min_hole_factor: test cuts
      speed_mm_s: vendor chart
      pierce_s: timed
machines:
  - id: co2-150
    name: Big CO2
    process: co2-laser-150w
    envelope_mm: [1600, 1000]
    rate_per_hour: 70
    sources: {envelope_mm: vendor, rate_per_hour: cost sheet}
"""

MACHINE = (
    "{name: M, envelope_mm: [1, 1], rate_per_hour: 1, sources: {envelope_mm: a, rate_per_hour: b}}"
)

REJECTED = {
    "unknown top-level key": (
        "vendors: []\n",
        [
            "vendors: unknown top-level key",
            "accepted: shop, materials, processes, machines, suppliers",
        ],
    ),
    "not YAML": ("machines:\n  - id: a\n   name: : b\n", ["line 3", "not valid YAML"]),
    "not a mapping": ("- steel-s235\n", ["expected a mapping", "got a list"]),
    "empty": ("", ["expected a mapping", "got nothing"]),
    "a key twice": (
        "shop:\n  margin: 0.2\n  margin: 0.3\n",
        ["line 3", "key 'margin' given twice"],
    ),
    "section not a list": ("materials: {id: pla}\n", ["materials: expected a list", "a mapping"]),
    "shop not a mapping": ("shop: [1, 2]\n", ["shop: expected a mapping", "a list"]),
    "entry without id": ("materials:\n  - name: Foo\n", ["materials[0]: entry has no 'id'"]),
    "same id twice": (
        f"machines:\n  - {{id: twin, process: fiber-laser, {MACHINE[1:]}\n  - {{id: twin}}\n",
        ["machines[1] (id 'twin'): conflicts with machines[0]", "same id"],
    ),
    "unknown process": (
        f"machines:\n  - {{id: big-laser, process: laser-x, {MACHINE[1:]}\n",
        [
            "machines[0] (id 'big-laser').process: unknown process 'laser-x'",
            "known: assembly, cnc-mill-3axis, cnc-router, co2-laser",
        ],
    ),
    "invalid value": (
        "materials:\n  - id: steel-s235\n    density_kg_m3: -5\n    sources: {density_kg_m3: x}\n",
        ["materials[0] (id 'steel-s235').density_kg_m3: Input should be greater than 0"],
    ),
    "invalid nested value": (
        "materials:\n  - id: pla\n    stock: [{kind: bar, diameters_mm: [0]}]\n",
        ["materials[0] (id 'pla').stock[0].diameters_mm[0]: Input should be greater than 0"],
    ),
    "unknown field": (
        "materials:\n  - id: pla\n    densty: 1.3\n",
        ["materials[0] (id 'pla').densty: unknown field", "density_kg_m3"],
    ),
    "several errors": (
        "materials:\n  - id: new-metal\n    name: New metal\n",
        ["materials[0] (id 'new-metal').family: Field required (and 3 more)"],
    ),
    "kind changed": (
        "processes:\n  - id: fiber-laser\n    kind: additive\n",
        ["processes[0] (id 'fiber-laser').kind: conflicts", "profile_cutting, not additive"],
    ),
    "unknown kind": (
        "processes:\n  - id: sewing\n    kind: sewing\n",
        ["processes[0] (id 'sewing').kind: unknown kind 'sewing'", "accepted: profile_cutting"],
    ),
    "new figure without a source": (
        "machines:\n  - {id: new-mill, name: M, process: cnc-mill-3axis,"
        " envelope_mm: [500, 400, 300], rate_per_hour: 50}\n",
        ["machines[0] (id 'new-mill'): no source for envelope_mm, rate_per_hour"],
    ),
    "figure added to an entry without a source": (
        "machines:\n  - {id: fiber-laser-3015, max_thickness_mm: 12}\n",
        ["machines[0] (id 'fiber-laser-3015'): no source for max_thickness_mm"],
    ),
    "figure changed without a source": (
        "machines:\n  - {id: fiber-laser-3015, rate_per_hour: 150}\n",
        [
            "machines[0] (id 'fiber-laser-3015').rate_per_hour: changed from 102.0 to 150.0",
            "without a source (add sources.rate_per_hour",
        ],
    ),
    "unknown default material": (
        "shop:\n  default_sheet_material: unobtainium\n",
        ["shop.default_sheet_material: unknown material 'unobtainium'", "known: abs"],
    ),
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _write(folder: Path, text: str, name: str = "myshop.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _entries(catalog: Catalog) -> list[CatalogEntry]:
    processes: list[CatalogEntry] = list(catalog.processes.values())
    return [
        catalog.shop,
        *catalog.materials.values(),
        *processes,
        *catalog.machines.values(),
    ]


def _cutting(catalog: Catalog) -> list[ProfileCutting]:
    return [p for p in catalog.processes.values() if isinstance(p, ProfileCutting)]


# --- the bundled data -----------------------------------------------------------------------


def test_bundled_catalog_has_the_named_materials_and_processes(catalog: Catalog) -> None:
    assert len(catalog.materials) >= 15
    assert len(catalog.processes) >= 14
    assert catalog.materials.keys() >= NAMED_MATERIALS
    assert catalog.processes.keys() >= NAMED_PROCESSES
    assert {p.kind for p in catalog.processes.values()} == set(ProcessKind)


def test_demo_shop_settings(catalog: Catalog) -> None:
    shop = catalog.shop
    assert (shop.id, shop.currency) == ("demo-shop", "USD")
    assert shop.quantity_breaks == [1, 10, 100, 1000]
    assert 0.1 <= shop.margin <= 0.5
    assert catalog.materials[shop.default_sheet_material].stock_of(StockKind.SHEET)
    assert shop.default_solid_material == "pla"
    assert catalog.materials["pla"].stock_of(StockKind.FILAMENT)


def test_every_figure_has_a_source(catalog: Catalog) -> None:
    for entry in _entries(catalog):
        for name in entry.figure_fields():
            assert entry.sources.get(name, "").strip(), f"{entry.id}.{name} has no source"
        unknown = set(entry.sources) - set(type(entry).model_fields)
        assert not unknown, f"{entry.id}: sources for fields it does not have: {unknown}"


def test_a_figure_without_a_source_is_refused() -> None:
    with pytest.raises(ValidationError, match="no source for density_kg_m3"):
        Material(
            id="oak",
            name="Oak",
            family="wood",
            density_kg_m3=700,
            price_per_kg=4,
            stock=[StockForm(kind=StockKind.SHEET, thicknesses_mm=[18], sheet_sizes_mm=[(2, 1)])],
            sources={"price_per_kg": "quote"},
        )


def test_machines_and_processes_refer_to_each_other(catalog: Catalog) -> None:
    for machine in catalog.machines.values():
        assert machine.process in catalog.processes, machine.id
    for process_id in catalog.processes:
        assert catalog.machines_for(process_id), f"no machine runs {process_id}"
    outsourced = {m.process for m in catalog.machines.values() if m.outsourced}
    assert outsourced == {"injection-moulding", "stamping"}


def test_machine_envelopes_match_their_process(catalog: Catalog) -> None:
    solid = {ProcessKind.ADDITIVE, ProcessKind.MACHINING, ProcessKind.MOULDING}
    flat = {ProcessKind.PROFILE_CUTTING, ProcessKind.STAMPING, ProcessKind.BENDING}
    for machine in catalog.machines.values():
        kind = catalog.processes[machine.process].kind
        if kind in solid:
            assert len(machine.envelope_mm) == 3, machine.id
        if kind in flat:
            assert len(machine.envelope_mm) == 2, machine.id
    assert catalog.machines["fiber-laser-3015"].envelope_mm == (3000, 1500)
    assert catalog.machines["prusa-mk3s"].envelope_mm == (250, 210, 210)


def test_every_process_family_has_a_material_in_the_stock_it_takes(catalog: Catalog) -> None:
    for process in catalog.processes.values():
        if not isinstance(process, ProcessBase):
            continue
        for family in process.families:
            assert any(
                m.family == family and m.stock_of(process.stock) for m in catalog.materials.values()
            ), f"{process.id}: no {family} material stocked as {process.stock}"


def test_material_densities_prices_and_sheets_are_plausible(catalog: Catalog) -> None:
    for material in catalog.materials.values():
        low, high = DENSITY[material.family]
        assert low <= material.density_kg_m3 <= high, material.id
        assert 0.5 <= material.price_per_kg <= 300, material.id
        sheet = material.stock_of(StockKind.SHEET)
        if sheet:
            assert material.default_thickness_mm in sheet.thicknesses_mm, material.id
            assert all(max(size) >= 1200 for size in sheet.sheet_sizes_mm), material.id


def test_stock_forms_can_be_priced_apart(catalog: Catalog) -> None:
    abs_ = catalog.materials["abs"]
    pellet = abs_.price_per_kg_for(StockKind.PELLET)
    assert (
        pellet < abs_.price_per_kg_for(StockKind.SHEET) < abs_.price_per_kg_for(StockKind.FILAMENT)
    )
    assert abs_.price_per_kg_for(StockKind.FILAMENT) == abs_.price_per_kg


def test_speed_tables_are_sorted_and_fall_with_thickness(catalog: Catalog) -> None:
    for process in _cutting(catalog):
        for family, rows in process.speed_mm_s.items():
            thicknesses = [t for t, _ in rows]
            speeds = [v for _, v in rows]
            assert thicknesses == sorted(set(thicknesses)), f"{process.id}.{family}"
            assert all(a >= b for a, b in itertools.pairwise(speeds)), f"{process.id}.{family}"
            assert all(0.5 <= v <= 1000 for v in speeds), f"{process.id}.{family}"
        for family, rows in process.pierce_s.items():
            times = [v for _, v in rows]
            assert all(a <= b for a, b in itertools.pairwise(times)), f"{process.id}.{family}"
            assert all(0 < v <= 30 for v in times), f"{process.id}.{family}"


@pytest.mark.parametrize(
    ("process_id", "family", "thickness", "low", "high"),
    [
        ("fiber-laser", "mild_steel", 1, 50, 1000),
        ("fiber-laser", "mild_steel", 10, 10, 60),
        ("fiber-laser", "stainless", 3, 50, 400),
        ("co2-laser", "acrylic", 3, 5, 60),
        ("waterjet", "mild_steel", 12.7, 2, 20),
        ("plasma", "mild_steel", 10, 30, 150),
        ("cnc-router", "wood", 18, 10, 200),
    ],
)
def test_cutting_speed_is_plausible(
    catalog: Catalog, process_id: str, family: str, thickness: float, low: float, high: float
) -> None:
    process = catalog.processes[process_id]
    assert isinstance(process, ProfileCutting)
    assert low <= dict(process.speed_mm_s[family])[thickness] <= high


@pytest.mark.parametrize(
    ("process_id", "family", "low", "high"),
    [
        ("fiber-laser", "mild_steel", 12, 25),
        ("fiber-laser", "stainless", 8, 20),
        ("fiber-laser", "aluminium", 6, 15),
        ("co2-laser", "acrylic", 6, 20),
        ("co2-laser", "wood", 6, 15),
        ("waterjet", "mild_steel", 50, 200),
        ("plasma", "mild_steel", 20, 40),
    ],
)
def test_max_cut_thickness_is_plausible(
    catalog: Catalog, process_id: str, family: str, low: float, high: float
) -> None:
    process = catalog.processes[process_id]
    assert isinstance(process, ProfileCutting)
    assert low <= process.max_thickness_mm(family) <= high


def test_rates_are_converted_to_mm_and_seconds(catalog: Catalog) -> None:
    laser = catalog.processes["fiber-laser"]
    mill = catalog.processes["cnc-mill-3axis"]
    assert isinstance(laser, ProfileCutting)
    assert isinstance(mill, Machining)
    # MachineMFG 3 kW, 3 mm mild steel: 4.15 m/min; P3L aluminium MRR 0.5 in³/min.
    assert dict(laser.speed_mm_s["mild_steel"])[3] == pytest.approx(4.15 * 1000 / 60, abs=0.1)
    assert mill.removal_mm3_s["aluminium"] == pytest.approx(0.5 * 16387.064 / 60, abs=0.1)


def test_learning_applies_only_to_manual_work(catalog: Catalog) -> None:
    manual = {p.id for p in catalog.processes.values() if p.manual}
    assert manual == {"deburr", "powder-coat", "inspection", "assembly", "mig-welding"}
    for process in catalog.processes.values():
        if process.manual:
            assert 0.85 <= process.learning_rate <= 0.9, process.id
        elif isinstance(process, Additive):  # its learning rate is for manual post-processing
            assert process.post_process_s > 0 and 0.85 <= process.learning_rate <= 0.9
        else:
            assert process.learning_rate == 1.0, process.id


def test_tooled_processes_carry_tooling_cost_and_lead_time(catalog: Catalog) -> None:
    moulding = catalog.processes["injection-moulding"]
    stamping = catalog.processes["stamping"]
    assert isinstance(moulding, Moulding)
    assert isinstance(stamping, Stamping)
    for process in (moulding, stamping):
        assert 1000 <= process.tooling_base <= 20000
        assert 10 <= process.tooling_lead_days <= 60


def test_each_load_returns_its_own_dicts() -> None:
    load_catalog().materials.pop("pla")
    assert "pla" in load_catalog().materials


# --- a shop's own file ----------------------------------------------------------------------


def test_a_shop_file_overrides_and_extends(tmp_path: Path, catalog: Catalog) -> None:
    merged = load_catalog(_write(tmp_path, OVERRIDE))
    laser = merged.machines["fiber-laser-3015"]
    assert laser.rate_per_hour == 95
    assert laser.envelope_mm == catalog.machines["fiber-laser-3015"].envelope_mm
    assert laser.sources["rate_per_hour"] == "our cost sheet"
    assert (
        laser.sources["envelope_mm"] == catalog.machines["fiber-laser-3015"].sources["envelope_mm"]
    )
    assert {m.id for m in merged.machines_for("fiber-laser")} == {"fiber-laser-3015", "big-laser"}
    assert merged.machines["big-laser"].max_thickness_mm == 25
    steel = merged.materials["steel-s235"]
    assert (steel.price_per_kg, steel.density_kg_m3) == (1.2, 7850)
    process = merged.processes["fiber-laser"]
    assert process.setup_s == 300
    assert process == catalog.processes["fiber-laser"].model_copy(
        update={"setup_s": 300.0, "sources": process.sources}
    )
    assert (merged.shop.name, merged.shop.margin) == ("Acme Fab", 0.25)
    assert merged.shop.labour_rate_per_hour == catalog.shop.labour_rate_per_hour


def test_a_shop_file_adds_a_process_and_its_machine(tmp_path: Path) -> None:
    merged = load_catalog(_write(tmp_path, NEW_PROCESS))
    process = merged.processes["co2-laser-150w"]
    assert isinstance(process, ProfileCutting)
    assert process.max_thickness_mm("acrylic") == 15
    assert process.pierce_s["wood"] == [(3, 0.5), (10, 2.0)]
    assert [m.id for m in merged.machines_for("co2-laser-150w")] == ["co2-150"]


def test_restating_a_figure_unchanged_needs_no_new_source(tmp_path: Path) -> None:
    text = "machines:\n  - {id: fiber-laser-3015, rate_per_hour: 102}\n"
    assert load_catalog(_write(tmp_path, text)).machines["fiber-laser-3015"].rate_per_hour == 102


def test_an_override_leaves_the_bundled_catalog_as_it_was(tmp_path: Path) -> None:
    before = load_catalog()
    load_catalog(_write(tmp_path, OVERRIDE))
    assert load_catalog() == before


@pytest.mark.parametrize(("text", "expected"), REJECTED.values(), ids=REJECTED.keys())
def test_a_bad_shop_file_is_rejected_with_file_path_and_reason(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(CatalogError) as error:
        load_catalog(path)
    message = str(error.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    for fragment in expected:
        assert fragment in message, message


def test_a_missing_shop_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"absent\.yaml: file not found"):
        load_catalog(tmp_path / "absent.yaml")


def test_a_failed_override_applies_nothing(tmp_path: Path) -> None:
    before = load_catalog()
    broken = OVERRIDE + f"  - {{id: broken, process: laser-x, {MACHINE[1:]}\n"
    with pytest.raises(CatalogError, match=r"machines\[2\] \(id 'broken'\)\.process"):
        load_catalog(_write(tmp_path, broken))
    after = load_catalog()
    assert after == before
    assert after.machines["fiber-laser-3015"].rate_per_hour == 102
    assert "big-laser" not in after.machines
