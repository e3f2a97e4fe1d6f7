"""Circular arcs and bulged polylines: exact lengths and area terms, flattened paths."""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SEGMENTS_PER_TURN = (16, 1024)
"""Fewest and most straight segments a full circle is flattened into."""


@dataclass(frozen=True)
class Arcs:
    """Circular arcs as arrays: arc i starts at angle `starts[i]` on the circle of
    `centers[i]` and `radii[i]` and sweeps `sweeps[i]` radians (counter-clockwise if > 0).
    """

    centers: FloatArray
    radii: FloatArray
    starts: FloatArray
    sweeps: FloatArray

    @classmethod
    def from_chords(cls, starts: FloatArray, ends: FloatArray, sweeps: FloatArray) -> "Arcs":
        """Arcs from start to end point sweeping `sweeps` (a polyline's bulge arcs)."""
        chords = ends - starts
        lengths = np.hypot(chords[:, 0], chords[:, 1])
        left = np.column_stack([-chords[:, 1], chords[:, 0]]) / lengths[:, None]
        centers = (starts + ends) / 2.0 + left * (lengths / (2.0 * np.tan(sweeps / 2.0)))[:, None]
        radii = lengths / (2.0 * np.abs(np.sin(sweeps / 2.0)))
        angles = np.arctan2(starts[:, 1] - centers[:, 1], starts[:, 0] - centers[:, 0])
        return cls(centers, radii, angles, sweeps)

    @property
    def lengths(self) -> FloatArray:
        return self.radii * np.abs(self.sweeps)

    @property
    def area_terms(self) -> FloatArray:
        """½∫(x·dy - y·dx) along each arc."""
        cx, cy, r = self.centers[:, 0], self.centers[:, 1], self.radii
        a0, a1 = self.starts, self.starts + self.sweeps
        terms: FloatArray = 0.5 * (
            r * r * self.sweeps
            + r * cx * (np.sin(a1) - np.sin(a0))
            - r * cy * (np.cos(a1) - np.cos(a0))
        )
        return terms

    def segments(self, tolerance: float) -> IntArray:
        """How many straight segments keep each arc within `tolerance` of its flattening."""
        fewest, most = SEGMENTS_PER_TURN
        ratio = np.minimum(1.0, tolerance / np.maximum(self.radii, np.finfo(float).tiny))
        step = np.clip(2.0 * np.arccos(1.0 - ratio), 2 * math.pi / most, 2 * math.pi / fewest)
        return np.maximum(1, np.ceil(np.abs(self.sweeps) / step)).astype(np.intp)

    def interior_points(self, tolerance: float) -> tuple[FloatArray, IntArray]:
        """The flattened points strictly between each arc's ends, and how many per arc."""
        segments = self.segments(tolerance)
        counts = segments - 1
        arc = np.repeat(np.arange(len(counts)), counts)
        step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 1
        angles = self.starts[arc] + self.sweeps[arc] * step / segments[arc]
        points = self.centers[arc] + self.radii[arc, None] * np.column_stack(
            [np.cos(angles), np.sin(angles)]
        )
        return points, counts


@dataclass(frozen=True)
class BulgedPath:
    """A flattened polyline with bulge arcs: exact length and area term, radius if a circle."""

    points: FloatArray
    length: float
    area_term: float
    circle_radius: float | None


@dataclass(frozen=True)
class PolylineVertices:
    """Vertices (n, 2) of a polyline, the bulge of the segment from each, and if it closes."""

    xy: FloatArray
    bulges: FloatArray
    closed: bool


class TooManyPointsError(Exception):
    """Flattening would make more points than were allowed; `points` says how many."""

    def __init__(self, points: int) -> None:
        super().__init__(f"{points:,} points")
        self.points = points


def bulged_paths(
    polylines: list[PolylineVertices], tolerance: float, most_points: int
) -> list[BulgedPath]:
    """Flatten polylines whose segment i runs from vertex i to i+1 with bulge `bulges[i]`.

    A bulge b makes the segment a circular arc of sweep 4·atan(b), counter-clockwise
    when b > 0. Arcs are flattened to within `tolerance`. All polylines are worked
    on at once: drawings hold many small ones. Raises TooManyPointsError, before flattening,
    when the paths would hold more than `most_points` points in all.
    """
    if not polylines:
        return []
    sizes = np.array([len(p.xy) for p in polylines])
    closed = np.array([p.closed for p in polylines], dtype=bool)
    xy = np.vstack([p.xy for p in polylines])
    first_vertex = np.cumsum(sizes) - sizes
    segments = np.where(closed, sizes, sizes - 1)
    owner = np.repeat(np.arange(len(polylines)), segments)
    step = np.arange(segments.sum()) - np.repeat(np.cumsum(segments) - segments, segments)
    start_index = first_vertex[owner] + step
    starts = xy[start_index]
    ends = xy[first_vertex[owner] + (step + 1) % sizes[owner]]
    sweeps = 4.0 * np.arctan(np.concatenate([p.bulges for p in polylines])[start_index])
    chords = np.hypot(*(ends - starts).T)
    is_arc = (sweeps != 0.0) & (chords > 0.0)
    arcs = Arcs.from_chords(starts[is_arc], ends[is_arc], sweeps[is_arc])
    total = len(starts) + len(polylines) + int((arcs.segments(tolerance) - 1).sum())
    if total > most_points:
        raise TooManyPointsError(total)
    interior, counts = arcs.interior_points(tolerance)

    block = np.ones(len(starts), dtype=np.intp)
    block[is_arc] += counts
    block_start = np.cumsum(block) - block + owner
    path_sizes = np.bincount(owner, weights=block, minlength=len(polylines)).astype(np.intp) + 1
    points = np.empty((int(path_sizes.sum()), 2))
    points[block_start] = starts
    arc_offsets = block_start[is_arc] + 1 - (np.cumsum(counts) - counts)
    points[np.repeat(arc_offsets, counts) + np.arange(len(interior))] = interior
    last_vertex = np.where(closed, first_vertex, first_vertex + sizes - 1)
    points[np.cumsum(path_sizes) - 1] = xy[last_vertex]

    lengths, terms = chords.copy(), 0.5 * (starts[:, 0] * ends[:, 1] - ends[:, 0] * starts[:, 1])
    lengths[is_arc], terms[is_arc] = arcs.lengths, arcs.area_terms
    radii = _circle_radii(arcs, owner[is_arc], closed & (segments > 0), segments)
    return [
        BulgedPath(path, float(length), float(term), radius)
        for path, length, term, radius in zip(
            np.split(points, np.cumsum(path_sizes)[:-1]),
            np.bincount(owner, weights=lengths, minlength=len(polylines)),
            np.bincount(owner, weights=terms, minlength=len(polylines)),
            radii,
            strict=True,
        )
    ]


def _circle_radii(
    arcs: Arcs, arc_owner: IntArray, closed: npt.NDArray[np.bool_], segments: IntArray
) -> list[float | None]:
    """Per polyline, its radius when it is closed and all its arcs lie on one circle."""
    arc_count = np.bincount(arc_owner, minlength=len(segments))
    first_arc = np.cumsum(arc_count) - arc_count
    radii: list[float | None] = [None] * len(segments)
    for p in np.flatnonzero(closed & (arc_count == segments)):
        arc = slice(first_arc[p], first_arc[p] + arc_count[p])
        radius = float(arcs.radii[arc][0])
        spread = max(np.ptp(arcs.radii[arc]), np.ptp(arcs.centers[arc], axis=0).max())
        radii[p] = radius if spread <= 1e-9 * max(radius, 1.0) else None
    return radii
