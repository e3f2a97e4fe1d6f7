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
    def single(
        cls, center: tuple[float, float], radius: float, start: float, sweep: float
    ) -> "Arcs":
        return cls(
            np.array([center], dtype=np.float64),
            np.array([radius]),
            np.array([start]),
            np.array([sweep]),
        )

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

    def path(self, tolerance: float) -> FloatArray:
        """The first arc flattened, ends included."""
        ends = self.centers[0] + self.radii[0] * np.array(
            [
                [math.cos(self.starts[0]), math.sin(self.starts[0])],
                [
                    math.cos(self.starts[0] + self.sweeps[0]),
                    math.sin(self.starts[0] + self.sweeps[0]),
                ],
            ]
        )
        interior, _ = self.interior_points(tolerance)
        return np.vstack([ends[:1], interior, ends[1:]])

    def common_radius(self) -> float | None:
        """The radius when every arc lies on one circle, else None."""
        radius = float(self.radii[0])
        tolerance = 1e-9 * max(radius, 1.0)
        spread = max(float(np.ptp(self.radii)), float(np.ptp(self.centers, axis=0).max()))
        return radius if spread <= tolerance else None


@dataclass(frozen=True)
class BulgedPath:
    """A flattened polyline with bulge arcs: exact length and area term, radius if a circle."""

    points: FloatArray
    length: float
    area_term: float
    circle_radius: float | None


def bulged_path(xy: FloatArray, bulges: FloatArray, closed: bool, tolerance: float) -> BulgedPath:
    """Flatten a polyline whose segment i runs from vertex i to i+1 with bulge `bulges[i]`.

    A bulge b makes the segment a circular arc of sweep 4·atan(b), counter-clockwise
    when b > 0. Arcs are flattened to within `tolerance`.
    """
    ends = np.vstack([xy[1:], xy[:1]]) if closed else xy[1:]
    starts = xy[: len(ends)]
    sweeps = 4.0 * np.arctan(bulges[: len(ends)])
    chords = np.hypot(*(ends - starts).T)
    is_arc = (sweeps != 0.0) & (chords > 0.0)
    if not is_arc.any():
        points = np.vstack([xy, xy[:1]]) if closed else xy
        terms = starts[:, 0] * ends[:, 1] - ends[:, 0] * starts[:, 1]
        return BulgedPath(points, float(chords.sum()), 0.5 * float(terms.sum()), None)
    line = ~is_arc
    arcs = Arcs.from_chords(starts[is_arc], ends[is_arc], sweeps[is_arc])
    interior, counts = arcs.interior_points(tolerance)

    extra = np.zeros(len(starts), dtype=np.intp)
    extra[is_arc] = counts
    first = np.concatenate([[0], np.cumsum(extra + 1)])
    points = np.empty((first[-1] + 1, 2))
    points[first[:-1]] = starts
    offsets = np.repeat(first[:-1][is_arc] + 1 - (np.cumsum(counts) - counts), counts)
    points[offsets + np.arange(len(interior))] = interior
    points[-1] = ends[-1] if len(ends) else xy[0]

    line_terms = starts[line, 0] * ends[line, 1] - ends[line, 0] * starts[line, 1]
    length = float(chords[line].sum() + arcs.lengths.sum())
    area_term = float(0.5 * line_terms.sum() + arcs.area_terms.sum())
    circle = arcs.common_radius() if closed and len(arcs.radii) and not line.any() else None
    return BulgedPath(points, length, area_term, circle)
