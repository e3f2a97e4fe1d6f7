"""Modelspace entities as measured pieces of cut path, in mm.

Each cut entity becomes a `Piece`: its exact length (arcs as r·θ, ellipses by
integral, splines by fine flattening) and a flattened XY path fine enough for
topology (areas, containment, chaining). Block references are expanded
recursively; everything that is not cut geometry is counted by DXF type.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ezdxf.entities import (
    Arc,
    Circle,
    DXFGraphic,
    Ellipse,
    Insert,
    Line,
    LWPolyline,
    Polyline,
    Spline,
)
from ezdxf.math import OCS, Vec3
from scipy.integrate import quad

FloatArray = npt.NDArray[np.float64]

ARC_STEP_RAD = 2 * math.pi / 256
"""Largest angle one flattened segment of an arc may span (area error ≈ 1e-4)."""

SPLINE_CHORD_MM = 1e-4
"""Largest distance between a spline and its flattening."""

_EXTRUSION_Z_TOLERANCE = 1e-9
_SPLINE_FRAME_VERTEX = 16


@dataclass(frozen=True)
class Piece:
    """One cut entity: an exact length and a flattened XY path (mm)."""

    source: str
    points: FloatArray
    length_mm: float
    closed: bool
    circle_radius_mm: float | None = None

    @property
    def start(self) -> FloatArray:
        return self.points[0]

    @property
    def end(self) -> FloatArray:
        return self.points[-1]


@dataclass
class Extraction:
    """The pieces of a drawing and what was left out, with the reasons."""

    pieces: list[Piece] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    meshes: int = 0
    projected: int = 0
    unexpanded: Counter[str] = field(default_factory=Counter)


def extract_pieces(entities: Iterable[DXFGraphic], factor_to_mm: float) -> Extraction:
    """Measure every cut entity in `entities` (INSERTs expanded), scaled to mm."""
    extraction = Extraction()
    for entity in _expand_inserts(entities, extraction.unexpanded):
        dxftype = entity.dxftype()
        measure = _MEASURES.get(dxftype)
        if measure is None:
            extraction.ignored[dxftype] += 1
            continue
        if isinstance(entity, Polyline) and (entity.is_poly_face_mesh or entity.is_polygon_mesh):
            extraction.meshes += 1
            continue
        piece = measure(entity)
        if piece is None:
            continue
        if not _in_xy_plane(entity):
            piece = _projected(piece)
            extraction.projected += 1
        extraction.pieces.append(_scaled(piece, factor_to_mm))
    return extraction


def _expand_inserts(entities: Iterable[DXFGraphic], unexpanded: Counter[str]) -> Iterator[DXFGraphic]:
    """Yield entities with block references replaced by their content, recursively."""

    def skipped(entity: DXFGraphic, _reason: str) -> None:
        unexpanded[entity.dxftype()] += 1

    for entity in entities:
        if not isinstance(entity, Insert):
            yield entity
        elif entity.mcount > 1:
            yield from _expand_inserts(entity.multi_insert(), unexpanded)
        else:
            yield from _expand_inserts(
                entity.virtual_entities(skipped_entity_callback=skipped), unexpanded
            )


def _in_xy_plane(entity: DXFGraphic) -> bool:
    if isinstance(entity, Line | Spline) or (
        isinstance(entity, Polyline) and entity.is_3d_polyline
    ):
        return True
    extrusion = Vec3(entity.dxf.get("extrusion", (0.0, 0.0, 1.0))).normalize()
    return abs(abs(extrusion.z) - 1.0) <= _EXTRUSION_Z_TOLERANCE


def _projected(piece: Piece) -> Piece:
    """A piece whose plane is tilted: its length is that of its XY projection."""
    length = float(np.linalg.norm(np.diff(piece.points, axis=0), axis=1).sum())
    return Piece(piece.source, piece.points, length, piece.closed)


def _scaled(piece: Piece, factor: float) -> Piece:
    if factor == 1.0:
        return piece
    radius = None if piece.circle_radius_mm is None else piece.circle_radius_mm * factor
    return Piece(piece.source, piece.points * factor, piece.length_mm * factor, piece.closed, radius)


def _line(entity: DXFGraphic) -> Piece:
    assert isinstance(entity, Line)
    points = _xy_array([entity.dxf.start, entity.dxf.end])
    return Piece("LINE", points, float(np.linalg.norm(points[1] - points[0])), closed=False)


def _circle(entity: DXFGraphic) -> Piece:
    assert isinstance(entity, Circle)
    radius = float(entity.dxf.radius)
    center = entity.dxf.center
    points = _ocs_to_xy(entity, _arc_points(np.array((center.x, center.y)), radius, 0.0, 2 * math.pi), center.z)
    return Piece("CIRCLE", points, 2 * math.pi * radius, closed=True, circle_radius_mm=radius)


def _arc(entity: DXFGraphic) -> Piece:
    assert isinstance(entity, Arc)
    radius = float(entity.dxf.radius)
    start = math.radians(entity.dxf.start_angle)
    sweep = math.radians((entity.dxf.end_angle - entity.dxf.start_angle) % 360.0)
    center = entity.dxf.center
    points = _ocs_to_xy(entity, _arc_points(np.array((center.x, center.y)), radius, start, sweep), center.z)
    return Piece("ARC", points, radius * sweep, closed=False)


def _ellipse(entity: DXFGraphic) -> Piece:
    assert isinstance(entity, Ellipse)
    ellipse = entity.construction_tool()
    span = ellipse.param_span
    full = math.isclose(span, 2 * math.pi, rel_tol=1e-9) or span == 0.0
    span = 2 * math.pi if full else span
    start = 0.0 if full else ellipse.start_param
    params = start + np.linspace(0.0, span, _arc_segments(span) + 1)
    points = _xy_array(ellipse.vertices(params))
    a = ellipse.major_axis.magnitude
    b = a * ellipse.ratio
    length, _ = quad(lambda t: math.hypot(a * math.sin(t), b * math.cos(t)), start, start + span)
    return Piece("ELLIPSE", points, float(length), closed=full)


def _spline(entity: DXFGraphic) -> Piece:
    assert isinstance(entity, Spline)
    curve = entity.construction_tool()
    points = _xy_array(curve.flattening(SPLINE_CHORD_MM))
    length = float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())
    return Piece("SPLINE", points, length, closed=entity.closed)


def _lwpolyline(entity: DXFGraphic) -> Piece | None:
    assert isinstance(entity, LWPolyline)
    xyb = np.array(entity.get_points("xyb"), dtype=np.float64).reshape(-1, 3)
    if len(xyb) == 0:
        return None
    path = bulged_path(xyb[:, :2], xyb[:, 2], entity.closed)
    points = _ocs_to_xy(entity, path.points, float(entity.dxf.elevation))
    return Piece("LWPOLYLINE", points, path.length, entity.closed, path.circle_radius)


def _polyline(entity: DXFGraphic) -> Piece | None:
    assert isinstance(entity, Polyline)
    vertices = [v for v in entity.vertices if not v.dxf.flags & _SPLINE_FRAME_VERTEX]
    xy = _xy_array(v.dxf.location for v in vertices)
    if len(xy) == 0:
        return None
    if entity.is_3d_polyline:
        path = bulged_path(xy, np.zeros(len(xy)), entity.is_closed)
        return Piece("POLYLINE", path.points, path.length, entity.is_closed)
    bulges = np.array([v.dxf.bulge for v in vertices], dtype=np.float64)
    path = bulged_path(xy, bulges, entity.is_closed)
    points = _ocs_to_xy(entity, path.points, float(entity.dxf.elevation.z))
    return Piece("POLYLINE", points, path.length, entity.is_closed, path.circle_radius)


@dataclass(frozen=True)
class BulgedPath:
    """A flattened polyline with bulge arcs, its exact length, and its radius if a circle."""

    points: FloatArray
    length: float
    circle_radius: float | None


def bulged_path(xy: FloatArray, bulges: FloatArray, closed: bool) -> BulgedPath:
    """Flatten a polyline whose segment i runs from vertex i to i+1 with bulge `bulges[i]`.

    A bulge b makes the segment a circular arc of sweep 4·atan(b), counter-clockwise
    when b > 0. Lengths are exact: a straight segment is its chord c, an arc is
    c·θ / (2·sin(θ/2)).
    """
    ends = np.vstack([xy[1:], xy[:1]]) if closed else xy[1:]
    starts = xy[: len(ends)]
    segment_bulges = bulges[: len(ends)]
    chords = np.linalg.norm(ends - starts, axis=1)
    sweeps = 4.0 * np.arctan(segment_bulges)
    is_arc = (segment_bulges != 0.0) & (chords > 0.0)
    half = np.abs(sweeps[is_arc]) / 2.0
    lengths = chords.copy()
    lengths[is_arc] = chords[is_arc] * half / np.sin(half)

    parts: list[FloatArray] = []
    circles: list[tuple[float, float, float]] = []
    next_vertex = 0
    for i in np.flatnonzero(is_arc):
        parts.append(starts[next_vertex : i + 1])
        center, radius = _bulge_center(starts[i], ends[i], float(sweeps[i]))
        start_angle = math.atan2(starts[i][1] - center[1], starts[i][0] - center[0])
        arc = _arc_points(center, radius, start_angle, float(sweeps[i]))
        parts.append(arc[1:-1])
        circles.append((float(center[0]), float(center[1]), radius))
        next_vertex = i + 1
    parts.append(starts[next_vertex:])
    parts.append(ends[-1:] if len(ends) else xy[:1])
    points = np.vstack(parts)
    circle_radius = _common_circle_radius(circles) if closed and is_arc.all() else None
    return BulgedPath(points, float(lengths.sum()), circle_radius)


def _bulge_center(start: FloatArray, end: FloatArray, sweep: float) -> tuple[FloatArray, float]:
    chord = end - start
    length = float(np.hypot(chord[0], chord[1]))
    left = np.array([-chord[1], chord[0]]) / length
    center = (start + end) / 2.0 + left * (length / 2.0) / math.tan(sweep / 2.0)
    return center, length / (2.0 * abs(math.sin(sweep / 2.0)))


def _common_circle_radius(circles: list[tuple[float, float, float]]) -> float | None:
    """The radius when every arc of a closed polyline lies on one circle."""
    values = np.array(circles)
    radius = float(values[0, 2])
    spread = np.ptp(values, axis=0) if len(values) > 1 else np.zeros(3)
    return radius if float(spread.max()) <= 1e-9 * max(radius, 1.0) else None


def _arc_segments(sweep: float) -> int:
    return max(1, math.ceil(abs(sweep) / ARC_STEP_RAD))


def _arc_points(center: FloatArray, radius: float, start: float, sweep: float) -> FloatArray:
    angles = start + np.linspace(0.0, sweep, _arc_segments(sweep) + 1)
    return np.column_stack([center[0] + radius * np.cos(angles), center[1] + radius * np.sin(angles)])


def _ocs_to_xy(entity: DXFGraphic, points: FloatArray, z: float) -> FloatArray:
    """Map 2-D points at height `z` of an entity's object coordinate system to world XY."""
    ocs = OCS(entity.dxf.get("extrusion", (0.0, 0.0, 1.0)))
    if not ocs.transform:
        return points
    axes = _xy_array([ocs.ux, ocs.uy])
    offset = _xy_array([ocs.uz])[0] * z
    return points @ axes + offset


def _xy_array(vectors: Iterable[Vec3]) -> FloatArray:
    """The XY coordinates of `vectors` as an (n, 2) array."""
    return np.array([(v.x, v.y) for v in vectors], dtype=np.float64).reshape(-1, 2)


_MEASURES: dict[str, Callable[[DXFGraphic], Piece | None]] = {
    "LINE": _line,
    "CIRCLE": _circle,
    "ARC": _arc,
    "ELLIPSE": _ellipse,
    "SPLINE": _spline,
    "LWPOLYLINE": _lwpolyline,
    "POLYLINE": _polyline,
}
