"""Parametric parts made real: a configured shape written as a design file.

A plate becomes a DXF drawing of exact lines and arcs; a box, cylinder or tube a binary
STL mesh. The file is then measured by `read_dxf` or `read_stl` like an uploaded one.
Every shape is checked first, so what is written can be made as described.
"""

import math
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import shapely
import trimesh
from ezdxf import units
from ezdxf.document import Drawing
from ezdxf.filemanagement import new as new_drawing
from pydantic import BaseModel

from bespoke.geometry._arcs import FloatArray
from bespoke.model.errors import InputError
from bespoke.model.product import (
    BoxShape,
    ConfiguredShape,
    CylinderShape,
    PlateShape,
    SlotAt,
    TubeShape,
)

MIN_WEB_MM = 0.5
"""Least material left between a hole or slot and the plate edge, or another hole or slot."""
MAX_PLATE_FEATURES = 10_000
"""Most holes and slots in one plate: the plate is measured as a drawing, and a drawing
may hold 20,000 entities. A dense perforated plate has a few thousand holes."""
CUT_LAYER = "CUT"
"""The layer a plate's outline, holes and slots are drawn on."""
CHORD_TOLERANCE_MM = 0.01
"""Farthest a facet of a round solid lies inside the true surface."""
SECTIONS = (84, 1024)
"""Fewest and most facets around a round solid. 84 keep its volume within 0.1 % of the
true one; 1024 bound the file of a very large one (sagitta 0.024 mm at 5 m diameter)."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_QUARTER_BULGE = math.tan(math.pi / 8.0)
"""Bulge of a 90° arc: tan(sweep / 4)."""
_HALF_BULGE = 1.0
"""Bulge of a 180° counter-clockwise arc."""
_ROUNDING_MM = 1e-9
"""Slack in the clearance tests, so a web of exactly `MIN_WEB_MM` passes."""


class ShapeError(InputError):
    """A configured shape that cannot be made as described.

    `path` locates the culprit inside the shape ('holes[2]', 'corner_radius_mm') and
    `reason` names the numbers and the limit.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def write_shape(shape: ConfiguredShape, out_dir: Path, name: str) -> Path:
    """Write `shape` into `out_dir` as a design file and return its path.

    A plate is written as `<name>.dxf` (R2010, mm, outline, holes and slots on layer
    CUT, arcs as true arcs); a box, cylinder or tube as binary `<name>.stl` in mm,
    bounding box from the origin, round solids about an axis parallel to z. The file
    appears whole or not at all.

    Raises:
        ShapeError: the shape cannot be made as described (see `check_shape`).
        InputError: `name` is not a spec id (lowercase letters, digits, '-').
    """
    check_shape(shape)
    if not _NAME.fullmatch(name):
        raise InputError(
            f"file name {name!r}: accepted are 1 to 64 lowercase letters, digits and '-', "
            "starting with a letter or digit"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(shape, PlateShape):
        drawing = _plate_drawing(shape)
        return _write_whole(out_dir / f"{name}.dxf", drawing.saveas)
    data = trimesh.exchange.stl.export_stl(_solid(shape))
    return _write_whole(out_dir / f"{name}.stl", lambda path: path.write_bytes(data))


def check_shape(shape: ConfiguredShape) -> None:
    """Raise ShapeError for the first reason `shape` cannot be made as described.

    Numbers must be finite. A plate's corner radius is at most half its shorter side;
    a slot is longer than it is wide; every hole and slot lies inside the outline and
    leaves at least `MIN_WEB_MM` of material to the edge and to every other one. A
    box's wall is thinner than half its x and y and than its z; a tube's wall is
    thinner than its outer radius.
    """
    _check_finite(shape)
    if isinstance(shape, PlateShape):
        _check_plate(shape)
    elif isinstance(shape, BoxShape):
        _check_box(shape)
    elif isinstance(shape, TubeShape):
        _check_tube(shape)


# --- checks -------------------------------------------------------------------------------------


def _check_finite(model: BaseModel, prefix: str = "") -> None:
    """Reject the first number in `model`, or in its holes and slots, that is not finite."""
    for field in type(model).model_fields:
        value = getattr(model, field)
        if isinstance(value, float) and not math.isfinite(value):
            raise ShapeError(prefix + field, f"{value} is not a finite number")
        if isinstance(value, list):
            for index, item in enumerate(value):
                _check_finite(item, f"{prefix}{field}[{index}].")


def _check_box(box: BoxShape) -> None:
    if box.wall_mm is None:
        return
    limit, which = min(
        (box.x_mm / 2.0, "half of x"), (box.y_mm / 2.0, "half of y"), (box.z_mm, "z")
    )
    if box.wall_mm >= limit:
        raise ShapeError(
            "wall_mm",
            f"a {_mm(box.wall_mm)} mm wall leaves no cavity in a "
            f"{_mm(box.x_mm)} x {_mm(box.y_mm)} x {_mm(box.z_mm)} mm box; "
            f"the wall must be thinner than {_mm(limit)} mm ({which})",
        )


def _check_tube(tube: TubeShape) -> None:
    radius = tube.outer_diameter_mm / 2.0
    if tube.wall_mm >= radius:
        raise ShapeError(
            "wall_mm",
            f"a {_mm(tube.wall_mm)} mm wall leaves no bore in a tube of "
            f"{_mm(tube.outer_diameter_mm)} mm outer diameter; the wall must be thinner "
            f"than {_mm(radius)} mm (the outer radius)",
        )


def _check_plate(plate: PlateShape) -> None:
    features = len(plate.holes) + len(plate.slots)
    if features > MAX_PLATE_FEATURES:
        raise ShapeError(
            "holes",
            f"{features:,} holes and slots; a plate may have at most {MAX_PLATE_FEATURES:,}",
        )
    shorter = min(plate.width_mm, plate.height_mm)
    if plate.corner_radius_mm > shorter / 2.0:
        raise ShapeError(
            "corner_radius_mm",
            f"a {_mm(plate.corner_radius_mm)} mm corner radius does not fit a "
            f"{_mm(plate.width_mm)} x {_mm(plate.height_mm)} mm plate; it may be at most "
            f"half the shorter side, {_mm(shorter / 2.0)} mm",
        )
    for index, slot in enumerate(plate.slots):
        if slot.length_mm <= slot.width_mm:
            raise ShapeError(
                f"slots[{index}].length_mm",
                f"a slot {_mm(slot.length_mm)} mm long must be longer than it is wide "
                f"({_mm(slot.width_mm)} mm); a round opening is a hole",
            )
    found = _features(plate)
    for feature in found:
        _check_edge_web(plate, feature)
    _check_webs_between(found)


@dataclass(frozen=True)
class _Feature:
    """A hole or slot: the points (one) or segment (two end centres) it sweeps a disc along."""

    path: str
    label: str
    spine: FloatArray
    radius: float

    @property
    def geometry(self) -> shapely.Geometry:
        if len(self.spine) == 1:
            return shapely.points(self.spine[0])
        return shapely.linestrings(self.spine)


def _features(plate: PlateShape) -> list[_Feature]:
    holes = [
        _Feature(
            f"holes[{index}]",
            f"the {_mm(hole.diameter_mm)} mm hole at {_point(hole.x_mm, hole.y_mm)}",
            np.array([[hole.x_mm, hole.y_mm]]),
            hole.diameter_mm / 2.0,
        )
        for index, hole in enumerate(plate.holes)
    ]
    slots = [
        _Feature(
            f"slots[{index}]",
            f"the {_mm(slot.length_mm)} x {_mm(slot.width_mm)} mm slot at "
            f"{_point(slot.x_mm, slot.y_mm)}",
            _slot_ends(slot),
            slot.width_mm / 2.0,
        )
        for index, slot in enumerate(plate.slots)
    ]
    return holes + slots


def _slot_ends(slot: SlotAt) -> FloatArray:
    """Centres of a slot's two round ends."""
    reach = (slot.length_mm - slot.width_mm) / 2.0
    angle = math.radians(slot.angle_deg)
    offset = reach * np.array([math.cos(angle), math.sin(angle)])
    centre = np.array([slot.x_mm, slot.y_mm])
    return np.array([centre - offset, centre + offset])


def _check_edge_web(plate: PlateShape, feature: _Feature) -> None:
    web = _edge_depth(plate, feature.spine) - feature.radius
    if web >= MIN_WEB_MM - _ROUNDING_MM:
        return
    if web < 0.0:
        reason = f"{feature.label} reaches {_mm(-web)} mm past the plate edge"
    else:
        reason = (
            f"{feature.label} leaves a {_mm(web)} mm web to the plate edge; "
            f"at least {_mm(MIN_WEB_MM)} mm is needed"
        )
    raise ShapeError(feature.path, reason)


def _edge_depth(plate: PlateShape, points: FloatArray) -> float:
    """Least depth of `points` inside the plate's outline, negative outside it.

    The outline is a core rectangle grown by the corner radius, so the depth is the
    radius less the signed distance to that core, exactly, rounded corners included.
    Over a segment of a convex outline the least depth is at one of its ends.
    """
    radius = plate.corner_radius_mm
    centre = np.array([plate.width_mm, plate.height_mm]) / 2.0
    offsets = np.abs(points - centre) - (centre - radius)
    outside = np.hypot(*np.maximum(offsets, 0.0).T)
    inside = np.minimum(offsets.max(axis=1), 0.0)
    return float((radius - outside - inside).min())


def _check_webs_between(features: list[_Feature]) -> None:
    """The first feature too close to an earlier one, by exact spine distances.

    Only features whose bounds, each grown by its radius and half the web, overlap are
    measured: a large hole among many small ones is not compared with them all twice over.
    """
    if len(features) < 2:
        return
    spines = np.array([feature.geometry for feature in features])
    radii = np.array([feature.radius for feature in features])
    grown = shapely.bounds(spines) + np.outer(radii + MIN_WEB_MM / 2.0, [-1.0, -1.0, 1.0, 1.0])
    zones = shapely.box(*grown.T)
    first, second = shapely.STRtree(zones).query(zones, predicate="intersects")
    later = first < second
    first, second = first[later], second[later]
    webs = shapely.distance(spines[first], spines[second]) - radii[first] - radii[second]
    close = np.flatnonzero(webs < MIN_WEB_MM - _ROUNDING_MM)
    if close.size == 0:
        return
    found = close[np.lexsort((first[close], second[close]))[0]]
    feature, other, web = features[second[found]], features[first[found]], float(webs[found])
    if web < 0.0:
        reason = f"{feature.label} overlaps {other.path}, {other.label}, by {_mm(-web)} mm"
    else:
        reason = (
            f"{feature.label} leaves a {_mm(web)} mm web to {other.path}, {other.label}; "
            f"at least {_mm(MIN_WEB_MM)} mm is needed"
        )
    raise ShapeError(feature.path, reason)


# --- plates -------------------------------------------------------------------------------------

_Vertex = tuple[float, float, float]
"""x, y and the bulge of the segment that starts there."""


def _plate_drawing(plate: PlateShape) -> Drawing:
    doc = new_drawing("R2010", units=units.MM)
    doc.layers.add(CUT_LAYER)
    modelspace = doc.modelspace()
    cut = {"layer": CUT_LAYER}
    modelspace.add_lwpolyline(_outline(plate), format="xyb", close=True, dxfattribs=cut)
    for hole in plate.holes:
        modelspace.add_circle((hole.x_mm, hole.y_mm), hole.diameter_mm / 2.0, dxfattribs=cut)
    for slot in plate.slots:
        modelspace.add_lwpolyline(_slot_outline(slot), format="xyb", close=True, dxfattribs=cut)
    return doc


def _outline(plate: PlateShape) -> list[_Vertex]:
    """The rounded rectangle counter-clockwise; straights or arcs of zero length left out."""
    w, h, r, bulge = plate.width_mm, plate.height_mm, plate.corner_radius_mm, _QUARTER_BULGE
    corners = [
        (r, 0.0, 0.0),
        (w - r, 0.0, bulge),
        (w, r, 0.0),
        (w, h - r, bulge),
        (w - r, h, 0.0),
        (r, h, bulge),
        (0.0, h - r, 0.0),
        (0.0, r, bulge),
    ]
    following = corners[1:] + corners[:1]
    return [
        vertex for vertex, after in zip(corners, following, strict=True) if vertex[:2] != after[:2]
    ]


def _slot_outline(slot: SlotAt) -> list[_Vertex]:
    """Two straight sides joined by half circles, counter-clockwise, turned about the centre."""
    reach, half = (slot.length_mm - slot.width_mm) / 2.0, slot.width_mm / 2.0
    angle = math.radians(slot.angle_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    local = [(-reach, -half, 0.0), (reach, -half, _HALF_BULGE), (reach, half, 0.0)]
    local.append((-reach, half, _HALF_BULGE))
    return [
        (slot.x_mm + u * cos - v * sin, slot.y_mm + u * sin + v * cos, bulge)
        for u, v, bulge in local
    ]


# --- solids -------------------------------------------------------------------------------------


def _solid(shape: BoxShape | CylinderShape | TubeShape) -> trimesh.Trimesh:
    if isinstance(shape, BoxShape):
        return _box(shape)
    if isinstance(shape, CylinderShape):
        radius = shape.diameter_mm / 2.0
        mesh = trimesh.creation.cylinder(
            radius=radius, height=shape.height_mm, sections=_sections(radius)
        )
    else:
        radius = shape.outer_diameter_mm / 2.0
        mesh = trimesh.creation.annulus(
            r_min=radius - shape.wall_mm,
            r_max=radius,
            height=shape.length_mm,
            sections=_sections(radius),
        )
    mesh.apply_translation(-mesh.bounds[0])
    return cast(trimesh.Trimesh, mesh)


def _sections(radius: float) -> int:
    """Facets around a circle of `radius`: chords within `CHORD_TOLERANCE_MM`, a multiple
    of 4 so vertices lie on the bounding box, within `SECTIONS`."""
    fewest, most = SECTIONS
    ratio = min(1.0, CHORD_TOLERANCE_MM / radius)
    needed = math.ceil(math.pi / math.acos(1.0 - ratio))
    return min(most, max(fewest, 4 * math.ceil(needed / 4)))


def _box(box: BoxShape) -> trimesh.Trimesh:
    size = (box.x_mm, box.y_mm, box.z_mm)
    block = _block(size, (0.0, 0.0, 0.0))
    if box.wall_mm is None:
        return block
    wall = box.wall_mm
    cavity = _block((box.x_mm - 2 * wall, box.y_mm - 2 * wall, box.z_mm), (wall, wall, wall))
    return cast(trimesh.Trimesh, trimesh.boolean.difference([block, cavity], engine="manifold"))


def _block(size: tuple[float, float, float], corner: tuple[float, float, float]) -> trimesh.Trimesh:
    """An axis-aligned block of `size` with its least corner at `corner`."""
    block = trimesh.creation.box(extents=size)
    block.apply_translation(np.add(corner, np.divide(size, 2.0)))
    return cast(trimesh.Trimesh, block)


# --- files --------------------------------------------------------------------------------------


def _write_whole(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through a private file beside `path`, then put it in place at once."""
    partial = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    try:
        write(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _mm(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _point(x: float, y: float) -> str:
    return f"({_mm(x)}, {_mm(y)})"
