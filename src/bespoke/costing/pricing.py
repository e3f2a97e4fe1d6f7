"""From cost to price, in one place: the shop's commercial layer.

Work done in the shop (set-up, run, consumables) carries the overhead and the margin:
price = (cost + overhead) / (1 - margin). Material is sold on at the shop's material
markup, and tooling and bought-in work are passed through at the shop's own stated
pass-through markup, never as if they were labour. The lead-time tier scales the
whole; the minimum order price then tops up a small order, as a line of its own.
"""

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

from bespoke.model import CostBreakdown, LeadTier, Shop

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Costs:
    """What an order (or a line of one) costs the shop, by kind."""

    setup: float = 0.0
    run: float = 0.0
    material: float = 0.0
    tooling: float = 0.0
    consumables: float = 0.0
    purchased: float = 0.0

    @property
    def work(self) -> float:
        """Cost of the work done in the shop: what overhead and margin apply to."""
        return self.setup + self.run + self.consumables

    @property
    def total(self) -> float:
        return self.work + self.material + self.tooling + self.purchased

    def __add__(self, other: "Costs") -> "Costs":
        return Costs(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Costs)))

    def __sub__(self, other: "Costs") -> "Costs":
        return Costs(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(Costs)))


@dataclass(frozen=True)
class Price:
    """The price of some costs and how it is made up."""

    costs: Costs
    overhead: float
    margin: float
    markup: float
    lead_tier: float
    minimum_order: float

    @property
    def list_price(self) -> float:
        """The price before the minimum order tops it up."""
        return self.costs.total + self.overhead + self.margin + self.markup + self.lead_tier

    @property
    def total(self) -> float:
        return self.list_price + self.minimum_order


def price_of(
    costs: Costs, shop: Shop, tier: LeadTier = "standard", *, minimum: bool = True
) -> Price:
    """The price of an order's costs; `minimum=False` for a line inside a larger order."""
    overhead = costs.work * shop.overhead
    margin = (costs.work + overhead) * shop.margin / (1 - shop.margin)
    markup = costs.material * shop.material_markup + (
        (costs.tooling + costs.purchased) * shop.pass_through_markup
    )
    before_tier = costs.total + overhead + margin + markup
    adjustment = before_tier * (shop.lead_tiers[tier].price_factor - 1)
    top_up = max(shop.min_order_price - (before_tier + adjustment), 0.0) if minimum else 0.0
    return Price(costs, overhead, margin, markup, adjustment, top_up)


def breakdown(price: Price) -> CostBreakdown:
    """The price in money, each kind rounded to the cent; the margin takes the rounding."""
    c = price.costs
    parts = {
        "setup": money(c.setup),
        "run": money(c.run),
        "material": money(c.material),
        "tooling": money(c.tooling),
        "consumables": money(c.consumables),
        "purchased": money(c.purchased),
        "overhead": money(price.overhead),
        "markup": money(price.markup),
        "lead_tier": money(price.lead_tier),
        "minimum_order": money(price.minimum_order),
    }
    total = money(price.total)
    return CostBreakdown(**parts, margin=total - sum(parts.values(), Decimal(0)), total=total)


def pass_through(amount: float, shop: Shop) -> float:
    """The price of bought-in work passed through at the shop's stated markup."""
    return amount * (1 + shop.pass_through_markup)


def money(value: float) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)
