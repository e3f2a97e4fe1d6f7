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

from bespoke.costing.line import line_cost, money
from bespoke.model import Catalog, ProfileCutting, Quote
from bespoke.services.batches import batch_nest
from bespoke.services.batching import (
    OrderWork,
    build_seconds,
    family,
    run_seconds,
    sheet_price_per_mm2,
)
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
        saving = 0.0
        joined: list[BatchRow] = []
        for op in option.routing.operations:
            name = family(op, work, catalog)
            batch = upcoming.get(name) if name else None
            if batch is None:
                continue
            joined.append(batch)
            mine = run_seconds(op, best.quantity)
            theirs = sum(w["run_s"] for w in batch.document["works"])
            setup = sum((m.setup for m in batch.members), Decimal(0))
            alone = (op.setup_s + build_seconds(op, work)) / 3600 * op.rate_per_hour
            saving += max(0.0, alone - float(setup) * mine / (theirs + mine))
            process = catalog.processes[op.process_id]
            nest = batch_nest(batch)
            if isinstance(process, ProfileCutting) and nest and outline_area_mm2 > 0:
                used = sum(s.utilisation for s in nest.sheets) / len(nest.sheets)
                area = best.quantity * outline_area_mm2 / max(used, 0.05)
                batched = area * sheet_price_per_mm2(work)
                alone_material = best.quantity * option.material_kg_per_part
                alone_material *= option.material_price_per_kg
                saving += max(0.0, alone_material - batched)
        line = line_cost(option, best.quantity, shop)
        price = max((line.cost - saving) * factor, shop.min_order_price)
        starts = min((b.start for b in joined if b.start), default=None)
        result.append(
            {
                "quantity": best.quantity,
                "alone_unit_price": float(best.unit_price),
                "batched_unit_price": float(money(min(price, line.price) / best.quantity)),
                "batches": [b.key for b in joined],
                "batch_starts": starts.isoformat() if starts else None,
            }
        )
    return result


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
