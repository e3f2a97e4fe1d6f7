"""Batches: the shop's work of many orders under one set-up, their sheets and cut files;
a maker's view of the batch their order is in."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Response

from bespoke.api.openapi import files, problems
from bespoke.api.security import Env, api_caller
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId, SheetNumber
from bespoke.services.shop import batches

router = APIRouter(tags=["batches"])
Caller = Annotated[Account, Depends(api_caller)]
MEDIA = {"svg": "image/svg+xml", "dxf": "application/dxf"}


@router.get("/shop/batches", responses=problems(404))
def list_batches(env: Env, who: Caller, schedule: str = "latest") -> list[batches.BatchView]:
    """The batches of a schedule ('latest' for the newest): family, machine, times, the
    sheets or plates with their utilisation, and each order's share of the cost."""
    return batches.shop_batches(env, who, schedule)


@router.get("/shop/batches/{batch_id}")
def get_batch(batch_id: RowId, env: Env, who: Caller) -> batches.BatchView:
    """A batch of the shop: family, machine, times, sheets or plates, each order's share."""
    return batches.shop_batch(env, who, batch_id)


@router.get(
    "/shop/batches/{batch_id}/sheets/{index}.{fmt}",
    response_class=Response,
    responses=files(*MEDIA.values()),
)
def get_sheet(
    batch_id: RowId, index: SheetNumber, fmt: Literal["svg", "dxf"], env: Env, who: Caller
) -> Response:
    """Sheet or plate `index` (from 1): an SVG picture, or the DXF cut file with every
    part placed and labelled with its order on the ENGRAVE layer."""
    content = batches.batch_sheet(env, who, batch_id, index, fmt)
    headers = {}
    if fmt == "dxf":
        name = f"batch-{batch_id}-sheet-{index}.dxf"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(content, media_type=MEDIA[fmt], headers=headers)


@router.get("/orders/{order_id}/batches")
def get_order_batches(order_id: RowId, env: Env, who: Caller) -> list[batches.BatchView]:
    """The batches the order's work is in, with the order's share of each."""
    return batches.order_batches(env, who, order_id)


@router.get(
    "/orders/{order_id}/batches/{batch_id}/sheets/{index}.svg",
    response_class=Response,
    responses=files(MEDIA["svg"]),
)
def get_order_sheet(
    order_id: RowId, batch_id: RowId, index: SheetNumber, env: Env, who: Caller
) -> Response:
    """A sheet of the batch as the order's maker sees it: their parts coloured."""
    picture = batches.order_sheet(env, who, order_id, batch_id, index)
    return Response(picture, media_type=MEDIA["svg"])
