"""The stored document of a part's quote, as the CLI prints it and the API serves it.

Measurements carry their unit in their names; money is a number in the quote's currency.
The pieces a product's plan shares with it (operations, curve, geometry, prices' breakdown)
are defined here too.
"""

from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from bespoke.model import (
    AlternativeReading,
    CostBreakdown,
    DfmFinding,
    DrawingSheet,
    Operation,
    PriceBreak,
    ProcessOption,
    Quote,
    QuoteChoices,
    ScaleCurve,
    Sheet2D,
    Solid3D,
    UnitReading,
)


def is_none(value: object) -> bool:
    """For `exclude_if`: an optional field is left out of the JSON while it is None."""
    return value is None


class DocumentPart(BaseModel):
    """Base of a stored document and its pieces: read back as they were written."""

    model_config = ConfigDict(frozen=True)


class BreakdownDocument(DocumentPart):
    """A price's cost by kind and what the shop adds to it (`CostBreakdown`)."""

    setup: float
    run: float
    material: float
    tooling: float
    consumables: float
    purchased: float = 0.0
    overhead: float
    margin: float
    markup: float = 0.0
    lead_tier: float = 0.0
    minimum_order: float = 0.0
    total: float

    @classmethod
    def of(cls, breakdown: CostBreakdown) -> Self:
        return cls.model_validate({k: _money(v) for k, v in breakdown.model_dump().items()})


class PriceDocument(DocumentPart):
    """The price of a quantity of a part made one way."""

    quantity: int
    process: str
    machine: str
    unit_price: float
    total_price: float
    lead_time_days: int
    hours: float
    breakdown: BreakdownDocument

    @classmethod
    def of(cls, price: PriceBreak) -> Self:
        return cls(
            quantity=price.quantity,
            process=price.process_id,
            machine=price.machine_id,
            unit_price=_money(price.unit_price),
            total_price=_money(price.total_price),
            lead_time_days=price.lead_time_days,
            hours=price.hours,
            breakdown=BreakdownDocument.of(price.breakdown),
        )


class OperationDocument(DocumentPart):
    """One operation with its times and how they were made up."""

    id: str
    name: str
    process: str
    machine: str | None
    setup_s: float
    run_s: float
    rate_per_hour: float
    manual: bool
    learning_rate: float
    learning_floor: float
    batch_s: float = 0.0
    parts_per_batch: int = 1
    basis: str

    @classmethod
    def of(cls, op: Operation) -> Self:
        return cls(
            id=op.id,
            name=op.name,
            process=op.process_id,
            machine=op.machine_id,
            setup_s=_round(op.setup_s),
            run_s=_round(op.run_s),
            rate_per_hour=op.rate_per_hour,
            manual=op.manual,
            learning_rate=op.learning_rate,
            learning_floor=op.learning_floor,
            batch_s=_round(op.batch_s),
            parts_per_batch=op.parts_per_batch,
            basis=op.basis,
        )

    def operation(self) -> Operation:
        """The operation it was made from, to schedule; its pooled build share is not kept."""
        fields = self.model_dump(exclude={"process", "machine"})
        return Operation(**fields, process_id=self.process, machine_id=self.machine)


class OptionDocument(DocumentPart):
    """One way to make the part, feasible or not and why, with its operations."""

    process: str
    process_name: str
    machine: str | None
    feasible: bool
    findings: list[DfmFinding]
    operations: list[OperationDocument]
    edges: list[tuple[str, str]]
    material_kg_per_part: float
    material_basis: str
    tooling: float
    lead_days: float

    @classmethod
    def of(cls, option: ProcessOption, **more: object) -> Self:
        """The document of `option`; `more` fills a subclass's own fields."""
        routing = option.routing
        return cls.model_validate(
            {
                "process": option.process_id,
                "process_name": option.process_name,
                "machine": option.machine_id,
                "feasible": option.feasible,
                "findings": option.findings,
                "operations": [OperationDocument.of(op) for op in routing.operations]
                if routing
                else [],
                "edges": routing.edges if routing else [],
                "material_kg_per_part": _round(option.material_kg_per_part),
                "material_basis": option.material_basis,
                "tooling": _round(option.tooling_cost),
                "lead_days": _round(option.lead_days),
                **more,
            }
        )


class PricedOptionDocument(OptionDocument):
    """A feasible way to make the part and its price at each quantity."""

    prices: list[PriceDocument]


class CurvePointDocument(DocumentPart):
    """The unit price of every feasible process at one quantity."""

    quantity: int
    unit_prices: dict[str, float]
    cheapest: str


class BreakEvenDocument(DocumentPart):
    """The quantity from which another process becomes the cheapest."""

    quantity: int
    from_process: str
    to_process: str
    unit_price: float


class CurveDocument(DocumentPart):
    """Unit price over quantity, and where the cheapest process changes."""

    points: list[CurvePointDocument]
    break_evens: list[BreakEvenDocument]

    @classmethod
    def of(cls, curve: ScaleCurve) -> Self:
        return cls(
            points=[
                CurvePointDocument(
                    quantity=p.quantity,
                    unit_prices={k: _money(v) for k, v in p.unit_prices.items()},
                    cheapest=p.cheapest,
                )
                for p in curve.points
            ],
            break_evens=[
                BreakEvenDocument(
                    quantity=b.quantity,
                    from_process=b.from_process,
                    to_process=b.to_process,
                    unit_price=_money(b.unit_price),
                )
                for b in curve.break_evens
            ],
        )


class AlternativeReadingDocument(DocumentPart):
    """The measurements read in the other plausible units; a measure the design does not
    have is left out."""

    units: str
    bbox_mm: list[float]
    cut_length_mm: float | None = Field(default=None, exclude_if=is_none)
    area_mm2: float | None = Field(default=None, exclude_if=is_none)
    volume_mm3: float | None = Field(default=None, exclude_if=is_none)
    surface_area_mm2: float | None = Field(default=None, exclude_if=is_none)

    @classmethod
    def of(cls, reading: AlternativeReading) -> Self:
        return cls(
            units=reading.units,
            bbox_mm=_rounded(reading.bbox_mm),
            cut_length_mm=_round_measure(reading.cut_length_mm),
            area_mm2=_round_measure(reading.area_mm2),
            volume_mm3=_round_measure(reading.volume_mm3),
            surface_area_mm2=_round_measure(reading.surface_area_mm2),
        )


class GeometryDocument(DocumentPart):
    """What every design's measurements say: its bounds, its units and their doubts."""

    bbox_mm: list[float]
    bbox_min_mm: list[float]
    units: UnitReading
    doubtful: bool = False
    alternative_reading: AlternativeReadingDocument | None = None
    warnings: list[str]


class SheetGeometryDocument(GeometryDocument):
    """A flat drawing's measurements for cutting."""

    cut_length_mm: float
    pierces: int
    area_mm2: float
    parts: int
    holes: int
    smallest_hole_mm: float | None
    open_chains: int
    duplicates_removed: int
    overlap_removed_mm: float
    degenerate_removed: int
    ignored_entities: dict[str, int]
    doubts: list[str] = Field(default_factory=list)
    drawing_sheet: DrawingSheet | None = None


class SolidGeometryDocument(GeometryDocument):
    """A solid's measurements for building."""

    volume_mm3: float | None
    volume_estimate_mm3: float
    volume_method: str
    surface_area_mm2: float
    watertight: bool
    winding_consistent: bool
    bodies: int
    facets: int
    repaired: bool


def geometry_document(
    geometry: Sheet2D | Solid3D,
) -> SheetGeometryDocument | SolidGeometryDocument:
    """Measurements with their units in their names."""
    reading = geometry.alternative_reading()
    common = {
        "bbox_mm": _rounded(geometry.bbox_mm),
        "bbox_min_mm": _rounded(geometry.bbox_min_mm),
        "units": geometry.units,
        "doubtful": geometry.doubtful,
        "alternative_reading": AlternativeReadingDocument.of(reading) if reading else None,
        "warnings": geometry.warnings,
    }
    if isinstance(geometry, Sheet2D):
        return SheetGeometryDocument.model_validate(
            {
                **common,
                "cut_length_mm": _round(geometry.cut_length_mm),
                "pierces": geometry.pierces,
                "area_mm2": _round(geometry.area_mm2),
                "parts": geometry.parts,
                "holes": geometry.holes,
                "smallest_hole_mm": _round_measure(geometry.smallest_hole_mm),
                "open_chains": geometry.open_chains,
                "duplicates_removed": geometry.duplicates_removed,
                "overlap_removed_mm": _round(geometry.overlap_removed_mm),
                "degenerate_removed": geometry.degenerate_removed,
                "ignored_entities": geometry.ignored_entities,
                "doubts": geometry.doubts,
                "drawing_sheet": geometry.drawing_sheet,
            }
        )
    return SolidGeometryDocument.model_validate(
        {
            **common,
            "volume_mm3": _round_measure(geometry.volume_mm3),
            "volume_estimate_mm3": _round(geometry.volume_estimate_mm3),
            "volume_method": geometry.volume_method,
            "surface_area_mm2": _round(geometry.surface_area_mm2),
            "watertight": geometry.watertight,
            "winding_consistent": geometry.winding_consistent,
            "bodies": geometry.bodies,
            "facets": geometry.facets,
            "repaired": geometry.repaired,
        }
    )


class BatchedPrice(DocumentPart):
    """A quantity's unit price made alone and made in the shop's next batches, the batches
    it would join and when the first starts (ISO 8601; None: no batch of its families is
    still to run)."""

    quantity: int
    alone_unit_price: float
    batched_unit_price: float
    batched_total_price: float
    batches: list[str]
    batch_starts: str | None


class PartBatchedPrice(BatchedPrice):
    """A part's `BatchedPrice`: the way it is made batched, and the part by that way when
    it is not the way the part is made alone."""

    process: str | None = Field(default=None, description="None: the way is not named")
    made_otherwise: dict[str, str] = Field(default_factory=dict)


class QuoteDocument(DocumentPart):
    """A part's quote as kept: the design and its measurements, the ways to make it and
    their prices, the ways that cannot and why, the scale curve and, once the shop has
    looked, what joining its next batches saves."""

    schema_version: int = 1
    design: str
    design_kind: Literal["dxf", "stl"]
    material: str
    thickness_mm: float | None
    finish: str | None
    currency: str
    geometry: SheetGeometryDocument | SolidGeometryDocument
    makeable: bool
    quantities: list[int]
    best: list[PriceDocument] = Field(description="The cheapest way at each quantity")
    options: list[PricedOptionDocument] = Field(
        description="Feasible ways, cheapest first at the first quantity"
    )
    rejected: list[OptionDocument] = Field(description="Ways that cannot make it, and why")
    curve: CurveDocument | None
    choices: QuoteChoices = Field(default_factory=QuoteChoices)
    batching: list[PartBatchedPrice] | None = Field(
        default=None,
        exclude_if=is_none,
        description="Each quantity made in the shop's next batches; absent when not looked at",
    )

    @classmethod
    def of(cls, quote: Quote, batching: list[PartBatchedPrice] | None = None) -> Self:
        """The document of `quote`, with what joining batches saves if it was looked at."""
        part = quote.part
        geometry = part.sheet or part.solid
        assert geometry is not None
        return cls(
            design=quote.design,
            design_kind=quote.design_kind,
            material=part.material_id,
            thickness_mm=part.thickness_mm,
            finish=part.finish,
            currency=quote.currency,
            geometry=geometry_document(geometry),
            makeable=quote.makeable,
            quantities=quote.quantities,
            best=[PriceDocument.of(b) for b in quote.best],
            options=[
                PricedOptionDocument.of(q.option, prices=[PriceDocument.of(p) for p in q.prices])
                for q in quote.options
            ],
            rejected=[OptionDocument.of(o) for o in quote.rejected],
            curve=CurveDocument.of(quote.curve) if quote.curve else None,
            choices=quote.choices,
            batching=batching,
        )

    def chosen_option(self, quantity: int, batched: bool = False) -> PricedOptionDocument:
        """The way `quantity` was priced: its cheapest made alone, or (`batched`) its
        cheapest in the next batches it could join."""
        entry = self.batched_entry(quantity) if batched else None
        process = entry.process if entry else None
        if process is None:
            process = next((b for b in self.best if b.quantity == quantity), self.best[0]).process
        return next(o for o in self.options if o.process == process)

    def batched_entry(self, quantity: int) -> PartBatchedPrice | None:
        """What `quantity` could join in the next batches, if the quote looked."""
        return next((b for b in self.batching or [] if b.quantity == quantity), None)

    def refusal(self) -> str:
        """Why no way of the shop can make the part, each way's findings in words."""
        found = [f"{o.process_name}: {f.message}" for o in self.rejected for f in o.findings]
        return "; ".join(found) or "no process of the shop can make it"

    def flagged_reading(self) -> UnitReading | None:
        """The units reading of the design when it is flagged as doubtful."""
        units = self.geometry.units
        return units if units.suspicious else None


def _money(value: Decimal) -> float:
    return float(value)


def _rounded(values: tuple[float, ...]) -> list[float]:
    return [_round(v) for v in values]


def _round(value: float) -> float:
    return round(value, 4)


def _round_measure(value: float | None) -> float | None:
    return None if value is None else _round(value)
