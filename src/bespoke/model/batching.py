"""Work of many orders made together: parts nested on sheets or packed on build plates.

A `NestPart` is one shape of one order, wanted `quantity` times. A `Nest` places every
copy of its parts on stock sheets (or build plates) of one material; each `SheetLayout` is
one sheet with its `Placement`s. Coordinates are mm; a placement turns the part's
drawing by `rotation` degrees about the drawing's origin, then moves it by (x, y).
"""

from pydantic import BaseModel, ConfigDict, Field

from bespoke.model.geometry import Frozen
from bespoke.model.geometry import Point as Point


class Outline(Frozen):
    """One part's flat shape: its outer boundary and its holes, as rings of (x, y) mm."""

    exterior: list[Point] = Field(min_length=3)
    holes: list[list[Point]] = Field(default_factory=list)


class NestPart(Frozen):
    """A shape to place `quantity` times, labelled with the order and part it belongs to."""

    id: str = Field(min_length=1, description="Unique in the nest: order and part")
    order: str = Field(description="The order it belongs to, as its label shows")
    name: str = Field(description="The part's name, as its label shows")
    outline: Outline
    quantity: int = Field(default=1, ge=1)
    rotations: list[float] | None = Field(
        default_factory=lambda: [0.0, 90.0, 180.0, 270.0],
        description="Angles in degrees it may be turned by; None: any angle",
    )
    height_mm: float = Field(default=0.0, ge=0, description="For build volumes: its height")


class Placement(Frozen):
    """Where one copy of a part went: turned about the origin, then moved."""

    part: str
    copy_index: int = Field(ge=0)
    x: float
    y: float
    rotation: float = Field(description="Degrees, counter-clockwise")
    z: float = Field(default=0.0, description="Build volumes: height of the layer it sits on")


class Remnant(Frozen):
    """An off-cut of sheet in stock, used before full sheets are."""

    id: int
    size_mm: Point = Field(description="Its length along the cut, and the sheet's width")


class SheetLayout(Frozen):
    """One stock sheet or build plate and the parts placed on it."""

    index: int = Field(ge=0)
    size_mm: Point = Field(description="The sheet or plate as stocked (width, height)")
    used_length_mm: float = Field(
        ge=0, description="Length along the width used by parts, edge margin included"
    )
    used_height_mm: float | None = Field(
        default=None, ge=0, description="Build volumes: height of the layers stacked"
    )
    placements: list[Placement]
    parts_area_mm2: float = Field(ge=0, description="Area of the placed outlines")
    utilisation: float = Field(
        ge=0,
        le=1,
        description="Parts' area over the sheet's area used (the whole sheet, or up to the"
        " remnant); in a build volume, parts' footprint x height over the volume used",
    )
    remnant_mm: Point | None = Field(
        default=None, description="The off-cut returned to stock after the used length"
    )
    from_remnant: int | None = Field(
        default=None, description="The off-cut in stock this sheet is; None: a full sheet"
    )


class Nest(Frozen):
    """Parts of many orders on the sheets or plates of one material."""

    material: str
    thickness_mm: float | None = None
    kerf_mm: float = Field(ge=0)
    spacing_mm: float = Field(ge=0, description="Least gap between parts and to the edges")
    parts: list[NestPart] = Field(description="The parts as nested: outlines repaired")
    sheets: list[SheetLayout]
    notes: list[str] = Field(default_factory=list, description="Repairs made to outlines")
    seconds: float = Field(ge=0, description="Time the nesting took")
    inputs: str = Field(
        default="",
        description="Digest of what was nested on what: the same parts on the same stock"
        " are not nested again",
    )

    @property
    def placements(self) -> list[Placement]:
        return [p for sheet in self.sheets for p in sheet.placements]

    @property
    def sheet_area_mm2(self) -> float:
        """Stock consumed: full sheets, and the last sheet up to its remnant."""
        return sum(
            s.size_mm[0] * s.size_mm[1]
            - (s.remnant_mm[0] * s.remnant_mm[1] if s.remnant_mm else 0.0)
            for s in self.sheets
        )


class BatchWork(Frozen):
    """One order's operation that can share its set-up with other orders' of its family."""

    order: str
    task: str = Field(description="The operation's task in the order's job")
    family: str = Field(description="Set-up family: process, material, thickness or colour")
    process: str
    due: int | None = Field(default=None, description="When the order is due, s from origin")
    setup_s: int = Field(ge=0, description="Set-up when made alone")
    run_s: int = Field(ge=0, description="Machine time of this order's parts, set-up aside")


class Batch(Frozen):
    """Work of many orders made in one set-up: the unit the scheduler places."""

    id: str
    family: str
    process: str
    works: list[BatchWork] = Field(min_length=1)
    setup_s: int = Field(ge=0, description="One set-up for the whole batch")

    @property
    def run_s(self) -> int:
        return sum(w.run_s for w in self.works)

    @property
    def due(self) -> int | None:
        """When its most urgent order is due."""
        dues = [w.due for w in self.works if w.due is not None]
        return min(dues) if dues else None


class BatchDocument(BaseModel):
    """The stored document of a kept batch: its work, its set-up, its nest or plates, and
    the currency of its cost."""

    model_config = ConfigDict(frozen=True)

    schema_version: int = 1
    currency: str
    setup_s: int = Field(ge=0)
    works: list[BatchWork]
    nest: Nest | None = None
