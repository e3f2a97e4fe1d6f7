"""The cost of an order line from hand-made operations: every term checked by hand."""

import math
from decimal import Decimal

import pytest

from bespoke.costing import line_cost, price_break
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
    assert line.setup == pytest.approx(900 / 3600 * 120)  # 30
    assert line.run == pytest.approx(10 * 60 / 3600 * 120)  # 20
    assert line.material == pytest.approx(10 * 0.5 * 4.0)  # 20
    assert line.consumables == pytest.approx(10 * 0.25)
    assert line.overhead == pytest.approx(0.1 * (30 + 20 + 20 + 2.5))
    assert line.price == pytest.approx((72.5 + 7.25) / 0.8)
    assert line.hours == pytest.approx((900 + 600) / 3600)


def test_builds_are_paid_per_build_of_parts() -> None:
    for quantity in (1, 10, 11, 25):
        line = line_cost(_option(PRINT), quantity, SHOP)
        builds = math.ceil(quantity / 10)
        assert line.run == pytest.approx((quantity * 100 + builds * 3600) / 3600 * 36)


def test_manual_work_learns_down_to_its_floor() -> None:
    two = line_cost(_option(DEBURR), 2, SHOP).run
    assert two == pytest.approx((100 + 80) / 3600 * 36)
    many = line_cost(_option(DEBURR), 10_000, SHOP).run
    assert many == pytest.approx(10_000 * 50 / 3600 * 36, rel=0.01)


def test_tooling_is_paid_once_per_line() -> None:
    alone = line_cost(_option(CUT), 100, SHOP)
    tooled = line_cost(_option(CUT, tooling=5000), 100, SHOP)
    assert tooled.cost - alone.cost == pytest.approx(5000)


def test_small_lines_pay_the_minimum_order_price() -> None:
    cheap = _option(
        CUT.model_copy(update={"setup_s": 0, "run_s": 1}),
    ).model_copy(update={"material_kg_per_part": 0.0, "consumables_per_part": 0.0})
    assert line_cost(cheap, 1, SHOP).price == pytest.approx(20)


def test_price_break_rounds_money_and_keeps_the_sum() -> None:
    price = price_break(_option(CUT, DEBURR), 7, SHOP)
    b = price.breakdown
    assert b.setup + b.run + b.material + b.tooling + b.consumables + b.overhead + b.margin == (
        price.total_price
    )
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
    assert line.purchased == pytest.approx(17)
    assert line.cost == pytest.approx(line.setup + line.run + line.consumables + 17)
