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
from bespoke.model.batching import NestPart, Placement, SheetLayout

CUT_LAYER = "CUT"
ENGRAVE_LAYER = "ENGRAVE"
SHEET_LAYER = "SHEET"
LABEL_HEIGHT_MM = (1.5, 8.0)
"""Smallest and largest height of an engraved label."""
SVG_GRID_MM = 0.5
"""Coordinates of the picture are rounded to this: it is looked at, not cut."""
_PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1")


@dataclass(frozen=True)
class Placed:
    """One copy of a part where it lies on the sheet."""

    placement: Placement
    part: NestPart
    polygon: shapely.Polygon

    @property
    def label(self) -> str:
        return f"{self.part.order} {self.part.name}"


OTHERS_COLOUR = "#b8b8b0"
"""Other orders' parts, as a maker sees a shared sheet."""


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
    """A picture of the sheet: its parts coloured by order, the remnant hatched off. With
    `mine`, as that order's maker sees it: only its parts coloured and named."""
    width, height = sheet.size_mm
    orders = sorted({p.order for p in parts})
    colour = {order: _PALETTE[i % len(_PALETTE)] for i, order in enumerate(orders)}
    out = io.StringIO()
    out.write(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}"'
        f' class="sheet-layout" role="img"><title>sheet {sheet.index + 1}:'
        f" {len(sheet.placements)} parts, {sheet.utilisation:.0%} used</title>"
        f'<g transform="translate(0 {height:g}) scale(1 -1)">'
        f'<rect width="{width:g}" height="{height:g}" fill="#f4f4f2" stroke="#888"'
        f' stroke-width="{width / 600:g}"/>'
    )
    if sheet.remnant_mm is not None:
        rw = sheet.remnant_mm[0]
        out.write(f'<rect x="{width - rw:g}" width="{rw:g}" height="{height:g}" fill="#dcdcd6"/>')
    stroke = width / 1500
    for item in placed_parts(sheet, parts):
        drawn = shapely.set_precision(item.polygon, SVG_GRID_MM, mode="pointwise")
        shown = mine is None or item.part.order == mine
        fill = colour[item.part.order] if shown else OTHERS_COLOUR
        path = drawn.svg(scale_factor=stroke, fill_color=fill)
        path = path.replace('opacity="0.6"', 'opacity="0.85"')
        if shown:
            order, label = _escape(item.part.order), _escape(item.label)
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
    axes.add_patch(Rectangle((0, 0), width, height, facecolor="#f4f4f2", edgecolor="#888"))
    if sheet.remnant_mm is not None:
        left = sheet.remnant_mm[0]
        axes.add_patch(Rectangle((width - left, 0), left, height, facecolor="#dcdcd6"))
    orders = sorted({p.order for p in parts})
    colour = {order: _PALETTE[i % len(_PALETTE)] for i, order in enumerate(orders)}
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
