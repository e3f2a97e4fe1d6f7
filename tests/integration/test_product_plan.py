"""Planning whole products: each part's way, the DAG, the roll-up, BOM and materials."""

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from tests.helpers import ROOT

from bespoke.catalog import load_catalog
from bespoke.costing.product import price_product
from bespoke.model import Catalog, Welding
from bespoke.model.product_plan import ProductQuote
from bespoke.planning.product import plan_product
from bespoke.products.configure import configure
from bespoke.products.spec import parse_spec
from bespoke.services.quoting.products import plan_spec

PRODUCTS = sorted((ROOT / "examples" / "products").glob("*.yaml"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module", params=PRODUCTS, ids=lambda p: p.stem)
def planned(
    request: pytest.FixtureRequest, catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> ProductQuote:
    return plan_spec(
        request.param,
        quantities=[1, 10, 100],
        files_dir=tmp_path_factory.mktemp("parts"),
        catalog=catalog,
    )


def test_every_example_plans_at_1_10_and_100(planned: ProductQuote) -> None:
    assert planned.plan.feasible
    assert [p.quantity for p in planned.prices] == [1, 10, 100]
    units = [p.unit_price for p in planned.prices]
    assert units == sorted(units, reverse=True)


def test_totals_are_the_sum_of_their_parts(planned: ProductQuote, catalog: Catalog) -> None:
    shop = catalog.shop
    for price in planned.prices:
        b = price.breakdown
        kinds = b.setup + b.run + b.material + b.tooling + b.consumables + b.purchased
        charges = b.overhead + b.margin + b.markup + b.lead_tier + b.minimum_order
        assert kinds + charges == b.total == Decimal(str(price.total_price))
        assert float(kinds) == pytest.approx(sum(line.cost for line in price.lines), abs=0.05)
        listed = sum(line.price for line in price.lines)
        assert price.total_price == pytest.approx(max(listed, shop.min_order_price), abs=0.1)
        assert {line.item_id for line in price.lines if line.kind == "part"} == {
            p.part_id for p in planned.plan.parts if p.quantity
        }


def test_the_routing_is_a_dag_into_packing(planned: ProductQuote) -> None:
    routing = planned.routing
    assert routing is not None
    ids = {op.id for op in routing.operations}
    graph = nx.DiGraph(routing.edges)
    graph.add_nodes_from(ids)
    assert nx.is_directed_acyclic_graph(graph)
    assert set(graph.nodes) == ids
    sinks = [n for n in graph.nodes if graph.out_degree(n) == 0]
    assert sinks == ["pack"]
    for op in routing.operations:
        assert op.machine_id is not None or op.manual, (
            f"{op.id} has no machine and is not bench work"
        )


def test_bom_counts_follow_the_quantity(planned: ProductQuote) -> None:
    for price in planned.prices:
        for line in price.bom:
            assert line.total == line.per_product * price.quantity
        made = {
            line.material_id
            for line in price.bom
            if line.kind == "part" and not (line.process_id or "").startswith("buy:")
        }
        assert {need.material_id for need in price.materials} == made
        assert all(need.kg > 0 for need in price.materials)


def test_every_part_is_inspected_and_the_bent_one_is_bent(catalog: Catalog, tmp_path: Path) -> None:
    quote = plan_spec(
        ROOT / "examples" / "products" / "shelf-bracket-set.yaml",
        quantities=[10],
        files_dir=tmp_path,
        catalog=catalog,
    )
    assert quote.routing is not None
    steps = [op.id for op in quote.routing.operations]
    chain = [s for s in steps if s.startswith("bracket/")]
    assert chain == [
        "bracket/fiber-laser",
        "bracket/deburr",
        "bracket/bend",
        "bracket/powder-coat",
        "bracket/inspect",
    ]


SPEC: dict[str, Any] = {
    "name": "Test bracket",
    "parts": [
        {
            "id": "bracket",
            "material": "steel-s235",
            "thickness": 2,
            "bends": 2,
            "geometry": {"shape": "plate", "width": 200, "height": 50},
        }
    ],
}


def _plan(spec: dict[str, Any], catalog: Catalog, tmp_path: Path) -> Any:
    product = configure(
        parse_spec(spec, "t.yaml"), {}, catalog, spec_dir=tmp_path, out_dir=tmp_path
    )
    return plan_product(product, catalog)


def test_a_bent_part_is_only_made_from_sheet(catalog: Catalog, tmp_path: Path) -> None:
    plan = _plan(SPEC, catalog, tmp_path)
    ways = {o.process_id for o in plan.parts[0].options}
    assert ways and all(
        catalog.processes[w].kind.value in ("profile_cutting", "stamping") for w in ways
    )
    assert any(f.feature == "bends" for f in plan.parts[0].findings)


def test_a_fine_tolerance_rules_out_coarse_processes(catalog: Catalog, tmp_path: Path) -> None:
    spec = copy.deepcopy(SPEC)
    spec["parts"][0].update({"tolerance": "f", "bends": 0, "thickness": 6})
    plan = _plan(spec, catalog, tmp_path)
    ways = {o.process_id for o in plan.parts[0].options}
    assert "plasma" not in ways and "fiber-laser" not in ways
    assert "cnc-mill-3axis" in ways
    assert any(
        f.feature == "tolerance" and f.process_id == "fiber-laser" for f in plan.parts[0].findings
    )


def test_a_part_nothing_can_make_makes_the_product_infeasible(
    catalog: Catalog, tmp_path: Path
) -> None:
    spec = copy.deepcopy(SPEC)
    spec["parts"][0]["geometry"]["width"] = 6000
    plan = _plan(spec, catalog, tmp_path)
    assert not plan.feasible
    assert plan.parts[0].findings


def test_a_part_is_bought_when_a_bureau_is_cheaper(catalog: Catalog, tmp_path: Path) -> None:
    spec = ROOT / "examples" / "products" / "desk-organiser.yaml"
    thin = tmp_path / "desk-organiser-3mm.yaml"  # the bureau's published list holds to 3 mm
    thin.write_text(spec.read_text().replace("thickness: 6", "thickness: 3"))
    quote = plan_spec(thin, quantities=[1, 100], files_dir=tmp_path, catalog=catalog)
    one, hundred = quote.prices
    bought = {part for part, way in one.ways.items() if way == "buy:laser-bureau-plastics"}
    assert bought
    assert one.breakdown.purchased > Decimal("0.15")  # the bureau's bill, beyond the glue
    assert not any(w.startswith("buy:") for w in hundred.ways.values())
    assert all(line.cost > 0 for line in one.lines if line.item_id in bought)


def test_a_bent_or_finished_part_is_not_bought(catalog: Catalog, tmp_path: Path) -> None:
    plan = _plan(SPEC, catalog, tmp_path)
    assert not any(o.process_id.startswith("buy:") for o in plan.parts[0].options)


def test_a_welded_assembly_is_fitted_then_welded(catalog: Catalog, tmp_path: Path) -> None:
    quote = plan_spec(
        ROOT / "examples" / "products" / "welded-frame.yaml",
        quantities=[10],
        files_dir=tmp_path,
        catalog=catalog,
    )
    assert quote.routing is not None
    edges = set(quote.routing.edges)
    assert ("assemble-frame", "weld-frame") in edges
    assert ("weld-frame", "pack") in edges
    weld = next(op for op in quote.routing.operations if op.id == "weld-frame")
    welding = catalog.processes["mig-welding"]
    assert isinstance(welding, Welding)
    seams, length = 12, 8 * 30 + 4 * 60
    assert weld.run_s == pytest.approx(seams * welding.per_weld_s + length / welding.speed_mm_s)
    assert quote.plan.assembly_consumables == pytest.approx(
        length / 1000 * welding.consumable_per_m
    )
    assert quote.prices[0].breakdown.consumables > 0


def test_parts_cut_on_the_same_machine_share_one_setup(catalog: Catalog, tmp_path: Path) -> None:
    def plate(name: str, width: int) -> dict[str, Any]:
        return {
            "id": name,
            "material": "steel-s235",
            "thickness": 3,
            "process": "fiber-laser",
            "geometry": {"shape": "plate", "width": width, "height": 50},
        }

    one = {"name": "One plate", "parts": [plate("a", 200)]}
    two = {"name": "Two plates", "parts": [plate("a", 200), plate("b", 150)]}
    alone = price_product(_plan(one, catalog, tmp_path / "one"), 1, catalog.shop)
    both = price_product(_plan(two, catalog, tmp_path / "two"), 1, catalog.shop)
    assert both.ways == {"a": "fiber-laser", "b": "fiber-laser"}
    assert both.breakdown.setup == alone.breakdown.setup  # laser, deburring, inspection: once
    assert both.breakdown.run > alone.breakdown.run
