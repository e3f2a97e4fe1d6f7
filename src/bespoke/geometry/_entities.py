"""Modelspace entities as measured pieces of cut path, in mm.

Each cut entity becomes a `Piece`: its exact length (arcs as r·θ, ellipses by
integral, splines by fine flattening), its exact contribution to the area of a
loop it belongs to, and a flattened XY path for topology (containment, chaining,
bounds, overlaps). Block references are expanded recursively, a block's content
measured once and moved into place; everything else that is not cut geometry is
counted by DXF type.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from ezdxf.entities.arc import Arc
from ezdxf.entities.circle import Circle
from ezdxf.entities.dxfgfx import DXFGraphic
from ezdxf.entities.ellipse import Ellipse
from ezdxf.entities.insert import Insert
from ezdxf.entities.line import Line
from ezdxf.entities.lwpolyline import LWPolyline
from ezdxf.entities.polyline import Polyline
from ezdxf.entities.spline import Spline
from ezdxf.layouts.blocklayout import BlockLayout
from ezdxf.lldxf.const import DXFError
from ezdxf.math import OCS, Matrix44, Vec3, arc_angle_span_deg

from bespoke.geometry._arcs import (
    BulgedPath,
    FloatArray,
    PolylineVertices,
    TooManyPointsError,
    bulged_paths,
)

FLATTEN_TOLERANCE_MM = 0.005
"""Largest distance between a curve and its flattened path."""
SPLINE_TOLERANCE_MM = 1e-4
"""Flattening tolerance for splines, whose length is measured on the flattened path."""
_EXTRUSION_Z_TOLERANCE = 1e-9
_RELATIVE_FLATTENING = 1e-8
"""Finest flattening relative to a curve's extent; coarser than the fixed tolerances only
for curves larger than 10 m."""
MAX_PATH_POINTS = 2_000_000
"""Most points the flattened cut paths of a drawing may hold, block copies included (the
largest grid of 8 mm circles the entity bound allows has 1.8 million, measured in about
a gigabyte). Many copies of a block of long arc-bulged polylines would hold billions."""
MAX_COORDINATE = 1e12
"""Largest coordinate (in mm, or drawing units before scaling) of usable geometry, a
thousand kilometres: farther is a damaged value, and areas of such numbers overflow."""
_DAMAGED = (DXFError, ValueError, ArithmeticError, IndexError, TypeError, AttributeError)
"""What ezdxf, numpy and the measures raise on entity values that are missing or not numbers."""
_SIMILAR = 1e-12
"""Relative tolerance within which a block placement counts as a similarity."""
_SPLINE_FRAME_VERTEX = 16


@dataclass(frozen=True)
class Piece:
    """One cut entity in mm: exact length, flattened XY path, and area term.

    `area_term` is ½∮(x·dy - y·dx) along the piece from its start to its end:
    summed around a closed loop it gives the loop's signed area exactly.
    """

    points: FloatArray
    length_mm: float
    area_term: float
    closed: bool
    circle_radius_mm: float | None = None

    @property
    def in_range(self) -> bool:
        """Whether its points, length and area term are numbers within `MAX_COORDINATE`."""
        return bool(
            self.points.size > 0
            and math.isfinite(self.length_mm)
            and math.isfinite(self.area_term)
            and np.all(np.abs(self.points) <= MAX_COORDINATE)
        )

    @property
    def start(self) -> FloatArray:
        point: FloatArray = self.points[0]
        return point

    @property
    def end(self) -> FloatArray:
        point: FloatArray = self.points[-1]
        return point

    def scaled(self, factor: float) -> "Piece":
        if factor == 1.0:
            return self
        radius = None if self.circle_radius_mm is None else self.circle_radius_mm * factor
        return Piece(
            self.points * factor,
            self.length_mm * factor,
            self.area_term * factor**2,
            self.closed,
            radius,
        )


@dataclass
class Extraction:
    """The pieces of a drawing and what was left out, by reason."""

    pieces: list[Piece] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)
    meshes: int = 0
    projected: int = 0
    unexpanded: Counter[str] = field(default_factory=Counter)
    unreadable: Counter[str] = field(default_factory=Counter)
    left_out_blocks: Counter[str] = field(default_factory=Counter)
    out_of_range: int = 0
    sheet_content: Counter[str] = field(default_factory=Counter)
    """Entities left out as drawing-sheet content, by the reason `SheetRule` gave."""

    def add_counts(self, other: "Extraction") -> None:
        """Count what `other` measured and left out as measured and left out here too."""
        self.ignored.update(other.ignored)
        self.meshes += other.meshes
        self.projected += other.projected
        self.unexpanded.update(other.unexpanded)
        self.unreadable.update(other.unreadable)
        self.left_out_blocks.update(other.left_out_blocks)
        self.sheet_content.update(other.sheet_content)


@dataclass(frozen=True)
class _Outline:
    """Vertices with bulges (a polyline, arc or circle), flattened later with all the others.

    `elevation` is the height of its object coordinate system; None when the
    vertices are world coordinates (a 3-D polyline).
    """

    vertices: PolylineVertices
    elevation: float | None
    circle_radius: float | None = None

    def __post_init__(self) -> None:
        elevation = np.array([self.elevation or 0.0])
        values = np.concatenate([self.vertices.xy.ravel(), self.vertices.bulges, elevation])
        if not np.all(np.abs(values) <= MAX_COORDINATE):
            raise ValueError("vertices, bulges or elevation not numbers or out of range")


SheetRule = Callable[[DXFGraphic], str | None]
"""Why an entity is drawing-sheet content to leave out, or None when it may be a part."""


def extract_pieces(
    entities: Iterable[DXFGraphic], factor_to_mm: float, sheet_rule: SheetRule | None = None
) -> Extraction:
    """Measure every cut entity in `entities` (INSERTs expanded), scaled to mm, leaving out
    (and counting) what `sheet_rule` calls drawing-sheet content.

    Raises TooManyPointsError when the flattened paths would hold more than `MAX_PATH_POINTS`.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # damaged values: left out below
        extractor = _Extractor(sheet_rule)
        extraction = extractor.extract(entities, FLATTEN_TOLERANCE_MM / factor_to_mm)
        pieces = [piece.scaled(factor_to_mm) for piece in extraction.pieces]
    extraction.pieces = [piece for piece in pieces if piece.in_range]
    extraction.out_of_range = len(pieces) - len(extraction.pieces)
    return extraction


class _Extractor:
    """Measures entities, block references included.

    A block placed by a similarity (turned, mirrored, scaled alike in x and y) has its
    content measured once per flattening tolerance, and each copy is that content
    moved; a block stretched unevenly is expanded by ezdxf copy by copy (its circles
    become ellipses). The drawing's blocks were checked when it was loaded: none inserts
    itself, they nest a bounded depth and expand to a bounded number of entities.
    """

    def __init__(self, sheet_rule: SheetRule | None = None) -> None:
        self.blocks: dict[tuple[str, float], Extraction] = {}
        self.points = 0
        self.sheet_rule = sheet_rule

    def _spend(self, points: int) -> None:
        """Count `points` more flattened points, refusing past `MAX_PATH_POINTS`."""
        self.points += points
        if self.points > MAX_PATH_POINTS:
            raise TooManyPointsError(self.points)

    def extract(self, entities: Iterable[DXFGraphic], tolerance: float) -> Extraction:
        """The pieces of `entities` in their own coordinates, flattened within `tolerance`."""
        extraction = Extraction()
        measured: list[tuple[DXFGraphic, Piece | _Outline | list[Piece]]] = []
        for entity in entities:
            sheet_content = self.sheet_rule(entity) if self.sheet_rule else None
            if sheet_content is not None:
                extraction.sheet_content[sheet_content] += 1
            elif isinstance(entity, Insert):
                measured.append((entity, self._insert(entity, tolerance, extraction)))
            else:
                found = _measure(entity, tolerance, extraction)
                if isinstance(found, Piece):
                    self._spend(len(found.points))
                if found is not None:
                    measured.append((entity, found))
        outlines = [item.vertices for _, item in measured if isinstance(item, _Outline)]
        flattened = bulged_paths(outlines, tolerance, MAX_PATH_POINTS - self.points)
        self._spend(sum(len(path.points) for path in flattened))
        paths = iter(flattened)
        for entity, item in measured:
            if isinstance(item, list):
                extraction.pieces += item
                continue
            piece = item if isinstance(item, Piece) else _outline_piece(entity, item, next(paths))
            if not _in_xy_plane(entity):
                piece = _projected(piece)
                extraction.projected += 1
            extraction.pieces.append(piece)
        return extraction

    def _insert(self, insert: Insert, tolerance: float, extraction: Extraction) -> list[Piece]:
        """The pieces of every copy a block reference places; what was left out is counted."""
        block = insert.block()
        if block is None:
            extraction.left_out_blocks[f"{insert.dxf.name} (not defined)"] += 1
            return []
        pieces: list[Piece] = []
        for placed in insert.multi_insert() if insert.mcount > 1 else [insert]:
            try:
                pieces += self._copy(placed, block, tolerance, extraction)
            except _DAMAGED:
                extraction.unexpanded["INSERT"] += 1
        return pieces

    def _copy(
        self, placed: Insert, block: BlockLayout, tolerance: float, extraction: Extraction
    ) -> list[Piece]:
        """The pieces of one copy of `block`, moved into place by ezdxf or a similarity."""
        similarity = _Similarity.of(placed.matrix44())
        if similarity is None:
            content = self._stretched(placed, tolerance)
            moved = content.pieces
        else:
            content = self._block(block, tolerance / similarity.scale)
            self._spend(sum(len(piece.points) for piece in content.pieces))
            moved = [similarity.move(piece) for piece in content.pieces]
        extraction.add_counts(content)
        return moved

    def _block(self, block: BlockLayout, tolerance: float) -> Extraction:
        key = (block.name, tolerance)
        if key not in self.blocks:
            self.blocks[key] = self.extract(block, tolerance)
        return self.blocks[key]

    def _stretched(self, insert: Insert, tolerance: float) -> Extraction:
        """One copy of a block expanded by ezdxf; what it cannot transform is unexpanded."""
        unexpanded: Counter[str] = Counter()

        def skipped(entity: DXFGraphic, _reason: str) -> None:
            unexpanded[entity.dxftype()] += 1

        expanded = list(insert.virtual_entities(skipped_entity_callback=skipped))
        content = self.extract(expanded, tolerance)
        content.unexpanded.update(unexpanded)
        return content


def _measure(
    entity: DXFGraphic, tolerance: float, extraction: Extraction
) -> Piece | _Outline | None:
    """A cut entity measured, or None when it is not one (counted in `extraction`)."""
    dxftype = entity.dxftype()
    measure = _MEASURES.get(dxftype)
    if measure is None:
        extraction.ignored[dxftype] += 1
        return None
    if isinstance(entity, Polyline) and (entity.is_poly_face_mesh or entity.is_polygon_mesh):
        extraction.meshes += 1
        return None
    try:
        _extrusion(entity)  # raises for a null extrusion, needed again to place the piece
        return measure(entity, tolerance)
    except _DAMAGED:
        extraction.unreadable[dxftype] += 1
        return None


@dataclass(frozen=True)
class _Similarity:
    """A placement that keeps shapes: XY points move to `linear` @ xy + `shift`, where
    `linear` is a turn (perhaps mirrored) times `scale`, and Z stays out of XY."""

    linear: FloatArray
    shift: FloatArray
    scale: float

    @classmethod
    def of(cls, matrix: Matrix44) -> "_Similarity | None":
        """The similarity `matrix` is, or None when it stretches, shears or tilts."""
        ux, uy, uz, origin = matrix.ux, matrix.uy, matrix.uz, matrix.origin
        square = ux.x * ux.x + ux.y * ux.y
        stretch = abs(uy.x * uy.x + uy.y * uy.y - square)
        shear = abs(ux.x * uy.x + ux.y * uy.y)
        tilt = max(abs(ux.z), abs(uy.z), abs(uz.x), abs(uz.y))
        if not square > 0.0 or max(stretch, shear) > _SIMILAR * square:
            return None
        scale = math.sqrt(square)
        if tilt > _SIMILAR * scale:
            return None
        linear = np.array([[ux.x, uy.x], [ux.y, uy.y]], dtype=np.float64)
        return cls(linear, np.array([origin.x, origin.y]), scale)

    def move(self, piece: Piece) -> Piece:
        """`piece` placed: points moved, length scaled, area term turned and shifted."""
        points = piece.points @ self.linear.T + self.shift
        chord = points[-1] - points[0]
        shifted = 0.5 * float(self.shift[0] * chord[1] - self.shift[1] * chord[0])
        area_term = float(np.linalg.det(self.linear)) * piece.area_term + shifted
        radius = None if piece.circle_radius_mm is None else piece.circle_radius_mm * self.scale
        return Piece(points, piece.length_mm * self.scale, area_term, piece.closed, radius)


def _in_xy_plane(entity: DXFGraphic) -> bool:
    if isinstance(entity, Line | Spline) or (
        isinstance(entity, Polyline) and entity.is_3d_polyline
    ):
        return True
    return bool(abs(abs(_extrusion(entity).z) - 1.0) <= _EXTRUSION_Z_TOLERANCE)


def _extrusion(entity: DXFGraphic) -> Vec3:
    return Vec3(entity.dxf.get("extrusion", (0.0, 0.0, 1.0))).normalize()


def _projected(piece: Piece) -> Piece:
    """A piece in a tilted plane, measured by its projection onto XY."""
    return Piece(
        piece.points,
        _path_length(piece.points),
        _path_area_term(piece.points),
        piece.closed,
    )


def _line(entity: DXFGraphic, _tolerance: float) -> Piece:
    assert isinstance(entity, Line)
    points = _xy_array([entity.dxf.start, entity.dxf.end])
    return Piece(points, _path_length(points), _path_area_term(points), closed=False)


def _circle(entity: DXFGraphic, _tolerance: float) -> _Outline:
    """A circle as two half circles: a closed polyline of two vertices with bulge 1."""
    assert isinstance(entity, Circle)
    return _full_circle(entity.dxf.center, _radius(entity))


def _full_circle(center: Vec3, radius: float) -> _Outline:
    xy = np.array([[center.x + radius, center.y], [center.x - radius, center.y]])
    vertices = PolylineVertices(xy, np.ones(2), closed=True)
    return _Outline(vertices, center.z, radius)


def _arc(entity: DXFGraphic, _tolerance: float) -> _Outline:
    """An arc as one polyline segment whose bulge is tan(sweep / 4); an arc that sweeps
    the full turn (start 0°, end 360°) is a circle."""
    assert isinstance(entity, Arc)
    center, radius = entity.dxf.center, _radius(entity)
    span = arc_angle_span_deg(entity.dxf.start_angle, entity.dxf.end_angle)
    if span >= 360.0:
        return _full_circle(center, radius)
    start = math.radians(entity.dxf.start_angle)
    sweep = math.radians(span)
    angles = np.array([start, start + sweep])
    xy = np.column_stack([center.x + radius * np.cos(angles), center.y + radius * np.sin(angles)])
    vertices = PolylineVertices(xy, np.array([math.tan(sweep / 4.0), 0.0]), closed=False)
    return _Outline(vertices, center.z)


def _radius(entity: Circle | Arc) -> float:
    radius = float(entity.dxf.radius)
    if not radius > 0.0:
        raise ValueError(f"radius {radius} is not a positive number")
    return radius


def _ellipse(entity: DXFGraphic, tolerance: float) -> Piece:
    """Length by numerical integral; area term exact for P(t) = c + u·cos t + v·sin t."""
    from scipy.integrate import quad  # slow to import, and only ellipses need it

    assert isinstance(entity, Ellipse)
    ellipse = entity.construction_tool()
    span = ellipse.param_span
    full = span == 0.0 or math.isclose(span, 2 * math.pi, rel_tol=1e-9)
    start, end = ellipse.start_param, ellipse.start_param + (2 * math.pi if full else span)
    center, u, v = ellipse.center, ellipse.major_axis, ellipse.minor_axis
    frame = np.array([tuple(center + axis) for axis in (u, -u, v, -v)], dtype=np.float64)
    points = _xy_array(ellipse.flattening(_curve_tolerance(tolerance, frame)))
    if full:
        points[-1] = points[0]
    a = u.magnitude
    b = a * ellipse.ratio
    length, _ = quad(lambda t: math.hypot(a * math.sin(t), b * math.cos(t)), start, end, limit=200)
    chord = points[-1] - points[0]
    area_term = 0.5 * (
        center.x * chord[1] - center.y * chord[0] + (u.x * v.y - u.y * v.x) * (end - start)
    )
    return Piece(points, float(length), area_term, closed=full)


def _spline(entity: DXFGraphic, tolerance: float) -> Piece:
    assert isinstance(entity, Spline)
    curve = entity.construction_tool()
    controls = np.array([tuple(point) for point in curve.control_points], dtype=np.float64)
    fine = tolerance * SPLINE_TOLERANCE_MM / FLATTEN_TOLERANCE_MM
    points = _xy_array(curve.flattening(_curve_tolerance(fine, controls)))
    return Piece(points, _path_length(points), _path_area_term(points), closed=entity.closed)


def _curve_tolerance(tolerance: float, frame: FloatArray) -> float:
    """`tolerance`, or `_RELATIVE_FLATTENING` of the extent of a curve's `frame` (control
    points, or centre and axes) when that is coarser: a curve far larger than a part is
    not cut into billions of segments. Raises ValueError for a frame out of range."""
    if not (frame.size and np.all(np.abs(frame) <= MAX_COORDINATE)):
        raise ValueError("a curve whose points are not numbers or lie out of range")
    return max(tolerance, float(np.ptp(frame, axis=0).max()) * _RELATIVE_FLATTENING)


def _lwpolyline(entity: DXFGraphic, _tolerance: float) -> _Outline | None:
    assert isinstance(entity, LWPolyline)
    xyb = np.array(entity.get_points("xyb"), dtype=np.float64).reshape(-1, 3)
    if len(xyb) == 0:
        return None
    vertices = PolylineVertices(xyb[:, :2], xyb[:, 2], entity.closed)
    return _Outline(vertices, float(entity.dxf.elevation))


def _polyline(entity: DXFGraphic, _tolerance: float) -> _Outline | None:
    assert isinstance(entity, Polyline)
    points = [v for v in entity.vertices if not v.dxf.flags & _SPLINE_FRAME_VERTEX]
    if not points:
        return None
    xy = _xy_array(v.dxf.location for v in points)
    if entity.is_3d_polyline:
        return _Outline(PolylineVertices(xy, np.zeros(len(xy)), entity.is_closed), None)
    bulges = np.array([v.dxf.bulge for v in points], dtype=np.float64)
    vertices = PolylineVertices(xy, bulges, entity.is_closed)
    return _Outline(vertices, float(entity.dxf.elevation.z))


def _outline_piece(entity: DXFGraphic, outline: _Outline, path: BulgedPath) -> Piece:
    """An outline's flattened path as a piece in world XY.

    Vertices in an object coordinate system parallel to XY are rotated or mirrored
    into place: lengths are kept and the area term keeps or flips its sign.
    """
    closed, radius = outline.vertices.closed, outline.circle_radius or path.circle_radius
    ocs = OCS(_extrusion(entity))
    if outline.elevation is None or not ocs.transform:
        return Piece(path.points, path.length, path.area_term, closed, radius)
    axes = _xy_array([ocs.ux, ocs.uy])
    world = path.points @ axes + _xy_array([ocs.uz])[0] * outline.elevation
    return Piece(world, path.length, path.area_term * float(np.linalg.det(axes)), closed, radius)


def _path_length(points: FloatArray) -> float:
    return float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())


def _path_area_term(points: FloatArray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def _xy_array(vectors: Iterable[Vec3]) -> FloatArray:
    """The XY coordinates of `vectors` as an (n, 2) array."""
    return np.array([(v.x, v.y) for v in vectors], dtype=np.float64).reshape(-1, 2)


def is_cut_entity(entity: DXFGraphic) -> bool:
    """Whether `entity` is of a kind that is measured as a cut path."""
    return entity.dxftype() in _MEASURES


_MEASURES: dict[str, Callable[[DXFGraphic, float], Piece | _Outline | None]] = {
    "LINE": _line,
    "CIRCLE": _circle,
    "ARC": _arc,
    "ELLIPSE": _ellipse,
    "SPLINE": _spline,
    "LWPOLYLINE": _lwpolyline,
    "POLYLINE": _polyline,
}
