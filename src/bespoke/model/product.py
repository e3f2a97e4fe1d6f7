"""A product spec: parameters, parts (drawn or parametric), purchased items, assemblies.

Numbers in a spec may be expressions of its parameters, written as strings with units
("width - 2 * 18 mm"); ids that depend on a parameter start with "=" ("=wood"). A spec
is validated as written; `configure` turns it into a concrete product.
"""

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bespoke.model.bounds import MAX_TEXT, WithoutNul
from bespoke.model.geometry import Frozen
from bespoke.model.planning import Part

MAX_EXPRESSION_CHARS = 500
"""Characters in an expression ("width - 2 * 18 mm"); real ones take a few dozen."""
MAX_NAME_CHARS = 200
"""Characters in a name: of a product, part, bought item, assembly, supplier or choice."""
MAX_TEXT_CHARS = MAX_TEXT
"""Characters in a description or in instructions: a page of text."""
MAX_PARAMETERS = 100
"""Parameters of one spec (a product sets them all in one plan)."""
MAX_CHOICES = 100
"""Choices of one choice parameter."""
MAX_PARTS = 500
"""Parts of one spec: each is drawn or written, measured and planned."""
MAX_PURCHASED = 500
"""Bought items of one spec."""
MAX_ASSEMBLIES = 200
"""Assemblies of one spec."""
MAX_COMPONENTS = 500
"""Components of one assembly."""
MAX_HOLES = 2_000
"""Holes listed one by one in a plate (hole grids lay out more)."""
MAX_HOLE_GRIDS = 100
"""Hole grids of one plate."""
MAX_SLOTS = 500
"""Slots of one plate."""

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)]
EntryId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
ExprText = Annotated[str, Field(max_length=MAX_EXPRESSION_CHARS)]
Expr = Annotated[ExprText | float, Field(description="A number, or an expression of parameters")]
IdExpr = Annotated[
    str,
    Field(
        max_length=MAX_EXPRESSION_CHARS + 1,
        description="A catalog id, or '=' and an expression giving one ('=wood')",
    ),
]
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS), WithoutNul]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS), WithoutNul]


class Spec(BaseModel):
    """Base for spec types: strict about unknown keys, immutable."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ParameterType(StrEnum):
    LENGTH = "length"
    NUMBER = "number"
    INTEGER = "integer"
    CHOICE = "choice"
    BOOLEAN = "boolean"


class Parameter(Spec):
    """One option a customer may set: a length, a number, a count, a choice or a switch."""

    name: Identifier
    type: ParameterType
    default: ExprText | float | bool
    min: ExprText | float | None = Field(
        default=None, description="Lowest value; lengths with units"
    )
    max: ExprText | float | None = None
    choices: list[Name | float] | None = Field(default=None, max_length=MAX_CHOICES)
    description: Text = ""

    @model_validator(mode="after")
    def _choices_for_choice(self) -> Self:
        if self.type is ParameterType.CHOICE and not self.choices:
            raise ValueError("a choice parameter needs 'choices'")
        if self.type is not ParameterType.CHOICE and self.choices:
            raise ValueError("only a choice parameter has 'choices'")
        return self


class Hole(Spec):
    """A round hole in a plate, its centre measured from the plate's lower left corner."""

    x: Expr
    y: Expr
    diameter: Expr


class Slot(Spec):
    """A slot with round ends: centre, overall length, width and angle in degrees."""

    x: Expr
    y: Expr
    length: Expr
    width: Expr
    angle: Expr = 0.0


class HoleGrid(Spec):
    """Holes in rows and columns: first centre, pitch and counts."""

    x: Expr
    y: Expr
    diameter: Expr
    columns: Expr = 1.0
    rows: Expr = 1.0
    pitch_x: Expr = 0.0
    pitch_y: Expr = 0.0


class Plate(Spec):
    """A flat rectangle with rounded corners, holes and slots, cut from sheet."""

    shape: Literal["plate"] = "plate"
    width: Expr
    height: Expr
    corner_radius: Expr = 0.0
    holes: list[Hole] = Field(default_factory=list, max_length=MAX_HOLES)
    hole_grids: list[HoleGrid] = Field(default_factory=list, max_length=MAX_HOLE_GRIDS)
    slots: list[Slot] = Field(default_factory=list, max_length=MAX_SLOTS)


class Box(Spec):
    """A solid block, or an open-topped shell when `wall` is given."""

    shape: Literal["box"] = "box"
    x: Expr
    y: Expr
    z: Expr
    wall: Expr | None = None


class Cylinder(Spec):
    """A solid round bar or disc."""

    shape: Literal["cylinder"] = "cylinder"
    diameter: Expr
    height: Expr


class Tube(Spec):
    """A round tube: outer diameter, wall and length."""

    shape: Literal["tube"] = "tube"
    outer_diameter: Expr
    wall: Expr
    length: Expr


class DesignFile(Spec):
    """A drawn part: a DXF or STL file, its path relative to the spec."""

    shape: Literal["file"] = "file"
    file: str
    units: Literal["mm", "cm", "m", "inch", "in", "ft"] | None = None


Geometry = Annotated[Plate | Box | Cylinder | Tube | DesignFile, Field(discriminator="shape")]


class ToleranceClass(StrEnum):
    """ISO 2768-1 general tolerance classes."""

    FINE = "f"
    MEDIUM = "m"
    COARSE = "c"
    VERY_COARSE = "v"


class PartSpec(Spec):
    """A part to make, per product: its geometry, material, thickness, tolerance and finish."""

    id: EntryId
    name: Name = ""
    quantity: Expr = 1.0
    material: IdExpr
    thickness: Expr | None = Field(default=None, description="Sheet thickness, for flat parts")
    geometry: Geometry
    tolerance: ToleranceClass = ToleranceClass.MEDIUM
    finish: IdExpr | None = None
    bends: Expr = Field(default=0.0, description="Press-brake bends after cutting")
    process: str | None = Field(default=None, max_length=64, description="Make it this way only")
    instructions: Text = ""


class PurchasedSpec(Spec):
    """A bought item: fastener, electronics, hardware."""

    id: EntryId
    name: Name
    quantity: Expr = 1.0
    unit_price: Annotated[float, Field(ge=0)]
    lead_days: Annotated[float, Field(ge=0)] = 0.0
    supplier: Name = ""


class Component(Spec):
    """A part, purchased item or sub-assembly used in an assembly, and how many."""

    id: EntryId
    quantity: Expr = 1.0


class AssemblySpec(Spec):
    """Components joined into one: a sub-assembly or the product itself."""

    id: EntryId
    name: Name = ""
    components: list[Component] = Field(min_length=1, max_length=MAX_COMPONENTS)
    welds: Expr = Field(default=0.0, description="Weld seams that join it, if welded")
    weld_length: Expr = Field(default=0.0, description="Total length of those seams")
    instructions: Text = ""


class ProductSpec(Spec):
    """A product as a maker writes it: options, parts, bought items and how they go together."""

    name: Name
    description: Text = ""
    parameters: list[Parameter] = Field(default_factory=list, max_length=MAX_PARAMETERS)
    parts: list[PartSpec] = Field(default_factory=list, max_length=MAX_PARTS)
    purchased: list[PurchasedSpec] = Field(default_factory=list, max_length=MAX_PURCHASED)
    assemblies: list[AssemblySpec] = Field(default_factory=list, max_length=MAX_ASSEMBLIES)

    def drawn_units(self) -> dict[str, str | None]:
        """The units each drawn part's file is read in, by part id (None: its own)."""
        return {p.id: p.geometry.units for p in self.parts if isinstance(p.geometry, DesignFile)}


class HoleAt(Frozen):
    """A round hole at (x, y) mm from the plate's lower left corner."""

    x_mm: float
    y_mm: float
    diameter_mm: Annotated[float, Field(gt=0)]


class SlotAt(Frozen):
    """A round-ended slot: centre, overall length, width and angle in degrees."""

    x_mm: float
    y_mm: float
    length_mm: Annotated[float, Field(gt=0)]
    width_mm: Annotated[float, Field(gt=0)]
    angle_deg: float = 0.0


class PlateShape(Frozen):
    """A configured plate: every size a number in mm, hole grids laid out as holes."""

    shape: Literal["plate"] = "plate"
    width_mm: Annotated[float, Field(gt=0)]
    height_mm: Annotated[float, Field(gt=0)]
    corner_radius_mm: Annotated[float, Field(ge=0)] = 0.0
    holes: list[HoleAt] = Field(default_factory=list)
    slots: list[SlotAt] = Field(default_factory=list)


class BoxShape(Frozen):
    """A configured block, or open-topped shell of wall `wall_mm`."""

    shape: Literal["box"] = "box"
    x_mm: Annotated[float, Field(gt=0)]
    y_mm: Annotated[float, Field(gt=0)]
    z_mm: Annotated[float, Field(gt=0)]
    wall_mm: Annotated[float, Field(gt=0)] | None = None


class CylinderShape(Frozen):
    """A configured solid cylinder."""

    shape: Literal["cylinder"] = "cylinder"
    diameter_mm: Annotated[float, Field(gt=0)]
    height_mm: Annotated[float, Field(gt=0)]


class TubeShape(Frozen):
    """A configured round tube."""

    shape: Literal["tube"] = "tube"
    outer_diameter_mm: Annotated[float, Field(gt=0)]
    wall_mm: Annotated[float, Field(gt=0)]
    length_mm: Annotated[float, Field(gt=0)]


ConfiguredShape = Annotated[
    PlateShape | BoxShape | CylinderShape | TubeShape, Field(discriminator="shape")
]


class ConfiguredPart(Frozen):
    """A part of a configured product: how many per product, and the measured part."""

    id: str
    quantity: Annotated[int, Field(ge=0)]
    part: Part
    design_file: str = Field(description="The drawn or generated design file it was measured from")
    shape: ConfiguredShape | None = Field(default=None, description="Set for parametric parts")
    tolerance: ToleranceClass
    bends: Annotated[int, Field(ge=0)] = 0
    process: str | None = None
    instructions: str = ""


class PurchasedItem(Frozen):
    """A bought item of a configured product."""

    id: str
    name: str
    quantity: Annotated[int, Field(ge=0)]
    unit_price: Annotated[float, Field(ge=0)]
    lead_days: Annotated[float, Field(ge=0)] = 0.0
    supplier: str = ""


class Assembly(Frozen):
    """Components joined into one, with how many of each per assembly."""

    id: str
    name: str
    components: list[tuple[str, int]]
    welds: int = Field(default=0, ge=0)
    weld_length_mm: float = Field(default=0, ge=0)
    instructions: str = ""


class Product(Frozen):
    """A product with every option set: concrete parts, bought items and assemblies."""

    name: str
    settings: dict[str, bool | int | float | str] = Field(
        description="Parameter values it was configured with (lengths in mm)"
    )
    parts: list[ConfiguredPart]
    purchased: list[PurchasedItem]
    assemblies: list[Assembly]
