"""Closed loops as contours: outlines and holes by nesting depth, widths, net area."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from bespoke.geometry._arcs import FloatArray, IntArray
from bespoke.geometry._chaining import Loop, cluster_labels
from bespoke.geometry._dedup import repeated_polygons
from bespoke.geometry.outlines import outline_of
from bespoke.model.batching import Outline
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
    rings = [loop for loop in loops if len(loop.points) >= 4]
    polygons, areas = _regions(rings)
    lengths = np.array([loop.length_mm for loop in rings])
    solid = np.flatnonzero(2.0 * areas > tolerance_mm * lengths)
    repeats = set(repeated_polygons(polygons[solid], areas[solid]))
    kept = np.array([k for j, k in enumerate(solid) if j not in repeats], dtype=np.intp)
    polygons, areas = polygons[kept], areas[kept]
    kept_loops = [rings[k] for k in kept]
    enclosures = _enclosures(polygons, areas)
    depths = np.bincount(enclosures[:, 0], minlength=len(polygons))
    widths = _widths(kept_loops, polygons, areas)
    bounds = shapely.bounds(polygons).tolist()
    contours = [
        Contour(
            kind=ContourKind.OUTER if depth % 2 == 0 else ContourKind.HOLE,
            length_mm=loop.length_mm,
            area_mm2=float(area),
            width_mm=float(width),
            is_circle=loop.circle_radius_mm is not None,
            bbox_mm=tuple(box),
        )
        for loop, area, depth, width, box in zip(
            kept_loops, areas, depths, widths, bounds, strict=True
        )
    ]
    return Layout(
        contours=contours,
        loops=kept_loops,
        area_mm2=_even_odd_area(polygons, areas, depths, enclosures),
        degenerate=len(loops) - len(solid),
        duplicates=len(repeats),
    )


def _regions(loops: list[Loop]) -> tuple[Polygons, FloatArray]:
    """Each loop's enclosed region and its area.

    The area is the loop's exact one, except for a loop that crosses itself: that
    is repaired into its lobes and measured on the flattened outline.
    """
    areas = np.array([loop.area_mm2 for loop in loops], dtype=np.float64)
    if not loops:
        return np.array([], dtype=object), areas
    coords = np.vstack([loop.points for loop in loops])
    index = np.repeat(np.arange(len(loops)), [len(loop.points) for loop in loops])
    polygons = np.asarray(shapely.polygons(shapely.linearrings(coords, indices=index)))
    crossed = ~shapely.is_valid(polygons)
    if crossed.any():
        polygons[crossed] = shapely.make_valid(
            polygons[crossed], method="structure", keep_collapsed=False
        )
        areas[crossed] = shapely.area(polygons[crossed])
    return polygons, areas


def _enclosures(polygons: Polygons, areas: FloatArray) -> IntArray:
    """Pairs (inner, outer): a larger polygon `outer` holds a point inside `inner`."""
    inner_points = shapely.point_on_surface(polygons)
    outer, inner = shapely.STRtree(inner_points).query(polygons, predicate="contains")
    encloses = areas[outer] > areas[inner]
    return np.column_stack([inner[encloses], outer[encloses]])


def _widths(loops: list[Loop], polygons: Polygons, areas: FloatArray) -> FloatArray:
    """Diameter of the largest circle inside each loop (exact for circles)."""
    widths = np.array([2.0 * (loop.circle_radius_mm or 0.0) for loop in loops])
    other = np.array([loop.circle_radius_mm is None for loop in loops], dtype=bool)
    if other.any():
        lengths = np.array([loop.length_mm for loop in loops])
        tolerances = WIDTH_REL_TOLERANCE * 2.0 * areas[other] / lengths[other]
        circles = shapely.maximum_inscribed_circle(polygons[other], tolerances)
        widths[other] = 2.0 * shapely.length(circles)
    return widths


def _even_odd_area(
    polygons: Polygons, areas: FloatArray, depths: IntArray, enclosures: IntArray
) -> float:
    """Area covered by an odd number of contours: the material when boundaries alternate.

    Groups of contours that overlap (one encloses the other, or their boundaries
    meet) are measured apart. Within a group whose boundaries never meet, contours
    nest, so the area is the depth-signed sum of their exact areas; groups whose
    boundaries cross or touch are measured on the faces of their flattened outlines.
    """
    if len(polygons) == 0:
        return 0.0
    meeting = _meeting_pairs(polygons)
    group = cluster_labels(len(polygons), np.vstack([enclosures, meeting]))
    tangled = np.isin(group, group[meeting[:, 0]])
    signed = np.where(depths % 2 == 0, areas, -areas)
    odd = _odd_faces(polygons[tangled])
    return max(0.0, float(signed[~tangled].sum() + shapely.area(odd).sum()))


def _meeting_pairs(polygons: Polygons) -> IntArray:
    """Index pairs (i, j), i != j, of polygons whose boundaries cross or touch: they
    intersect, and neither holds the other clear of its boundary."""
    tree = shapely.STRtree(polygons)
    i, j = tree.query(polygons, predicate="intersects")
    outer, inner = tree.query(polygons, predicate="contains_properly")
    count = len(polygons)
    nested = np.concatenate([outer * count + inner, inner * count + outer])
    keep = (i != j) & ~np.isin(i * count + j, nested)
    return np.column_stack([i[keep], j[keep]])


def _odd_faces(polygons: Polygons) -> Polygons:
    """The pieces of the plane inside an odd number of `polygons` (even-odd rule).

    Their outlines, noded where they cross, cut the plane into faces; each face is
    counted by how many polygons hold a point inside it.
    """
    if len(polygons) == 0:
        return np.array([], dtype=object)
    outlines = shapely.get_parts(shapely.union_all(shapely.boundary(polygons)))
    faces = shapely.get_parts(shapely.polygonize(outlines))
    faces = faces[shapely.area(faces) > 0.0]
    _, face = shapely.STRtree(shapely.point_on_surface(faces)).query(polygons, predicate="contains")
    odd: Polygons = faces[np.bincount(face, minlength=len(faces)) % 2 == 1]
    return odd


def part_outlines(loops: list[Loop]) -> list[Outline]:
    """Each separate piece of material (even-odd rule over the loops) as an outline with
    its holes; a loop that crosses itself is taken as its repaired lobes."""
    polygons, _ = _regions([loop for loop in loops if len(loop.points) >= 4])
    pieces = [
        g
        for g in shapely.get_parts(_merged(_odd_faces(polygons))).tolist()
        if isinstance(g, shapely.Polygon) and g.area > 0.0
    ]
    return [outline_of(piece) for piece in sorted(pieces, key=lambda g: -g.area)]


def _merged(faces: Polygons) -> Polygons:
    """The union of faces of one planar subdivision (they share edges, never overlap):
    only faces that touch are merged, as a coverage, each group on its own."""
    if len(faces) == 0:
        return faces
    pairs = np.stack(shapely.STRtree(faces).query(faces, predicate="intersects"), axis=1)
    labels = cluster_labels(len(faces), pairs)
    merged = [
        faces[group][0] if len(group) == 1 else shapely.coverage_union_all(faces[group])
        for group in (np.flatnonzero(labels == label) for label in np.unique(labels))
    ]
    return np.array(merged, dtype=object)
