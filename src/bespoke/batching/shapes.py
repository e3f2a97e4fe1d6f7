"""Parts made ready to nest: outlines checked and repaired, grown by half the kerf,
simplified, and checked against the sheets or plates they must fit on."""

import functools
import math
from dataclasses import dataclass

import shapely
from shapely import affinity

from bespoke.geometry.outlines import outline_of, polygon_of
from bespoke.model import DfmFinding, InputError
from bespoke.model.batching import NestPart

NO_AREA_MM2 = 1e-6
SIMPLIFY_MM = 0.1
"""Largest distance the nesting shape may stray outside the kerf-grown outline."""


@dataclass(frozen=True)
class Shape:
    """A part as the nester sees it: its outer boundary, grown by half the kerf, centred."""

    part: NestPart
    polygon: shapely.Polygon
    """The true outline with its holes, as drawn."""
    footprint: shapely.Polygon
    """Outer boundary grown by half the kerf and half the spacing (and a little to stay
    outside that after simplifying), no holes: footprints that touch keep the spacing."""
    centre: tuple[float, float]
    """Where the drawing's origin moves so that the footprint's bounds centre on (0, 0)."""
    repaired: str | None = None

    @property
    def nested(self) -> NestPart:
        """The part with its outline as nested (repaired when it had to be)."""
        if self.repaired is None:
            return self.part
        return self.part.model_copy(update={"outline": outline_of(self.polygon)})

    @property
    def area_mm2(self) -> float:
        """The outline's area with its holes filled: the sheet it takes."""
        return float(shapely.Polygon(self.polygon.exterior).area)

    @functools.cached_property
    def extents(self) -> list[tuple[float, float]]:
        """Width and height of the footprint in each allowed turn; free to turn, the short
        and long sides of the smallest rectangle around it."""
        rotations = self.part.rotations
        if rotations is None:
            rectangle = shapely.oriented_envelope(self.footprint)
            coords = list(rectangle.exterior.coords)
            short, long = sorted(math.dist(coords[i], coords[i + 1]) for i in range(2))
            return [(short, long)]
        return [turned_size(self, rotation) for rotation in rotations or [0.0]]

    def points(self) -> list[tuple[float, float]]:
        """The footprint's boundary, centred, for the nester."""
        cx, cy = self.centre
        return [(x - cx, y - cy) for x, y in self.footprint.exterior.coords[:-1]]


def prepare(part: NestPart, kerf_mm: float, spacing_mm: float) -> Shape:
    """The part checked and made ready to nest.

    Raises:
        InputError: the outline encloses no area, or crosses itself into separate pieces.
    """
    polygon = polygon_of(part.outline)
    repaired = None
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        pieces = [
            g
            for g in shapely.get_parts(shapely.make_valid(polygon)).tolist()
            if isinstance(g, shapely.Polygon) and g.area > NO_AREA_MM2
        ]
        if len(pieces) > 1:
            raise InputError(
                f"part {part.id}: its outline is not a simple closed shape ({reason}) and"
                f" repairs into {len(pieces)} separate pieces; draw each piece as its own"
                " closed outline",
                path=f"parts[{part.id}].outline",
            )
        polygon = pieces[0] if pieces else shapely.Polygon()
        repaired = f"{part.name} of order {part.order}: outline repaired ({reason})"
    if polygon.area <= NO_AREA_MM2:
        raise InputError(
            f"part {part.id}: its outline encloses no area (a line drawn as a closed shape);"
            " a part needs an outline around some material",
            path=f"parts[{part.id}].outline",
        )
    grow = (kerf_mm + spacing_mm) / 2 + SIMPLIFY_MM
    grown = shapely.Polygon(polygon.exterior).buffer(grow, quad_segs=4)
    footprint = shapely.Polygon(grown.simplify(SIMPLIFY_MM).exterior)
    low_x, low_y, high_x, high_y = footprint.bounds
    return Shape(part, polygon, footprint, ((low_x + high_x) / 2, (low_y + high_y) / 2), repaired)


def turned_size(shape: Shape, rotation: float) -> tuple[float, float]:
    """Width and height of the footprint's bounds when turned by `rotation` degrees."""
    turned = affinity.rotate(shape.footprint, rotation, origin=(0, 0))
    low_x, low_y, high_x, high_y = turned.bounds
    return high_x - low_x, high_y - low_y


def fits(shape: Shape, width_mm: float, height_mm: float) -> bool:
    """Whether some allowed turn of the footprint lies within width x height."""
    if shape.part.rotations is None:  # any turn: its smallest enclosing rectangle, either way
        short, long = shape.extents[0]
        return short <= min(width_mm, height_mm) and long <= max(width_mm, height_mm)
    return any(w <= width_mm + 1e-9 and h <= height_mm + 1e-9 for w, h in shape.extents)


def too_large(
    shape: Shape, sizes: list[tuple[float, float]], edge_mm: float, process: str, what: str
) -> DfmFinding:
    """The finding for a part that fits on none of the sheets or plates."""
    low_x, low_y, high_x, high_y = shape.polygon.bounds
    w, h = high_x - low_x, high_y - low_y
    listed = ", ".join(f"{a:g} x {b:g}" for a, b in sizes)
    return DfmFinding(
        process_id=process,
        feature=f"part {shape.part.id}",
        measured=round(max(w, h), 1),
        limit=max(max(s) for s in sizes) - 2 * edge_mm,
        message=f"{shape.part.name} of order {shape.part.order} ({w:.0f} x {h:.0f} mm) fits"
        f" on no {what} ({listed} mm)"
        + (f" with {edge_mm:g} mm kept clear at the edges" if edge_mm else ""),
    )
