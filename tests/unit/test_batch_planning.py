"""Batches of many orders: cost shared to the cent, batches formed by family, due date and
length, real parts planned, nested and priced together, and the batches scheduled."""

import itertools
import math
import random
from collections import Counter, defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
import trimesh
from tests.helpers import ROOT

from bespoke.batching.batches import form_batches
from bespoke.batching.nesting import NestSettings
from bespoke.batching.plan import (
    BatchPlan,
    plan_batches,
    scheduled_work,
    sheet_price_per_mm2,
)
from bespoke.catalog import load_catalog
from bespoke.costing.batch import allocate, batch_shares
from bespoke.costing.learning import total_time
from bespoke.costing.line import line_cost
from bespoke.costing.pricing import money
from bespoke.costing.product import choose
from bespoke.geometry.dxf import read_dxf
from bespoke.geometry.stl import read_stl
from bespoke.model import (
    Additive,
    Catalog,
    InputError,
    Operation,
    Part,
    ProcessKind,
    ProcessOption,
    StockForm,
    StockKind,
)
from bespoke.model.batching import Batch, BatchWork, Remnant
from bespoke.model.scheduling import Problem, Station
from bespoke.planning.part import plan_part
from bespoke.planning.product import plan_product
from bespoke.production import OrderAssembly, OrderWork, batched
from bespoke.production.orders import part_work as made_work
from bespoke.production.orders import product_work
from bespoke.products.configure import configure
from bespoke.products.spec import load_spec
from bespoke.scheduling.checker import violations
from bespoke.scheduling.solver import SolverSettings, solve

EXAMPLES = ROOT / "examples"
FAST = NestSettings(time_limit_s=2, seed=1)
CENT = Decimal("0.01")
DAY = 24 * 3600
WEEK = 7 * DAY
CHUNK = 4 * 3600


# --- sharing a cost out ------------------------------------------------------------------


def _weights(rng: random.Random) -> list[float]:
    n = rng.randint(1, 8)
    kind = rng.choice(["uniform", "zeros", "all-zero", "huge-ratio", "integers"])
    if kind == "all-zero":
        return [0.0] * n
    if kind == "integers":
        return [float(rng.randint(0, 5)) for _ in range(n)]
    if kind == "huge-ratio":
        return [10 ** rng.uniform(-9, 9) for _ in range(n)]
    weights = [rng.uniform(0, 1000) for _ in range(n)]
    if kind == "zeros":
        for i in rng.sample(range(n), rng.randint(0, n - 1)):
            weights[i] = 0.0
    return weights


def _exact_shares(total: Decimal, weights: list[float]) -> list[Fraction]:
    whole = sum(Fraction(w) for w in weights)
    if whole == 0:
        return [Fraction(total) / len(weights)] * len(weights)
    return [Fraction(total) * Fraction(w) / whole for w in weights]


def test_shares_add_up_to_the_total_to_the_cent_and_stay_proportional() -> None:
    rng = random.Random(7)
    for case in range(200):
        total = Decimal(rng.choice([0, 1, 7, 99, 10**4, 10**9, rng.randint(0, 10**7)])) * CENT
        weights = _weights(rng)
        shares = allocate(total, weights)
        context = f"case {case}: {total} by {weights} -> {shares}"
        assert len(shares) == len(weights), context
        assert sum(shares, Decimal(0)) == total, context
        for share, exact, weight in zip(
            shares, _exact_shares(total, weights), weights, strict=True
        ):
            assert share == share.quantize(CENT), context
            assert share >= 0, context
            assert abs(Fraction(share) - exact) < Fraction(1, 100), context
            if weight == 0 and any(weights):
                assert share == 0, context


def test_all_zero_weights_share_equally_the_extra_cents_going_first() -> None:
    assert allocate(Decimal("10.00"), [0, 0, 0]) == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    assert allocate(Decimal("1.00"), [1, 1, 1]) == [
        Decimal("0.34"),
        Decimal("0.33"),
        Decimal("0.33"),
    ]


def test_one_weight_takes_the_whole_and_a_huge_ratio_leaves_the_small_one_nothing() -> None:
    assert allocate(Decimal("123.45"), [0.001]) == [Decimal("123.45")]
    assert allocate(Decimal("0.05"), [1.0, 1e12]) == [Decimal("0.00"), Decimal("0.05")]
    assert allocate(Decimal("2.00"), []) == []


def test_the_largest_remainder_gets_the_cent() -> None:
    # exact shares 0.30, 0.6333.., 0.0666..: the left cent goes to the 0.0666.. share
    assert allocate(Decimal("1.00"), [0.3, 0.6 + 1 / 30, 1 / 15]) == [
        Decimal("0.30"),
        Decimal("0.63"),
        Decimal("0.07"),
    ]


@pytest.mark.parametrize("weights", [[-1.0], [1.0, -0.01], [0.0, -5.0, 3.0]])
def test_a_negative_weight_is_refused(weights: list[float]) -> None:
    with pytest.raises(ValueError, match="negative"):
        allocate(Decimal("10.00"), weights)


def test_batch_shares_split_setup_by_machine_time_material_by_area() -> None:
    rng = random.Random(3)
    for case in range(200):
        orders = [f"o{i}" for i in range(rng.randint(1, 6))]
        setup = Decimal(rng.randint(0, 10**6)) * CENT
        material = Decimal(rng.randint(0, 10**6)) * CENT
        run = {o: Decimal(rng.randint(0, 10**5)) * CENT for o in orders}
        machine_s = {o: rng.choice([0.0, rng.uniform(1, 10**5)]) for o in orders}
        area = {o: rng.choice([0.0, rng.uniform(1, 10**7)]) for o in orders}
        shares = batch_shares(setup, material, run, machine_s, area)
        context = f"case {case}: {shares}"
        assert [s.order for s in shares] == orders, context
        assert sum((s.setup for s in shares), Decimal(0)) == setup, context
        assert sum((s.material for s in shares), Decimal(0)) == material, context
        assert sum((s.total for s in shares), Decimal(0)) == setup + material + sum(run.values())
        setups = _exact_shares(setup, [machine_s[o] for o in orders])
        materials = _exact_shares(material, [area[o] for o in orders])
        for share, exact_setup, exact_material in zip(shares, setups, materials, strict=True):
            assert share.run == run[share.order], context
            assert share.total == share.setup + share.material + share.run, context
            assert abs(Fraction(share.setup) - exact_setup) < Fraction(1, 100), context
            assert abs(Fraction(share.material) - exact_material) < Fraction(1, 100), context


def test_batch_shares_put_no_material_on_an_order_that_takes_no_area() -> None:
    shares = batch_shares(
        Decimal("30.00"),
        Decimal("12.00"),
        {"a": Decimal("5.00"), "b": Decimal("1.00")},
        {"a": 200.0, "b": 100.0},
        {"a": 0.0, "b": 4000.0},
    )
    by_order = {s.order: s for s in shares}
    assert (by_order["a"].setup, by_order["a"].material) == (Decimal("20.00"), Decimal("0.00"))
    assert (by_order["b"].setup, by_order["b"].material) == (Decimal("10.00"), Decimal("12.00"))
    assert by_order["a"].total == Decimal("25.00")


# --- forming batches -------------------------------------------------------------------


def _work(
    order: str,
    family_: str = "laser:steel:2",
    due: int | None = 0,
    run_s: int = 10,
    setup_s: int = 60,
) -> BatchWork:
    return BatchWork(
        order=order,
        task="cut",
        family=family_,
        process=family_.split(":")[0],
        due=due,
        setup_s=setup_s,
        run_s=run_s,
    )


def _orders(batches: list[Batch]) -> list[list[str]]:
    return [[w.order for w in b.works] for b in batches]


def test_works_of_different_families_never_share_a_batch() -> None:
    works = [_work("1", "laser:steel:2"), _work("2", "laser:steel:3"), _work("3", "laser:steel:2")]
    batches = form_batches(works, window_s=WEEK, longest_s=WEEK)
    assert sorted(_orders(batches)) == [["1", "3"], ["2"]]
    assert {b.family for b in batches} == {"laser:steel:2", "laser:steel:3"}


def test_a_work_due_after_the_window_starts_a_new_batch() -> None:
    works = [_work("late", due=3 * DAY + 1), _work("first", due=DAY), _work("edge", due=3 * DAY)]
    batches = form_batches(works, window_s=2 * DAY, longest_s=WEEK)
    assert _orders(batches) == [["first", "edge"], ["late"]]


def test_work_without_a_due_date_comes_last_and_does_not_join_a_dated_batch() -> None:
    works = [_work("open", due=None), _work("dated", due=DAY), _work("open2", due=None)]
    batches = form_batches(works, window_s=WEEK, longest_s=WEEK)
    assert _orders(batches) == [["dated"], ["open", "open2"]]


def test_a_batch_runs_at_most_the_longest_and_a_longer_work_runs_alone() -> None:
    works = [_work(str(i), due=i, run_s=40) for i in range(5)] + [_work("big", due=2, run_s=500)]
    batches = form_batches(works, window_s=WEEK, longest_s=100)
    assert _orders(batches) == [["0", "1"], ["2"], ["big"], ["3", "4"]]
    assert [b.run_s for b in batches] == [80, 40, 500, 80]


def test_printers_batches_run_on_past_the_longest() -> None:
    works = [_work(str(i), "fdm:pla:printer", due=i, run_s=40) for i in range(5)]
    works += [_work("big", "fdm:pla:printer", due=2, run_s=500), _work("cut", due=1, run_s=90)]
    batches = form_batches(works, window_s=WEEK, longest_s=100, unbounded={"fdm"})
    assert sorted(_orders(batches)) == [["0", "1", "2", "big", "3", "4"], ["cut"]]


def test_a_batch_sets_up_once_for_its_longest_setup() -> None:
    works = [_work("1", setup_s=60), _work("2", setup_s=600), _work("3", setup_s=300)]
    (batch,) = form_batches(works, window_s=WEEK, longest_s=WEEK)
    assert batch.setup_s == 600
    assert batch.run_s == 30


def test_random_works_form_batches_by_family_window_and_length() -> None:
    rng = random.Random(11)
    families = ["laser:steel:2", "laser:steel:3", "fdm:pla", "deburr"]
    for case in range(50):
        window, longest = rng.randint(0, 5) * DAY, rng.randint(1, 20) * 600
        works = [
            BatchWork(
                order=f"o{i}",
                task=rng.choice(["cut", "print", "deburr"]),
                family=(name := rng.choice(families)),
                process=name.split(":")[0],
                due=rng.choice([None, rng.randint(0, 20) * DAY // 2]),
                setup_s=rng.randint(0, 3600),
                run_s=rng.randint(0, 4 * 3600),
            )
            for i in range(rng.randint(1, 40))
        ]
        batches = form_batches(works, window_s=window, longest_s=longest)
        context = f"case {case}"
        placed = Counter((w.order, w.task) for b in batches for w in b.works)
        assert placed == Counter((w.order, w.task) for w in works), context
        assert len({b.id for b in batches}) == len(batches), context
        last: dict[str, list[BatchWork]] = {}
        for batch in batches:
            assert {w.family for w in batch.works} == {batch.family}, context
            assert batch.process == batch.works[0].process, context
            assert batch.setup_s == max(w.setup_s for w in batch.works), context
            assert len(batch.works) == 1 or batch.run_s <= longest, context
            first = batch.works[0].due
            for work in batch.works:
                if first is None:
                    assert work.due is None, context
                else:
                    assert work.due is not None and first <= work.due <= first + window, context
            previous = last.get(batch.family)
            if previous is not None:  # it was closed: the next work did not fit
                joiner = batch.works[0]
                out_of_window = previous[0].due is not None and (
                    joiner.due is None or joiner.due - previous[0].due > window
                )
                too_long = sum(w.run_s for w in previous) + joiner.run_s > longest
                assert out_of_window or too_long, context
            last[batch.family] = batch.works


# --- real parts planned together -------------------------------------------------------


def cheapest(part: Part, catalog: Catalog) -> ProcessOption | None:
    """The in-house way to make one piece at least cost, None when nothing can."""
    options = [o for o in plan_part(part, catalog) if o.feasible and o.supply is None]
    if not options:
        return None
    return min(options, key=lambda o: line_cost(o, 1, catalog.shop).cost)


def ordered(
    order: str,
    file: Path,
    material: str,
    catalog: Catalog,
    *,
    thickness_mm: float | None = None,
    due: int | None = None,
    quantity: int = 1,
    finish: str | None = None,
) -> OrderWork:
    """An order of a part drawn (DXF) or modelled (STL), made the cheapest way in house."""
    if thickness_mm is not None:
        part = Part(
            name=file.stem,
            material_id=material,
            thickness_mm=thickness_mm,
            sheet=read_dxf(file),
            finish=finish,
        )
    else:
        part = Part(name=file.stem, material_id=material, solid=read_stl(file), finish=finish)
    option = cheapest(part, catalog)
    assert option is not None and option.routing is not None, f"nothing makes {file.name}"
    return made_work(order, file.stem, quantity, part, option, file, catalog, due=due)


def _steel(
    order: str,
    name: str,
    catalog: Catalog,
    *,
    due: int = DAY,
    quantity: int = 1,
    finish: str | None = None,
) -> OrderWork:
    """An order of an example drawing cut from 2 mm S235 steel."""
    return ordered(
        order,
        EXAMPLES / name,
        "steel-s235",
        catalog,
        thickness_mm=2.0,
        due=due,
        quantity=quantity,
        finish=finish,
    )


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def works(catalog: Catalog) -> list[OrderWork]:
    """Steel parts cut and deburred (one also powder coated), an acrylic sign cut alone,
    two PLA prints finished by hand."""
    return [
        _steel("1", "wall-bracket.dxf", catalog, due=2 * DAY),
        _steel("2", "sprocket.dxf", catalog, due=3 * DAY, quantity=3),
        _steel("3", "motor-mount.dxf", catalog, due=4 * DAY, finish="powder-coat"),
        ordered(
            "4", EXAMPLES / "sign-plate.dxf", "acrylic-cast", catalog, thickness_mm=3.0, due=2 * DAY
        ),
        ordered("5", EXAMPLES / "cable-clip.stl", "pla", catalog, due=3 * DAY, quantity=4),
        ordered("6", EXAMPLES / "enclosure.stl", "pla", catalog, due=5 * DAY),
    ]


@pytest.fixture(scope="module")
def plan(works: list[OrderWork], catalog: Catalog) -> BatchPlan:
    return plan_batches(works, catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST)


def _run_s(work: OrderWork, op: Operation) -> float:
    if op.manual:
        return total_time(op.run_s, work.quantity, op.learning_rate, op.learning_floor)
    return op.run_s * work.quantity


def _own_cost(work: OrderWork, catalog: Catalog, batched_material: bool) -> Decimal:
    """What an order pays outside batches: operations that do not batch, consumables, and
    material not bought as a batch's stock."""
    cost = money(work.consumables_per_part * work.quantity)
    for op in work.operations:
        if not batched(op, catalog):
            assert op.batch_s == 0, "the reckoning here has no builds"
            cost += money(op.setup_s / 3600 * op.rate_per_hour)
            cost += money(_run_s(work, op) / 3600 * op.rate_per_hour)
    if not batched_material:
        cost += money(work.material_kg_per_part * work.quantity * work.material_price_per_kg)
    return cost


def test_routings_of_the_orders_are_as_expected(works: list[OrderWork], catalog: Catalog) -> None:
    """The orders below exercise what they mean to: cut then deburred, printed then hand
    finished (not batched)."""
    processes = {w.order: [op.process_id for op in w.operations] for w in works}
    assert processes["1"][1:] == ["deburr"]
    assert processes["3"][1:] == ["deburr", "powder-coat"]
    assert catalog.processes[processes["1"][0]].kind == ProcessKind.PROFILE_CUTTING
    assert catalog.processes[processes["5"][0]].kind == ProcessKind.ADDITIVE
    assert any(not batched(op, catalog) for op in works[4].operations)


def test_batch_cost_is_its_setup_material_and_runs_shared_to_the_cent(
    plan: BatchPlan, works: list[OrderWork], catalog: Catalog
) -> None:
    by_order = {w.order: w for w in works}
    for planned in plan.batches:
        batch = planned.batch
        ops = {
            w.order: next(op for op in by_order[w.order].operations if op.id == w.task)
            for w in batch.works
        }
        rate = ops[batch.works[0].order].rate_per_hour
        process = catalog.processes[batch.process]
        shares = {s.order: s for s in planned.shares}
        assert set(shares) == {w.order for w in batch.works}
        setup = sum((s.setup for s in shares.values()), Decimal(0))
        material = sum((s.material for s in shares.values()), Decimal(0))
        run = sum((s.run for s in shares.values()), Decimal(0))
        if process.kind == ProcessKind.ADDITIVE:
            assert planned.nest is not None
            builds_s = len(planned.nest.sheets) * max(op.batch_s for op in ops.values())
            assert setup == money((batch.setup_s + builds_s) / 3600 * rate)
            kg = sum(by_order[o].material_kg_per_part * by_order[o].quantity for o in shares)
            work = by_order[batch.works[0].order]
            price = work.material.price_per_kg_for(process.stock)
            assert material == money(kg * price)
        else:
            assert setup == money(batch.setup_s / 3600 * rate)
        if process.kind == ProcessKind.PROFILE_CUTTING:
            assert planned.nest is not None
            work = by_order[batch.works[0].order]
            assert work.thickness_mm is not None
            kg_per_mm2 = work.thickness_mm * work.material.density_kg_m3 / 1e9
            price = kg_per_mm2 * work.material.price_per_kg_for(StockKind.SHEET)
            assert material == money(price * planned.nest.sheet_area_mm2)
            assert material > 0
        if process.kind == ProcessKind.FINISHING:
            assert material == 0 and planned.nest is None
        assert planned.cost == setup + material + run
        assert sum((s.total for s in planned.shares), Decimal(0)) == planned.cost
        for order, share in shares.items():
            op = ops[order]
            assert share.total == share.setup + share.material + share.run
            if not op.manual:
                expected_run = money(op.run_s * by_order[order].quantity / 3600 * op.rate_per_hour)
                assert share.run == expected_run


def test_orders_pay_their_shares_and_their_own_work(
    plan: BatchPlan, works: list[OrderWork], catalog: Catalog
) -> None:
    shares: dict[str, Decimal] = defaultdict(Decimal)
    stocked: set[str] = set()
    for planned in plan.batches:
        for share in planned.shares:
            shares[share.order] += share.total
        if planned.nest is not None:
            stocked |= {w.order for w in planned.batch.works}
    assert set(plan.orders) == {w.order for w in works}
    assert stocked == {w.order for w in works}, "every part is cut or printed in a batch"
    own = {w.order: _own_cost(w, catalog, w.order in stocked) for w in works}
    for work in works:
        cost = plan.orders[work.order]
        assert cost.total == shares[work.order] + own[work.order], work.order
        assert cost.consumables == money(work.consumables_per_part * work.quantity)
    batches = sum((p.cost for p in plan.batches), Decimal(0))
    assert plan.total == batches + sum(own.values(), Decimal(0))
    assert plan.total == sum((c.total for c in plan.orders.values()), Decimal(0))


def test_orders_cut_together_pay_one_setup_and_cost_less_than_alone(catalog: Catalog) -> None:
    three = [
        _steel("a", "wall-bracket.dxf", catalog),
        _steel("b", "sprocket.dxf", catalog, quantity=2),
        _steel("c", "sign-plate.dxf", catalog),
    ]
    together = plan_batches(three, catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST)
    alone = [
        plan_batches([w], catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST) for w in three
    ]

    def setups(plan: BatchPlan) -> Decimal:
        return sum((c.setup for c in plan.orders.values()), Decimal(0))

    def runs(plan: BatchPlan) -> Decimal:
        return sum((c.run for c in plan.orders.values()), Decimal(0))

    cut, deburr = three[0].operations
    once = money(cut.setup_s / 3600 * cut.rate_per_hour) + money(
        deburr.setup_s / 3600 * deburr.rate_per_hour
    )
    assert [len(p.batches) for p in alone] == [2, 2, 2]
    assert len(together.batches) == 2
    assert setups(together) == once
    assert sum((setups(p) for p in alone), Decimal(0)) == 3 * once
    assert runs(together) == sum((runs(p) for p in alone), Decimal(0)), "each pays its own run"
    assert together.total < sum((p.total for p in alone), Decimal(0))
    for work in three:  # and each of them is better off
        (single,) = (p for p in alone if work.order in p.orders)
        assert together.orders[work.order].total < single.orders[work.order].total, work.order


def test_each_offcut_on_the_bed_is_cut_in_one_batch_at_most(catalog: Catalog) -> None:
    two = [  # due a week apart: two cutting batches of the same stock
        _steel("a", "wall-bracket.dxf", catalog, due=DAY),
        _steel("b", "sprocket.dxf", catalog, due=8 * DAY),
    ]
    off_bed, on_bed = Remnant(id=1, size_mm=(3200, 1500)), Remnant(id=2, size_mm=(1500, 400))
    stock = {
        ("steel-s235", 2.0): [off_bed, on_bed],
        ("steel-s235", 3.0): [Remnant(id=3, size_mm=(900, 900))],
    }
    plan = plan_batches(two, catalog, window_s=DAY, longest_s=WEEK, settings=FAST, remnants=stock)
    cutting = [p for p in plan.batches if p.batch.process == "fiber-laser"]
    assert [[w.order for w in p.batch.works] for p in cutting] == [["a"], ["b"]]
    sheets = [[s.from_remnant for s in p.nest.sheets] for p in cutting if p.nest]
    assert sheets == [[2], [None]]  # the one off the 3000 x 1500 bed, or of 3 mm, is not cut
    first = cutting[0]
    assert first.nest is not None
    price = sheet_price_per_mm2(two[0])
    assert sum(s.material for s in first.shares) == money(price * first.nest.sheet_area_mm2)
    assert first.nest.sheet_area_mm2 <= 1500 * 400
    assert stock[("steel-s235", 2.0)] == [off_bed, on_bed], "the stock given is left as it was"


def test_every_order_is_in_the_batches_of_its_batched_operations(
    plan: BatchPlan, works: list[OrderWork], catalog: Catalog
) -> None:
    wanted = {(w.order, op.id) for w in works for op in w.operations if batched(op, catalog)}
    placed = Counter((w.order, w.task) for p in plan.batches for w in p.batch.works)
    assert set(placed) == wanted
    assert max(placed.values()) == 1, "an operation in two batches"
    by_order = {w.order: w for w in works}
    for planned in plan.batches:
        orders = {w.order for w in planned.batch.works}
        assert {s.order for s in planned.shares} == orders
        if planned.nest is None:
            continue
        parts = {p.id: p.order for p in planned.nest.parts}
        copies = Counter(parts[p.part] for p in planned.nest.placements)
        pieces = {o: by_order[o].quantity * max(len(by_order[o].outlines), 1) for o in orders}
        assert copies == Counter(pieces), planned.batch.id
    cutting = [p for p in plan.batches if p.batch.process == works[0].operations[0].process_id]
    assert len(cutting) == 1 and {w.order for w in cutting[0].batch.works} == {"1", "2", "3"}


def test_a_material_without_sheet_stock_cannot_be_nested(
    works: list[OrderWork], catalog: Catalog
) -> None:
    steel = catalog.materials["steel-s235"]
    bar_only = steel.model_copy(
        update={"stock": [StockForm(kind=StockKind.BAR, diameters_mm=[10.0, 20.0])]}
    )
    changed = catalog.model_copy(
        update={"materials": {**catalog.materials, "steel-s235": bar_only}}
    )
    work = works[0].model_copy(update={"material": changed.materials["steel-s235"]})
    with pytest.raises(InputError) as raised:
        plan_batches([work], changed, window_s=WEEK, longest_s=WEEK, settings=FAST)
    message = str(raised.value)
    assert "steel-s235" in message
    assert "no sheet stock" in message and "stocked as bar" in message
    assert raised.value.path == "materials.steel-s235.stock"


# --- the batches scheduled -------------------------------------------------------------


def _expected_links(plan: BatchPlan, works: list[OrderWork]) -> set[tuple[str, str]]:
    """Each order's steps in turn, a batch standing for the steps it makes: every pair of
    consecutive steps with a batch in it is a link between jobs."""
    batch_of = {(w.order, w.task): p.batch.id for p in plan.batches for w in p.batch.works}
    batches = set(batch_of.values())
    links = set()
    for work in works:
        steps = [
            batch_of.get((work.order, op.id), f"order-{work.order}/{op.id}")
            for op in work.operations
        ]
        for before, after in itertools.pairwise(steps):
            if before in batches or after in batches:
                links.add((before, after))
    return links


def test_batches_scheduled_between_the_orders_own_operations(
    plan: BatchPlan, works: list[OrderWork], catalog: Catalog
) -> None:
    jobs, links = scheduled_work(plan, works, catalog)
    batch_ids = {p.batch.id for p in plan.batches}
    assert {j.id for j in jobs} >= batch_ids
    assert set(links) == _expected_links(plan, works)
    assert len(links) == len(set(links))

    batch_of = {(w.order, w.task): p.batch.id for p in plan.batches for w in p.batch.works}
    for work in works:  # cut and then deburred: the cutting batch comes before the deburring
        if work.material.id != "steel-s235":
            continue
        cut, deburr = (batch_of[(work.order, op.id)] for op in work.operations[:2])
        assert cut != deburr and (cut, deburr) in links, work.order
    for work in works[4:]:  # printed in a batch and then finished by hand, in its own job
        printed = batch_of[(work.order, work.operations[0].id)]
        (job,) = (j for j in jobs if j.id == work.order)
        (task,) = job.tasks
        assert task.id == f"order-{work.order}/{work.operations[1].id}"
        assert (printed, task.id) in links

    machines = sorted({a.machine for j in jobs for t in j.tasks for a in t.alternatives})
    problem = Problem(jobs=jobs, machines=[Station(id=m) for m in machines], links=links)
    schedule = solve(problem, SolverSettings(time_limit=5, seed=1))
    assert violations(problem, schedule) == []
    placed = {t.task: t for t in schedule.tasks}
    assert set(placed) == {t.id for j in jobs for t in j.tasks}
    for before, after in links:
        assert placed[before].end <= placed[after].start, (before, after)
    for planned in plan.batches:
        made = placed[planned.batch.id]
        assert made.end - made.start >= planned.duration_s


def test_a_batch_is_due_when_the_first_order_finished_by_it_is_due(
    plan: BatchPlan, works: list[OrderWork], catalog: Catalog
) -> None:
    jobs, _ = scheduled_work(plan, works, catalog)
    batch_of = {(w.order, w.task): p.batch.id for p in plan.batches for w in p.batch.works}
    finishing: dict[str, list[int]] = defaultdict(list)
    for work in works:
        last = batch_of.get((work.order, work.operations[-1].id))
        if last is not None and work.due is not None:
            finishing[last].append(work.due)
    assert finishing, "some order ends with a batch"
    for job in jobs:
        if job.id in {p.batch.id for p in plan.batches}:
            assert job.due == min(finishing.get(job.id, []), default=None), job.id
            assert job.weight >= len(finishing.get(job.id, [])), job.id
        else:
            assert job.due == next(w.due for w in works if w.order == job.id)


def test_hand_finishing_of_a_print_does_not_take_a_printer() -> None:
    catalog = load_catalog()
    work = ordered("5", EXAMPLES / "cable-clip.stl", "pla", catalog, due=3 * DAY, quantity=4)
    assert work.operations[1].machine_id is None and work.operations[1].manual
    plan = plan_batches([work], catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST)
    jobs, _ = scheduled_work(plan, [work], catalog)
    (task,) = next(j for j in jobs if j.id == "5").tasks
    printers = {m.id for m in catalog.machines.values() if m.process == "fdm"}
    assert not {a.machine for a in task.alternatives} & printers


# --- a product's parts batched with other orders' ---------------------------------------


@pytest.fixture(scope="module")
def frames(
    catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[list[OrderWork], OrderAssembly]]:
    """Two orders of three welded frames, of two widths, each part made the cheapest way."""
    spec = load_spec(EXAMPLES / "products" / "welded-frame.yaml")
    made = []
    for order, width in (("1", "500 mm"), ("2", "800 mm")):
        product = configure(
            spec,
            {"width": width},
            catalog,
            spec_dir=EXAMPLES / "products",
            out_dir=tmp_path_factory.mktemp(f"frame-{order}"),
        )
        plan = plan_product(product, catalog)
        ways = {part: o.process_id for part, o in choose(plan, 3, catalog.shop).items()}
        made.append(product_work(order, 3, plan, ways, catalog, units={}, due=2 * DAY))
    return made


def test_a_products_parts_are_nested_with_other_orders_and_assembled_after(
    frames: list[tuple[list[OrderWork], OrderAssembly]], catalog: Catalog
) -> None:
    works = [w for parts, _ in frames for w in parts]
    assert sorted(w.key for w in works) == [
        "1/foot",
        "1/rail",
        "1/stile",
        "2/foot",
        "2/rail",
        "2/stile",
    ]
    assert all(w.quantity == 6 for w in works)  # two of each part in each of three frames
    plan = plan_batches(works, catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST)
    cutting = [p for p in plan.batches if p.nest is not None]
    assert cutting and all({w.order for w in p.batch.works} == {"1", "2"} for p in cutting)
    for work in works:  # every copy of every part on a sheet, once
        placed = [
            pl.part
            for p in cutting
            for pl in p.nest.placements  # type: ignore[union-attr]
            if pl.part.startswith(f"{work.key}/")
        ]
        assert len(placed) == work.quantity * len(work.outlines), work.key

    assemblies = [a for _, a in frames]
    jobs, links = scheduled_work(plan, works, catalog, CHUNK, assemblies)
    by_id = {j.id: j for j in jobs}
    own = {t.id for t in by_id["1"].tasks}
    assert {"order-1/assemble-frame", "order-1/weld-frame", "order-1/pack"} <= own
    assert {"order-1/rail/inspect", "order-1/foot/inspect"} <= own
    assert not any("fiber-laser" in t or "plasma" in t for t in own)  # cut in batches

    machines = sorted({a.machine for j in jobs for t in j.tasks for a in t.alternatives})
    problem = Problem(jobs=jobs, machines=[Station(id=m) for m in machines], links=links)
    schedule = solve(problem, SolverSettings(time_limit=5, seed=1))
    assert violations(problem, schedule) == []
    placed = {t.task: t for t in schedule.tasks}
    for order in ("1", "2"):
        assembled = placed[f"order-{order}/assemble-frame"].start
        for planned in plan.batches:
            if order in {w.order for w in planned.batch.works}:
                last = max(placed[t.id].end for t in by_id[planned.batch.id].tasks)
                assert last <= assembled, (order, planned.batch.id)
        assert (
            placed[f"order-{order}/weld-frame"].start >= placed[f"order-{order}/assemble-frame"].end
        )
        assert placed[f"order-{order}/pack"].start >= placed[f"order-{order}/weld-frame"].end


def test_a_products_part_no_longer_made_its_quoted_way_is_refused(catalog: Catalog) -> None:
    spec = load_spec(EXAMPLES / "products" / "welded-frame.yaml")
    with TemporaryDirectory() as folder:
        product = configure(spec, {}, catalog, spec_dir=EXAMPLES, out_dir=Path(folder))
        plan = plan_product(product, catalog)
        ways = {"rail": "co2-laser", "stile": "fiber-laser", "foot": "plasma"}
        with pytest.raises(InputError, match=r"part rail can no longer be made by co2-laser"):
            product_work("7", 1, plan, ways, catalog, units={})


def test_a_powder_bed_batch_pays_its_real_builds_not_the_expected_shares(
    catalog: Catalog, tmp_path: Path
) -> None:
    mjf = catalog.processes["mjf"]
    assert isinstance(mjf, Additive)
    works = []
    for order, size in (("a", (40, 30, 20)), ("b", (60, 50, 20))):
        path = tmp_path / f"{order}.stl"
        trimesh.creation.box(size).export(path)
        part = Part(name=order, material_id="pa12", solid=read_stl(path))
        (option,) = plan_part(part, catalog, ["mjf"])
        works.append(made_work(order, order, 3, part, option, path, catalog, due=DAY))
    plan = plan_batches(works, catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST)
    (printed,) = [p for p in plan.batches if p.batch.process == "mjf"]
    assert printed.nest is not None
    layers = sum(
        math.ceil((build.used_height_mm or 0) / mjf.layer_height_mm)
        for build in printed.nest.sheets
    )
    own = 0.0
    for work in works:
        (op,) = [o for o in work.operations if o.process_id == "mjf" and o.machine_id]
        assert op.pooled_build_s > 0
        own += (op.run_s - op.pooled_build_s) * work.quantity
    assert printed.duration_s == math.ceil(layers * mjf.layer_time_s + own)


def test_a_known_nest_of_the_same_parts_and_stock_is_kept(
    plan: BatchPlan, works: list[OrderWork], catalog: Catalog
) -> None:
    nests = [b.nest for b in plan.batches if b.nest is not None]
    assert nests and all(n.inputs for n in nests), "a nest is marked with what it was made of"
    known = [n.model_copy(update={"notes": [*n.notes, "kept"]}) for n in nests]
    again = plan_batches(
        works, catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST, known=known
    )
    assert all(b.nest is None or "kept" in b.nest.notes for b in again.batches)
    more = [works[0].model_copy(update={"quantity": works[0].quantity + 1}), *works[1:]]
    changed = plan_batches(
        more, catalog, window_s=WEEK, longest_s=2 * WEEK, settings=FAST, known=known
    )
    cut_first = next(
        b for b in changed.batches if b.nest and any(w.order == "1" for w in b.batch.works)
    )
    assert cut_first.nest is not None and "kept" not in cut_first.nest.notes
    assert sum(p.quantity for p in cut_first.nest.parts if p.order == "1") == more[0].quantity
