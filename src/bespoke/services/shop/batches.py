"""Batches kept with a schedule: what each holds, when it runs, its nest or plates, the
cut file and picture of each sheet, and each order's share of its cost."""

import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from bespoke.batching.layouts import (
    KeyEntry,
    covered_area_mm2,
    sheet_key,
    sheet_png,
    sheet_svg,
    used_area_mm2,
    write_cut_dxf,
)
from bespoke.batching.plan import BatchPlan, PlannedBatch
from bespoke.model.accounts import Account
from bespoke.model.batching import BatchDocument, Nest, Point
from bespoke.model.catalog import Catalog
from bespoke.model.errors import NotFoundError
from bespoke.model.scheduling import Schedule
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import runs_shop, shop_catalog, staff_shop
from bespoke.store import UnitOfWork
from bespoke.store.tables import BatchOrderRow, BatchRow, ScheduleRow

SEES_BATCHES = "see its batches"


def plan_members(plan: BatchPlan) -> dict[str, list[int]]:
    """Each batch's orders, by the batch's job name."""
    return {p.batch.id: sorted({int(w.order) for w in p.batch.works}) for p in plan.batches}


def batch_row(
    planned: PlannedBatch, schedule: Schedule, kept: ScheduleRow, currency: str
) -> BatchRow:
    """A planned batch as the schedule placed it, with its members' shares."""
    batch = planned.batch
    tasks = sorted((t for t in schedule.tasks if t.job == batch.id), key=lambda t: t.start)
    start = kept.origin + timedelta(seconds=tasks[0].start) if tasks else None
    end = kept.origin + timedelta(seconds=tasks[-1].end) if tasks else None
    return BatchRow(
        shop_id=kept.shop_id,
        schedule_id=kept.id,
        key=batch.id,
        family=batch.family,
        process=batch.process,
        machine=tasks[0].machine if tasks else planned.machine,
        start=start,
        end=end,
        duration_s=planned.duration_s,
        cost=planned.cost,
        document=BatchDocument(
            currency=currency, setup_s=batch.setup_s, works=batch.works, nest=planned.nest
        ).model_dump(mode="json"),
        members=[
            BatchOrderRow(
                order_id=int(s.order), setup=s.setup, material=s.material, run=s.run, total=s.total
            )
            for s in planned.shares
        ],
    )


def batch_document(row: BatchRow) -> BatchDocument:
    """The stored document of a kept batch."""
    return BatchDocument.model_validate(row.document)


def batch_nest(row: BatchRow) -> Nest | None:
    """The sheets or plates of a kept batch."""
    return batch_document(row).nest


class SheetView(BaseModel):
    """A sheet or plate of a batch: its size, how much of it the parts use, the off-cut it
    is cut from or leaves, and how many parts are on it (`mine`: of the viewer's order).
    `covered` is what its picture shows: the parts' area (holes left out) over the sheet's
    less the off-cut; `utilisation` is the nester's, with the parts' holes filled."""

    index: int
    size_mm: Point
    used_length_mm: float
    utilisation: float
    covered: float
    remnant_mm: Point | None
    from_remnant: int | None
    parts: int
    mine: int


class ShareView(BaseModel):
    """An order's share of a batch's cost."""

    order_id: int
    setup: Decimal
    material: Decimal
    run: Decimal
    total: Decimal


class BatchView(BaseModel):
    """A kept batch as the API and pages show it: `cost` None to a maker, who sees only
    their own share."""

    id: int
    schedule_id: int
    key: str
    family: str
    process: str
    machine: str
    start: datetime | None
    end: datetime | None
    duration_s: int
    orders: int
    cost: Decimal | None
    currency: str
    material: str | None
    thickness_mm: float | None
    sheets: list[SheetView]
    covered: float | None = None
    """The parts' area over the sheets' less their off-cuts, all sheets together."""
    shares: list[ShareView]


class DrawnSheet(BaseModel):
    """A sheet or plate as shown: its SVG picture and the legend of its colours."""

    sheet: SheetView
    picture: str
    key: list[KeyEntry]


class DrawnBatch(BaseModel):
    """A batch as shown and its sheets drawn."""

    batch: BatchView
    sheets: list[DrawnSheet]


def batch_view(row: BatchRow, order_id: int | None = None) -> BatchView:
    """A kept batch as the API and pages show it; with `order_id`, as that order's maker
    sees it: the batch, their own share and parts, nobody else's."""
    document = batch_document(row)
    nest = document.nest
    members = [m for m in row.members if order_id is None or m.order_id == order_id]
    mine = None if order_id is None else str(order_id)
    sheets = []
    covered = None
    if nest is not None:
        order_of = {p.id: p.order for p in nest.parts}
        areas = [(covered_area_mm2(s, nest.parts), used_area_mm2(s)) for s in nest.sheets]
        covered = sum(a for a, _ in areas) / sum(u for _, u in areas) if areas else None
        sheets = [
            SheetView(
                index=sheet.index,
                size_mm=sheet.size_mm,
                used_length_mm=sheet.used_length_mm,
                utilisation=sheet.utilisation,
                covered=area / used,
                remnant_mm=sheet.remnant_mm,
                from_remnant=sheet.from_remnant,
                parts=len(sheet.placements),
                mine=sum(1 for p in sheet.placements if mine in (None, order_of[p.part])),
            )
            for sheet, (area, used) in zip(nest.sheets, areas, strict=True)
        ]
    return BatchView(
        id=row.id,
        schedule_id=row.schedule_id,
        key=row.key,
        family=row.family,
        process=row.process,
        machine=row.machine,
        start=row.start,
        end=row.end,
        duration_s=row.duration_s,
        orders=len(row.members),
        cost=row.cost if order_id is None else None,
        currency=document.currency,
        material=nest.material if nest else None,
        thickness_mm=nest.thickness_mm if nest else None,
        sheets=sheets,
        covered=covered,
        shares=[
            ShareView(
                order_id=m.order_id, setup=m.setup, material=m.material, run=m.run, total=m.total
            )
            for m in members
        ],
    )


def drawn_sheets(row: BatchRow, order_id: int | None = None) -> list[DrawnSheet]:
    """Each sheet or plate of a batch drawn with its legend; with `order_id`, the sheets
    that order's parts are on, as its maker sees them."""
    nest = batch_nest(row)
    if nest is None:
        return []
    mine = None if order_id is None else str(order_id)
    order_of = {p.id: p.order for p in nest.parts}
    views = batch_view(row, order_id).sheets
    return [
        DrawnSheet(
            sheet=view,
            picture=sheet_svg(sheet, nest.parts, mine),
            key=sheet_key(sheet, nest.parts, mine),
        )
        for sheet, view in zip(nest.sheets, views, strict=True)
        if mine is None or any(order_of[p.part] == mine for p in sheet.placements)
    ]


def sheet_pngs(row: BatchRow, limit: int) -> list[bytes]:
    """PNG pictures of a batch's first `limit` sheets or plates (for paper)."""
    nest = batch_nest(row)
    return [sheet_png(sheet, nest.parts) for sheet in nest.sheets[:limit]] if nest else []


def sheet_picture(row: BatchRow, index: int, order_id: int | None = None) -> str:
    """The SVG of sheet or plate `index` (from 1) of a batch; with `order_id`, as that
    order's maker sees it."""
    nest = _nest_of(row)
    mine = None if order_id is None else str(order_id)
    return sheet_svg(nest.sheets[_sheet_index(nest, index)], nest.parts, mine)


def sheet_cut_file(row: BatchRow, index: int, path: Path) -> None:
    """Write the DXF cut file of sheet `index` (from 1) of a batch to `path`."""
    nest = _nest_of(row)
    write_cut_dxf(nest.sheets[_sheet_index(nest, index)], nest.parts, path)


def _nest_of(row: BatchRow) -> Nest:
    nest = batch_nest(row)
    if nest is None:
        raise NotFoundError(f"batch {row.id} is not nested: it has no sheets or plates")
    return nest


def _sheet_index(nest: Nest, index: int) -> int:
    if not 1 <= index <= len(nest.sheets):
        raise NotFoundError(
            f"sheet {index} not found: the batch has sheets 1 to {len(nest.sheets)}"
        )
    return index - 1


def shop_batches(env: Environment, who: Account, schedule: str = "latest") -> list[BatchView]:
    """The batches of one of the shop's schedules ('latest' for the newest)."""
    shop_id = staff_shop(who, SEES_BATCHES)
    with env.uow() as uow:
        row = uow.schedules.named(shop_id, schedule)
        return [batch_view(b) for b in uow.batches.of_schedule(row.id)]


def batch_catalog(env: Environment, who: Account) -> Catalog:
    """The catalog of the caller's shop: what names its batches' processes, machines and
    materials."""
    shop_id = staff_shop(who, SEES_BATCHES)
    with env.uow() as uow:
        return shop_catalog(uow, shop_id)


def shop_batch(env: Environment, who: Account, batch_id: int) -> BatchView:
    """A batch of the caller's shop."""
    with env.uow() as uow:
        return batch_view(uow.batches.get(staff_shop(who, SEES_BATCHES), batch_id))


def drawn_shop_batch(env: Environment, who: Account, batch_id: int) -> DrawnBatch:
    """A batch of the caller's shop with the pictures of its sheets."""
    with env.uow() as uow:
        row = uow.batches.get(staff_shop(who, SEES_BATCHES), batch_id)
        return DrawnBatch(batch=batch_view(row), sheets=drawn_sheets(row))


def batch_sheet(env: Environment, who: Account, batch_id: int, index: int, fmt: str) -> bytes:
    """Sheet `index` (from 1) of a batch as an "svg" picture or a "dxf" cut file."""
    with env.uow() as uow:
        row = uow.batches.get(staff_shop(who, SEES_BATCHES), batch_id)
        if fmt == "svg":
            return sheet_picture(row, index).encode()
        if fmt != "dxf":
            raise NotFoundError(f"sheet format {fmt!r} not found (accepted: svg, dxf)")
        with tempfile.TemporaryDirectory(prefix="bespoke-sheet-") as folder:
            path = Path(folder) / "sheet.dxf"
            sheet_cut_file(row, index, path)
            return path.read_bytes()


def order_batches(env: Environment, who: Account, order_id: int) -> list[BatchView]:
    """The batches of the shop's latest schedule that hold the order's work: to its maker
    the batch and their own share, to the shop the whole batch."""
    with env.uow() as uow:
        rows, viewer = _order_batch_rows(uow, who, order_id)
        return [batch_view(b, viewer) for b in rows]


def drawn_order_batches(env: Environment, who: Account, order_id: int) -> list[DrawnBatch]:
    """`order_batches` with the pictures of the sheets the order's parts are on, its parts
    coloured."""
    with env.uow() as uow:
        rows, viewer = _order_batch_rows(uow, who, order_id)
        return [
            DrawnBatch(batch=batch_view(b, viewer), sheets=drawn_sheets(b, order_id)) for b in rows
        ]


def _order_batch_rows(
    uow: UnitOfWork, who: Account, order_id: int
) -> tuple[Sequence[BatchRow], int | None]:
    """(the batches of the shop's latest schedule that hold the order's work, the order
    whose maker views them; None: the shop views them)."""
    order = uow.orders.get(who, order_id)
    schedule = uow.schedules.latest(order.shop_id)
    if schedule is None:
        return [], None
    viewer = None if runs_shop(who, order.shop_id) else order.id
    return uow.batches.of_order(order.id, schedule.id), viewer


def order_sheet(env: Environment, who: Account, order_id: int, batch_id: int, index: int) -> str:
    """The picture of a sheet of a batch the order is in, as the order's maker sees it."""
    with env.uow() as uow:
        order = uow.orders.get(who, order_id)
        row = uow.batches.get(order.shop_id, batch_id)
        if order.id not in {m.order_id for m in row.members}:
            raise NotFoundError(f"order {order_id} has no work in batch {batch_id}")
        return sheet_picture(row, index, order.id)
