"""Travellers: the printed paper that goes with an order's or a batch's parts, its work
orders as steps and a QR code that opens them on the terminal."""

from datetime import UTC

from bespoke.execution.traveller import traveller_pdf
from bespoke.model.accounts import Account
from bespoke.model.errors import NotFoundError
from bespoke.model.execution import (
    MAX_PICTURES,
    MAX_STEPS,
    Traveller,
    TravellerPicture,
    TravellerStep,
)
from bespoke.services.environment import Environment
from bespoke.services.shop.batches import sheet_pngs
from bespoke.services.shop.shops import staff_shop
from bespoke.services.shopfloor.terminal import WORK
from bespoke.store import now
from bespoke.store.tables import WorkOrderRow


def order_traveller(env: Environment, who: Account, order_id: int, site: str) -> bytes:
    """The traveller of an order's work (of a batch, the order's share), opening the
    order's work on the terminal at `site` (the service's address)."""
    shop_id = staff_shop(who, WORK)
    with env.uow() as uow:
        rows = uow.work_orders.of_order(shop_id, order_id)
        shop = uow.shops.by_id(shop_id).name
    if not rows:
        raise NotFoundError(f"order {order_id} has no work orders in the shop's schedule")
    url = f"{site}/floor/orders/{order_id}"
    return _pdf(f"Order {order_id}", shop, url, rows, order_id)


def work_order_traveller(env: Environment, who: Account, work_order_id: int, site: str) -> bytes:
    """The traveller of one work order (a batch's, most often)."""
    shop_id = staff_shop(who, WORK)
    with env.uow() as uow:
        row = uow.work_orders.get(shop_id, work_order_id)
        shop = uow.shops.by_id(shop_id).name
        batch = None
        if row.batch is not None and row.schedule_id is not None:
            batch = uow.batches.by_key(row.schedule_id, row.batch)
    pictures = [
        TravellerPicture(caption=f"Sheet {n} of {row.batch}", png=png)
        for n, png in enumerate(sheet_pngs(batch, MAX_PICTURES) if batch else [], start=1)
    ]
    title = f"Batch {row.batch}" if row.batch else f"Work order {row.id}"
    return _pdf(title, shop, f"{site}/floor/work/{row.id}", [row], pictures=pictures)


def _pdf(
    title: str,
    shop: str,
    url: str,
    rows: list[WorkOrderRow],
    order_id: int | None = None,
    pictures: list[TravellerPicture] | None = None,
) -> bytes:
    steps = [
        TravellerStep(
            number=number,
            operation=f"#{row.id} {row.name}"[:120],
            machine=row.machine,
            family=row.family[:120],
            quantity=_quantity(row, order_id),
            planned_start=row.planned_start.replace(tzinfo=UTC),
            planned_end=row.planned_end.replace(tzinfo=UTC),
            instructions=row.instructions[:4000],
        )
        for number, row in enumerate(sorted(rows, key=lambda r: r.planned_start), start=1)
    ]
    made = now().replace(tzinfo=UTC)
    return traveller_pdf(
        Traveller(
            title=title,
            shop=shop[:120] or "-",
            url=url,
            made_at=made,
            steps=steps[:MAX_STEPS],
            pictures=pictures or [],
        )
    )


def _quantity(row: WorkOrderRow, order_id: int | None) -> int:
    """The work order's quantity; of a batch, on an order's traveller, the order's share."""
    if order_id is None or row.batch is None:
        return row.quantity
    return sum(int(s["planned"]) for s in row.per_order.values() if int(s["order"]) == order_id)
