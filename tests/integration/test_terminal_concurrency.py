"""Two terminals acting on one work order at once, each from its own connection: the
second reads what the first committed, so neither books over the other."""

import threading
from datetime import UTC, datetime
from pathlib import Path

from bespoke.services.environment import Settings, open_environment
from bespoke.services.shop.shops import ensure_shop
from bespoke.store.tables import WorkOrderRow


def test_a_second_terminal_reads_what_the_first_committed(tmp_path: Path) -> None:
    env = open_environment(Settings(data_dir=tmp_path))
    shop_id = ensure_shop(env, "main", "Main workshop")
    moment = datetime(2026, 12, 7, 8, tzinfo=UTC).replace(tzinfo=None)
    with env.uow() as uow:
        row = WorkOrderRow(
            shop_id=shop_id,
            key="test/laser",
            orders=[],
            operation="cut",
            name="parts on laser",
            process="any",
            machine="laser",
            family="f",
            quantity=10,
            planned_start=moment,
            planned_end=moment,
            planned_s=600,
            instructions="",
            status="ready",
            created_at=moment,
            updated_at=moment,
        )
        uow.session.add(row)
        uow.commit()
        work_order_id = row.id
    seen: list[str] = []

    def second_terminal() -> None:
        with env.uow() as uow:
            seen.append(uow.work_orders.locked(shop_id, work_order_id).status)

    with env.uow() as first:
        first.work_orders.locked(shop_id, work_order_id).status = "running"
        first.flush()
        second = threading.Thread(target=second_terminal)
        second.start()
        second.join(0.5)  # it waits for the first terminal's write to end
        first.commit()
    second.join(30)
    assert seen == ["running"]
