"""What joining a batch saves a quote: each quantity's price made alone (as quoted) and
made in the shop's next batches of its set-up families, and when the first starts. Made
batched, a part may be made another way than alone: the quoted way or any way that joins
an upcoming batch, whichever costs least there. A product's quote is reckoned part by part.

The saving is reckoned in the batch's own terms: the order's operation pays a share of
the batch's set-up in proportion to its machine time instead of a set-up of its own, and
a cut part takes the sheet area of its outline at the batch's utilisation instead of
sheet bought for it alone. The shop's commercial layer prices the rest as quoted.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from bespoke.batching.plan import sheet_price_per_mm2
from bespoke.costing.line import line_cost, line_price
from bespoke.costing.pricing import Costs, money, price_of
from bespoke.model import Catalog, Operation, Part, ProcessOption, ProfileCutting, Quote
from bespoke.model.plan_document import ProductBatchedPrice
from bespoke.model.product_plan import ProductQuote
from bespoke.model.quote_document import BatchedPrice, PartBatchedPrice
from bespoke.production import OrderWork, batched, build_seconds, family, run_seconds
from bespoke.production.orders import made_as
from bespoke.services.shop.batches import batch_document
from bespoke.store import UnitOfWork
from bespoke.store.tables import BatchRow


def batched_prices(
    uow: UnitOfWork,
    shop_id: int,
    quote: Quote,
    catalog: Catalog,
    moment: datetime,
    outline_area_mm2: float = 0.0,
) -> list[PartBatchedPrice]:
    """For each quoted quantity: the unit price alone and batched, the way (`process`) it
    is made batched (`made_otherwise` when not the way it is made alone), the batches it
    would join and when the first starts (none when no batch of its families is still to
    run). `outline_area_mm2` is a flat part's area within its outer contours."""
    upcoming = _upcoming(uow, shop_id, moment)
    shop, tier = catalog.shop, quote.choices.lead_tier
    result = []
    for best in quote.best:
        quoted = next(q.option for q in quote.options if q.option.process_id == best.process_id)
        ways = [q.option for q in quote.options]
        cost, option, joined = _cheapest_way(
            quote.part,
            quote.design,
            ways,
            quoted,
            best.quantity,
            outline_area_mm2,
            catalog,
            upcoming,
        )
        price = price_of(cost, shop, tier).total
        alone = line_price(quoted, best.quantity, shop, tier).total
        entry = _entry(best.quantity, float(best.unit_price), min(price, alone), joined)
        otherwise = {} if option is quoted else {quote.design: option.process_id}
        result.append(
            PartBatchedPrice(
                **entry.model_dump(), process=option.process_id, made_otherwise=otherwise
            )
        )
    return result


def batched_product_prices(
    uow: UnitOfWork,
    shop_id: int,
    quote: ProductQuote,
    catalog: Catalog,
    moment: datetime,
    outline_areas_mm2: Mapping[str, float],
) -> list[ProductBatchedPrice]:
    """`batched_prices` of a product: at each quantity, what its parts save in the next
    batches they could join, each made the way that costs least batched (`ways`, by
    part; `made_otherwise`, those not made as priced alone). `outline_areas_mm2` gives
    each flat part's area within its outer contours."""
    upcoming = _upcoming(uow, shop_id, moment)
    shop = catalog.shop
    parts = {p.id: p for p in quote.plan.product.parts}
    result = []
    for price in quote.prices:
        extra, joined, ways = Costs(), [], dict(price.ways)
        for planned in quote.plan.parts:
            quoted = next(
                (o for o in planned.options if o.process_id == ways.get(planned.part_id)), None
            )
            if quoted is None or quoted.process_id not in catalog.processes:
                continue  # bought, or not made
            item = parts[planned.part_id]
            area = outline_areas_mm2.get(planned.part_id, 0.0)
            quantity = price.quantity * item.quantity
            made = [
                o
                for o in planned.options
                if o.feasible and o.routing is not None and o.process_id in catalog.processes
            ]
            cost, option, part_joined = _cheapest_way(
                item.part, item.id, made, quoted, quantity, area, catalog, upcoming
            )
            extra += cost - line_cost(quoted, quantity, shop).costs
            ways[planned.part_id] = option.process_id
            joined += [b for b in part_joined if b not in joined]
        total = price.total_price
        listed = price_of(extra, shop, minimum=False).list_price
        batched = max(total + listed, shop.min_order_price)
        entry = _entry(price.quantity, price.unit_price, min(batched, total), joined)
        otherwise = {part: way for part, way in ways.items() if way != price.ways[part]}
        result.append(
            ProductBatchedPrice(**entry.model_dump(), ways=ways, made_otherwise=otherwise)
        )
    return result


def _cheapest_way(
    part: Part,
    name: str,
    ways: list[ProcessOption],
    quoted: ProcessOption,
    quantity: int,
    outline_area_mm2: float,
    catalog: Catalog,
    upcoming: dict[str, BatchRow],
) -> tuple[Costs, ProcessOption, list[BatchRow]]:
    """(costs made batched, the way, the batches it joins): the cheapest of the `quoted` way
    and the `ways` that join an upcoming batch; the quoted way when they cost the same."""
    choices = []
    for option in ways:
        saving, joined = _joining(part, name, option, quantity, outline_area_mm2, catalog, upcoming)
        if joined or option is quoted:
            cost = line_cost(option, quantity, catalog.shop).costs - saving
            choices.append((cost.total, option is not quoted, cost, option, joined))
    _, _, cost, option, joined = min(choices, key=lambda choice: (choice[0], choice[1]))
    return cost, option, joined


def _joining(
    part: Part,
    name: str,
    option: ProcessOption,
    quantity: int,
    outline_area_mm2: float,
    catalog: Catalog,
    upcoming: dict[str, BatchRow],
) -> tuple[Costs, list[BatchRow]]:
    """(what `quantity` of the part made `option`'s way saves in the upcoming batches of
    its operations' families, those batches)."""
    assert option.routing is not None
    work = made_as("quote", name, quantity, part, option, catalog)
    joining = [
        (op, batch)
        for op in option.routing.operations
        if (batch := _upcoming_of(op, work, catalog, upcoming)) is not None
    ]
    saving = sum(
        (_saving(op, batch, work, option, outline_area_mm2, catalog) for op, batch in joining),
        Costs(),
    )
    return saving, [batch for _, batch in joining]


def _entry(
    quantity: int, alone_unit_price: float, batched_total: float, joined: list[BatchRow]
) -> BatchedPrice:
    """A quantity's prices alone and batched, the batches and when the first starts."""
    starts = min((b.start for b in joined if b.start), default=None)
    return BatchedPrice(
        quantity=quantity,
        alone_unit_price=float(alone_unit_price),
        batched_unit_price=float(money(batched_total / quantity)),
        batched_total_price=float(money(batched_total)),
        batches=[b.key for b in joined],
        batch_starts=starts.isoformat() if starts else None,
    )


def _upcoming_of(
    op: Operation, work: OrderWork, catalog: Catalog, upcoming: dict[str, BatchRow]
) -> BatchRow | None:
    if not batched(op, catalog):
        return None
    return upcoming.get(family(op, work.piece, catalog))


def _saving(
    op: Operation,
    batch: BatchRow,
    work: OrderWork,
    option: ProcessOption,
    outline_area_mm2: float,
    catalog: Catalog,
) -> Costs:
    """What the operation saves in `batch`: its set-up against a share of the batch's by
    machine time, and for cutting, sheet bought alone against its area at the batch's
    utilisation."""
    mine = run_seconds(op, work.quantity)
    document = batch_document(batch)
    theirs = float(sum(w.run_s for w in document.works))
    setup = float(sum((m.setup for m in batch.members), Decimal(0)))
    alone = (op.setup_s + build_seconds(op, work.quantity)) / 3600 * op.rate_per_hour
    setup_saving = max(0.0, alone - setup * mine / max(theirs + mine, 1e-9))
    material_saving = 0.0
    nest = document.nest
    process = catalog.processes[op.process_id]
    if isinstance(process, ProfileCutting) and nest and outline_area_mm2 > 0:
        used = sum(s.utilisation for s in nest.sheets) / len(nest.sheets)
        batched = work.quantity * outline_area_mm2 / max(used, 0.05) * sheet_price_per_mm2(work)
        alone_material = work.quantity * option.material_kg_per_part * option.material_price_per_kg
        material_saving = max(0.0, alone_material - batched)
    return Costs(setup=setup_saving, material=material_saving)


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
