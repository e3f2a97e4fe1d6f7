"""The plan of a configured product: the ways each part can be made, and the product's own work."""

from pydantic import Field

from bespoke.model.costing import CostBreakdown, ScaleCurve
from bespoke.model.geometry import Frozen
from bespoke.model.planning import DfmFinding, Operation, ProcessOption, Routing
from bespoke.model.product import Product


class PartPlan(Frozen):
    """The feasible ways to make one part of a product (each a full chain), and the rest."""

    part_id: str
    quantity: int = Field(ge=0, description="Per product")
    options: list[ProcessOption] = Field(description="Feasible, cut to finish to inspection")
    findings: list[DfmFinding] = Field(description="Why the other processes cannot make it")

    @property
    def feasible(self) -> bool:
        return bool(self.options) or self.quantity == 0


class ProductPlan(Frozen):
    """Everything needed to make and price a product at any quantity."""

    product: Product
    parts: list[PartPlan]
    assembly: list[Operation] = Field(description="Assembly of each assembly, then packing")
    assembly_consumables: float = Field(default=0, ge=0, description="Welding wire and gas")
    findings: list[DfmFinding] = Field(default_factory=list, description="Product-level problems")

    @property
    def feasible(self) -> bool:
        return not self.findings and all(p.feasible for p in self.parts)


class BomLine(Frozen):
    """One line of the bill of materials for a quantity of products."""

    item_id: str
    name: str
    kind: str = Field(description="'part' or 'purchased'")
    per_product: int = Field(ge=0)
    total: int = Field(ge=0)
    process_id: str | None = None
    material_id: str | None = None
    unit_price: float | None = Field(default=None, description="Purchased items only")


class MaterialNeed(Frozen):
    """Material to have in stock for a quantity of products."""

    material_id: str
    stock: str = Field(description="'sheet 3 mm 3000 x 1500', 'filament', 'powder' ...")
    kg: float = Field(ge=0)
    sheets: int | None = Field(default=None, ge=0, description="Whole sheets, for sheet stock")


class CostLine(Frozen):
    """What one item of the product costs for the whole quantity, and its share of the price."""

    item_id: str
    kind: str = Field(description="'part', 'purchased' or 'assembly'")
    process_id: str | None = None
    quantity: int = Field(ge=0, description="Units of the item for the whole quantity")
    cost: float = Field(ge=0)
    price: float = Field(
        ge=0, description="Its share of the price: overhead, margin and markups on its cost"
    )


class ProductPrice(Frozen):
    """The price of a quantity of products, with the way each part is made at that quantity."""

    quantity: int = Field(ge=1)
    unit_price: float
    total_price: float
    breakdown: CostBreakdown
    lines: list[CostLine]
    ways: dict[str, str] = Field(
        description="Part id -> the process that makes it at this quantity"
    )
    bom: list[BomLine]
    materials: list[MaterialNeed]
    lead_time_days: int = Field(ge=0)
    hours: float = Field(ge=0)


class ProductQuote(Frozen):
    """A product plan priced at several quantities, with its scale curve and its routing."""

    plan: ProductPlan
    currency: str
    prices: list[ProductPrice]
    routing: Routing | None = Field(description="The DAG of operations at the first quantity")
    curve: ScaleCurve | None
