"""Parts of many orders nested on stock sheets with spyrrow (the sparrow strip packer).

Sparrow packs a strip of fixed height as short as it can. A sheet is a strip cut to the
sheet's length: the remaining parts (a sheet and a third's worth, the largest first with a
share of the smallest to fill the gaps) are packed on a strip as high as the sheet, less
its edge margins; the parts that lie wholly within the sheet's length stay there, the rest
go round again. When all parts offered fit with length to spare, the next offer is packed
into the rest of the same sheet. Off-cuts in stock are filled the same way before full
sheets. The last sheet, and each off-cut used, is cut after its parts, and what is left
returns to stock.
"""

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat

import shapely
import spyrrow
from shapely import affinity

from bespoke.batching.shapes import Shape, fits, prepare, too_large
from bespoke.model import InputError
from bespoke.model.batching import Nest, NestPart, Placement, Remnant, SheetLayout
from bespoke.model.planning import DfmFinding

SMALLEST_REMNANT_MM = 100.0
"""An off-cut narrower than this is scrap, not stock."""
EXPECTED_DENSITY = 0.85
SOLVING_SHARE = 0.85
"""Share of the time limit planned for sparrow: sheets cut and laid out take the rest."""
PARTS_PER_SECOND = 25
"""Sparrow settles on a sheet's worth of parts in about a second per this many parts."""
"""Used to share the time among the sheets a nest is expected to need."""


OFFER = 1.3
"""Parts offered to a sheet, as a multiple of its (remaining) area."""
MOST_OFFERED = 2500
"""Most parts offered to a sheet at once: sparrow's time grows with their number."""
SMALL_SHARE = 0.2
"""Share of the offer taken from the smallest parts."""


@dataclass(frozen=True)
class _Item:
    """A copy of a part where sparrow put it: turned about the origin, then moved."""

    id: str
    rotation: float
    translation: tuple[float, float]


@dataclass(frozen=True)
class _Stock:
    """A full sheet, or an off-cut in stock (`remnant` its id), lying with its long side
    along the strip."""

    size: tuple[float, float]
    remnant: int | None

    def usable(self, inset: float) -> tuple[float, float]:
        """Length and height within the edge margins."""
        return max(self.size) - 2 * inset, min(self.size) - 2 * inset


@dataclass(frozen=True)
class NestSettings:
    """How long nesting may take, and how to make it repeatable."""

    time_limit_s: float = 30.0
    seed: int = 0
    workers: int = 2


class NestingError(InputError):
    """Parts that cannot be nested at all, with a finding for each."""

    def __init__(self, findings: list[DfmFinding]) -> None:
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings


def nest(
    parts: Sequence[NestPart],
    sheet_mm: tuple[float, float],
    *,
    material: str,
    thickness_mm: float | None,
    kerf_mm: float,
    spacing_mm: float,
    process: str = "",
    stock: str = "sheet",
    edge_mm: float | None = None,
    remnants: Sequence[Remnant] = (),
    settings: NestSettings | None = None,
) -> Nest:
    """Every copy of every part placed on the `remnants` (off-cuts in stock, in the order
    given) that hold any, then on as few `sheet_mm` sheets as sparrow finds.

    Parts keep `spacing_mm` between them and `edge_mm` (the spacing unless given) from the
    sheet's edges, measured between their outlines grown by half the kerf. `stock` names
    what is nested on: a "sheet" returns the off-cut of the last sheet and of each remnant
    used to stock; a "build plate" is not consumed.

    Raises:
        NestingError: a part fits on no sheet (a finding per part, naming the sheet).
        InputError: a part's outline encloses no area or cannot be repaired.
    """
    settings = settings or NestSettings()
    started = time.perf_counter()
    ids = [p.id for p in parts]
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    if repeated:
        raise InputError(f"parts: ids must be unique, {', '.join(repeated)} repeats")
    shapes = {p.id: prepare(p, kerf_mm, spacing_mm) for p in parts}
    edge = spacing_mm if edge_mm is None else edge_mm
    inset = edge - spacing_mm / 2  # footprints hold half the spacing
    full = _Stock(sheet_mm, None)
    oversized = [
        too_large(s, [sheet_mm], edge, process, stock)
        for s in shapes.values()
        if not fits(s, *full.usable(inset))
    ]
    if oversized:
        raise NestingError(oversized)
    remaining = Counter({p.id: p.quantity for p in parts})
    copies = Counter[str]()
    sheets: list[SheetLayout] = []
    stocked = chain((_Stock(r.size_mm, r.id) for r in remnants), repeat(full))
    sheet = next(stocked)
    on_sheet: list[_Item] = []
    used = 0.0  # length of the current sheet taken by the segments packed so far
    while remaining:
        length, height = sheet.usable(inset)
        room = length - used
        fitting = +Counter({i: n for i, n in remaining.items() if fits(shapes[i], room, height)})
        if fitting:
            left = settings.time_limit_s * SOLVING_SHARE - (time.perf_counter() - started)
            expected = _expected_sheets(shapes, remaining, (length, height))
            enough = math.ceil(min(fitting.total(), MOST_OFFERED) / PARTS_PER_SECOND)
            budget = max(1, min(math.floor(left / expected), enough))
            offered = _offer(shapes, fitting, (room, height))
            packed_length, packed = _pack(shapes, offered, height, budget, settings)
            fits_all = packed_length <= room + 1e-6
            kept = packed if fits_all else [p for p in packed if _within(shapes[p.id], p, room)]
            if not kept and not on_sheet:  # sparrow left the start empty: the largest alone
                kept = [_largest_alone(shapes, fitting, packed)]
            on_sheet += [_moved(p, used) for p in kept]
            remaining = +(remaining - Counter(p.id for p in kept))
            if fits_all and remaining:
                used += packed_length
                continue
        if on_sheet:
            cut_off = stock == "sheet" and (not remaining or sheet.remnant is not None)
            sheets.append(_layout(len(sheets), shapes, on_sheet, copies, sheet, inset, cut_off))
        on_sheet, used = [], 0.0
        sheet = next(stocked)
    return Nest(
        material=material,
        thickness_mm=thickness_mm,
        kerf_mm=kerf_mm,
        spacing_mm=spacing_mm,
        parts=[s.nested for s in shapes.values()],
        sheets=sheets,
        notes=[s.repaired for s in shapes.values() if s.repaired],
        seconds=round(time.perf_counter() - started, 3),
    )


def _offer(
    shapes: dict[str, Shape], remaining: Counter[str], usable: tuple[float, float]
) -> Counter[str]:
    """The parts offered to the next sheet: some more than it holds, the largest first,
    with a share of the smallest to fill the gaps between them."""
    sheet = usable[0] * usable[1]
    copies = sorted(
        (i for i, n in remaining.items() for _ in range(n)),
        key=lambda i: -shapes[i].footprint.area,
    )
    total = sum(shapes[i].footprint.area for i in copies)
    if total <= OFFER * sheet and len(copies) <= MOST_OFFERED:
        return Counter(remaining)
    offered = Counter[str]()
    large, small = 0.0, 0.0
    front, back = 0, len(copies) - 1
    while front <= back and large + small < OFFER * sheet and offered.total() < MOST_OFFERED:
        if small < SMALL_SHARE * (large + small):
            part, back = copies[back], back - 1
            small += shapes[part].footprint.area
        else:
            part, front = copies[front], front + 1
            large += shapes[part].footprint.area
        offered[part] += 1
    return offered


def _expected_sheets(
    shapes: dict[str, Shape], remaining: Counter[str], usable: tuple[float, float]
) -> int:
    area = sum(float(shapes[i].footprint.area) * n for i, n in remaining.items())
    return max(1, math.ceil(area / (usable[0] * usable[1] * EXPECTED_DENSITY)))


def _pack(
    shapes: dict[str, Shape],
    remaining: Counter[str],
    strip_height: float,
    seconds: int,
    settings: NestSettings,
) -> tuple[float, list[_Item]]:
    """The strip's packed length and where each copy went."""
    items = [
        spyrrow.Item(
            part_id,
            shapes[part_id].points(),
            demand=count,
            allowed_orientations=shapes[part_id].part.rotations,
        )
        for part_id, count in sorted(remaining.items())
    ]
    instance = spyrrow.StripPackingInstance("sheet", strip_height, items)
    config = spyrrow.StripPackingConfig(
        early_termination=True,
        total_computation_time=seconds,
        num_workers=settings.workers,
        seed=settings.seed,
    )
    solution = instance.solve(config)
    placed = [
        _Item(str(p.id), float(p.rotation), (float(p.translation[0]), float(p.translation[1])))
        for p in solution.placed_items
    ]
    return float(solution.width), placed


def _placed(shape: Shape, item: _Item) -> shapely.Polygon:
    """The footprint where sparrow put it, in strip coordinates."""
    turned = affinity.rotate(
        affinity.translate(shape.footprint, -shape.centre[0], -shape.centre[1]),
        item.rotation,
        origin=(0, 0),
    )
    return affinity.translate(turned, *item.translation)


def _within(shape: Shape, item: _Item, length: float) -> bool:
    return bool(_placed(shape, item).bounds[2] <= length + 1e-6)


def _moved(item: _Item, dx: float) -> _Item:
    return _Item(item.id, item.rotation, (item.translation[0] + dx, item.translation[1]))


def _largest_alone(shapes: dict[str, Shape], remaining: Counter[str], packed: list[_Item]) -> _Item:
    """The placed copy of the largest remaining part, moved to the strip's start."""
    largest = max(remaining, key=lambda i: shapes[i].footprint.area)
    item = next(p for p in packed if p.id == largest)
    low_x = _placed(shapes[largest], item).bounds[0]
    return _moved(item, -low_x)


def _layout(
    index: int,
    shapes: dict[str, Shape],
    items: list[_Item],
    copies: Counter[str],
    sheet: _Stock,
    inset: float,
    cut_off: bool,
) -> SheetLayout:
    """The kept items as placements of the drawings on the sheet, and what the sheet used;
    `cut_off`: the rest of the sheet after the parts returns to stock."""
    size = (max(sheet.size), min(sheet.size))
    placements = []
    right = 0.0
    for item in items:
        shape = shapes[item.id]
        right = max(right, _placed(shape, item).bounds[2])
        tx, ty = item.translation
        turned_centre = affinity.rotate(shapely.Point(shape.centre), item.rotation, origin=(0, 0))
        placements.append(
            Placement(
                part=item.id,
                copy_index=copies[item.id],
                x=tx - turned_centre.x + inset,
                y=ty - turned_centre.y + inset,
                rotation=item.rotation,
            )
        )
        copies[item.id] += 1
    area = sum(shapes[p.part].area_mm2 for p in placements)
    used = min(size[0], max(0.0, right + inset))
    remnant = None
    if cut_off and size[0] - used >= SMALLEST_REMNANT_MM:
        remnant = (size[0] - used, size[1])
    consumed = (used if remnant else size[0]) * size[1]
    return SheetLayout(
        index=index,
        size_mm=size,
        used_length_mm=round(used, 3),
        placements=placements,
        parts_area_mm2=round(area, 3),
        utilisation=round(min(1.0, area / consumed), 4),
        remnant_mm=remnant,
        from_remnant=sheet.remnant,
    )
