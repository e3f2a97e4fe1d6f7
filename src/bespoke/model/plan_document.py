"""The stored document of a product's plan, as `bespoke plan --json` prints it and the API
serves it."""

from typing import Self

from pydantic import Field

from bespoke.model import DfmFinding, Routing
from bespoke.model.product import ConfiguredPart, PurchasedItem, ToleranceClass
from bespoke.model.product_plan import (
    BomLine,
    CostLine,
    MaterialNeed,
    PartPlan,
    ProductPrice,
    ProductQuote,
)
from bespoke.model.quote_document import (
    BatchedPrice,
    BreakdownDocument,
    CurveDocument,
    DocumentPart,
    OperationDocument,
    SheetGeometryDocument,
    SolidGeometryDocument,
    geometry_document,
    is_none,
)


class PlanPartDocument(DocumentPart):
    """A part of the product: how many per product, what it is made of, its measurements,
    the ways it can be made and why others cannot."""

    id: str
    quantity: int = Field(description="Per product")
    material: str
    thickness_mm: float | None
    tolerance: ToleranceClass
    design_file: str
    geometry: SheetGeometryDocument | SolidGeometryDocument
    ways: list[str] = Field(description="Processes that can make it")
    findings: list[DfmFinding]

    @classmethod
    def of(cls, planned: PartPlan, design: ConfiguredPart) -> Self:
        geometry = design.part.sheet or design.part.solid
        assert geometry is not None
        return cls(
            id=planned.part_id,
            quantity=planned.quantity,
            material=design.part.material_id,
            thickness_mm=design.part.thickness_mm,
            tolerance=design.tolerance,
            design_file=design.design_file,
            geometry=geometry_document(geometry),
            ways=[o.process_id for o in planned.options],
            findings=planned.findings,
        )


class AssemblyDocument(DocumentPart):
    """Components joined into one, with how many of each per assembly."""

    id: str
    name: str
    components: list[tuple[str, int]]
    instructions: str


class ProductPriceDocument(DocumentPart):
    """The price of a quantity of products: the way each part is made, the cost of each
    item, the bill of materials and the stock to have."""

    quantity: int
    unit_price: float
    total_price: float
    lead_time_days: int
    hours: float
    ways: dict[str, str] = Field(description="Part id -> the process that makes it")
    breakdown: BreakdownDocument
    lines: list[CostLine]
    bom: list[BomLine]
    materials: list[MaterialNeed]

    @classmethod
    def of(cls, price: ProductPrice) -> Self:
        return cls(
            quantity=price.quantity,
            unit_price=price.unit_price,
            total_price=price.total_price,
            lead_time_days=price.lead_time_days,
            hours=price.hours,
            ways=price.ways,
            breakdown=BreakdownDocument.of(price.breakdown),
            lines=[
                line.model_copy(update={"cost": round(line.cost, 2), "price": round(line.price, 2)})
                for line in price.lines
            ],
            bom=price.bom,
            materials=price.materials,
        )


class RoutingDocument(DocumentPart):
    """The product's operations and the order they must follow (pairs of operation ids)."""

    operations: list[OperationDocument]
    edges: list[tuple[str, str]]

    @classmethod
    def of(cls, routing: Routing) -> Self:
        return cls(
            operations=[OperationDocument.of(op) for op in routing.operations],
            edges=routing.edges,
        )


class ProductBatchedPrice(BatchedPrice):
    """A product's `BatchedPrice`: the way each part is made batched, and the parts made
    otherwise than as priced alone."""

    ways: dict[str, str] = Field(default_factory=dict)
    made_otherwise: dict[str, str] = Field(default_factory=dict)


class PlanFiles(DocumentPart):
    """What a plan made, kept in the blob store by sha256: each part's drawing or mesh
    and its picture, by part id, and the plan as one HTML file."""

    designs: dict[str, str]
    pictures: dict[str, str]
    report: str


class PlanDocument(DocumentPart):
    """A product's plan as kept: its parts and how each can be made, what it buys in, how
    it is assembled, its prices by quantity, its routing, its scale curve and, once the
    shop has looked, what joining its next batches saves."""

    schema_version: int = 1
    name: str
    settings: dict[str, bool | int | float | str] = Field(
        description="Parameter values it was configured with (lengths in mm)"
    )
    currency: str
    feasible: bool
    findings: list[DfmFinding] = Field(description="Product-level problems")
    parts: list[PlanPartDocument]
    purchased: list[PurchasedItem]
    assemblies: list[AssemblyDocument]
    prices: list[ProductPriceDocument]
    routing: RoutingDocument | None = Field(description="The operations at the first quantity")
    curve: CurveDocument | None
    batching: list[ProductBatchedPrice] | None = Field(
        default=None,
        exclude_if=is_none,
        description="Each quantity made in the shop's next batches; absent when not looked at",
    )
    files: PlanFiles | None = Field(
        default=None,
        exclude_if=is_none,
        description="The files it made, kept; absent from plans kept before files were",
    )

    @classmethod
    def of(
        cls,
        quote: ProductQuote,
        batching: list[ProductBatchedPrice] | None = None,
        files: PlanFiles | None = None,
    ) -> Self:
        """The document of `quote`, with what joining batches saves if it was looked at and
        the files it made if they were kept."""
        plan = quote.plan
        product = plan.product
        designs = {p.id: p for p in product.parts}
        return cls(
            name=product.name,
            settings=product.settings,
            currency=quote.currency,
            feasible=plan.feasible,
            findings=plan.findings,
            parts=[PlanPartDocument.of(p, designs[p.part_id]) for p in plan.parts],
            purchased=product.purchased,
            assemblies=[
                AssemblyDocument(
                    id=a.id, name=a.name, components=a.components, instructions=a.instructions
                )
                for a in product.assemblies
            ],
            prices=[ProductPriceDocument.of(p) for p in quote.prices],
            routing=RoutingDocument.of(quote.routing) if quote.routing else None,
            curve=CurveDocument.of(quote.curve) if quote.curve else None,
            batching=batching,
            files=files,
        )

    def refusal(self) -> str:
        """Why the shop cannot make the product: its own findings and those of each part
        no process can make, in words."""
        found = [f.message for f in self.findings]
        found += [f"part {p.id}: {f.message}" for p in self.parts if not p.ways for f in p.findings]
        return "; ".join(found) or "the shop cannot make every part of it"

    def price_at(self, quantity: int) -> ProductPriceDocument | None:
        """The price of `quantity` products, if it was quoted."""
        return next((p for p in self.prices if p.quantity == quantity), None)

    def batched_entry(self, quantity: int) -> ProductBatchedPrice | None:
        """What `quantity` could join in the next batches, if the plan looked."""
        return next((b for b in self.batching or [] if b.quantity == quantity), None)

    def ways_at(self, price: ProductPriceDocument, batched: bool) -> dict[str, str]:
        """How each part is made at `price`'s quantity: as priced alone, or (`batched`) as
        priced in the next batches its parts could join."""
        entry = self.batched_entry(price.quantity) if batched else None
        return dict((entry.ways if entry else None) or price.ways)
