"""A shop retired while a task works for it: the task keeps nothing and says why."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bespoke.model.errors import ConflictError
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Settings, open_environment
from bespoke.services.quoting.quotes import PlanRequest, keep_product, plan_task
from bespoke.services.shop.network import add_shop, retire_shop
from bespoke.services.shop.shops import ensure_shop
from bespoke.store.tables import QuoteRow

SPEC = Path(__file__).resolve().parents[2] / "examples" / "products" / "shelf-bracket-set.yaml"


def test_a_plan_for_a_shop_retired_meanwhile_keeps_nothing(tmp_path: Path) -> None:
    env = open_environment(Settings(data_dir=tmp_path))
    ensure_shop(env, "main", "Main workshop")
    add_shop(env, "north", "North workshop")
    maker = create_user(env, "m@example.com", "a long password", role="maker")
    admin = create_user(env, "a@example.com", "a long password", role="admin")
    product_id = keep_product(env, maker, SPEC.read_text(), json_format=False)
    retired: list[str] = []

    def progress(fraction: float, what: str) -> None:
        if not retired:  # the admin retires the shop while the plan runs
            retired.append(retire_shop(env, admin, "north", "closed for good").slug)

    request = PlanRequest(settings={"brackets": "2"}, quantities=[1], shop="north")
    with pytest.raises(ConflictError) as refused:
        plan_task(env, progress, maker, product_id, request)
    assert retired == ["north"]
    message = str(refused.value)
    assert "shop 'north' (North workshop) was retired on" in message
    assert "closed for good" in message and "nothing was kept" in message
    with env.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(QuoteRow)) == 0
