"""A condition plan weighs the machine's observations as they are stored: a reading over
its threshold for long enough makes one maintenance order, checked as often as it is."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bespoke.model.monitoring import Observation, Signal
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Settings, open_environment
from bespoke.services.maintenance.plans import add_plan, check_due
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.shopfloor.monitoring import floor_monitor

MACHINE = "mill-vmc-3axis"


def test_a_hot_spindle_makes_one_order(tmp_path: Path) -> None:
    env = open_environment(Settings(data_dir=tmp_path))
    shop_id = ensure_shop(env, "hot", "Hot workshop")
    operator = create_user(
        env, "op@example.com", "a long password", role="operator", shop_slug="hot"
    )
    plan = {
        "machine": MACHINE,
        "title": "Spindle too hot",
        "trigger": {"kind": "condition", "item": "spindle_temp", "above": 60, "readings": 2},
        "duration_s": 1200,
        "window": {"late": 86400},
    }
    add_plan(env, operator, plan)
    start = datetime.now(UTC) - timedelta(minutes=30)
    temperatures = [40, 55, 62, 58, 65, 66, 67]  # one hot reading alone, then a run of three
    floor_monitor(env).keep(
        shop_id,
        [
            Observation(
                machine=MACHINE,
                item="spindle_temp",
                signal=Signal.SAMPLE,
                value=float(t),
                at=start + timedelta(minutes=i),
            )
            for i, t in enumerate(temperatures)
        ],
    )
    assert check_due(env, shop_id) == 1
    assert check_due(env, shop_id) == 0  # the same run: not again
    with env.uow() as uow:
        (order,) = uow.maintenance.orders(shop_id)
        assert (order.machine, order.kind, order.title) == (MACHINE, "planned", "Spindle too hot")
