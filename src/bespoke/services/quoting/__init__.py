"""Quoting: what a maker does before ordering. Upload a design, quote it by quantity (made
alone or in the shop's next batches, or in each shop of the network), quote it again
with other choices, submit a product and plan it."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.quoting.across_shops import AcrossShopsRequest, quote_across_shops
    from bespoke.services.quoting.designs import upload_design
    from bespoke.services.quoting.quote_file import quote_pdf
    from bespoke.services.quoting.quotes import (
        PartQuoteRequest,
        PlanRequest,
        plan_stored_product,
        quote_stored_design,
        start_product_plan,
        submit_product,
    )

EXPORTS = {
    "AcrossShopsRequest": "across_shops",
    "PartQuoteRequest": "quotes",
    "PlanRequest": "quotes",
    "plan_stored_product": "quotes",
    "quote_across_shops": "across_shops",
    "quote_pdf": "quote_file",
    "quote_stored_design": "quotes",
    "start_product_plan": "quotes",
    "submit_product": "quotes",
    "upload_design": "designs",
}
__all__ = [
    "AcrossShopsRequest",
    "PartQuoteRequest",
    "PlanRequest",
    "plan_stored_product",
    "quote_across_shops",
    "quote_pdf",
    "quote_stored_design",
    "start_product_plan",
    "submit_product",
    "upload_design",
]
__getattr__ = lazy(__name__, EXPORTS)
