"""Measured geometry of design files: flat drawings (`Sheet2D`) and solids (`Solid3D`).

Lengths are in mm, areas in mm², volumes in mm³, whatever unit the file was drawn in.
"""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    """Base for immutable value objects."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ContourKind(StrEnum):
    OUTER = "outer"
    HOLE = "hole"


Point = tuple[float, float]
"""x, y in mm."""


class Contour(Frozen):
    """One closed loop to cut: the outline of a part or a hole in it."""

    kind: ContourKind
    length_mm: float = Field(ge=0)
    area_mm2: float = Field(ge=0, description="Area enclosed by the loop (unsigned).")
    width_mm: float = Field(
        ge=0,
        description="Narrowest width of the enclosed region: diameter of its largest "
        "inscribed circle (a hole's diameter, a slot's width).",
    )
    is_circle: bool = False
    bbox_mm: tuple[float, float, float, float] = Field(description="min x, min y, max x, max y")

    @property
    def centre_mm(self) -> Point:
        """The middle of its bounds: a round hole's centre, a slot's middle."""
        x0, y0, x1, y1 = self.bbox_mm
        return (x0 + x1) / 2, (y0 + y1) / 2


class UnitReading(Frozen):
    """How drawing units were turned into mm, and whether that reading is trustworthy."""

    declared: str | None = Field(description="Units the file declares ($INSUNITS), None if absent")
    used: str = Field(description="Units the measurements were read in")
    factor_to_mm: float = Field(gt=0)
    source: str = Field(
        description="'header' ($INSUNITS), 'measurement' (no $INSUNITS; $MEASUREMENT says "
        "imperial), 'option' (--units) or 'assumed'"
    )
    suspicious: bool = False
    reason: str | None = None
    alternative_units: str | None = Field(
        default=None, description="The other plausible reading when suspicious"
    )
    alternative_factor_to_mm: float | None = None
    basis: str | None = Field(default=None, description="Why these units were used")
    sizes_mm: dict[str, float] = Field(
        default_factory=dict,
        description="When suspicious: the largest extent in mm read in each of mm, cm, m, inch",
    )


class AlternativeReading(Frozen):
    """A drawing's measurements in the other plausible units, when its units look wrong."""

    units: str
    bbox_mm: tuple[float, ...]
    cut_length_mm: float | None = None
    area_mm2: float | None = None
    volume_mm3: float | None = None
    surface_area_mm2: float | None = None


def _alternative_reading(
    units: UnitReading, bbox_mm: tuple[float, ...], **measures: tuple[float | None, int]
) -> AlternativeReading | None:
    """The measurements read in the other plausible units, when the units look wrong; each
    measure comes with its power of length (1 a length, 2 an area, 3 a volume)."""
    if not units.suspicious or units.alternative_factor_to_mm is None:
        return None
    k = units.alternative_factor_to_mm / units.factor_to_mm
    return AlternativeReading(
        units=units.alternative_units or "",
        bbox_mm=tuple(v * k for v in bbox_mm),
        **{name: None if v is None else v * k**power for name, (v, power) in measures.items()},
    )


class DrawingSheet(Frozen):
    """A dimensioned drawing sheet reduced to its part: what was left out, and why."""

    left_out: dict[str, int] = Field(
        description="Entities left out by what marked them as drawing-sheet content: "
        "\"layer 'DIM'\", \"linetype 'HIDDEN'\", \"title block 'A3'\", ..."
    )
    frame_mm: tuple[float, float] | None = Field(
        default=None, description="width x height of the border rectangle left out, if any"
    )
    views: int = Field(
        default=1, ge=1, description="Views of the part the sheet shows; one is measured"
    )
    reason: str


class Sheet2D(Frozen):
    """A flat drawing measured for cutting: contours, cut length, pierces, area."""

    units: UnitReading
    cut_length_mm: float = Field(ge=0, description="Length cut once: duplicates merged")
    pierces: int = Field(ge=0, description="Closed contours plus open chains: one pierce each")
    area_mm2: float = Field(ge=0, description="Net material area: outlines minus holes")
    bbox_min_mm: tuple[float, float]
    bbox_mm: tuple[float, float] = Field(description="width x height of the cut geometry")
    contours: list[Contour]
    parts: int = Field(ge=0, description="Separate outer contours (parts) in the drawing")
    holes: int = Field(ge=0)
    open_chains: int = Field(ge=0, description="Chains of segments that do not close")
    open_length_mm: float = Field(ge=0, default=0.0)
    duplicates_removed: int = Field(ge=0, default=0)
    overlap_removed_mm: float = Field(ge=0, default=0.0)
    degenerate_removed: int = Field(ge=0, default=0)
    ignored_entities: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    doubts: list[str] = Field(
        default_factory=list,
        description="Why the shape measured may not be the part meant (only circles, one "
        "view of several): a reading to confirm, as a suspicious unit reading is",
    )
    drawing_sheet: DrawingSheet | None = Field(
        default=None,
        description="What was left out of a drawing sheet to measure its part; None when "
        "nothing was",
    )

    @property
    def doubtful(self) -> bool:
        """Whether the reading needs confirming: its units or its shape are in doubt."""
        return self.units.suspicious or bool(self.doubts)

    @property
    def smallest_hole_mm(self) -> float | None:
        hole = self.smallest_hole
        return None if hole is None else hole.width_mm

    @property
    def smallest_hole(self) -> Contour | None:
        """The narrowest hole or slot, None when the drawing has no hole."""
        holes = [c for c in self.contours if c.kind is ContourKind.HOLE]
        return min(holes, key=lambda c: c.width_mm) if holes else None

    def alternative_reading(self) -> AlternativeReading | None:
        return _alternative_reading(
            self.units,
            self.bbox_mm,
            cut_length_mm=(self.cut_length_mm, 1),
            area_mm2=(self.area_mm2, 2),
        )


class Solid3D(Frozen):
    """A mesh measured for building: volume, area, bounds, bodies, watertightness."""

    units: UnitReading
    facets: int = Field(ge=0)
    volume_mm3: float | None = Field(
        description="Enclosed volume; None when the mesh is open and could not be repaired"
    )
    volume_estimate_mm3: float = Field(
        ge=0, description="Volume used for costing: exact when watertight, else estimated"
    )
    volume_method: str = Field(
        description="'exact', 'repaired' (holes filled), 'capped' (an open mesh's every hole "
        "capped with a fan from its centre: an estimate) or 'convex hull' (upper bound, for "
        "facets that cannot be oriented)"
    )
    surface_area_mm2: float = Field(ge=0)
    bbox_min_mm: tuple[float, float, float]
    bbox_mm: tuple[float, float, float]
    watertight: bool
    winding_consistent: bool
    bodies: int = Field(ge=0)
    repaired: bool = False
    warnings: list[str] = Field(default_factory=list)

    @property
    def doubtful(self) -> bool:
        """Whether the reading needs confirming: its units are in doubt."""
        return self.units.suspicious

    def alternative_reading(self) -> AlternativeReading | None:
        return _alternative_reading(
            self.units,
            self.bbox_mm,
            volume_mm3=(self.volume_mm3, 3),
            surface_area_mm2=(self.surface_area_mm2, 2),
        )


class DrawnPath(Frozen):
    """One path of a drawing as the pages draw it: a part's outline, a hole, or an open chain."""

    kind: Literal["outer", "hole", "open"]
    points: list[Point] = Field(min_length=2)


class LooseEnds(Frozen):
    """Where an open chain of a drawing fails to close: between its ends, or where it branches."""

    at_mm: Point
    size_mm: float = Field(ge=0, description="The gap between the ends; 0 at a branch")
    message: str


class SheetDrawing(Frozen):
    """A flat drawing's cut paths in mm, simplified to a bounded number of points, and the
    places its open chains do not close."""

    bbox_min_mm: Point
    bbox_mm: Point
    paths: list[DrawnPath]
    loose_ends: list[LooseEnds] = Field(default_factory=list)
