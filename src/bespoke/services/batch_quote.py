"""What joining a batch saves a quote: each quantity's price made alone (as quoted) and
made in the shop's next batch of each of its set-up families, and when that batch starts.

The saving is reckoned in the batch's own terms: the order's operation pays a share of
the batch's set-up in proportion to its machine time instead of a set-up of its own, and
a cut part takes the sheet area of its outline at the batch's utilisation instead of
sheet bought for it alone. Overhead, margin and the shop's minimum order apply as quoted.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from bespoke.batching.plan import (
    OrderWork,
    build_seconds,
    family,
    run_seconds,
    sheet_price_per_mm2,
)
from bespoke.costing.line import line_cost, money
from bespoke.model import Catalog, Operation, ProcessOption, ProfileCutting, Quote
from bespoke.services.batches import batch_nest
from bespoke.store import UnitOfWork
from bespoke.store.tables import BatchRow


def batched_prices(
    uow: UnitOfWork,
    shop_id: int,
    quote: Quote,
    catalog: Catalog,
    moment: datetime,
    outline_area_mm2: float = 0.0,
) -> list[dict[str, Any]]:
    """For each quoted quantity: the unit price alone and batched, the batches it would
    join and when the first starts (none when no batch of its families is still to run).
    `outline_area_mm2` is a flat part's area within its outer contours."""
    upcoming = _upcoming(uow, shop_id, moment)
    shop = catalog.shop
    factor = (1 + shop.overhead) / (1 - shop.margin)
    result = []
    for best in quote.best:
        option = next(q.option for q in quote.options if q.option.process_id == best.process_id)
        assert option.routing is not None
        part = quote.part
        work = OrderWork(
            order="quote",
            name=quote.design,
            quantity=best.quantity,
            operations=option.routing.operations,
            material=catalog.materials[part.material_id],
            thickness_mm=part.thickness_mm,
            finish=part.finish,
        )
        joining = [
            (op, batch)
            for op in option.routing.operations
            if (batch := _upcoming_of(op, work, catalog, upcoming)) is not None
        ]
        joined = [batch for _, batch in joining]
        saving = sum(
            _saving(op, batch, work, option, outline_area_mm2, catalog) for op, batch in joining
        )
        line = line_cost(option, best.quantity, shop)
        price = max((line.cost - saving) * factor, shop.min_order_price)
        starts = min((b.start for b in joined if b.start), default=None)
        result.append(
            {
                "quantity": best.quantity,
                "alone_unit_price": float(best.unit_price),
                "batched_unit_price": float(money(min(price, line.price) / best.quantity)),
                "batched_total_price": float(money(min(price, line.price))),
                "batches": [b.key for b in joined],
                "batch_starts": starts.isoformat() if starts else None,
            }
        )
    return result


def _upcoming_of(
    op: Operation, work: OrderWork, catalog: Catalog, upcoming: dict[str, BatchRow]
) -> BatchRow | None:
    name = family(op, work, catalog)
    return upcoming.get(name) if name else None


def _saving(
    op: Operation,
    batch: BatchRow,
    work: OrderWork,
    option: ProcessOption,
    outline_area_mm2: float,
    catalog: Catalog,
) -> float:
    """What the operation saves in `batch`: its set-up against a share of the batch's by
    machine time, and for cutting, sheet bought alone against its area at the batch's
    utilisation."""
    mine = run_seconds(op, work.quantity)
    theirs = float(sum(w["run_s"] for w in batch.document["works"]))
    setup = float(sum((m.setup for m in batch.members), Decimal(0)))
    alone = (op.setup_s + build_seconds(op, work.quantity)) / 3600 * op.rate_per_hour
    saving = max(0.0, alone - setup * mine / max(theirs + mine, 1e-9))
    nest = batch_nest(batch)
    process = catalog.processes[op.process_id]
    if isinstance(process, ProfileCutting) and nest and outline_area_mm2 > 0:
        used = sum(s.utilisation for s in nest.sheets) / len(nest.sheets)
        batched = work.quantity * outline_area_mm2 / max(used, 0.05) * sheet_price_per_mm2(work)
        alone_material = work.quantity * option.material_kg_per_part * option.material_price_per_kg
        saving += max(0.0, alone_material - batched)
    return saving


def _upcoming(uow: UnitOfWork, shop_id: int, moment: datetime) -> dict[str, BatchRow]:
    """The first batch of each family in the shop's schedule that has not started."""
    schedule = uow.schedules.latest(shop_id)
    if schedule is None:
        return {}
    upcoming: dict[str, BatchRow] = {}
    for batch in uow.batches.of_schedule(schedule.id):
        if batch.start is not None and batch.start > moment:
            upcoming.setdefault(batch.family, batch)
    return upcoming
