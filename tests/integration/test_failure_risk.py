"""A failure-risk model trained on real process data (AI4I 2020, a slice) reads each
machine's latest process readings from its observations; a machine at risk gets one
condition request while it is open, a machine working safely none."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bespoke.maintenance.datasets import read_ai4i
from bespoke.maintenance.prediction import PRODUCT_QUALITIES, READING_BOUNDS
from bespoke.model.monitoring import Observation, Signal
from bespoke.services.environment import Settings, open_environment
from bespoke.services.maintenance.risk import (
    QUALITY_ITEM,
    check_risk,
    kept_model,
    train_risk_model,
)
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.shopfloor.monitoring import floor_monitor

ROWS = 3_000


def _reading(machine: str, quality: str, values: np.ndarray, at: datetime) -> list[Observation]:
    kept = [
        Observation(machine=machine, item=QUALITY_ITEM, signal=Signal.SAMPLE, value=quality, at=at)
    ]
    kept += [
        Observation(machine=machine, item=name, signal=Signal.SAMPLE, value=float(v), at=at)
        for name, v in zip(READING_BOUNDS, values, strict=True)
    ]
    return kept


def test_a_machine_at_risk_is_asked_for_a_check_once(shared_fixtures: Path, tmp_path: Path) -> None:
    lines = (shared_fixtures / "maintenance" / "ai4i2020.csv").read_bytes().splitlines()
    data = b"\n".join(lines[: ROWS + 1])
    env = open_environment(Settings(data_dir=tmp_path))
    shop_id = ensure_shop(env, "risk", "Risk workshop")
    model = train_risk_model(env, data)
    assert kept_model(env) is not None
    table = read_ai4i(data)
    chances = model.predict(table.readings)
    high, low = int(np.argmax(chances)), int(np.argmin(chances))
    assert chances[high] >= model.threshold_ > chances[low]
    at = datetime.now(UTC) - timedelta(minutes=5)
    for machine, row in (("mill-vmc-3axis", high), ("fiber-laser-3015", low)):
        quality = PRODUCT_QUALITIES[int(table.readings.qualities[row])]
        floor_monitor(env).keep(shop_id, _reading(machine, quality, table.readings.values[row], at))
    (made,) = check_risk(env, shop_id, model)
    assert check_risk(env, shop_id, model) == []  # not again while it is open
    with env.uow() as uow:
        order = uow.maintenance.order(shop_id, made)
        assert (order.machine, order.kind, order.status) == ("mill-vmc-3axis", "condition", "open")
        assert "risk" in order.title.lower()
