"""The REST API under /api: accounts, designs and quotes, products and plans, orders,
batches, off-cuts in stock, shop, the floor's machines."""

from fastapi import APIRouter

from bespoke.api.rest import accounts, batches, machines, orders, remnants, shop, work

router = APIRouter(prefix="/api")
for module in (accounts, work, orders, batches, remnants, shop, machines):
    router.include_router(module.router)
