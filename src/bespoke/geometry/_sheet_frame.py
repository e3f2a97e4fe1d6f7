"""A drawing sheet's border and its several views of one part, found in its linework.

The border is the largest closed loop when it is an axis-aligned rectangle around all
other linework, and it frames a sheet rather than being a plate's outline: other
linework meets it (a title block or zone marks drawn against it), or the drawing holds
sheet content (`_sheet_content`) and the rectangle encloses loops holding loops of their
own (a part with its holes, where a plate holds only holes). A second border inside the
first is found the same way.

Views of one part are outlines whose bounds line up as in an orthographic projection
(the same x range one above the other, or the same y range side by side) while their
other extent differs: copies of one part line up too, but alike. Only on a drawing
sheet is the largest view kept and the others left out.
"""

from dataclasses import dataclass

import numpy as np
import shapely

from bespoke.geometry._arcs import FloatArray
from bespoke.geometry._chaining import Chaining, Loop, OpenChain, cluster_labels

_MOST_BORDERS = 2
"""A sheet has a border, sometimes a trim line around it: no more are looked for."""
ALIGNED_REL = 0.005
"""Bounds of two views line up within this share of their extent (at least `ALIGNED_MM`)."""
ALIGNED_MM = 0.5
MOST_VIEWS_COMPARED = 64
"""A drawing with more outlines than this is a nest of parts, not a sheet of a few views."""


@dataclass(frozen=True)
class SheetLinework:
    """The linework left once borders and the views not measured are taken out."""

    chaining: Chaining
    borders: list[tuple[float, float]]
    views: list[tuple[float, float]]
    """Width x height of each view of the part, the measured one first; [] when one."""


def reduce_sheet(chaining: Chaining, sheet_content: bool, tolerance_mm: float) -> SheetLinework:
    """`chaining` without its borders and, on a drawing sheet, without all but the largest
    of several views of one part. `sheet_content` says whether sheet content was found."""
    borders: list[tuple[float, float]] = []
    for _ in range(_MOST_BORDERS):
        border = _border(chaining, sheet_content, tolerance_mm)
        if border is None:
            break
        low, high = _bounds(chaining.loops[border].points)
        borders.append((float(high[0] - low[0]), float(high[1] - low[1])))
        chaining = _without_linework_meeting(chaining, border, tolerance_mm)
    if not (borders or sheet_content):
        return SheetLinework(chaining, [], [])
    return _one_view(chaining, borders)


def _border(chaining: Chaining, sheet_content: bool, tolerance_mm: float) -> int | None:
    """The index of the loop that borders the sheet, if one does."""
    loops = chaining.loops
    if len(loops) < 2:
        return None
    largest = int(np.argmax([loop.area_mm2 for loop in loops]))
    low, high = _bounds(loops[largest].points)
    width, height = high - low
    if not abs(loops[largest].area_mm2 - width * height) <= 1e-6 * width * height:
        return None  # not an axis-aligned rectangle
    others = [loop.points for k, loop in enumerate(loops) if k != largest]
    others += [path for chain in chaining.open_chains for path in chain.paths]
    points = np.vstack(others)
    inside = np.all((points >= low - tolerance_mm) & (points <= high + tolerance_mm), axis=1)
    if not inside.all():
        return None
    on_edge = np.minimum(np.abs(points - low), np.abs(points - high)).min(axis=1) <= tolerance_mm
    owner = np.repeat(np.arange(len(others)), [len(path) for path in others])
    meets = np.bincount(owner, weights=on_edge, minlength=len(others)) > 0
    reaches_in = np.bincount(owner, weights=~on_edge, minlength=len(others)) > 0
    if not reaches_in.any():
        return None  # nothing but the rectangle drawn again
    if np.any(meets & reaches_in):
        return largest
    inner = [loop for k, loop in enumerate(loops) if k != largest]
    return largest if sheet_content and _some_loop_holds_another(inner) else None


def _without_linework_meeting(chaining: Chaining, border: int, tolerance_mm: float) -> Chaining:
    """`chaining` without the border loop and all linework that meets it, directly or
    through other linework (a title block's frame and the lines that divide it)."""
    loops, chains = chaining.loops, chaining.open_chains
    items = [[loop.points] for loop in loops] + [chain.paths for chain in chains]
    paths = [path for item in items for path in item]
    owner = np.repeat(np.arange(len(items)), [len(item) for item in items])
    lines = shapely.linestrings(np.vstack(paths), indices=_indices(paths))
    first, second = shapely.STRtree(lines).query(lines, predicate="dwithin", distance=tolerance_mm)
    group = cluster_labels(len(items), np.column_stack([owner[first], owner[second]]))
    kept = group != group[border]
    return Chaining(
        [loop for k, loop in enumerate(loops) if kept[k]],
        [chain for k, chain in enumerate(chains) if kept[len(loops) + k]],
    )


def _indices(paths: list[FloatArray]) -> np.ndarray:
    return np.repeat(np.arange(len(paths)), [len(path) for path in paths])


def _some_loop_holds_another(loops: list[Loop]) -> bool:
    polygons = _polygons(loops)
    held, holder = shapely.STRtree(polygons).query(
        shapely.point_on_surface(polygons), predicate="within"
    )
    return bool(np.any(holder != held))


def _one_view(chaining: Chaining, borders: list[tuple[float, float]]) -> SheetLinework:
    """The linework of the largest of several aligned views, the others left out."""
    loops = chaining.loops
    if len(loops) < 2:
        return SheetLinework(chaining, borders, [])
    polygons = _polygons(loops)
    held, holder = shapely.STRtree(polygons).query(
        shapely.point_on_surface(polygons), predicate="within"
    )
    enclosed = np.zeros(len(loops), dtype=bool)
    enclosed[held[holder != held]] = True
    outlines = np.flatnonzero(~enclosed)
    if len(outlines) > MOST_VIEWS_COMPARED:
        return SheetLinework(chaining, borders, [])
    bounds = shapely.bounds(polygons[outlines])
    group = _aligned_views(bounds)
    if len(group) < 2:
        return SheetLinework(chaining, borders, [])
    areas = shapely.area(polygons[outlines[group]])
    order = [group[k] for k in np.argsort(-areas, kind="stable")]
    dropped = shapely.box(*bounds[order[1:]].T)
    keep = ~np.any(
        shapely.contains(dropped[:, None], shapely.point_on_surface(polygons)[None, :]), axis=0
    )
    chains = [chain for chain in chaining.open_chains if not _within_any(chain, dropped)]
    views = [(float(b[2] - b[0]), float(b[3] - b[1])) for b in bounds[order]]
    kept = Chaining([loop for loop, k in zip(loops, keep, strict=True) if k], chains)
    return SheetLinework(kept, borders, views)


def _aligned_views(bounds: FloatArray) -> list[int]:
    """Indices of outlines that line up with another as views do; [] when none do."""
    size = bounds[:, 2:] - bounds[:, :2]
    found: set[int] = set()
    for i in range(len(bounds)):
        for j in range(i + 1, len(bounds)):
            for axis in (0, 1):
                slack = max(ALIGNED_MM, ALIGNED_REL * float(size[[i, j], axis].max()))
                same_range = (
                    abs(bounds[i, axis] - bounds[j, axis]) <= slack
                    and abs(bounds[i, axis + 2] - bounds[j, axis + 2]) <= slack
                )
                other = 1 - axis
                differs = abs(size[i, other] - size[j, other]) > slack
                if same_range and differs:
                    found |= {i, j}
    return sorted(found)


def _within_any(chain: OpenChain, boxes: np.ndarray) -> bool:
    points = shapely.points(np.vstack(chain.paths))
    return bool(np.any(shapely.contains(boxes[:, None], points[None, :]).all(axis=1)))


def _polygons(loops: list[Loop]) -> np.ndarray:
    return np.array(
        [
            shapely.Polygon(loop.points).buffer(0) if len(loop.points) >= 4 else shapely.Polygon()
            for loop in loops
        ],
        dtype=object,
    )


def _bounds(points: FloatArray) -> tuple[FloatArray, FloatArray]:
    return points.min(axis=0), points.max(axis=0)
