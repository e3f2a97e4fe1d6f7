"""Open meshes: whether they hold a solid, and its volume with every hole capped.

A shell whose facets are wound consistently but which has holes (open boundary loops)
is closed by capping each loop with a fan of triangles from the loop's centre. A missing
flat face is restored exactly; a hole in a curved surface is bridged by a cone close to
the missing surface. The volume of the capped shell is then its signed volume (the
divergence theorem), each shell counted once, whatever its normals say.
"""

from dataclasses import dataclass

import numpy as np
import trimesh
from numpy.typing import NDArray
from trimesh.grouping import group_rows

from bespoke.geometry._chaining import cluster_labels

NEARLY_CLOSED = 0.5
"""A shell with at most this share of its edges open is nearly closed: a solid with holes.
More, and it is a surface or loose facets."""


@dataclass(frozen=True)
class Openness:
    """Per shell: how many edges it has and how many of them are open (used by one facet)."""

    edges: NDArray[np.int64]
    open_edges: NDArray[np.int64]

    @property
    def solid_shells(self) -> int:
        """Shells closed or nearly closed."""
        return int(np.count_nonzero(self.open_edges <= NEARLY_CLOSED * self.edges))

    @property
    def loose_facets(self) -> int:
        """Shells of a single facet, sharing no edge with any other."""
        return int(np.count_nonzero(self.edges == 3))


def openness(mesh: trimesh.Trimesh, labels: NDArray[np.int64]) -> Openness:
    """How open each shell (`labels` gives each facet's shell) of `mesh` is."""
    shells = int(labels.max()) + 1
    edge_shell = labels[mesh.edges_face]
    _, first, uses = np.unique(mesh.edges_sorted, axis=0, return_index=True, return_counts=True)
    edges = np.bincount(edge_shell[first], minlength=shells)
    open_edges = np.bincount(edge_shell[first[uses == 1]], minlength=shells)
    return Openness(edges.astype(np.int64), open_edges.astype(np.int64))


def capped_volume(mesh: trimesh.Trimesh, labels: NDArray[np.int64]) -> float:
    """The volume of `mesh` with every open boundary loop capped, each shell counted as
    material (its absolute volume). `mesh` must be wound consistently."""
    faces = np.einsum("ij,ij->i", mesh.triangles[:, 0], mesh.triangles_cross) / 6.0
    shells = int(labels.max()) + 1
    volumes = np.bincount(labels, weights=faces, minlength=shells)
    boundary = group_rows(mesh.edges_sorted, require_count=1)  # type: ignore[no-untyped-call]
    if len(boundary):
        volumes += np.bincount(
            labels[mesh.edges_face[boundary]],
            weights=_cap_volumes(mesh.vertices, mesh.edges[boundary]),
            minlength=shells,
        )
    return float(np.abs(volumes).sum())


def _cap_volumes(vertices: NDArray[np.float64], edges: NDArray[np.int64]) -> NDArray[np.float64]:
    """Signed volume each open edge (a, b), as its facet runs it, adds when its loop is
    capped by triangles (centre, b, a): the loop's centre is the mean of its edges'
    midpoints, weighted by their lengths."""
    loop = cluster_labels(len(vertices), edges)[edges[:, 0]]
    a, b = vertices[edges[:, 0]], vertices[edges[:, 1]]
    lengths = np.linalg.norm(b - a, axis=1)
    weights = np.bincount(loop, weights=lengths)
    middles = (a + b) / 2.0
    centres = (
        np.column_stack([np.bincount(loop, weights=middles[:, k] * lengths) for k in range(3)])
        / np.maximum(weights, np.finfo(float).tiny)[:, None]
    )
    centre = centres[loop]
    volumes: NDArray[np.float64] = np.einsum("ij,ij->i", centre, np.cross(b, a)) / 6.0
    return volumes
