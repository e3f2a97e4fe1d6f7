"""The process library: materials, processes, machines and the shop that owns them.

Every number a quote rests on lives here, loaded from catalog YAML. Each entry
carries `sources`: for every figure field, where the value comes from.
"""

import math
from enum import StrEnum
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]
# A table of (thickness mm, value) rows sorted by thickness, interpolated linearly.
ThicknessTable = list[tuple[Positive, Positive]]


class CatalogEntry(BaseModel):
    """Base for catalog entries: an id, a name, and a source for every figure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    sources: dict[str, str] = Field(default_factory=dict)
    calibrated: bool = Field(
        default=False, description="False: literature defaults, to calibrate on real jobs"
    )

    @model_validator(mode="after")
    def _every_figure_has_a_source(self) -> "CatalogEntry":
        missing = [f for f in self.figure_fields() if f not in self.sources]
        if missing:
            raise ValueError(f"no source for {', '.join(missing)} (add them under 'sources:')")
        return self

    def figure_fields(self) -> list[str]:
        """Names of the figures given for this entry: each needs a source."""
        fields = type(self).model_fields
        return [
            name
            for name in sorted(self.model_fields_set)
            if name not in {"id", "name", "sources", "calibrated"}
            and getattr(self, name) is not None
            and _is_figure(fields[name].annotation)
        ]


def _is_figure(annotation: object) -> bool:
    """A number, or a container or union holding numbers (bool is a flag, not a figure)."""
    if annotation is float or annotation is int:
        return True
    return any(_is_figure(arg) for arg in get_args(annotation))


class StockKind(StrEnum):
    SHEET = "sheet"
    FILAMENT = "filament"
    POWDER = "powder"
    RESIN = "resin"
    BAR = "bar"
    PELLET = "pellet"


class StockForm(BaseModel):
    """How a material is bought: sheets of given sizes and thicknesses, spools, powder ..."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: StockKind
    thicknesses_mm: list[Positive] = Field(default_factory=list)
    sheet_sizes_mm: list[tuple[Positive, Positive]] = Field(default_factory=list)
    diameters_mm: list[Positive] = Field(default_factory=list)
    unit_kg: Positive | None = Field(default=None, description="Spool, bag or bottle mass")

    @model_validator(mode="after")
    def _sheet_has_sizes(self) -> "StockForm":
        if self.kind is StockKind.SHEET and not (self.thicknesses_mm and self.sheet_sizes_mm):
            raise ValueError("a sheet stock form needs thicknesses_mm and sheet_sizes_mm")
        if self.kind is StockKind.BAR and not self.diameters_mm:
            raise ValueError("a bar stock form needs diameters_mm")
        return self


class Material(CatalogEntry):
    """What things are made of, and how it is bought."""

    family: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")] = Field(
        description="Group used by process tables: mild_steel, stainless, aluminium, acrylic, "
        "wood, thermoplastic, photopolymer, nylon ..."
    )
    density_kg_m3: Positive
    price_per_kg: Positive
    price_per_kg_by_form: dict[StockKind, Positive] = Field(
        default_factory=dict,
        description="Price of a stock form that differs from price_per_kg (pellets vs filament)",
    )
    stock: list[StockForm] = Field(min_length=1)
    default_thickness_mm: Positive | None = None

    @model_validator(mode="after")
    def _refers_to_its_stock(self) -> "Material":
        unstocked = [k.value for k in self.price_per_kg_by_form if self.stock_of(k) is None]
        if unstocked:
            raise ValueError(f"price_per_kg_by_form names {', '.join(unstocked)}: not in stock")
        thickness = self.default_thickness_mm
        if thickness is not None and thickness not in self.sheet_thicknesses_mm:
            raise ValueError(f"default_thickness_mm {thickness:g} is not a stocked sheet thickness")
        return self

    def stock_of(self, kind: StockKind) -> StockForm | None:
        return next((s for s in self.stock if s.kind is kind), None)

    def price_per_kg_for(self, kind: StockKind) -> float:
        """Price of the material bought as `kind` (pellets cost less than filament)."""
        return self.price_per_kg_by_form.get(kind, self.price_per_kg)

    @property
    def sheet_thicknesses_mm(self) -> list[float]:
        sheet = self.stock_of(StockKind.SHEET)
        return sorted(sheet.thicknesses_mm) if sheet else []


class ProcessKind(StrEnum):
    PROFILE_CUTTING = "profile_cutting"
    ADDITIVE = "additive"
    MACHINING = "machining"
    BENDING = "bending"
    FINISHING = "finishing"
    MOULDING = "moulding"
    STAMPING = "stamping"
    INSPECTION = "inspection"
    ASSEMBLY = "assembly"
    WELDING = "welding"
    PACKING = "packing"


ToleranceGrade = Literal["f", "m", "c", "v"]
"""ISO 2768-1 general tolerance classes, fine to very coarse."""
TOLERANCE_ORDER: tuple[ToleranceGrade, ...] = ("f", "m", "c", "v")


class WorkBase(CatalogEntry):
    """Common to every kind of work: set-up, handling, manual learning, days it adds."""

    setup_s: NonNegative = Field(description="Set-up per batch: programming, fixturing, first part")
    handling_s: NonNegative = Field(default=0, description="Load and unload per part")
    manual: bool = Field(default=False, description="Run time is manual work (learning applies)")
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 1.0
    learning_floor: Fraction = Field(
        default=0, description="Share of the first unit's time that practice never removes"
    )
    lead_days: NonNegative = Field(default=1, description="Days added to lead time")


class ProcessBase(WorkBase):
    """A process that works material: what it consumes and what it can hold."""

    stock: StockKind = Field(description="Stock form the process consumes")
    families: list[str] = Field(min_length=1, description="Material families it can work")
    min_feature_mm: NonNegative = 0
    tolerance: ToleranceGrade = Field(
        default="m", description="Finest ISO 2768 class it holds without extra work"
    )


class ProfileCutting(ProcessBase):
    """Cutting a flat outline from sheet: laser, waterjet, plasma, router."""

    kind: Literal[ProcessKind.PROFILE_CUTTING] = ProcessKind.PROFILE_CUTTING
    speed_mm_s: dict[str, ThicknessTable] = Field(
        description="Cutting speed by material family, rows (thickness mm, speed mm/s); "
        "the last row is the thickest the process cuts"
    )
    pierce_s: dict[str, ThicknessTable] = Field(description="Pierce time by family and thickness")
    min_thickness_mm: Positive = 0.5
    kerf_mm: Positive
    min_hole_factor: NonNegative = Field(description="Smallest hole or slot = factor x thickness")
    speed_derate: Annotated[float, Field(gt=0, le=1)] = Field(
        default=0.8, description="Fraction of table speed reached on real parts"
    )
    part_spacing_mm: NonNegative = 5.0
    deburr_from_mm: NonNegative | None = Field(
        default=0, description="Cut metal this thick or more is deburred; None: never"
    )

    @model_validator(mode="after")
    def _tables_cover_families(self) -> "ProfileCutting":
        for table_name in ("speed_mm_s", "pierce_s"):
            table = getattr(self, table_name)
            missing = [f for f in self.families if f not in table]
            if missing:
                raise ValueError(f"{table_name} has no rows for {', '.join(missing)}")
            for family, rows in table.items():
                if [t for t, _ in rows] != sorted(t for t, _ in rows):
                    raise ValueError(f"{table_name}.{family}: rows must be sorted by thickness")
        return self

    def max_thickness_mm(self, family: str) -> float:
        return self.speed_mm_s[family][-1][0]


class Additive(ProcessBase):
    """Building a solid layer by layer: FDM (extrusion), SLA (vat), SLS (powder bed)."""

    kind: Literal[ProcessKind.ADDITIVE] = ProcessKind.ADDITIVE
    method: Literal["extrusion", "vat", "powder_bed"]
    deposition_mm3_s: Positive = Field(description="Effective build rate of solid volume")
    layer_height_mm: Positive
    layer_time_s: NonNegative = Field(description="Per-layer overhead (peel, recoat, travel)")
    support_fraction: Fraction = Field(description="Support or waste volume per part volume")
    post_process_s: NonNegative = Field(description="Manual work per part: supports, cleaning")
    shell_mm: NonNegative = Field(
        default=0, description="Extrusion: walls and top and bottom skins printed solid"
    )
    infill: Annotated[float, Field(gt=0, le=1)] = Field(
        default=1.0, description="Extrusion: share of the inside within the shell that is filled"
    )
    packing_density: Annotated[float, Field(gt=0, le=1)] = Field(
        default=1.0,
        description="Powder bed: share of the chamber the parts' boxes fill in a pooled build",
    )
    powder_refresh: Fraction = Field(default=0, description="Powder bed: fresh powder share")
    part_spacing_mm: NonNegative = Field(default=5.0, description="Gap between parts on a build")


class Machining(ProcessBase):
    """Removing material from a block: 3-axis milling."""

    kind: Literal[ProcessKind.MACHINING] = ProcessKind.MACHINING
    removal_mm3_s: dict[str, Positive] = Field(description="Average removal rate by family")
    stock_allowance_mm: NonNegative = Field(description="Added to each side of the stock")
    setups_per_part: Annotated[int, Field(ge=1)] = 2
    min_internal_radius_mm: NonNegative = 0


class Bending(ProcessBase):
    """Press-brake bending of cut sheet."""

    kind: Literal[ProcessKind.BENDING] = ProcessKind.BENDING
    bend_s: Positive = Field(description="Run time per bend")
    setup_per_bend_s: NonNegative
    max_thickness_mm: Positive
    max_length_mm: Positive


class Finishing(ProcessBase):
    """Treating a made part: deburring along edges, coating over its area."""

    kind: Literal[ProcessKind.FINISHING] = ProcessKind.FINISHING
    basis: Literal["edge_length", "area"]
    rate: Positive = Field(description="mm of edge per s, or mm² of surface per s")
    consumable_per_m2: NonNegative = Field(default=0, description="Coating powder, paint")


class Moulding(ProcessBase):
    """Injection moulding: a mould once, then fast cheap cycles."""

    kind: Literal[ProcessKind.MOULDING] = ProcessKind.MOULDING
    tooling_base: Positive = Field(description="Mould cost for the simplest part")
    tooling_per_cm3: NonNegative = Field(description="Mould cost added per cm³ of part")
    tooling_lead_days: NonNegative
    cycle_base_s: Positive
    cycle_s_per_cm3: NonNegative
    cavities: Annotated[int, Field(ge=1)] = 1
    max_volume_mm3: Positive
    scrap_fraction: Fraction = 0.02


class Stamping(ProcessBase):
    """Blanking and piercing sheet in a die: a die once, then one stroke per part."""

    kind: Literal[ProcessKind.STAMPING] = ProcessKind.STAMPING
    tooling_base: Positive
    tooling_per_contour: NonNegative = Field(description="Die cost per punched contour")
    tooling_per_mm: NonNegative = Field(description="Die cost per mm of cut edge")
    tooling_lead_days: NonNegative
    stroke_s: Positive
    max_thickness_mm: dict[str, Positive]
    min_hole_factor: NonNegative
    strip_utilisation: Annotated[float, Field(gt=0, le=1)] = 0.75
    deburr_from_mm: NonNegative | None = Field(
        default=0, description="Blanked metal this thick or more is deburred; None: never"
    )


class Inspection(WorkBase):
    """Checking made parts against their drawing: more checks for finer tolerances."""

    kind: Literal[ProcessKind.INSPECTION] = ProcessKind.INSPECTION
    check_s: dict[ToleranceGrade, Positive] = Field(
        description="Time per part by its tolerance class"
    )


class Assembling(WorkBase):
    """Joining components by hand: handling and fastening each one."""

    kind: Literal[ProcessKind.ASSEMBLY] = ProcessKind.ASSEMBLY
    component_s: Positive = Field(description="Handling and fastening per component")


class Welding(WorkBase):
    """Joining an assembly by welding its seams by hand."""

    kind: Literal[ProcessKind.WELDING] = ProcessKind.WELDING
    per_weld_s: Positive = Field(description="Fit-up, tacking and cleaning per seam")
    speed_mm_s: Positive = Field(description="Overall welding speed along a seam")
    consumable_per_m: NonNegative = Field(description="Wire and shielding gas per metre of seam")


class Packing(WorkBase):
    """Packing a finished product for shipping, by its size."""

    kind: Literal[ProcessKind.PACKING] = ProcessKind.PACKING
    tiers: list[tuple[Positive, NonNegative, Positive]] = Field(
        min_length=1,
        description="Rows (largest size mm, set-up s, s per product) sorted by size",
    )

    def tier_for(self, size_mm: float) -> tuple[float, float, float]:
        """The smallest tier the size fits, else the largest."""
        return next((t for t in self.tiers if size_mm <= t[0]), self.tiers[-1])


ShapingProcess = ProfileCutting | Additive | Machining | Moulding | Stamping
Process = Annotated[
    ProfileCutting
    | Additive
    | Machining
    | Bending
    | Finishing
    | Moulding
    | Stamping
    | Inspection
    | Assembling
    | Welding
    | Packing,
    Field(discriminator="kind"),
]


class Machine(CatalogEntry):
    """A machine that runs one process, with its working envelope and hourly rate."""

    process: str
    envelope_mm: tuple[Positive, Positive] | tuple[Positive, Positive, Positive] = Field(
        description="Bed (x, y) for sheet processes, build or work volume (x, y, z) otherwise"
    )
    rate_per_hour: Positive = Field(description="Machine rate, operator included where attended")
    max_thickness_mm: Positive | None = Field(
        default=None, description="Caps the process table: a smaller machine cuts less"
    )
    outsourced: bool = Field(default=False, description="Run by a partner, not in the shop")
    speed_factor: Annotated[float, Field(gt=0, le=10)] = Field(
        default=1.0, description="Printers: build speed relative to the process's rates"
    )
    retired: bool = Field(
        default=False, description="Out of service for good: left out of the shop's catalog"
    )


class Supplier(CatalogEntry):
    """A bureau's offer to make parts by one process, priced by its published list."""

    process: str = Field(description="The process the supplier makes parts with")
    families: list[str] = Field(min_length=1)
    envelope_mm: tuple[Positive, Positive] | tuple[Positive, Positive, Positive]
    max_thickness_mm: Positive | None = None
    order_fee: NonNegative = 0
    per_part: NonNegative = 0
    per_mm_cut: NonNegative = 0
    per_cm3: NonNegative = 0
    per_cm3_bbox: NonNegative = 0
    per_kg: NonNegative = 0
    min_first_part: NonNegative = Field(default=0, description="Least price of one part")
    min_extra_part: NonNegative = Field(default=0, description="Least price of each copy")
    discounts: list[tuple[Annotated[int, Field(ge=1)], Annotated[float, Field(gt=0, le=1)]]] = (
        Field(default_factory=list, description="Rows (from quantity, price factor)")
    )
    lead_days: NonNegative

    def discount(self, quantity: int) -> float:
        """The price factor for `quantity` copies."""
        factors = [f for q, f in sorted(self.discounts) if quantity >= q]
        return factors[-1] if factors else 1.0


LeadTier = Literal["economy", "standard", "expedite"]
LEAD_TIERS: tuple[LeadTier, ...] = get_args(LeadTier)


class LeadTierTerms(BaseModel):
    """What a lead-time tier does to the price and to the days."""

    model_config = ConfigDict(extra="forbid")

    price_factor: Annotated[float, Field(gt=0, le=5)]
    days_factor: Annotated[float, Field(gt=0, le=5)]


def _default_lead_tiers() -> dict[LeadTier, LeadTierTerms]:
    return {
        "economy": LeadTierTerms(price_factor=0.8, days_factor=2.0),
        "standard": LeadTierTerms(price_factor=1.0, days_factor=1.0),
        "expedite": LeadTierTerms(price_factor=1.2, days_factor=0.5),
    }


AQLS = (
    *(0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0),
    *(6.5, 10, 15, 25, 40, 65, 100, 150, 250, 400, 650, 1000),
)
"""The AQLs of ISO 2859-1 Table 2-A (percent nonconforming, above 10 nonconformities per
100 items)."""


class Shop(CatalogEntry):
    """The commercial settings of the workshop that quotes, and the AQL it samples at."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    labour_rate_per_hour: Positive
    overhead: Fraction = Field(description="Added to cost: rent, admin, energy not in rates")
    margin: Fraction = Field(description="Share of price that is profit: price = cost/(1-margin)")
    material_markup: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.15, description="Added to the cost of material sold on"
    )
    pass_through_markup: Annotated[float, Field(ge=0, le=5)] = Field(
        default=0.10, description="Added to tooling and bought-in work passed through"
    )
    min_order_price: NonNegative = Field(
        default=0, description="Least price of an order, shown as its own line"
    )
    lead_tiers: dict[LeadTier, LeadTierTerms] = Field(default_factory=_default_lead_tiers)

    @model_validator(mode="after")
    def _every_tier_priced(self) -> "Shop":
        missing = [t for t in LEAD_TIERS if t not in self.lead_tiers]
        if missing:
            raise ValueError(f"lead_tiers has no terms for {', '.join(missing)}")
        return self

    hours_per_day: Annotated[float, Field(gt=0, le=24)] = 8
    base_lead_days: NonNegative = 2
    quantity_breaks: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: [1, 10, 100, 1000]
    )
    default_sheet_material: str = "steel-s235"
    default_solid_material: str = "pla"
    inspection_aql: float = Field(
        default=1.0, description="AQL of batches sampled by ISO 2859-1 (level II), in percent"
    )

    @field_validator("inspection_aql")
    @classmethod
    def _aql_of_the_table(cls, aql: float) -> float:
        if not any(math.isclose(aql, value, rel_tol=1e-9) for value in AQLS):
            accepted = ", ".join(f"{value:g}" for value in AQLS)
            raise ValueError(f"{aql:g} is not an AQL of ISO 2859-1 (accepted: {accepted})")
        return aql


class Catalog(BaseModel):
    """Materials, processes, machines and shop settings, bundled defaults merged with a shop's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shop: Shop
    materials: dict[str, Material]
    processes: dict[str, Process]
    machines: dict[str, Machine]
    suppliers: dict[str, Supplier] = Field(default_factory=dict)

    def names(self) -> dict[str, str]:
        """Every material, process and machine code with the name people know it by."""
        return {
            code: entry.name
            for entries in (self.materials, self.processes, self.machines)
            for code, entry in entries.items()
        }

    @model_validator(mode="after")
    def _references_resolve(self) -> "Catalog":
        for machine in self.machines.values():
            if machine.process not in self.processes:
                raise ValueError(
                    f"machine '{machine.id}' runs unknown process '{machine.process}'"
                    f" (known: {', '.join(sorted(self.processes))})"
                )
        for supplier in self.suppliers.values():
            if supplier.process not in self.processes:
                raise ValueError(
                    f"supplier '{supplier.id}' uses unknown process '{supplier.process}'"
                )
        for ref in (self.shop.default_sheet_material, self.shop.default_solid_material):
            if ref not in self.materials:
                raise ValueError(f"shop default material '{ref}' is not in the catalog")
        return self

    def machines_for(self, process_id: str) -> list[Machine]:
        return [m for m in self.machines.values() if m.process == process_id]
