"""An order's work is frozen when it is placed: scheduling reads it, never the design file
or the catalog of the day, and an order placed before work was frozen gets its work
worked out once, the next time it is scheduled."""

from pathlib import Path

import pytest
from tests.helpers import ROOT

from bespoke.model.accounts import Account
from bespoke.production import FrozenWork
from bespoke.scheduling.solver import SolverSettings
from bespoke.services import accounts, quoting
from bespoke.services.environment import Environment, Settings, open_environment
from bespoke.services.ordering import orders
from bespoke.services.shop import scheduling, shops
from bespoke.services.shop.batches import batch_document
from bespoke.store.tables import DesignRow, OrderRow

QUICK = SolverSettings(time_limit=2)


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Environment, int, Account, Account]:
    env = open_environment(Settings(data_dir=tmp_path))
    shop_id = shops.ensure_shop(env, "works", "Works")
    maker = accounts.create_user(env, "m@example.com", "long enough", shop_slug="works")
    operator = accounts.create_user(
        env, "o@example.com", "long enough", role="operator", shop_slug="works"
    )
    return env, shop_id, maker, operator


def _ordered(env: Environment, maker: Account, name: str, key: str) -> tuple[OrderRow, DesignRow]:
    path = ROOT / "examples" / name
    design = quoting.upload_design(env, maker, name, path.read_bytes())
    request = quoting.PartQuoteRequest(design_id=design.id, material="steel-s235", thickness_mm=2)
    quote = quoting.quote_stored_design(env, maker, request)
    return orders.place_order(env, maker, quote.id, 10, key), design


def test_scheduling_reads_the_frozen_work_not_the_drawing_nor_todays_catalog(
    shop: tuple[Environment, int, Account, Account],
) -> None:
    env, shop_id, maker, operator = shop
    order, design = _ordered(env, maker, "wall-bracket.dxf", "bracket")
    assert order.work is not None
    (part,) = FrozenWork.model_validate(order.work).parts
    cutting = part.operations[0]
    assert part.outlines and part.quantity == 10 and cutting.process_id == "fiber-laser"

    env.blobs.path(design.sha256).unlink()  # the drawing is gone
    changed = {"id": "fiber-laser", "setup_s": cutting.setup_s + 3600}
    shops.set_entry(env, operator, "processes", changed)  # and the laser sets up slower
    with env.uow() as uow:
        laser = shops.shop_catalog(uow, shop_id).processes["fiber-laser"]
        assert laser.setup_s == cutting.setup_s + 3600
    kept = scheduling.schedule_shop(env, shop_id, operator, QUICK)

    with env.uow() as uow:
        (batch,) = [b for b in uow.batches.of_schedule(kept.id) if b.process == "fiber-laser"]
        assert batch_document(batch).setup_s == round(cutting.setup_s)
        placed = uow.session.get(OrderRow, order.id)
        assert placed is not None and placed.status == "scheduled"


def test_an_order_placed_before_work_was_frozen_gets_it_once(
    shop: tuple[Environment, int, Account, Account],
) -> None:
    env, shop_id, maker, operator = shop
    order, _ = _ordered(env, maker, "sprocket.dxf", "sprocket")
    frozen = order.work
    with env.uow() as uow:
        before = uow.session.get(OrderRow, order.id)
        assert before is not None
        before.work = None
        uow.commit()
    scheduling.schedule_shop(env, shop_id, operator, QUICK)
    with env.uow() as uow:
        after = uow.session.get(OrderRow, order.id)
        assert after is not None and after.work == frozen
