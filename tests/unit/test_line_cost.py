"""The cost and price of an order line from hand-made operations: every term checked by hand."""

import math
from decimal import Decimal

import pytest

from bespoke.costing import line_cost, price_break
from bespoke.costing.line import line_price
from bespoke.costing.pricing import Costs, price_of
from bespoke.model import Operation, ProcessOption, Routing, Shop, SupplyPrice

SHOP = Shop(
    id="test-shop",
    name="Test shop",
    labour_rate_per_hour=36,
    overhead=0.1,
    margin=0.2,
    min_order_price=20,
    hours_per_day=8,
    base_lead_days=2,
    sources={
        "labour_rate_per_hour": "test",
        "overhead": "test",
        "margin": "test",
        "min_order_price": "test",
        "hours_per_day": "test",
        "base_lead_days": "test",
    },
)


LEAD_TIERS_IN_ORDER = ("standard", "economy", "expedite")


def _option(*operations: Operation, tooling: float = 0.0) -> ProcessOption:
    return ProcessOption(
        process_id="cut",
        process_name="Cutting",
        machine_id="m1",
        feasible=True,
        routing=Routing.chain(list(operations)),
        material_kg_per_part=0.5,
        material_price_per_kg=4.0,
        tooling_cost=tooling,
        consumables_per_part=0.25,
        lead_days=1,
    )


CUT = Operation(
    id="cut",
    process_id="cut",
    machine_id="m1",
    name="Cut",
    rate_per_hour=120,
    setup_s=900,
    run_s=60,
    basis="test",
)
PRINT = Operation(
    id="print",
    process_id="print",
    machine_id="p1",
    name="Print",
    rate_per_hour=36,
    setup_s=0,
    run_s=100,
    batch_s=3600,
    parts_per_batch=10,
    basis="test",
)
DEBURR = Operation(
    id="deburr",
    process_id="deburr",
    machine_id=None,
    name="Deburr",
    rate_per_hour=36,
    setup_s=0,
    run_s=100,
    manual=True,
    learning_rate=0.8,
    learning_floor=0.5,
    basis="test",
)


def test_setup_once_run_per_part_material_and_consumables() -> None:
    line = line_cost(_option(CUT), 10, SHOP)
    assert line.costs.setup == pytest.approx(900 / 3600 * 120)  # 30
    assert line.costs.run == pytest.approx(10 * 60 / 3600 * 120)  # 20
    assert line.costs.material == pytest.approx(10 * 0.5 * 4.0)  # 20
    assert line.costs.consumables == pytest.approx(10 * 0.25)
    assert line.hours == pytest.approx((900 + 600) / 3600)
    price = line_price(_option(CUT), 10, SHOP)
    work = 30 + 20 + 2.5
    assert price.overhead == pytest.approx(0.1 * work)
    assert price.markup == pytest.approx(20 * SHOP.material_markup)
    assert price.total == pytest.approx((work * 1.1) / 0.8 + 20 * (1 + SHOP.material_markup))


def test_builds_are_paid_per_build_of_parts() -> None:
    for quantity in (1, 10, 11, 25):
        line = line_cost(_option(PRINT), quantity, SHOP)
        builds = math.ceil(quantity / 10)
        assert line.costs.run == pytest.approx((quantity * 100 + builds * 3600) / 3600 * 36)


def test_manual_work_learns_down_to_its_floor() -> None:
    two = line_cost(_option(DEBURR), 2, SHOP).costs.run
    assert two == pytest.approx((100 + 80) / 3600 * 36)
    many = line_cost(_option(DEBURR), 10_000, SHOP).costs.run
    assert many == pytest.approx(10_000 * 50 / 3600 * 36, rel=0.01)


def test_tooling_is_paid_once_per_line_and_passed_through_at_its_own_markup() -> None:
    alone = line_cost(_option(CUT), 100, SHOP)
    tooled = line_cost(_option(CUT, tooling=5000), 100, SHOP)
    assert tooled.cost - alone.cost == pytest.approx(5000)
    more = line_price(_option(CUT, tooling=5000), 100, SHOP).total
    assert more - line_price(_option(CUT), 100, SHOP).total == pytest.approx(
        5000 * (1 + SHOP.pass_through_markup)
    )


def test_small_orders_are_topped_up_to_the_minimum_on_a_line_of_their_own() -> None:
    cheap = _option(
        CUT.model_copy(update={"setup_s": 0, "run_s": 1}),
    ).model_copy(update={"material_kg_per_part": 0.0, "consumables_per_part": 0.0})
    price = line_price(cheap, 1, SHOP)
    assert price.total == pytest.approx(20)
    assert price.minimum_order == pytest.approx(20 - price.list_price)
    assert price.minimum_order > 0
    assert price_break(cheap, 1, SHOP).breakdown.minimum_order == Decimal("20.00") - Decimal(
        str(round(price.list_price, 2))
    )
    inside = price_of(line_cost(cheap, 1, SHOP).costs, SHOP, minimum=False)
    assert inside.minimum_order == 0
    big = line_price(_option(CUT), 10, SHOP)
    assert big.minimum_order == 0


def test_lead_time_tiers_scale_the_price_and_the_days() -> None:
    option = _option(CUT)
    standard, economy, expedite = (price_break(option, 50, SHOP, t) for t in LEAD_TIERS_IN_ORDER)
    listed = line_price(option, 50, SHOP).list_price
    assert float(economy.total_price) == pytest.approx(listed * 0.8, abs=0.01)
    assert float(expedite.total_price) == pytest.approx(listed * 1.2, abs=0.01)
    assert economy.breakdown.lead_tier < 0 < expedite.breakdown.lead_tier
    assert economy.lead_time_days == math.ceil(standard.lead_time_days * 2) or (
        economy.lead_time_days > standard.lead_time_days
    )
    assert expedite.lead_time_days < standard.lead_time_days


def test_a_farm_of_identical_machines_shortens_the_lead_time_not_the_price() -> None:
    one = _option(PRINT).model_copy(update={"machine_id": "p1"})
    farm = one.model_copy(update={"machines": 4})
    assert line_cost(farm, 200, SHOP).costs == line_cost(one, 200, SHOP).costs
    assert price_break(farm, 200, SHOP).lead_time_days < price_break(one, 200, SHOP).lead_time_days


def test_costs_add_and_subtract_kind_by_kind() -> None:
    a, b = Costs(setup=1, material=2), Costs(run=3, material=1)
    assert a + b == Costs(setup=1, run=3, material=3)
    assert (a + b) - b == a
    assert (a + b).work == 4 and (a + b).total == 7


def test_price_break_rounds_money_and_keeps_the_sum() -> None:
    price = price_break(_option(CUT, DEBURR), 7, SHOP)
    b = price.breakdown
    parts = b.setup + b.run + b.material + b.tooling + b.consumables + b.purchased + b.overhead
    parts += b.markup + b.lead_tier + b.minimum_order + b.margin
    assert parts == price.total_price
    assert price.unit_price == (price.total_price / 7).quantize(Decimal("0.0001"))
    hours = (900 + 7 * 60) / 3600 + line_cost(_option(DEBURR), 7, SHOP).hours
    assert price.lead_time_days == math.ceil(2 + 1 + hours / 8)


def test_lead_time_follows_the_busiest_station_not_the_sum() -> None:
    option = _option(CUT, DEBURR)
    line = line_cost(option, 300, SHOP)
    assert set(line.hours_by_station) == {"m1", "bench"}
    assert sum(line.hours_by_station.values()) == pytest.approx(line.hours)
    price = price_break(option, 300, SHOP)
    assert price.lead_time_days == math.ceil(2 + 1 + max(line.hours_by_station.values()) / 8)
    assert price.lead_time_days < math.ceil(2 + 1 + line.hours / 8)


def test_a_bought_part_pays_the_first_copy_the_extras_and_the_discount() -> None:
    supply = SupplyPrice(
        supplier_id="bureau",
        order_fee=10,
        first_part=3.0,
        extra_part=1.0,
        discounts=[(10, 0.9), (100, 0.8)],
    )
    assert supply.cost(1) == pytest.approx(10 + 3)
    assert supply.cost(5) == pytest.approx(10 + 3 + 4)
    assert supply.cost(10) == pytest.approx(10 + (3 + 9) * 0.9)
    assert supply.cost(200) == pytest.approx(10 + (3 + 199) * 0.8)
    bought = _option(CUT).model_copy(update={"supply": supply, "material_kg_per_part": 0.0})
    line = line_cost(bought, 5, SHOP)
    assert line.costs.purchased == pytest.approx(17)
    assert line.cost == pytest.approx(line.costs.work + 17)
