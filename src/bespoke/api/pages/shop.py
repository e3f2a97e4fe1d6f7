"""The shop's pages: its dashboard, schedules (with their Gantt chart), batches and
off-cuts in stock."""

from collections import Counter
from datetime import UTC, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from bespoke.api.pages.kit import (
    Signed,
    render,
    see_other,
)
from bespoke.api.pages.settings import maintenance_planned
from bespoke.api.rest.shop import ScheduleRequest, schedule_of, start_shop_schedule
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
from bespoke.model.scheduling import KeptSchedule, KeptTask
from bespoke.services.maintenance.scheduled import is_maintenance
from bespoke.services.shop import batches, remnants
from bespoke.services.shop.calendars import days_ahead
from bespoke.services.shop.shops import shop_catalog, shop_view
from bespoke.services.shopfloor import terminal
from bespoke.services.shopfloor.actuals import HELD_PREFIX
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
    view = schedule_of(request, caller.account, schedule_id)
    actual = terminal.work_orders(env, caller.account, open_only=False)
    return render(
        request,
        "schedule.html.j2",
        caller,
        schedule=view,
        gantt=_gantt(view, actual),
        machines=len({t.machine for t in view.tasks}),
    )


def _gantt(view: KeptSchedule, actual: list[terminal.WorkOrderView]) -> list[dict[str, Any]]:
    """Plotly bars on a time axis: one trace per order or batch, one row per machine, and
    the work orders as the floor ran them (from their first start to their finish, or to
    now), over the plan."""
    by_job: dict[str, list[KeptTask]] = {}
    for task in view.tasks:
        by_job.setdefault(task.job, []).append(task)
    return _planned_bars(view, by_job) + _actual_bars(actual)


def _actual_bars(actual: list[terminal.WorkOrderView]) -> list[dict[str, Any]]:
    ran = [w for w in actual if w.first_start_at is not None]
    if not ran:
        return []
    moment = now()
    ends = [w.closed_at or moment for w in ran]
    return [
        {
            "type": "bar",
            "orientation": "h",
            "name": "actual (floor)",
            "width": 0.35,
            "marker": {"color": "rgba(29, 36, 48, 0.75)"},
            "y": [w.machine for w in ran],
            "base": [w.first_start_at.isoformat() for w in ran if w.first_start_at],
            "x": [
                (end - w.first_start_at).total_seconds() * 1000
                for w, end in zip(ran, ends, strict=True)
                if w.first_start_at
            ],
            "text": [f"#{w.id} {w.status}: {w.good} good, {w.scrap} scrap" for w in ran],
            "hovertemplate": "%{text}<br>%{base|%a %d %b %H:%M}<extra>actual</extra>",
        }
    ]


def _planned_bars(view: KeptSchedule, by_job: dict[str, list[KeptTask]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "bar",
            "orientation": "h",
            "name": _job_name(tasks[0]),
            "y": [t.machine for t in tasks],
            "base": [(view.origin + timedelta(seconds=t.start)).isoformat() for t in tasks],
            "x": [(t.end - t.start) * 1000 for t in tasks],
            "text": [t.task.rsplit("/", 1)[-1] for t in tasks],
            "hovertemplate": "%{text}<br>%{base|%a %d %b %H:%M}<extra>%{fullData.name}</extra>",
        }
        for _, tasks in sorted(by_job.items(), key=lambda item: _job_order(item[0]))
    ]


def _job_name(task: KeptTask) -> str:
    if is_maintenance(task.job):
        return f"maintenance on {task.machine}"
    if task.job.startswith(HELD_PREFIX):
        return f"work order {task.job.removeprefix(HELD_PREFIX)} under way"
    if task.batch:
        return f"{task.batch} (orders {', '.join(map(str, task.orders))})"
    return f"order {task.job}"


def _job_order(job: str) -> tuple[int, str]:
    """Orders by number, then batches by name."""
    return (int(job), "") if job.isdigit() else (1 << 62, job)


@router.get("/shop/batches", response_class=HTMLResponse)
def batches_page(
    request: Request, env: Env, caller: Signed, schedule: str = "latest"
) -> HTMLResponse:
    rows = batches.shop_batches(env, caller.account, schedule)
    return render(request, "batches.html.j2", caller, batches=rows, schedule=schedule)


@router.get("/shop/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: RowId, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    drawn = batches.drawn_shop_batch(env, caller.account, batch_id)
    pictures = [Markup(picture) for picture in drawn.pictures]
    return render(request, "batch.html.j2", caller, batch=drawn.batch, pictures=pictures)


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
