"""The shop's pages: its dashboard, schedules (with their Gantt chart), batches and
off-cuts in stock."""

from collections import Counter
from datetime import UTC
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bespoke.api.pages.kit import (
    Signed,
    render,
    see_other,
)
from bespoke.api.pages.settings import maintenance_planned
from bespoke.api.rest.shop import ScheduleRequest, start_shop_schedule
from bespoke.api.security import (
    Env,
    check_csrf,
)
from bespoke.api.views import order_out
from bespoke.batching.nesting import SMALLEST_REMNANT_MM
from bespoke.model.accounts import Role
from bespoke.model.bounds import RowId, SheetNumber
from bespoke.model.errors import PermissionDeniedError
from bespoke.model.orders import OrderStatus
from bespoke.services.shop import batches, remnants, schedule_chart
from bespoke.services.shop.calendars import days_ahead
from bespoke.services.shop.shops import shop_catalog, shop_view
from bespoke.store import now

router = APIRouter(include_in_schema=False)


@router.get("/shop", response_class=HTMLResponse)
def dashboard(
    request: Request, env: Env, caller: Signed, status: OrderStatus | None = None
) -> HTMLResponse:
    if caller.account.role == Role.MAKER:
        raise PermissionDeniedError("the dashboard is for the shop's operators")
    with env.uow() as uow:
        rows = [order_out(o) for o in uow.orders.list(caller.account)]
        titles = {o.quote_id: uow.quotes.get(caller.account, o.quote_id).title for o in rows}
    counts = Counter(o.status for o in rows)
    shop = shop_view(env, caller.account)
    with env.uow() as uow:
        catalog = shop_catalog(uow, shop.id)
    today = now().replace(tzinfo=UTC).astimezone(ZoneInfo(shop.calendar.timezone)).date()
    week = days_ahead(shop.calendar, today, 7, maintenance_planned(env, caller))
    return render(
        request,
        "shop.html.j2",
        caller,
        orders=[o for o in rows if status is None or o.status == status],
        titles=titles,
        counts=[(s, counts.get(s, 0)) for s in OrderStatus],
        shown_status=status,
        shop=shop,
        week=week,
        later_closed=[d for d in sorted(shop.calendar.closed) if d > week[-1].day][:5],
        names=catalog.names(),
    )


@router.post("/shop/schedule")
def schedule_submit(
    request: Request,
    caller: Signed,
    csrf_token: Annotated[str, Form()] = "",
    time_limit: Annotated[float, Form()] = 10.0,
) -> Response:
    check_csrf(caller, csrf_token)
    task = start_shop_schedule(request, caller.account, ScheduleRequest(time_limit=time_limit))
    return see_other(f"/tasks/{task.id}")


@router.get("/shop/schedules/{schedule_id}", response_class=HTMLResponse)
def schedule_page(schedule_id: str, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    charted = schedule_chart.charted_schedule(env, caller.account, schedule_id)
    return render(
        request,
        "schedule.html.j2",
        caller,
        schedule=charted.schedule,
        figure=charted.figure,
        machines=charted.machines,
    )


@router.get("/shop/batches", response_class=HTMLResponse)
def batches_page(
    request: Request, env: Env, caller: Signed, schedule: str = "latest"
) -> HTMLResponse:
    rows = batches.shop_batches(env, caller.account, schedule)
    names = batches.batch_catalog(env, caller.account).names()
    return render(request, "batches.html.j2", caller, batches=rows, schedule=schedule, names=names)


@router.get("/shop/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: RowId, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    drawn = batches.drawn_shop_batch(env, caller.account, batch_id)
    names = batches.batch_catalog(env, caller.account).names()
    return render(
        request, "batch.html.j2", caller, batch=drawn.batch, sheets=drawn.sheets, names=names
    )


@router.get("/shop/batches/{batch_id}/sheets/{index}.dxf")
def batch_cut_file(batch_id: RowId, index: SheetNumber, env: Env, caller: Signed) -> Response:
    content = batches.batch_sheet(env, caller.account, batch_id, index, "dxf")
    name = f"batch-{batch_id}-sheet-{index}.dxf"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type="application/dxf", headers=disposition)


@router.get("/shop/remnants", response_class=HTMLResponse)
def remnants_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    return render(
        request,
        "remnants.html.j2",
        caller,
        remnants=remnants.shop_remnants(env, caller.account),
        materials=remnants.sheet_materials(env, caller.account),
        smallest=SMALLEST_REMNANT_MM,
    )


@router.post("/shop/remnants")
def remnant_submit(
    env: Env,
    caller: Signed,
    material: Annotated[str, Form()],
    thickness_mm: Annotated[float, Form(gt=0)],
    length_mm: Annotated[float, Form(gt=0)],
    width_mm: Annotated[float, Form(gt=0)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    remnants.add_remnant(env, caller.account, material, thickness_mm, (length_mm, width_mm))
    return see_other("/shop/remnants")


@router.post("/shop/remnants/{remnant_id}/scrap")
def remnant_scrap(
    remnant_id: RowId, caller: Signed, env: Env, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(caller, csrf_token)
    remnants.scrap_remnant(env, caller.account, remnant_id)
    return see_other("/shop/remnants")
