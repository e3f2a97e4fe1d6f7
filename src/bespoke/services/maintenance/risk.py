"""Failure risk on the floor: a model trained on a shop's (or public) process data reads
each machine's latest process readings, and a machine whose risk reaches the model's
threshold gets a condition request, once while one is open."""

import pickle
from datetime import timedelta
from pathlib import Path

from bespoke.maintenance.datasets import read_ai4i
from bespoke.maintenance.prediction import (
    READING_BOUNDS,
    FailureRiskModel,
    ProcessReading,
    risk,
)
from bespoke.model.errors import BespokeError
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import shop_catalog
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import MaintenanceOrderRow

QUALITY_ITEM = "quality"
"""The data item naming the product quality (L, M, H) a machine works on."""
READING_ITEMS = (QUALITY_ITEM, *READING_BOUNDS)
"""The data items a process reading is made of, as machines (or gateways) name them."""
LATEST = 500
"""Latest observations of a machine looked through for its process reading."""
OPEN = ("open", "scheduled", "running")
CHECK_WITHIN = timedelta(days=1)
"""A condition check asked for by the model is scheduled within a day."""
MODEL_FILE = "failure-risk.pkl"


def model_path(env: Environment) -> Path:
    return env.settings.data_dir / "models" / MODEL_FILE


def train_risk_model(env: Environment, data: bytes) -> FailureRiskModel:
    """Train the failure-risk model on an AI4I-form CSV table and keep it for the server."""
    table = read_ai4i(data)
    model = FailureRiskModel().fit(table.readings, table.failed)
    path = model_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(model))
    return model


def kept_model(env: Environment) -> FailureRiskModel | None:
    """The model kept in the data folder (written by `train_risk_model`), if any."""
    path = model_path(env)
    if not path.is_file():
        return None
    model = pickle.loads(path.read_bytes())  # written by this service only
    return model if isinstance(model, FailureRiskModel) else None


def check_risk(env: Environment, shop_id: int, model: FailureRiskModel) -> list[int]:
    """Ask for a condition check of each machine whose latest process reading's risk
    reaches the model's threshold (none while one is open for it); the orders made."""
    made = []
    moment = now()
    with env.uow() as uow:
        for machine in shop_catalog(uow, shop_id).machines:
            reading = latest_reading(uow, shop_id, machine)
            if reading is None:
                continue
            chance = risk(model, reading)
            if chance < model.threshold_ or _asked(uow, shop_id, machine):
                continue
            row = MaintenanceOrderRow(
                shop_id=shop_id,
                plan_id=None,
                key=f"risk@{machine}@{moment:%Y%m%dT%H%M%S.%f}",
                kind="condition",
                machine=machine,
                title=f"Predicted failure risk {chance:.0%}: check the machine",
                status="open",
                due_at=moment,
                window_start=moment,
                window_end=moment + CHECK_WITHIN,
                duration_s=3600,
                checklist=[],
                parts=[],
                parts_used=[],
                findings="",
                note=f"risk {chance:.3f} >= threshold {model.threshold_:.3f}",
                created_at=moment,
                updated_at=moment,
            )
            uow.session.add(row)
            uow.flush()
            made.append(row.id)
        uow.commit()
    return made


def _asked(uow: UnitOfWork, shop_id: int, machine: str) -> bool:
    return any(r.kind == "condition" for r in uow.maintenance.orders(shop_id, OPEN, machine))


def latest_reading(uow: UnitOfWork, shop_id: int, machine: str) -> ProcessReading | None:
    """The machine's process reading from the latest value of each of its items; None
    when one is missing or out of bounds."""
    values: dict[str, float | str] = {}
    for row in uow.observations.latest(shop_id, machine, LATEST):
        if row.item in READING_ITEMS and row.item not in values:
            value = row.number if row.number is not None else row.text
            if value is not None:
                values[row.item] = value
    if set(values) != set(READING_ITEMS):
        return None
    try:
        return ProcessReading(
            quality=str(values[QUALITY_ITEM]),
            **{name: float(values[name]) for name in READING_BOUNDS},
        )
    except (BespokeError, ValueError):
        return None
