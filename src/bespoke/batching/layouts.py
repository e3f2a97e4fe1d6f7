"""A sheet's layout made usable: the placed outlines, the DXF cut file, an SVG picture."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from ezdxf import units
from ezdxf.enums import TextEntityAlignment
from ezdxf.filemanagement import new as new_drawing
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from shapely import affinity

from bespoke.geometry.outlines import polygon_of
from bespoke.geometry.readers import part_title
from bespoke.model.batching import NestPart, Placement, SheetLayout

CUT_LAYER = "CUT"
ENGRAVE_LAYER = "ENGRAVE"
SHEET_LAYER = "SHEET"
LABEL_HEIGHT_MM = (1.5, 8.0)
"""Smallest and largest height of an engraved label."""
SVG_GRID_MM = 0.5
"""Coordinates of the picture are rounded to this: it is looked at, not cut."""
_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#17becf",
    "#8c564b",
    "#bcbd22",
)
"""Colours of the orders on a sheet, in order number; they repeat past the twelfth."""
SHEET_COLOUR = "#f4f4f2"
OFFCUT_COLOUR = "#c9ccd1"
"""The off-cut after the parts, which returns to stock: darker than the sheet they use."""


@dataclass(frozen=True)
class Placed:
    """One copy of a part where it lies on the sheet."""

    placement: Placement
    part: NestPart
    polygon: shapely.Polygon

    @property
    def label(self) -> str:
        return f"{self.part.order} {self.part.name}"


OTHERS_COLOUR = "#8f8f87"
"""Other orders' parts, as a maker sees a shared sheet."""


@dataclass(frozen=True)
class KeyEntry:
    """One line of a sheet's legend: an order's colour, its parts' names and how many
    copies the sheet holds; `order` None: other orders' parts, as a maker sees them."""

    colour: str
    order: str | None
    names: tuple[str, ...]
    count: int


def order_colours(parts: Sequence[NestPart]) -> dict[str, str]:
    """Each order of a nest with its colour: the same on every sheet, picture and legend."""
    orders = sorted({p.order for p in parts}, key=_by_number)
    return {order: _PALETTE[i % len(_PALETTE)] for i, order in enumerate(orders)}


def sheet_key(
    sheet: SheetLayout, parts: Sequence[NestPart], mine: str | None = None
) -> list[KeyEntry]:
    """The legend of a sheet's picture: each order on it, in order number, with its colour;
    with `mine`, that order's parts and the other orders' in grey."""
    colour = order_colours(parts)
    by_id = {p.id: p for p in parts}
    names: dict[str | None, dict[str, int]] = {}
    for placement in sheet.placements:
        part = by_id[placement.part]
        order = part.order if mine is None or part.order == mine else None
        counted = names.setdefault(order, {})
        counted[part_title(part.name)] = counted.get(part_title(part.name), 0) + 1
    return [
        KeyEntry(
            colour=OTHERS_COLOUR if order is None else colour[order],
            order=order,
            names=tuple(sorted(counted)) if order is not None else (),
            count=sum(counted.values()),
        )
        for order, counted in sorted(names.items(), key=lambda item: _by_number(item[0]))
    ]


def used_area_mm2(sheet: SheetLayout) -> float:
    """The sheet's area less the off-cut after its parts, which returns to stock."""
    width, height = sheet.size_mm
    left = sheet.remnant_mm[0] * sheet.remnant_mm[1] if sheet.remnant_mm else 0.0
    return width * height - left


def covered_area_mm2(sheet: SheetLayout, parts: Sequence[NestPart]) -> float:
    """The area the parts cover on the sheet as drawn: their holes left out, parts stacked
    in layers (build plates) counted once."""
    return float(shapely.union_all([item.polygon for item in placed_parts(sheet, parts)]).area)


def _by_number(order: str | None) -> tuple[int, str]:
    """Orders by their number ('2' before '10'), others' parts (None) last."""
    if order is None:
        return (1 << 62, "")
    return (int(order), "") if order.isdigit() else (1 << 61, order)


def placed_parts(sheet: SheetLayout, parts: Sequence[NestPart]) -> list[Placed]:
    """Every placement of the sheet with its part's outline turned and moved into place."""
    by_id = {p.id: p for p in parts}
    placed = []
    for placement in sheet.placements:
        part = by_id[placement.part]
        polygon = affinity.rotate(polygon_of(part.outline), placement.rotation, origin=(0, 0))
        polygon = affinity.translate(polygon, placement.x, placement.y)
        placed.append(Placed(placement, part, polygon))
    return placed


def write_cut_dxf(sheet: SheetLayout, parts: Sequence[NestPart], path: Path) -> Path:
    """The sheet as a DXF cut file (mm): outlines and holes on CUT, each part's order and
    name on ENGRAVE, the sheet and its remnant line on SHEET."""
    doc = new_drawing("R2010")
    doc.units = units.MM
    doc.layers.add(CUT_LAYER, color=7)
    doc.layers.add(ENGRAVE_LAYER, color=1)
    doc.layers.add(SHEET_LAYER, color=8)
    msp = doc.modelspace()
    width, height = sheet.size_mm
    msp.add_lwpolyline(
        [(0, 0), (width, 0), (width, height), (0, height)],
        close=True,
        dxfattribs={"layer": SHEET_LAYER},
    )
    if sheet.remnant_mm is not None:
        x = sheet.used_length_mm
        msp.add_line((x, 0), (x, height), dxfattribs={"layer": SHEET_LAYER})
    for item in placed_parts(sheet, parts):
        for ring in [item.polygon.exterior, *item.polygon.interiors]:
            msp.add_lwpolyline(ring.coords[:-1], close=True, dxfattribs={"layer": CUT_LAYER})
        centre, size = _label_spot(item.polygon)
        text = msp.add_text(item.label, height=size, dxfattribs={"layer": ENGRAVE_LAYER})
        text.set_placement(centre, align=TextEntityAlignment.MIDDLE_CENTER)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.saveas(path)
    return path


def _label_spot(polygon: shapely.Polygon) -> tuple[tuple[float, float], float]:
    """Where a label sits inside the material, and how high it can be."""
    circle = shapely.maximum_inscribed_circle(polygon, 0.5)
    centre = circle.coords[0]
    low, high = LABEL_HEIGHT_MM
    return (centre[0], centre[1]), max(low, min(high, circle.length * 0.6))


def sheet_svg(sheet: SheetLayout, parts: Sequence[NestPart], mine: str | None = None) -> str:
    """A picture of the sheet: its parts coloured by order (`order_colours`), the off-cut
    after them darker with its cut dashed. With `mine`, as that order's maker sees it: only
    its parts coloured and named."""
    width, height = sheet.size_mm
    colour = order_colours(parts)
    covered = covered_area_mm2(sheet, parts) / used_area_mm2(sheet)
    out = io.StringIO()
    out.write(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}"'
        f' class="sheet-layout" role="img"><title>sheet {sheet.index + 1}:'
        f" {len(sheet.placements)} parts, parts cover {covered:.0%} of the sheet used</title>"
        f'<g transform="translate(0 {height:g}) scale(1 -1)">'
        f'<rect class="sheet" width="{width:g}" height="{height:g}" fill="{SHEET_COLOUR}"'
        f' stroke="#888" stroke-width="{width / 600:g}"/>'
    )
    if sheet.remnant_mm is not None:
        rw = sheet.remnant_mm[0]
        out.write(
            f'<rect class="offcut" x="{width - rw:g}" width="{rw:g}" height="{height:g}"'
            f' fill="{OFFCUT_COLOUR}"/><line x1="{width - rw:g}" x2="{width - rw:g}"'
            f' y2="{height:g}" stroke="#555" stroke-width="{width / 500:g}"'
            f' stroke-dasharray="{width / 100:g}"/>'
        )
    stroke = width / 1500
    for item in placed_parts(sheet, parts):
        drawn = shapely.set_precision(item.polygon, SVG_GRID_MM, mode="pointwise")
        shown = mine is None or item.part.order == mine
        fill = colour[item.part.order] if shown else OTHERS_COLOUR
        path = drawn.svg(scale_factor=stroke, fill_color=fill)
        path = path.replace('opacity="0.6"', 'opacity="0.85"')
        if shown:
            order = _escape(item.part.order)
            label = _escape(f"order #{item.part.order}: {part_title(item.part.name)}")
            out.write(f'<g data-order="{order}"><title>{label}</title>{path}</g>')
        else:
            out.write(f"<g>{path}</g>")
    out.write("</g></svg>")
    return out.getvalue()


PNG_WIDTH_IN = 7.5
PNG_DPI = 110


def sheet_png(sheet: SheetLayout, parts: Sequence[NestPart]) -> bytes:
    """The sheet as a PNG for paper (a traveller): parts filled by order and labelled with
    their order and name, the remnant shaded."""
    width, height = sheet.size_mm
    figure = Figure(figsize=(PNG_WIDTH_IN, max(1.5, PNG_WIDTH_IN * height / width)))
    axes = figure.add_axes((0.01, 0.01, 0.98, 0.98))
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.add_patch(Rectangle((0, 0), width, height, facecolor=SHEET_COLOUR, edgecolor="#888"))
    if sheet.remnant_mm is not None:
        left = sheet.remnant_mm[0]
        axes.add_patch(Rectangle((width - left, 0), left, height, facecolor=OFFCUT_COLOUR))
    colour = order_colours(parts)
    for item in placed_parts(sheet, parts):
        for polygon in getattr(item.polygon, "geoms", [item.polygon]):
            axes.fill(*polygon.exterior.xy, color=colour[item.part.order], alpha=0.85, lw=0.3)
            for hole in polygon.interiors:
                axes.fill(*hole.xy, color="#ffffff", lw=0.3)
        spot, _ = _label_spot(item.polygon)
        axes.text(*spot, f"{item.part.order}", ha="center", va="center", fontsize=6)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=PNG_DPI)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
