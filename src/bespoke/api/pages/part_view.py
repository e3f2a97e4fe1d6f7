"""The part on the quote page: a drawing's outline as SVG with its DFM findings and open
chains marked where they are, or a mesh for the 3-D view (with its still picture when the
view's script is not built)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

from bespoke.model.geometry import DrawnPath, SheetDrawing
from bespoke.model.planning import DfmFinding
from bespoke.model.quote_document import QuoteDocument

MESH_SCRIPT = "vendor/mesh_view.js"
"""The 3-D view's script under the static files, built by scripts/setup."""
MARK_SHARE = 0.012
"""A mark's smallest radius, as a share of the drawing's largest extent: seen at any zoom."""
MARGIN_SHARE = 0.04
HOLE_RING = 1.6
"""A hole's mark, as a multiple of its radius: a ring around it."""
GAP_RING = 1.15
"""An open chain's mark, as a multiple of half its gap: a ring through both ends and a bit."""


@dataclass
class Mark:
    """One place marked on a drawing, numbered as the list beside it, with what was found."""

    number: int
    at_mm: tuple[float, float]
    radius_mm: float
    label: str
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"mark-{self.number}"


@dataclass(frozen=True)
class DrawingView:
    """What the template draws: the view box, the flip of y, the paths and the marks."""

    view_box: str
    flip_y: float
    """y of the drawing = flip_y - y on the page (SVG's y points down)."""
    paths: list[tuple[str, str]]
    marks: list[Mark]
    label_mm: float

    def mark_of(self, finding: DfmFinding) -> Mark | None:
        """The mark of a finding's place, None when it has none."""
        return next((m for m in self.marks if finding.at_mm == m.at_mm), None)


def mesh_view_built() -> bool:
    """Whether the 3-D view's script was built into the static files."""
    return (resources.files("bespoke.api") / "static" / MESH_SCRIPT).is_file()


def drawing_view(
    drawing: SheetDrawing, doc: QuoteDocument, names: Mapping[str, str]
) -> DrawingView:
    """The drawing with a mark at each place a finding or an open chain points to."""
    (x, y), (width, height) = drawing.bbox_min_mm, drawing.bbox_mm
    extent = max(width, height, 1e-3)
    margin = extent * MARGIN_SHARE
    smallest = extent * MARK_SHARE
    marks: list[Mark] = []
    for option in doc.rejected:
        for finding in option.findings:
            if finding.at_mm is None:
                continue
            mark = next((m for m in marks if m.at_mm == finding.at_mm), None)
            if mark is None:
                size = finding.size_mm or 0.0
                mark = Mark(
                    number=len(marks) + 1,
                    at_mm=finding.at_mm,
                    radius_mm=max(size * HOLE_RING, smallest),
                    label=finding.feature.capitalize() + (f": {size:g} mm" if size else ""),
                )
                marks.append(mark)
            mark.notes.append(_note(names.get(option.process, option.process), finding))
    for ends in drawing.loose_ends:
        marks.append(
            Mark(
                number=len(marks) + 1,
                at_mm=ends.at_mm,
                radius_mm=max(ends.size_mm / 2 * GAP_RING, smallest),
                label=f"Open chain: ends {ends.size_mm:g} mm apart"
                if ends.size_mm
                else "Open chain: branching",
                notes=[f"Cut as an open path: {ends.message}"],
            )
        )
    return DrawingView(
        view_box=f"{x - margin:.3f} {y - margin:.3f} {width + 2 * margin:.3f} "
        f"{height + 2 * margin:.3f}",
        flip_y=round(2 * y + height, 3),
        paths=[(p.kind, _path_data(p)) for p in drawing.paths],
        marks=marks,
        label_mm=extent * 0.03,
    )


def _note(process: str, finding: DfmFinding) -> str:
    """What a process needs of the marked feature, in a few words."""
    if finding.limit is None or finding.measured is None:
        return f"{process}: {finding.message}"
    unit = f" {finding.unit}" if finding.unit else ""
    return f"{process} needs at least {finding.limit:g}{unit}"


def _path_data(path: DrawnPath) -> str:
    (x0, y0), *rest = path.points
    closed = path.kind != "open" and len(rest) >= 3 and rest[-1] == (x0, y0)
    moves = " ".join(f"{x:g} {y:g}" for x, y in (rest[:-1] if closed else rest))
    return f"M{x0:g} {y0:g}L{moves}" + ("Z" if closed else "")
