"""The REST API under /api: accounts, designs and quotes, products and plans, orders, shop."""

from fastapi import APIRouter

from bespoke.api.rest import accounts, orders, shop, work

router = APIRouter(prefix="/api")
for module in (accounts, work, orders, shop):
    router.include_router(module.router)
