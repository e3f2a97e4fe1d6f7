"""A design quoted across the network's shops: each shop's offer by quantity, priced by
its own catalog and promised by its own schedule, and the best by the maker's choice.

Each shop's offer is an ordinary kept quote of that shop (the one quoting pipeline,
`quotes.quote_in_shop`); ordering it (`ordering.place_order`) sends the order to that
shop. A shop that cannot make the part is listed with the reason.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from bespoke.model.accounts import Account
from bespoke.model.errors import BespokeError
from bespoke.model.quote_document import QuoteDocument
from bespoke.services.environment import Environment
from bespoke.services.quoting.quotes import PartQuoteRequest, owned_design, quote_in_shop
from bespoke.services.shop.network import open_shops, taking_work
from bespoke.services.workers import QUOTE
from bespoke.store import UnitOfWork
from bespoke.store.tables import QuoteRow, ShopRow

MAX_SHOPS = 50
"""Shops named in one quote across shops."""
BestBy = Literal["price", "date"]
Slug = Annotated[str, Field(min_length=1, max_length=64)]


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


class AcrossShopsRequest(PartQuoteRequest):
    """What to quote a stored design for, in which shops, and how to pick the best."""

    shops: Annotated[list[Slug], Field(min_length=1, max_length=MAX_SHOPS)] | None = Field(
        default=None, description="Shop slugs to ask; None: every shop that takes work"
    )
    best_by: BestBy = Field(default="price", description="price (cheapest) or date (soonest)")

    def part_request(self) -> PartQuoteRequest:
        """The quote each shop is asked for."""
        return PartQuoteRequest.model_validate(self.model_dump(exclude={"shops", "best_by"}))


class OfferPrice(BaseModel):
    """One quantity of a shop's offer: its price and when that shop would have it done."""

    quantity: int
    unit_price: Decimal
    total_price: Decimal
    lead_time_days: int
    promised_at: Annotated[datetime | None, AfterValidator(_utc)] = None


class ShopOffer(BaseModel):
    """A shop's answer: its kept quote and prices, or why it cannot make the part."""

    shop_id: int
    shop: str = Field(description="The shop's slug")
    shop_name: str
    quote_id: int | None = Field(description="Order this quote to send the order to this shop")
    makeable: bool
    currency: str | None
    prices: list[OfferPrice]
    reason: str | None = Field(description="Why the shop cannot make it; None when it can")


class BestOffer(BaseModel):
    """The best shop for one quantity, by the maker's choice."""

    quantity: int
    shop: str
    quote_id: int


class AcrossShops(BaseModel):
    """Every shop asked, able or not, and the best offer at each quantity."""

    design_id: int
    best_by: BestBy
    offers: list[ShopOffer]
    best: list[BestOffer]
    note: str | None = Field(default=None, description="Why some best could not be picked")


def quote_across_shops(
    env: Environment, owner: Account, request: AcrossShopsRequest
) -> AcrossShops:
    """Quote one of the owner's designs in each shop asked and keep each shop's offer
    (the work done by the environment's workers)."""
    return env.workers.run(QUOTE, keep_across_shops, env, owner, request)


def keep_across_shops(env: Environment, owner: Account, request: AcrossShopsRequest) -> AcrossShops:
    """Quote a design in each shop asked, keep every offer in one transaction and pick the
    best of the able ones."""
    asked = request.part_request()
    with env.uow() as uow:
        design = owned_design(uow, owner, request.design_id)
        offers = []
        for shop in _shops_asked(uow, request.shops):
            try:
                row = quote_in_shop(env, uow, owner, design, asked, shop.id)
            except BespokeError as error:  # the shop's catalog refuses the request
                offers.append(_refused(shop, str(error)))
                continue
            offers.append(_offer(shop, row))
        uow.commit()
    best, note = _best(offers, request.best_by)
    return AcrossShops(
        design_id=request.design_id, best_by=request.best_by, offers=offers, best=best, note=note
    )


def _shops_asked(uow: UnitOfWork, slugs: list[str] | None) -> list[ShopRow]:
    """The shops named (each known and taking work), or every shop that takes work."""
    if slugs is None:
        return open_shops(uow)
    return [taking_work(uow, slug, "shops") for slug in dict.fromkeys(slugs)]


def _offer(shop: ShopRow, row: QuoteRow) -> ShopOffer:
    reason = None
    if not row.makeable:
        document = row.typed_document()
        assert isinstance(document, QuoteDocument)
        reason = document.refusal()
    return ShopOffer(
        shop_id=shop.id,
        shop=shop.slug,
        shop_name=shop.name,
        quote_id=row.id,
        makeable=row.makeable,
        currency=row.currency,
        prices=[OfferPrice.model_validate(p, from_attributes=True) for p in row.prices],
        reason=reason,
    )


def _refused(shop: ShopRow, reason: str) -> ShopOffer:
    return ShopOffer(
        shop_id=shop.id,
        shop=shop.slug,
        shop_name=shop.name,
        quote_id=None,
        makeable=False,
        currency=None,
        prices=[],
        reason=reason,
    )


def _best(offers: list[ShopOffer], best_by: BestBy) -> tuple[list[BestOffer], str | None]:
    """The best able offer at each quantity quoted: the cheapest (prices in one currency
    only) or the soonest, the other as the tie-break."""
    able = [o for o in offers if o.makeable and o.quote_id is not None]
    currencies = sorted({o.currency for o in able if o.currency})
    if best_by == "price" and len(currencies) > 1:
        return [], f"prices in {', '.join(currencies)} are not compared; pick by date"
    far = datetime.max.replace(tzinfo=UTC).timestamp()

    def key(pair: tuple[ShopOffer, OfferPrice]) -> tuple[float, float, int]:
        offer, price = pair
        when = price.promised_at.timestamp() if price.promised_at else far
        total = float(price.total_price)
        return (total, when, offer.shop_id) if best_by == "price" else (when, total, offer.shop_id)

    by_quantity: dict[int, list[tuple[ShopOffer, OfferPrice]]] = {}
    for offer in able:
        for price in offer.prices:
            by_quantity.setdefault(price.quantity, []).append((offer, price))
    best = []
    for quantity in sorted(by_quantity):
        offer, _ = min(by_quantity[quantity], key=key)
        assert offer.quote_id is not None
        best.append(BestOffer(quantity=quantity, shop=offer.shop, quote_id=offer.quote_id))
    return best, None
