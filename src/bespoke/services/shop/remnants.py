"""Off-cuts of sheet in a shop's stock: put back when the batch that leaves them finishes
on the floor, nested on before full sheets, taken out when a batch that cuts them starts on
the floor or when the shop scraps them. A shop may also put in off-cuts it already has."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from bespoke.batching.nesting import SMALLEST_REMNANT_MM
from bespoke.batching.plan import StockKey
from bespoke.model import InputError
from bespoke.model.accounts import Account
from bespoke.model.batching import Point, Remnant
from bespoke.model.catalog import StockKind
from bespoke.services.environment import Environment
from bespoke.services.shop.batches import batch_nest
from bespoke.services.shop.shops import shop_catalog, staff_shop
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import BatchRow, RemnantRow

KEEPS_STOCK = "keep its stock of off-cuts"


class BatchRef(BaseModel):
    """A batch by its id and its job name in the schedule."""

    id: int
    key: str


class RemnantView(BaseModel):
    """An off-cut as the API and pages show it: where it came from, when it went, and the
    batch of the latest schedule that is to cut it."""

    id: int
    material: str
    thickness_mm: float
    size_mm: Point
    source_batch: str | None
    source_sheet: int | None
    created_at: datetime
    used_by: str | None
    removed_at: datetime | None
    planned_batch: BatchRef | None


class SheetMaterial(BaseModel):
    """A material the shop stocks as sheet: its thicknesses and sheet sizes."""

    id: str
    name: str
    thicknesses_mm: list[float]
    sizes_mm: list[Point]


def take_cut_offcuts(uow: UnitOfWork, row: BatchRow, at: datetime) -> None:
    """A cutting batch has started on the floor: the off-cuts it cuts leave stock (one
    scrapped since it was nested on stays scrapped)."""
    nest = batch_nest(row)
    for sheet in nest.sheets if nest else []:
        if sheet.from_remnant is None:
            continue
        remnant = uow.remnants.get(row.shop_id, sheet.from_remnant)
        if remnant.removed_at is None:
            remnant.used_by = row.key
            remnant.removed_at = at
    uow.flush()


def put_back_offcuts(uow: UnitOfWork, row: BatchRow, at: datetime) -> None:
    """A cutting batch has finished on the floor: the off-cuts its sheets leave enter
    stock, once."""
    nest = batch_nest(row)
    if nest is None or nest.thickness_mm is None:
        return
    for sheet in nest.sheets:
        left = sheet.remnant_mm
        if left is None or uow.remnants.left_by(row.shop_id, row.key, sheet.index + 1):
            continue
        uow.remnants.add(
            RemnantRow(
                shop_id=row.shop_id,
                material=nest.material,
                thickness_mm=nest.thickness_mm,
                length_mm=left[0],
                width_mm=left[1],
                source_batch=row.key,
                source_sheet=sheet.index + 1,
                created_at=at,
            )
        )
    uow.flush()


def stock_by_kind(uow: UnitOfWork, shop_id: int) -> dict[StockKey, list[Remnant]]:
    """The shop's off-cuts in stock by material and thickness, oldest first."""
    stock: dict[StockKey, list[Remnant]] = defaultdict(list)
    for row in uow.remnants.in_stock(shop_id):
        remnant = Remnant(id=row.id, size_mm=(row.length_mm, row.width_mm))
        stock[(row.material, row.thickness_mm)].append(remnant)
    return dict(stock)


def shop_remnants(env: Environment, who: Account) -> list[RemnantView]:
    """The off-cuts in the shop's stock, with the batch of the latest schedule that is to
    cut each, if one is."""
    shop_id = staff_shop(who, KEEPS_STOCK)
    with env.uow() as uow:
        latest = uow.schedules.latest(shop_id)
        planned = _planned_cuts(uow.batches.of_schedule(latest.id) if latest else [])
        return [remnant_view(r, planned.get(r.id)) for r in uow.remnants.in_stock(shop_id)]


def _planned_cuts(batches: Sequence[BatchRow]) -> dict[int, BatchRow]:
    """The batch each off-cut is nested on, by the off-cut's id."""
    planned = {}
    for row in batches:
        nest = batch_nest(row)
        for sheet in nest.sheets if nest else []:
            if sheet.from_remnant is not None:
                planned[sheet.from_remnant] = row
    return planned


def remnant_view(row: RemnantRow, planned: BatchRow | None = None) -> RemnantView:
    """An off-cut as the API and pages show it."""
    return RemnantView(
        id=row.id,
        material=row.material,
        thickness_mm=row.thickness_mm,
        size_mm=(row.length_mm, row.width_mm),
        source_batch=row.source_batch,
        source_sheet=row.source_sheet,
        created_at=row.created_at,
        used_by=row.used_by,
        removed_at=row.removed_at,
        planned_batch=None if planned is None else BatchRef(id=planned.id, key=planned.key),
    )


def sheet_materials(env: Environment, who: Account) -> list[SheetMaterial]:
    """The materials the shop stocks as sheet, with their thicknesses and sheet sizes."""
    shop_id = staff_shop(who, KEEPS_STOCK)
    with env.uow() as uow:
        catalog = shop_catalog(uow, shop_id)
    return [
        SheetMaterial(
            id=m.id, name=m.name, thicknesses_mm=s.thicknesses_mm, sizes_mm=s.sheet_sizes_mm
        )
        for m in catalog.materials.values()
        if (s := m.stock_of(StockKind.SHEET)) is not None
    ]


def add_remnant(
    env: Environment, who: Account, material: str, thickness_mm: float, size_mm: tuple[float, float]
) -> RemnantView:
    """Put an off-cut the shop has into stock: of a material it stocks as sheet, in one of
    its sheet thicknesses, no larger than its largest sheet and no narrower than
    SMALLEST_REMNANT_MM (a narrower strip is scrap).

    Raises:
        InputError: naming what was wrong and what is accepted.
    """
    shop_id = staff_shop(who, KEEPS_STOCK)
    with env.uow() as uow:
        catalog = shop_catalog(uow, shop_id)
        stocked = sorted(
            m.id for m in catalog.materials.values() if m.stock_of(StockKind.SHEET) is not None
        )
        sheet = (
            catalog.materials[material].stock_of(StockKind.SHEET) if material in stocked else None
        )
        if sheet is None:
            raise InputError(
                f"material: the shop stocks no sheet of {material!r}"
                f" (accepted: {', '.join(sorted(stocked))})"
            )
        if thickness_mm not in sheet.thicknesses_mm:
            listed = ", ".join(f"{t:g}" for t in sheet.thicknesses_mm)
            raise InputError(
                f"thickness_mm: {material} is stocked {listed} mm thick, not {thickness_mm:g}"
            )
        length, width = max(size_mm), min(size_mm)
        if width < SMALLEST_REMNANT_MM:
            raise InputError(
                f"size_mm: {width:g} mm across is scrap; an off-cut in stock is at least"
                f" {SMALLEST_REMNANT_MM:g} mm each way"
            )
        if not any(length <= max(s) and width <= min(s) for s in sheet.sheet_sizes_mm):
            sizes = ", ".join(f"{a:g} x {b:g}" for a, b in sheet.sheet_sizes_mm)
            raise InputError(
                f"size_mm: {length:g} x {width:g} mm is larger than every {material} sheet"
                f" ({sizes} mm)"
            )
        row = RemnantRow(
            shop_id=shop_id,
            material=material,
            thickness_mm=thickness_mm,
            length_mm=length,
            width_mm=width,
            created_at=now(),
        )
        uow.remnants.add(row)
        uow.flush()
        uow.audit.record(row.created_at, who, "add", "remnant", row.id, material=material)
        uow.commit()
        return remnant_view(row)


def scrap_remnant(env: Environment, who: Account, remnant_id: int) -> RemnantView:
    """Take an off-cut out of stock without cutting it (damaged, used by hand, sold ...)."""
    shop_id = staff_shop(who, KEEPS_STOCK)
    with env.uow() as uow:
        row = uow.remnants.get(shop_id, remnant_id)
        if row.removed_at is not None:
            how = f"cut in batch {row.used_by}" if row.used_by else "scrapped"
            raise InputError(
                f"remnant {remnant_id} is no longer in stock: {how} on {row.removed_at:%Y-%m-%d}"
            )
        row.removed_at = now()
        uow.audit.record(row.removed_at, who, "scrap", "remnant", row.id)
        uow.commit()
        return remnant_view(row)
