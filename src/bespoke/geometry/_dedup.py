"""Geometry drawn more than once is cut once.

Three cases: an open piece drawn twice (a LINE on top of a LINE), a closed
contour drawn twice (a whole part pasted over itself), and linework that runs
along other linework (two parts sharing an edge, collinear lines overlapping).
"""

import numpy as np
import numpy.typing as npt
import shapely

from bespoke.geometry._arcs import FloatArray, IntArray
from bespoke.geometry._chaining import cluster_labels, near_pairs
from bespoke.geometry._entities import Piece

SAME_AREA_REL = 1e-3
SAME_CENTROID_MM = 0.1
SAME_OUTLINE_HAUSDORFF_MM = 1.0
OVERLAP_GRID_MM = 1e-4
"""Coordinates are snapped to this grid before measuring overlaps, so that
edges equal up to rounding are recognised as the same edge."""
_SHARE_A_LENGTH = "1********"
"""DE-9IM pattern of two lines whose interiors meet along a length, not only at points."""
_MOST_CHECKED_PER_PATH = 32
"""A path touching more paths than this (lines through one point) is merged with them all
unchecked: checking pair by pair would cost the square of their number."""


def drop_repeated_pieces(pieces: list[Piece], tolerance_mm: float) -> tuple[list[Piece], float]:
    """Open pieces drawn more than once, kept once; also returns the length dropped.

    Two open pieces are the same when their ends match (in either direction), and
    so do their lengths and the means of their flattened points, within `tolerance_mm`.
    """
    open_index = [i for i, p in enumerate(pieces) if not p.closed]
    if len(open_index) < 2:
        return pieces, 0.0
    count = len(open_index)
    starts = np.array([pieces[i].start for i in open_index])
    ends = np.array([pieces[i].end for i in open_index])
    means = np.array([pieces[i].points.mean(axis=0) for i in open_index])
    signatures = np.vstack([np.hstack([starts, ends, means]), np.hstack([ends, starts, means])])
    pairs = near_pairs(signatures, tolerance_mm) % count
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    lengths = np.array([pieces[i].length_mm for i in open_index])
    same = np.abs(lengths[pairs[:, 0]] - lengths[pairs[:, 1]]) <= tolerance_mm
    dropped = {open_index[i] for i in _later_members(count, pairs[same])}
    kept = [p for i, p in enumerate(pieces) if i not in dropped]
    return kept, float(sum(pieces[i].length_mm for i in dropped))


def merge_collinear_lines(pieces: list[Piece]) -> tuple[list[Piece], float]:
    """Straight open pieces that run along each other, joined into one edge; also returns
    the length dropped.

    An edge drawn as two overlapping pieces is one edge, from the first piece's far end
    to the last's: cut once, and the outline it belongs to still closes. A piece touching
    more than `_MOST_CHECKED_PER_PATH` others (lines through one point) is left as it is.
    """
    index = [i for i, p in enumerate(pieces) if not p.closed and len(p.points) == 2]
    if len(index) < 2:
        return pieces, 0.0
    lines = shapely.linestrings(np.stack([pieces[i].points for i in index]))
    first, second = shapely.STRtree(lines).query(lines, predicate="intersects")
    first, second = first[first < second], second[first < second]
    touched = np.bincount(np.concatenate([first, second]), minlength=len(lines))
    calm = (touched[first] <= _MOST_CHECKED_PER_PATH) & (touched[second] <= _MOST_CHECKED_PER_PATH)
    first, second = first[calm], second[calm]
    snapped = shapely.set_precision(lines, OVERLAP_GRID_MM)
    sharing = shapely.relate_pattern(snapped[first], snapped[second], _SHARE_A_LENGTH)
    if not np.any(sharing):
        return pieces, 0.0
    labels = cluster_labels(len(index), np.column_stack([first[sharing], second[sharing]]))
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    merged = {index[g[0]]: _joined([pieces[index[k]] for k in g]) for g in groups if len(g) > 1}
    dropped = {index[k] for g in groups if len(g) > 1 for k in g[1:]}
    kept = [merged.get(i, p) for i, p in enumerate(pieces) if i not in dropped]
    return kept, sum(p.length_mm for p in pieces) - sum(p.length_mm for p in kept)


def _joined(lines: list[Piece]) -> Piece:
    """One straight piece from the farthest ends of collinear `lines`."""
    longest = max(lines, key=lambda piece: piece.length_mm)
    origin = longest.start
    direction = (longest.end - origin) / longest.length_mm
    ends = np.vstack([piece.points for piece in lines])
    along = (ends - origin) @ direction
    points = origin + np.array([along.min(), along.max()])[:, None] * direction
    x, y = points[:, 0], points[:, 1]
    area_term = 0.5 * float(x[0] * y[1] - x[1] * y[0])
    return Piece(points, float(along.max() - along.min()), area_term, closed=False)


def repeated_polygons(polygons: npt.NDArray[np.object_], areas: FloatArray) -> list[int]:
    """Indices of polygons that repeat an earlier one.

    Repeats have the same area (`areas`, relative `SAME_AREA_REL`), centroids
    within `SAME_CENTROID_MM` and outlines within a Hausdorff distance of
    `SAME_OUTLINE_HAUSDORFF_MM`. Candidates are near in centroid and in the logarithm
    of their area at once, so that contours around one centre are not all compared.
    """
    if len(polygons) < 2:
        return []
    centroids = shapely.get_coordinates(shapely.centroid(polygons))
    log_area = np.log(areas) * (SAME_CENTROID_MM / -np.log1p(-SAME_AREA_REL))
    pairs = near_pairs(np.column_stack([centroids, log_area]), SAME_CENTROID_MM * np.sqrt(2.0))
    if len(pairs) == 0:
        return []
    a, b = pairs[:, 0], pairs[:, 1]
    near = np.hypot(*(centroids[a] - centroids[b]).T) <= SAME_CENTROID_MM
    same_area = np.abs(areas[a] - areas[b]) <= SAME_AREA_REL * np.maximum(areas[a], areas[b])
    pairs = pairs[near & same_area]
    outlines = shapely.boundary(polygons)
    close = shapely.hausdorff_distance(outlines[pairs[:, 0]], outlines[pairs[:, 1]])
    return _later_members(len(polygons), pairs[close < SAME_OUTLINE_HAUSDORFF_MM])


def _later_members(count: int, pairs: IntArray) -> list[int]:
    """Every item linked to an earlier one through `pairs`: all but the first of each group."""
    labels = cluster_labels(count, pairs)
    _, first = np.unique(labels, return_index=True)
    return sorted(set(range(count)) - set(first.tolist()))


def overlap_length(paths: list[FloatArray]) -> float:
    """Length of linework that runs over other linework (counted once per extra pass).

    Only paths that share some length with another path are merged. Paths that touch
    are checked pair by pair, except around a path that touches more than
    `_MOST_CHECKED_PER_PATH` others (lines through one point): it is merged with all it
    touches unchecked. A path retracing itself is not looked at.
    """
    paths = [path for path in paths if len(path) >= 2]
    if len(paths) < 2:
        return 0.0
    index = np.repeat(np.arange(len(paths)), [len(path) for path in paths])
    lines = shapely.linestrings(np.vstack(paths), indices=index)
    first, second = shapely.STRtree(lines).query(lines, predicate="intersects")
    first, second = first[first < second], second[first < second]
    lines = shapely.set_precision(lines, OVERLAP_GRID_MM)
    touched = np.bincount(np.concatenate([first, second]), minlength=len(lines))
    crowded = (touched[first] > _MOST_CHECKED_PER_PATH) | (touched[second] > _MOST_CHECKED_PER_PATH)
    sharing = crowded.copy()
    sharing[~crowded] = shapely.relate_pattern(
        lines[first[~crowded]], lines[second[~crowded]], _SHARE_A_LENGTH
    )
    overlapping = np.unique(np.concatenate([first[sharing], second[sharing]]))
    if len(overlapping) == 0:
        return 0.0
    lines = lines[overlapping]
    drawn = float(shapely.length(lines).sum())
    merged = float(shapely.length(shapely.union_all(lines, grid_size=OVERLAP_GRID_MM)))
    return max(0.0, drawn - merged)
