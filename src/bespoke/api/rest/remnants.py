"""Off-cuts of sheet in the shop's stock: listed, put in by hand, scrapped."""

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from bespoke.api.security import Env, api_caller
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId
from bespoke.services.shop import remnants

router = APIRouter(tags=["remnants"])
Caller = Annotated[Account, Depends(api_caller)]
Length = Annotated[float, Field(gt=0)]


class RemnantRequest(BaseModel):
    material: str = Field(description="A material the shop stocks as sheet")
    thickness_mm: Length = Field(description="One of the material's sheet thicknesses")
    size_mm: tuple[Length, Length] = Field(description="Length and width of the off-cut")


@router.get("/shop/remnants")
def list_remnants(env: Env, who: Caller) -> list[remnants.RemnantView]:
    """The off-cuts in stock, oldest first; later nests use them before full sheets. Each
    names the batch that left it and the batch of the latest schedule that is to cut it."""
    return remnants.shop_remnants(env, who)


@router.post("/shop/remnants", status_code=201)
def add_remnant(body: RemnantRequest, env: Env, who: Caller) -> remnants.RemnantView:
    """Put an off-cut the shop has into stock."""
    return remnants.add_remnant(env, who, body.material, body.thickness_mm, body.size_mm)


@router.post("/shop/remnants/{remnant_id}/scrap")
def scrap_remnant(remnant_id: RowId, env: Env, who: Caller) -> remnants.RemnantView:
    """Take an off-cut out of stock without cutting it."""
    return remnants.scrap_remnant(env, who, remnant_id)
