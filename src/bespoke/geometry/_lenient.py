"""DXF files written without subclass markers, read leniently.

Small generators (gear and box makers) write a modern header (AC1015 and later) but
their entities as DXF R12 does, without the subclass markers (`100 AcDbEntity`,
`100 AcDbPolyline` ...) that version requires; ezdxf and its recover mode refuse the
LWPOLYLINE, SPLINE and others among them. Such a file's ENTITIES section is read here
with ezdxf's tag tools, and its plain entities are drawn anew in a fresh document;
anything else (blocks, text, dimensions) is left out and counted.
"""

import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ezdxf.document import Drawing
from ezdxf.filemanagement import new
from ezdxf.layouts.layout import Modelspace
from ezdxf.lldxf.const import DXFError
from ezdxf.lldxf.loader import load_dxf_structure
from ezdxf.lldxf.tagger import ascii_tags_loader, tag_compiler
from ezdxf.lldxf.tags import Tags

from bespoke.geometry._blocks import MAX_EXPANDED_ENTITIES
from bespoke.model.errors import DesignFileError

_SUBCLASS_MARKER = 100
_CLOSED = 1
_POLYLINE_3D = 8
_POLYLINE_MESH = 16 | 64
_SPLINE_FRAME_VERTEX = 16


@dataclass(frozen=True)
class LenientDrawing:
    """The plain entities of a file without subclass markers, in a fresh document."""

    doc: Drawing
    read: Counter[str]
    left_out: Counter[str]

    @property
    def note(self) -> str:
        read = ", ".join(f"{kind} {n}" for kind, n in sorted(self.read.items()))
        note = (
            "the file lacks the subclass markers (AcDbEntity, AcDbPolyline ...) its DXF "
            "version requires, as small generators write it: read leniently, only the plain "
            f"entities of its ENTITIES section ({read or 'none'})"
        )
        if self.left_out:
            note += "; left out: " + ", ".join(
                f"{kind} {n}" for kind, n in sorted(self.left_out.items())
            )
        return note


def read_leniently(text: io.StringIO, name: str) -> LenientDrawing | None:
    """The plain entities of ASCII DXF `text` whose entities lack subclass markers, or None
    when they have them (the file is damaged some other way) or its tags cannot be read.

    Raises DesignFileError when the ENTITIES section holds more than
    `MAX_EXPANDED_ENTITIES` entities.
    """
    text.seek(0)
    try:
        sections = load_dxf_structure(tag_compiler(ascii_tags_loader(text)))
    except Exception:  # tags that are not DXF: the caller reports the original damage
        return None
    entities = [tags for tags in sections.get("ENTITIES", [])[1:] if isinstance(tags, Tags)]
    if len(entities) > MAX_EXPANDED_ENTITIES:
        raise DesignFileError(
            f"{name} holds {len(entities):,} entities; at most {MAX_EXPANDED_ENTITIES:,} "
            "are accepted"
        )
    if not any(not tags.has_tag(_SUBCLASS_MARKER) for tags in entities):
        return None
    doc = new("R2010")
    drawn = LenientDrawing(doc, Counter(), Counter())
    groups = iter(entities)
    for tags in groups:
        kind = str(tags[0].value)
        vertices = list(_vertices(groups)) if kind == "POLYLINE" else []
        draw = _DRAW.get(kind)
        try:
            if draw is None:
                raise ValueError(kind)
            draw(doc.modelspace(), _Entity(tags, vertices))
            drawn.read[kind] += 1
        except (ValueError, TypeError, IndexError, KeyError, DXFError):
            if kind not in ("VERTEX", "SEQEND"):
                drawn.left_out[kind] += 1
    return drawn


def _vertices(groups: Iterator[Tags]) -> Iterator[Tags]:
    """The VERTEX entities after a POLYLINE, up to its SEQEND."""
    for tags in groups:
        if tags[0].value != "VERTEX":
            return
        yield tags


@dataclass(frozen=True)
class _Entity:
    """One entity's tags (and a POLYLINE's vertices), read by group code."""

    tags: Tags
    vertices: list[Tags]

    def get(self, code: int, default: Any = None) -> Any:
        """The first value of `code`: a str, int, float or point, as the tag compiler made it."""
        return self.tags.get_first_value(code, default)

    def number(self, code: int, default: float | None = None) -> float:
        value = self.get(code, default)
        if value is None:
            raise ValueError(f"group code {code} missing")
        return float(value)

    def flags(self) -> int:
        return int(self.number(70, 0))

    def attribs(self) -> dict[str, object]:
        """Layer, linetype and extrusion, as the drawing-sheet rules and placement need."""
        found = {"layer": self.get(8, "0"), "linetype": self.get(6), "extrusion": self.get(210)}
        return {key: value for key, value in found.items() if value is not None}


def _line(msp: Modelspace, entity: _Entity) -> None:
    msp.add_line(entity.get(10), entity.get(11), dxfattribs=entity.attribs())


def _circle(msp: Modelspace, entity: _Entity) -> None:
    msp.add_circle(entity.get(10), entity.number(40), dxfattribs=entity.attribs())


def _arc(msp: Modelspace, entity: _Entity) -> None:
    msp.add_arc(
        entity.get(10),
        entity.number(40),
        entity.number(50),
        entity.number(51),
        dxfattribs=entity.attribs(),
    )


def _ellipse(msp: Modelspace, entity: _Entity) -> None:
    msp.add_ellipse(
        entity.get(10),
        major_axis=entity.get(11),
        ratio=entity.number(40),
        start_param=entity.number(41, 0.0),
        end_param=entity.number(42, 6.283185307179586),
        dxfattribs=entity.attribs(),
    )


def _lwpolyline(msp: Modelspace, entity: _Entity) -> None:
    """Vertices are 10 (x, y) tags, each followed by its own 40, 41 and 42 (bulge)."""
    points: list[list[float]] = []
    for tag in entity.tags:
        if tag.code == 10:
            points.append([float(tag.value[0]), float(tag.value[1]), 0.0])
        elif tag.code == 42 and points:
            points[-1][2] = float(tag.value)
    attribs = {**entity.attribs(), "elevation": entity.number(38, 0.0)}
    msp.add_lwpolyline(
        points, format="xyb", close=bool(entity.flags() & _CLOSED), dxfattribs=attribs
    )


def _polyline(msp: Modelspace, entity: _Entity) -> None:
    flags = entity.flags()
    if flags & _POLYLINE_MESH:
        raise ValueError("a polyface or polygon mesh is not a cut path")
    vertices = [_Entity(tags, []) for tags in entity.vertices]
    vertices = [v for v in vertices if not v.flags() & _SPLINE_FRAME_VERTEX]
    closed = bool(flags & _CLOSED)
    if flags & _POLYLINE_3D:
        points = [v.get(10) for v in vertices]
        msp.add_polyline3d(points, close=closed, dxfattribs=entity.attribs())
        return
    xyb = [(*v.get(10)[:2], v.number(42, 0.0)) for v in vertices]
    attribs = entity.attribs()
    elevation = entity.get(10)
    if elevation is not None:
        attribs["elevation"] = elevation
    msp.add_polyline2d(xyb, format="xyb", close=closed, dxfattribs=attribs)


def _spline(msp: Modelspace, entity: _Entity) -> None:
    tags = entity.tags
    spline = msp.add_spline(dxfattribs=entity.attribs())
    spline.dxf.degree = int(entity.number(71, 3))
    spline.dxf.flags = entity.flags()
    spline.knots = [float(t.value) for t in tags if t.code == 40]
    spline.control_points = [t.value for t in tags if t.code == 10]
    spline.weights = [float(t.value) for t in tags if t.code == 41]
    spline.fit_points = [t.value for t in tags if t.code == 11]
    if not (spline.control_points or spline.fit_points):
        raise ValueError("a spline without points")


_DRAW: dict[str, Callable[[Modelspace, _Entity], None]] = {
    "LINE": _line,
    "CIRCLE": _circle,
    "ARC": _arc,
    "ELLIPSE": _ellipse,
    "LWPOLYLINE": _lwpolyline,
    "POLYLINE": _polyline,
    "SPLINE": _spline,
}
