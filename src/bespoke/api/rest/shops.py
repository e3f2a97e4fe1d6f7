"""The network of shops: the shops that take work, a design quoted across them, a shop
retired from the network. Ordering a shop's offer (POST /api/orders with its quote_id)
sends the order to that shop."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from bespoke.api.openapi import problems
from bespoke.api.security import Env, api_caller
from bespoke.api.waiting import off_request_threads
from bespoke.model.accounts import Account
from bespoke.model.bounds import MAX_REASON
from bespoke.services import quoting
from bespoke.services.quoting.across_shops import AcrossShops
from bespoke.services.shop.network import open_shops, retire_shop

router = APIRouter(tags=["shops"])
Caller = Annotated[Account, Depends(api_caller)]


class ShopOut(BaseModel):
    id: int
    slug: str
    name: str


class RetireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=MAX_REASON, description="Why it is retired")


@router.get("/shops", response_model=list[ShopOut])
def list_shops(env: Env, who: Caller) -> list[ShopOut]:
    """The shops that take work: the ones a quote across shops asks."""
    with env.uow() as uow:
        return [ShopOut(id=s.id, slug=s.slug, name=s.name) for s in open_shops(uow)]


@router.post(
    "/quotes/across-shops",
    response_model=AcrossShops,
    status_code=201,
    tags=["quotes"],
    responses=problems(404),
)
async def quote_across_shops(
    body: quoting.AcrossShopsRequest, request: Request, env: Env, who: Caller
) -> AcrossShops:
    """Quote a stored design in each shop (or those named): each shop's prices and
    promised dates, or why it cannot make it, and the best by price or by date. Each
    offer is a kept quote; order it to send the order to its shop."""
    return await off_request_threads(request, lambda: quoting.quote_across_shops(env, who, body))


@router.post("/shops/{slug}/retirement", response_model=ShopOut, responses=problems(404, 409))
def retire(slug: str, body: RetireRequest, env: Env, who: Caller) -> ShopOut:
    """Retire a shop from the network (admins): it is no longer quoted, and the quotes it
    gave can no longer be ordered."""
    row = retire_shop(env, who, slug, body.reason)
    return ShopOut(id=row.id, slug=row.slug, name=row.name)
