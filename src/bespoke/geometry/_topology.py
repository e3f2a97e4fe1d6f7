"""Closed loops as contours: outlines and holes by nesting depth, widths, net area."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from bespoke.geometry._chaining import Loop, cluster_labels
from bespoke.geometry._dedup import repeated_polygons
from bespoke.model.geometry import Contour, ContourKind

WIDTH_REL_TOLERANCE = 0.02
"""Precision of a contour's width, relative to its mean width 2·area/length."""

Polygons = npt.NDArray[np.object_]


@dataclass(frozen=True)
class Layout:
    """The contours of a drawing after degenerate and repeated loops are dropped."""

    contours: list[Contour]
    loops: list[Loop]
    area_mm2: float
    degenerate: int
    duplicates: int


def lay_out(loops: list[Loop], tolerance_mm: float) -> Layout:
    """Contours of the loops: even nesting depth is an outline, odd depth a hole.

    A loop narrower on average than `tolerance_mm` (zero area) or of fewer than
    three distinct points is degenerate and dropped, and so is a loop that repeats
    an earlier one.
    """
    areas = np.array([loop.area_mm2 for loop in loops])
    lengths = np.array([loop.length_mm for loop in loops])
    rings = np.array([len(loop.points) >= 4 for loop in loops], dtype=bool)
    solid = np.flatnonzero((2.0 * areas > tolerance_mm * lengths) & rings)
    polygons = _polygons([loops[i] for i in solid])
    repeats = set(repeated_polygons(polygons, areas[solid]))
    unique = [j for j in range(len(solid)) if j not in repeats]
    kept, polygons = solid[unique], polygons[unique]
    depths = _nesting_depths(polygons, areas[kept])
    widths = _widths([loops[k] for k in kept], polygons)
    bounds = shapely.bounds(polygons).tolist()
    contours = [
        Contour(
            kind=ContourKind.OUTER if depth % 2 == 0 else ContourKind.HOLE,
            length_mm=loops[k].length_mm,
            area_mm2=loops[k].area_mm2,
            width_mm=float(width),
            is_circle=loops[k].circle_radius_mm is not None,
            bbox_mm=tuple(box),
        )
        for k, depth, width, box in zip(kept, depths, widths, bounds, strict=True)
    ]
    return Layout(
        contours=contours,
        loops=[loops[k] for k in kept],
        area_mm2=_even_odd_area(polygons, areas[kept], depths),
        degenerate=len(loops) - len(solid),
        duplicates=len(repeats),
    )


def _polygons(loops: list[Loop]) -> Polygons:
    if not loops:
        return np.array([], dtype=object)
    coords = np.vstack([loop.points for loop in loops])
    index = np.repeat(np.arange(len(loops)), [len(loop.points) for loop in loops])
    return np.asarray(shapely.polygons(shapely.linearrings(coords, indices=index)), dtype=object)


def _nesting_depths(polygons: Polygons, areas: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """How many larger polygons enclose a point inside each polygon."""
    if len(polygons) == 0:
        return np.array([], dtype=np.intp)
    inner_points = shapely.point_on_surface(polygons)
    point_index, polygon_index = shapely.STRtree(polygons).query(inner_points, predicate="within")
    encloses = areas[polygon_index] > areas[point_index]
    return np.bincount(point_index[encloses], minlength=len(polygons))


def _even_odd_area(
    polygons: Polygons, areas: npt.NDArray[np.float64], depths: npt.NDArray[np.intp]
) -> float:
    """Area covered by an odd number of contours: the material when boundaries alternate.

    Groups of contours that touch one another are measured apart. Within a group
    whose boundaries never meet, contours nest, so the area is the depth-signed
    sum of their exact areas; a group whose boundaries cross or touch is measured
    by the symmetric difference of its flattened polygons.
    """
    if len(polygons) == 0:
        return 0.0
    group = cluster_labels(len(polygons), _intersecting_pairs(polygons))
    rings = shapely.get_exterior_ring(polygons)
    meeting = _intersecting_pairs(rings)
    tangled = set(group[meeting[:, 0]].tolist())
    signed = np.where(depths % 2 == 0, areas, -areas)
    total = float(signed[~np.isin(group, list(tangled))].sum())
    for label in tangled:
        total += float(shapely.area(_symmetric_difference(list(polygons[group == label]))))
    return max(0.0, total)


def _intersecting_pairs(geometries: Polygons) -> npt.NDArray[np.intp]:
    """Index pairs (i, j), i != j, of geometries that intersect."""
    i, j = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    keep = i != j
    return np.column_stack([i[keep], j[keep]])


def _symmetric_difference(polygons: list[shapely.Polygon]) -> shapely.Geometry:
    """Symmetric difference of all polygons, merged pairwise to keep each step small."""
    while len(polygons) > 1:
        paired = len(polygons) // 2 * 2
        merged = shapely.symmetric_difference(polygons[0:paired:2], polygons[1:paired:2])
        polygons = [*merged, *polygons[paired:]]
    return polygons[0]


def _widths(loops: list[Loop], polygons: Polygons) -> npt.NDArray[np.float64]:
    """Diameter of the largest circle inside each loop (exact for circles)."""
    widths = np.array([2.0 * (loop.circle_radius_mm or 0.0) for loop in loops])
    other = np.array([loop.circle_radius_mm is None for loop in loops], dtype=bool)
    if other.any():
        regions = shapely.make_valid(polygons[other])
        tolerances = np.array(
            [WIDTH_REL_TOLERANCE * 2.0 * loop.area_mm2 / loop.length_mm for loop in loops]
        )[other]
        widths[other] = 2.0 * shapely.length(shapely.maximum_inscribed_circle(regions, tolerances))
    return widths
