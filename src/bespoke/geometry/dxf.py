"""DXF drawings measured for cutting: contours, holes, cut length, pierces, area (mm)."""

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ezdxf.document import Drawing

from bespoke.geometry._arcs import FloatArray, TooManyPointsError
from bespoke.geometry._chaining import (
    CHAIN_TOLERANCE_MM,
    Chaining,
    OpenChain,
    chain_pieces,
    join_tolerance_mm,
)
from bespoke.geometry._dedup import drop_repeated_pieces, merge_collinear_lines, overlap_length
from bespoke.geometry._drawn import sheet_drawing
from bespoke.geometry._entities import (
    FLATTEN_TOLERANCE_MM,
    MAX_COORDINATE,
    MAX_PATH_POINTS,
    Extraction,
    Piece,
    extract_pieces,
    is_cut_entity,
)
from bespoke.geometry._loading import load_drawing
from bespoke.geometry._plausible import check_units, drawing_size
from bespoke.geometry._sheet_content import SheetRules
from bespoke.geometry._sheet_frame import SheetLinework, reduce_sheet
from bespoke.geometry._topology import Layout, lay_out, part_outlines
from bespoke.geometry._units import Units, declared_units, unit_reading, units_option
from bespoke.model.batching import Outline
from bespoke.model.errors import DesignFileError
from bespoke.model.geometry import ContourKind, DrawingSheet, Sheet2D, SheetDrawing, UnitReading
from bespoke.model.wording import plural

CUT_ENTITIES = "LINE, ARC, CIRCLE, ELLIPSE, SPLINE, LWPOLYLINE, POLYLINE"
_SHOWN_OPEN_CHAINS = 5


def read_dxf(path: Path, units: str | None = None) -> Sheet2D:
    """Measure the modelspace of a DXF drawing for cutting, in mm.

    Units come from `units` ("mm", "cm", "m", "inch"/"in", "ft") when given, else
    from the header's `$INSUNITS`, else mm is assumed. Geometry drawn more than
    once is cut once; open pieces are joined end to end into closed contours.

    Raises:
        InputError: `units` is not one of the accepted names.
        DesignFileError: the file is missing, not a DXF, damaged beyond recovery,
            has no cut geometry, or none of its geometry closes; or its blocks insert
            themselves, nest or expand past the bounds of `_blocks.check_blocks`.
    """
    with _collector_paused():
        return _measure(path, units)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a drawing is read, then free it at once.

    ezdxf builds some 10^5 objects per document. Collections during the read would
    promote them all to the oldest generation and soon trigger a full collection of
    the whole heap (about 100 ms); paused, the dead document goes in one young pass.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


def open_drawing(path: Path) -> Drawing:
    """The document of a DXF file as `read_dxf` opens it (recovered when damaged), to draw.

    Raises DesignFileError as `read_dxf` does for a file that is not a readable DXF or
    whose block references expand past the bounds of `_blocks.check_blocks`.
    """
    return load_drawing(path).doc


def read_dxf_outlines(path: Path, units: str | None = None) -> list[Outline]:
    """The parts of a DXF drawing, each an outline with its holes, in mm.

    Read as `read_dxf` reads it; material is where an odd number of contours overlap, so
    a part drawn inside another part's hole is a part of its own. Raises as `read_dxf`.
    """
    with _collector_paused():
        read = _read(path, units_option(units))
        return part_outlines(read.cut.layout.loops)


def read_dxf_and_outlines(path: Path, units: str | None = None) -> tuple[Sheet2D, list[Outline]]:
    """`read_dxf` and `read_dxf_outlines` of the drawing, from one reading of the file."""
    with _collector_paused():
        read = _read(path, units_option(units))
        return _sheet_of(read), part_outlines(read.cut.layout.loops)


def read_dxf_drawing(path: Path, reading: UnitReading) -> SheetDrawing:
    """The cut paths of a DXF drawing read as `reading` read it, in the same mm as its
    measurements, to draw; with where its open chains fail to close. Raises as `read_dxf`."""
    with _collector_paused():
        cut = _read(path, Units(reading.used, reading.factor_to_mm)).cut
        rings = [loop.points for loop in cut.layout.loops]
        chains = cut.chaining.open_chains
        return sheet_drawing(cut.layout.contours, rings, chains, cut.low, cut.high, _describe_chain)


def _measure(path: Path, units: str | None) -> Sheet2D:
    return _sheet_of(_read(path, units_option(units)))


def _sheet_of(read: "_Read") -> Sheet2D:
    reading, cut, warnings = read.reading, read.cut, read.warnings
    warnings += _cleanup_warnings(cut)
    size = drawing_size(float(cut.size.max()), cut.layout.contours, reading.factor_to_mm)
    reading, unit_warning = check_units(reading, size)
    warnings += [] if unit_warning is None else [unit_warning]
    doubts = _shape_doubts(cut.layout) + _view_doubts(cut.sheet)
    drawing_sheet = _drawing_sheet(read.extraction, cut.sheet)
    notes = [] if drawing_sheet is None else [drawing_sheet.reason]
    sheet = _sheet(reading, read.extraction, cut, notes + warnings + doubts, doubts)
    return sheet.model_copy(update={"drawing_sheet": drawing_sheet})


def _drawing_sheet(extraction: Extraction, linework: SheetLinework) -> DrawingSheet | None:
    """What was left out of a drawing sheet, None when nothing was."""
    said = []
    if extraction.sheet_content:
        said.append(f"left out as sheet content, not parts: {_counts(extraction.sheet_content)}")
    for width, height in linework.borders:
        said.append(f"left out its border, a {_size(width, height)} mm rectangle around all else")
    if linework.views:
        said.append(f"measured one view of {len(linework.views)}")
    if not said:
        return None
    return DrawingSheet(
        left_out=dict(sorted(extraction.sheet_content.items())),
        frame_mm=linework.borders[0] if linework.borders else None,
        views=max(1, len(linework.views)),
        reason="drawing sheet: " + "; ".join(said),
    )


def _view_doubts(linework: SheetLinework) -> list[str]:
    if not linework.views:
        return []
    sizes = ", ".join(_size(*view) for view in linework.views)
    return [
        f"the sheet shows {len(linework.views)} views of one part (outlines that line up as "
        f"in a projection: {sizes} mm); measured the largest, {_size(*linework.views[0])} mm, "
        "and left out the others; if they are separate parts, draw them apart or in files "
        "of their own"
    ]


def _size(width: float, height: float) -> str:
    return f"{_mm(round(width, 1))} x {_mm(round(height, 1))}"


def _shape_doubts(layout: Layout) -> list[str]:
    """Why the shape measured may not be the part meant: circles without an outline."""
    contours = layout.contours
    if len(contours) < 2 or not all(c.is_circle and c.kind is ContourKind.OUTER for c in contours):
        return []
    return [
        f"only circles: read as {len(contours)} round discs; if they are holes, "
        "the outline of their part is missing"
    ]


@dataclass(frozen=True)
class _Read:
    """A drawing's cut geometry in mm, how its units were read, and what was noticed."""

    reading: UnitReading
    extraction: Extraction
    cut: "_Cut"
    warnings: list[str]


def _read(path: Path, option: Units | None) -> _Read:
    drawing = load_drawing(path)
    damage = drawing.damage
    declared, undeclared = declared_units(drawing.insunits)
    reading = unit_reading(declared, option, drawing.measurement)
    warnings = (
        [] if damage is None else [f"damaged file recovered ({damage}); it may be incomplete"]
    )
    if drawing.lenient is not None:
        warnings.append(drawing.lenient)
    if undeclared is not None and option is None:
        warnings.append(f"{undeclared}: read as {reading.used} ({reading.basis})")
    extraction = _extraction(path, drawing.doc, reading.factor_to_mm, SheetRules(drawing.doc))
    if extraction.sheet_content and not extraction.pieces:
        warnings.append(
            "all its linework looked like drawing-sheet content "
            f"({_counts(extraction.sheet_content)}); measured all the same, as nothing else "
            "is drawn"
        )
        extraction = _extraction(path, drawing.doc, reading.factor_to_mm, None)
    warnings += _extraction_warnings(extraction)
    if not extraction.pieces:
        raise DesignFileError(_no_geometry_message(path, drawing.doc, extraction, damage))
    on_sheet = bool(extraction.sheet_content) or "DIMENSION" in extraction.ignored
    cut = _cut(path, extraction.pieces, join_tolerance_mm(reading.factor_to_mm), on_sheet)
    return _Read(reading, extraction, cut, warnings)


def _extraction(
    path: Path, doc: Drawing, factor_to_mm: float, rules: SheetRules | None
) -> Extraction:
    try:
        return extract_pieces(doc.modelspace(), factor_to_mm, rules.reason if rules else None)
    except TooManyPointsError as error:
        raise DesignFileError(
            f"{path.name}: its cut paths flatten into more than {error.points:,} points; at "
            f"most {MAX_PATH_POINTS:,} are accepted (arcs are cut into segments within "
            f"{FLATTEN_TOLERANCE_MM} mm, block copies counted)"
        ) from None


@dataclass(frozen=True)
class _Cut:
    """What is cut: contours and open chains, each once, and their bounds."""

    chaining: Chaining
    layout: Layout
    sheet: SheetLinework
    repeated_mm: float
    overlap_mm: float
    low: FloatArray
    high: FloatArray

    @property
    def size(self) -> FloatArray:
        return self.high - self.low

    @property
    def open_length_mm(self) -> float:
        return sum(chain.length_mm for chain in self.chaining.open_chains)

    @property
    def length_mm(self) -> float:
        closed = sum(contour.length_mm for contour in self.layout.contours)
        return max(0.0, closed + self.open_length_mm - self.overlap_mm)


def _cut(path: Path, pieces: list[Piece], join_mm: float, on_sheet: bool) -> _Cut:
    """Pieces joined into contours and open chains (ends within `join_mm`), with repeats
    and overlaps cut once, and a drawing sheet's border and extra views left out
    (`on_sheet`: the drawing holds sheet content)."""
    pieces, repeated = drop_repeated_pieces(pieces, join_mm)
    pieces, collinear = merge_collinear_lines(pieces)
    sheet = reduce_sheet(chain_pieces(pieces, join_mm), on_sheet, join_mm)
    chaining = sheet.chaining
    layout = lay_out(chaining.loops, CHAIN_TOLERANCE_MM)
    if not layout.contours:
        raise DesignFileError(_nothing_closes_message(path, chaining, layout, join_mm))
    paths = [loop.points for loop in layout.loops]
    paths += [piece for chain in chaining.open_chains for piece in chain.paths]
    overlap = overlap_length(paths)
    points = np.vstack(paths)
    return _Cut(
        chaining=chaining,
        layout=layout,
        sheet=sheet,
        repeated_mm=repeated + collinear,
        overlap_mm=overlap if overlap >= CHAIN_TOLERANCE_MM else 0.0,
        low=points.min(axis=0),
        high=points.max(axis=0),
    )


def _sheet(
    reading: UnitReading,
    extraction: Extraction,
    cut: _Cut,
    warnings: list[str],
    doubts: list[str],
) -> Sheet2D:
    contours = cut.layout.contours
    return Sheet2D(
        units=reading,
        cut_length_mm=cut.length_mm,
        pierces=len(contours) + len(cut.chaining.open_chains),
        area_mm2=cut.layout.area_mm2,
        bbox_min_mm=(float(cut.low[0]), float(cut.low[1])),
        bbox_mm=(float(cut.size[0]), float(cut.size[1])),
        contours=contours,
        parts=sum(c.kind is ContourKind.OUTER for c in contours),
        holes=sum(c.kind is ContourKind.HOLE for c in contours),
        open_chains=len(cut.chaining.open_chains),
        open_length_mm=cut.open_length_mm,
        duplicates_removed=cut.layout.duplicates,
        overlap_removed_mm=cut.overlap_mm + cut.repeated_mm,
        degenerate_removed=cut.layout.degenerate,
        ignored_entities=dict(sorted(extraction.ignored.items())),
        warnings=warnings,
        doubts=doubts,
    )


def _extraction_warnings(extraction: Extraction) -> list[str]:
    warnings = []
    if extraction.ignored:
        warnings.append(f"ignored entities that are not cut paths: {_counts(extraction.ignored)}")
    if extraction.meshes:
        warnings.append(
            f"ignored {plural(extraction.meshes, 'polyface or polygon-mesh POLYLINE')} "
            "(3-D surfaces, not cut paths)"
        )
    if extraction.unexpanded:
        warnings.append(
            "left out entities of block references that could not be transformed: "
            f"{_counts(extraction.unexpanded)}"
        )
    if extraction.left_out_blocks:
        warnings.append(f"left out block references: {_counts(extraction.left_out_blocks)}")
    if extraction.unreadable:
        warnings.append(f"left out entities with invalid data: {_counts(extraction.unreadable)}")
    if extraction.out_of_range:
        warnings.append(
            f"left out {plural(extraction.out_of_range, 'piece')} of cut path with coordinates "
            f"that are not numbers or lie beyond {MAX_COORDINATE:g} mm"
        )
    if extraction.projected:
        warnings.append(
            f"measured by their projection onto XY: {plural(extraction.projected, 'entity')} "
            "in planes tilted to XY"
        )
    return warnings


def _cleanup_warnings(cut: _Cut) -> list[str]:
    layout, overlap = cut.layout, cut.overlap_mm + cut.repeated_mm
    warnings = []
    if layout.degenerate:
        warnings.append(
            f"dropped {plural(layout.degenerate, 'degenerate contour')} (zero area: "
            "fewer than 3 distinct points, or a path that doubles back on itself)"
        )
    if layout.duplicates:
        warnings.append(
            f"contours drawn more than once are cut once: {plural(layout.duplicates, 'repeat')} "
            "removed"
        )
    if overlap > 0.0:
        warnings.append(f"{_mm(overlap)} mm of linework drawn over other linework is cut once")
    chains = cut.chaining.open_chains
    if chains:
        shown = "; ".join(_describe_chain(chain) for chain in chains[:_SHOWN_OPEN_CHAINS])
        more = len(chains) - _SHOWN_OPEN_CHAINS
        warnings.append(
            f"{plural(len(chains), 'open chain')} (ends that do not meet), each cut as an "
            "open path: " + shown + (f"; and {more} more" if more > 0 else "")
        )
    return warnings


def _no_geometry_message(
    path: Path, doc: Drawing, extraction: Extraction, damage: str | None
) -> str:
    if damage is not None:
        return f"{path.name} is damaged ({damage}) and no cut geometry could be recovered"
    found = Counter(extraction.ignored)
    found.update(extraction.unreadable)
    if extraction.out_of_range:
        found["pieces out of range"] += extraction.out_of_range
    if extraction.meshes:
        found["POLYLINE (mesh)"] += extraction.meshes
    contents = f"found only {_counts(found)}" if found else "its modelspace is empty"
    on_paper = sum(
        is_cut_entity(entity)
        for layout in doc.layouts
        if not layout.is_modelspace
        for entity in layout
    )
    if on_paper:
        contents += (
            f"; paper space holds {plural(on_paper, 'cut entity')}: draw parts in model space"
        )
    return f"{path.name} has no cut geometry ({CUT_ENTITIES}) in model space: {contents}"


def _nothing_closes_message(path: Path, chaining: Chaining, layout: Layout, join_mm: float) -> str:
    chains = chaining.open_chains
    if not chains:
        return (
            f"{path.name} has no usable contour: "
            f"{plural(layout.degenerate, 'closed contour')}, all degenerate (zero area)"
        )
    total = sum(chain.length_mm for chain in chains)
    gapped = [chain for chain in chains if chain.gap_mm is not None]
    if gapped:
        widest = max(gapped, key=lambda chain: chain.gap_mm or 0.0)
        where = (
            f"largest gap {_mm(widest.gap_mm or 0.0)} mm between "
            f"{_point(widest.ends[0])} and {_point(widest.ends[1])}"
        )
    else:
        where = f"pieces branch at {_point(chains[0].branches[0])}"
    return (
        f"{path.name}: nothing closes: {plural(len(chains), 'open chain')} ({_mm(total)} mm), "
        f"{where}; "
        f"a part needs closed outlines (ends within {_mm(join_mm)} mm are joined)"
    )


def _describe_chain(chain: OpenChain) -> str:
    text = f"{plural(len(chain.paths), 'piece')}, {_mm(chain.length_mm)} mm"
    if chain.gap_mm is not None:
        return (
            f"{text}, ends at {_point(chain.ends[0])} and {_point(chain.ends[1])} "
            f"({_mm(chain.gap_mm)} mm apart)"
        )
    branches = ", ".join(_point(p) for p in chain.branches[:3])
    return f"{text}, branching at {branches} (more than two pieces meet)"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counter.items()))


def _point(point: FloatArray) -> str:
    return f"({point[0]:.2f}, {point[1]:.2f})"


def _mm(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")
