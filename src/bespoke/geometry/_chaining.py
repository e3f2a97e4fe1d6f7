"""Joining open pieces end to end into closed loops, and what is left open.

A piece that is closed, or whose two ends meet, is a loop by itself. The other
pieces are edges of a graph whose nodes are clusters of piece ends closer than a
tolerance. A connected group in which every node joins exactly two piece ends is
a closed loop; any other group (a loose end, a branch) is an open chain.
"""

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import KDTree

from bespoke.geometry._arcs import FloatArray, IntArray
from bespoke.geometry._entities import Piece

CHAIN_TOLERANCE_MM = 0.01
"""Piece ends closer than this are joined, at least; and the width below which a loop is
degenerate and overlaps are noise."""
JOIN_TOLERANCE = 0.01
"""Piece ends closer than this in the drawing's own units are joined: 0.01 mm in a mm
drawing, 0.01 inch (0.254 mm) in an inch drawing, as the drawing's author saw them close."""
MAX_JOIN_TOLERANCE_MM = 0.5
"""Ends farther apart than this (about two laser kerfs) are never joined, whatever the units."""
NEAREST_COMPARED = 8
"""Most other points each point is paired with by `near_pairs`. A real drawing has a few
points at most within a tolerance of one another; more are the same geometry stacked
many times over, and pairing each with its nearest still links them all, in linear time."""


@dataclass(frozen=True)
class Loop:
    """A closed path to cut: a ring of points (first == last), its exact length and area."""

    points: FloatArray
    length_mm: float
    area_mm2: float
    circle_radius_mm: float | None = None


@dataclass(frozen=True)
class OpenChain:
    """Connected pieces that do not close: their paths, length, loose ends and branch points."""

    paths: list[FloatArray]
    length_mm: float
    ends: FloatArray
    branches: FloatArray

    @property
    def gap_mm(self) -> float | None:
        """Distance between the two loose ends of a simple chain, None if it branches."""
        if len(self.ends) != 2:
            return None
        return float(np.linalg.norm(self.ends[1] - self.ends[0]))


@dataclass(frozen=True)
class Chaining:
    loops: list[Loop]
    open_chains: list[OpenChain]


def join_tolerance_mm(factor_to_mm: float) -> float:
    """How close in mm piece ends of a drawing read with `factor_to_mm` must be to join."""
    return min(max(JOIN_TOLERANCE * factor_to_mm, CHAIN_TOLERANCE_MM), MAX_JOIN_TOLERANCE_MM)


def chain_pieces(pieces: list[Piece], tolerance_mm: float = CHAIN_TOLERANCE_MM) -> Chaining:
    """Closed pieces as loops, open pieces joined into loops where they close."""
    closes = [p.closed or _ends_meet(p, tolerance_mm) for p in pieces]
    loops = [
        Loop(
            _closed_ring(p.points),
            p.length_mm,
            abs(p.area_term + _chord_term(p.end, p.start)),
            p.circle_radius_mm,
        )
        for p, closed in zip(pieces, closes, strict=True)
        if closed
    ]
    open_pieces = [p for p, closed in zip(pieces, closes, strict=True) if not closed]
    if not open_pieces:
        return Chaining(loops, [])
    graph = _PieceGraph(open_pieces, tolerance_mm)
    open_chains: list[OpenChain] = []
    for group in graph.groups():
        if graph.closes(group):
            loops.append(graph.loop(group))
        else:
            open_chains.append(graph.open_chain(group))
    return Chaining(loops, open_chains)


def _ends_meet(piece: Piece, tolerance_mm: float) -> bool:
    return float(np.linalg.norm(piece.end - piece.start)) <= tolerance_mm


def _chord_term(start: FloatArray, end: FloatArray) -> float:
    """Area term of the straight step from `start` to `end` (a gap within tolerance)."""
    return 0.5 * float(start[0] * end[1] - end[0] * start[1])


def _closed_ring(points: FloatArray) -> FloatArray:
    ring = points.copy()
    ring[-1] = ring[0]
    return ring


class _PieceGraph:
    """Open pieces as edges between nodes (clusters of nearby piece ends).

    End 2·i is the start of piece i, end 2·i + 1 its end.
    """

    def __init__(self, pieces: list[Piece], tolerance_mm: float) -> None:
        self.pieces = pieces
        ends = np.array([point for p in pieces for point in (p.start, p.end)])
        self.ends = ends
        self.node = cluster_labels(len(ends), near_pairs(ends, tolerance_mm))
        self.degree = np.bincount(self.node)
        self.ends_at = _ends_by_node(self.node)

    def groups(self) -> list[list[int]]:
        """Indices of pieces grouped by connectivity."""
        starts, stops = self.node[0::2], self.node[1::2]
        node_group = cluster_labels(len(self.degree), np.column_stack([starts, stops]))
        piece_group = node_group[starts]
        order = np.argsort(piece_group, kind="stable")
        bounds = np.flatnonzero(np.diff(piece_group[order])) + 1
        return [part.tolist() for part in np.split(order, bounds)]

    def closes(self, group: list[int]) -> bool:
        nodes = self.node[np.array([2 * i for i in group] + [2 * i + 1 for i in group])]
        return bool(np.all(self.degree[nodes] == 2))

    def loop(self, group: list[int]) -> Loop:
        """Walk a group whose every node has two piece ends into one ring."""
        paths: list[FloatArray] = []
        area_term = 0.0
        end = 2 * group[0]
        for _ in group:
            index, reverse = divmod(end, 2)
            piece = self.pieces[index]
            paths.append(piece.points[::-1] if reverse else piece.points)
            area_term += -piece.area_term if reverse else piece.area_term
            exit_end = end ^ 1
            end = next(e for e in self.ends_at[self.node[exit_end]] if e != exit_end)
            area_term += _chord_term(self.ends[exit_end], self.ends[end])
        ring = np.vstack([paths[0], *(path[1:] for path in paths[1:])])
        length = sum(self.pieces[i].length_mm for i in group)
        return Loop(_closed_ring(ring), length, abs(area_term))

    def open_chain(self, group: list[int]) -> OpenChain:
        ends = np.array([2 * i for i in group] + [2 * i + 1 for i in group])
        degree = self.degree[self.node[ends]]
        _, branch_ends = np.unique(self.node[ends[degree > 2]], return_index=True)
        return OpenChain(
            paths=[self.pieces[i].points for i in group],
            length_mm=sum(self.pieces[i].length_mm for i in group),
            ends=self.ends[ends[degree == 1]],
            branches=self.ends[ends[degree > 2][branch_ends]],
        )


def near_pairs(points: FloatArray, radius: float) -> IntArray:
    """Index pairs (i, j), i < j, of points at most `radius` apart.

    Equal points are paired with the first of them, and only that one is compared with
    the rest; each distinct point is paired with at most its `NEAREST_COMPARED` nearest.
    """
    unique, first, inverse = np.unique(points, axis=0, return_index=True, return_inverse=True)
    count = min(len(unique), NEAREST_COMPARED + 1)
    distances, nearest = KDTree(unique).query(
        unique, k=list(range(1, count + 1)), distance_upper_bound=np.nextafter(radius, np.inf)
    )
    point = np.repeat(np.arange(len(unique)), count).reshape(-1, count)
    found = (distances <= radius) & (nearest != point)
    repeats = np.flatnonzero(first[inverse.ravel()] != np.arange(len(points)))
    pairs = np.vstack(
        [
            np.column_stack([first[point[found]], first[nearest[found]]]),
            np.column_stack([first[inverse.ravel()[repeats]], repeats]),
        ]
    )
    return np.unique(np.sort(pairs, axis=1), axis=0)


def cluster_labels(count: int, pairs: IntArray) -> IntArray:
    """Connected-component label of each of `count` items linked by index `pairs`."""
    links = coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(count, count)
    )
    labels: IntArray = connected_components(links, directed=False)[1]
    return labels


def _ends_by_node(node: IntArray) -> list[list[int]]:
    ends_at: list[list[int]] = [[] for _ in range(int(node.max()) + 1)]
    for end, label in enumerate(node.tolist()):
        ends_at[label].append(end)
    return ends_at
