"""The REST API under /api: accounts, designs and quotes, products and plans, orders,
batches, off-cuts in stock, shop, the network of shops, the floor's work orders and
machines, maintenance and quality."""

from fastapi import APIRouter

from bespoke.api.rest import (
    accounts,
    batches,
    floor,
    machines,
    maintenance,
    orders,
    products,
    quality,
    remnants,
    shop,
    shops,
    work,
)

router = APIRouter(prefix="/api")
for module in (
    accounts,
    work,
    products,
    orders,
    batches,
    remnants,
    shop,
    shops,
    floor,
    machines,
    maintenance,
    quality,
):
    router.include_router(module.router)
