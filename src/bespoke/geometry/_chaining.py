"""Joining open pieces end to end into closed loops, and what is left open.

Piece ends closer than a tolerance are one node. A connected group of pieces in
which every node joins exactly two piece ends is a closed loop; any other group
(a dangling end, a branch) is an open chain.
"""

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components
from scipy.spatial import KDTree

from bespoke.geometry._entities import FloatArray, Piece

CHAIN_TOLERANCE_MM = 0.01
"""Piece ends closer than this are joined."""


@dataclass(frozen=True)
class Loop:
    """A closed path to cut: a ring of points (first == last) and its exact length."""

    points: FloatArray
    length_mm: float
    circle_radius_mm: float | None = None


@dataclass(frozen=True)
class OpenChain:
    """Connected pieces that do not close: their paths, length and loose ends."""

    paths: list[FloatArray]
    length_mm: float
    ends: FloatArray

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


def chain_pieces(pieces: list[Piece], tolerance_mm: float = CHAIN_TOLERANCE_MM) -> Chaining:
    """Closed pieces as loops, open pieces joined into loops where they close."""
    loops = [
        Loop(_closed_ring(p.points), p.length_mm, p.circle_radius_mm) for p in pieces if p.closed
    ]
    open_pieces = [p for p in pieces if not p.closed]
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
        pairs = KDTree(ends).query_pairs(tolerance_mm, output_type="ndarray")
        self.node = _cluster_labels(len(ends), pairs)
        self.degree = np.bincount(self.node)
        self.ends_at = _ends_by_node(self.node)

    def groups(self) -> list[list[int]]:
        """Indices of pieces grouped by connectivity."""
        starts, stops = self.node[0::2], self.node[1::2]
        node_group = _cluster_labels(len(self.degree), np.column_stack([starts, stops]))
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
        end = 2 * group[0]
        for _ in group:
            piece, at_start = divmod(end, 2)
            points = self.pieces[piece].points
            paths.append(points if at_start == 0 else points[::-1])
            exit_end = end ^ 1
            end = next(e for e in self.ends_at[self.node[exit_end]] if e != exit_end)
        ring = np.vstack([paths[0], *(path[1:] for path in paths[1:])])
        length = sum(self.pieces[i].length_mm for i in group)
        return Loop(_closed_ring(ring), length)

    def open_chain(self, group: list[int]) -> OpenChain:
        ends = np.array([2 * i for i in group] + [2 * i + 1 for i in group])
        loose = ends[self.degree[self.node[ends]] == 1]
        return OpenChain(
            paths=[self.pieces[i].points for i in group],
            length_mm=sum(self.pieces[i].length_mm for i in group),
            ends=self.ends[loose],
        )


def _cluster_labels(count: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component label of each of `count` items linked by index `pairs`."""
    links = coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(count, count)
    )
    _, labels = connected_components(links, directed=False)
    return labels


def _ends_by_node(node: np.ndarray) -> list[list[int]]:
    ends_at: list[list[int]] = [[] for _ in range(int(node.max()) + 1)]
    for end, label in enumerate(node.tolist()):
        ends_at[label].append(end)
    return ends_at
