"""The REST API under /api: accounts, designs and quotes, products and plans, orders,
batches, off-cuts in stock, shop, the floor's work orders and machines."""

from fastapi import APIRouter

from bespoke.api.rest import accounts, batches, floor, machines, orders, remnants, shop, work

router = APIRouter(prefix="/api")
for module in (accounts, work, orders, batches, remnants, shop, floor, machines):
    router.include_router(module.router)
