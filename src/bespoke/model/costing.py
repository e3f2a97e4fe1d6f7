"""What a part costs and what it sells for, by quantity."""

from decimal import Decimal

from pydantic import Field

from bespoke.model.geometry import Frozen


class CostBreakdown(Frozen):
    """Cost of a whole order line by kind and how it becomes the price, in the shop's
    currency."""

    setup: Decimal = Field(title="set-up")
    run: Decimal = Field(title="run")
    material: Decimal = Field(title="material")
    tooling: Decimal = Field(title="tooling")
    consumables: Decimal = Field(title="consumables")
    purchased: Decimal = Field(default=Decimal(0), title="bought in")
    overhead: Decimal = Field(title="overhead", description="On the work done in the shop")
    margin: Decimal = Field(title="margin", description="On the work done in the shop")
    markup: Decimal = Field(
        default=Decimal(0),
        title="markup on material, tooling, bought in",
        description="Material sold on, tooling and bought-in work passed through, "
        "at the shop's stated markups",
    )
    lead_tier: Decimal = Field(
        default=Decimal(0),
        title="lead-time tier",
        description="Added for expedite, taken off for economy",
    )
    minimum_order: Decimal = Field(
        default=Decimal(0),
        title="minimum order top-up",
        description="Tops a small order up to the shop's minimum order",
    )
    total: Decimal = Field(title="total")

    @classmethod
    def parts(cls) -> dict[str, str]:
        """The kinds that add up to the total, in the order a price is built up, with
        what a reader calls them."""
        return {k: f.title or k for k, f in cls.model_fields.items() if k != "total"}


class PriceBreak(Frozen):
    """The price of a quantity made one way."""

    quantity: int = Field(ge=1)
    process_id: str
    machine_id: str
    unit_price: Decimal
    total_price: Decimal
    breakdown: CostBreakdown
    lead_time_days: int = Field(ge=0)
    hours: float = Field(ge=0, description="Machine and labour hours for the whole line")


class BreakEven(Frozen):
    """The quantity from which another process becomes the cheapest."""

    quantity: int = Field(ge=1)
    from_process: str
    to_process: str
    unit_price: Decimal


class ScalePoint(Frozen):
    """Unit price of every feasible process at one quantity."""

    quantity: int = Field(ge=1)
    unit_prices: dict[str, Decimal]
    cheapest: str


class ScaleCurve(Frozen):
    """Unit price over quantity, the cheapest process along it, and where it switches."""

    points: list[ScalePoint]
    break_evens: list[BreakEven]


class CostShare(Frozen):
    """What one order carries of a batch's cost."""

    order: str
    setup: Decimal
    material: Decimal
    run: Decimal
    total: Decimal
