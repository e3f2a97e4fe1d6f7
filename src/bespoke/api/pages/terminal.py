"""The operator's terminal, made for a phone or tablet at the machine: the machine's queue
in schedule order, a work order with its actions (start, pause with a reason, resume, book
good and scrap, finish), notes and photos, and a scanner for travellers' QR codes."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bespoke.api.pages.kit import Signed, refusal, render, see_other
from bespoke.api.rest.floor import MachineId
from bespoke.api.rest.work import read_upload
from bespoke.api.security import Env, check_csrf
from bespoke.model.bounds import RowId
from bespoke.model.errors import BespokeError
from bespoke.model.execution import FloorAction, PauseReason, ScrapReason
from bespoke.services.maintenance.orders import maintenance_orders
from bespoke.services.quality import measurements
from bespoke.services.shop.shops import staff_shop
from bespoke.services.shopfloor import terminal
from bespoke.services.shopfloor.terminal import MAX_PHOTO_BYTES, WORK

router = APIRouter(include_in_schema=False)


@router.get("/floor/machines/{machine}", response_class=HTMLResponse)
def machine_queue(machine: MachineId, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    queue = terminal.work_orders(env, caller.account, machine)
    upkeep = maintenance_orders(env, caller.account, machine=machine)
    return render(
        request, "terminal_queue.html.j2", caller, machine=machine, queue=queue, upkeep=upkeep
    )


@router.get("/floor/orders/{order_id}", response_class=HTMLResponse)
def order_work(order_id: RowId, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    shop_id = staff_shop(caller.account, WORK)
    with env.uow() as uow:
        rows = uow.work_orders.of_order(shop_id, order_id)
        views = [terminal.work_order_view(r) for r in rows]
    return render(request, "terminal_order.html.j2", caller, order_id=order_id, work=views)


@router.get("/floor/scan", response_class=HTMLResponse)
def scan(request: Request, caller: Signed) -> HTMLResponse:
    staff_shop(caller.account, WORK)
    return render(request, "terminal_scan.html.j2", caller)


@router.get("/floor/work/{work_order_id}", response_class=HTMLResponse)
def work_order_page(
    work_order_id: RowId, request: Request, env: Env, caller: Signed
) -> HTMLResponse:
    return _work_order_page(request, env, caller, work_order_id)


def _work_order_page(
    request: Request,
    env: Env,
    caller: Signed,
    work_order_id: int,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    view = terminal.work_order(env, caller.account, work_order_id)
    with env.uow() as uow:
        row = uow.work_orders.get(staff_shop(caller.account, WORK), work_order_id)
        batch = (
            uow.batches.by_key(row.schedule_id, row.batch)
            if row.batch is not None and row.schedule_id is not None
            else None
        )
    return render(
        request,
        "work_order.html.j2",
        caller,
        status=status,
        error=error,
        work=view,
        events=terminal.work_order_events(env, caller.account, work_order_id),
        inspections=measurements.inspections(env, caller.account, work_order_id),
        batch_id=batch.id if batch else None,
        pause_reasons=list(PauseReason),
        scrap_reasons=list(ScrapReason),
        Action=FloorAction,
    )


@router.post("/floor/work/{work_order_id}/act", response_class=HTMLResponse)
def act_submit(
    work_order_id: RowId,
    request: Request,
    env: Env,
    caller: Signed,
    action: Annotated[str, Form(max_length=16)],
    csrf_token: Annotated[str, Form()] = "",
    quantity: Annotated[int | None, Form(ge=1)] = None,
    good: Annotated[int, Form(ge=0)] = 0,
    scrap: Annotated[int, Form(ge=0)] = 0,
    scrap_reason: Annotated[str, Form(max_length=32)] = "",
    pause_reason: Annotated[str, Form(max_length=32)] = "",
    share: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    try:
        body = terminal.FloorRequest(
            action=action,
            quantity=quantity,
            good=good,
            scrap=scrap,
            scrap_reason=scrap_reason or None,
            pause_reason=pause_reason or None,
            share=share or None,
            note=note,
        )
        terminal.act(env, caller.account, work_order_id, body)
    except (BespokeError, ValidationError) as error:
        code, message = refusal(error)
        return _work_order_page(request, env, caller, work_order_id, code, message)
    return see_other(f"/floor/work/{work_order_id}")


@router.post("/floor/work/{work_order_id}/note", response_class=HTMLResponse)
async def note_submit(
    work_order_id: RowId,
    request: Request,
    env: Env,
    caller: Signed,
    csrf_token: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_csrf(caller, csrf_token)
    try:
        picture = None
        if photo is not None and photo.filename:
            picture = await read_upload(photo, MAX_PHOTO_BYTES)
        terminal.add_note(env, caller.account, work_order_id, note, picture)
    except BespokeError as error:
        code, message = refusal(error)
        return _work_order_page(request, env, caller, work_order_id, code, message)
    return see_other(f"/floor/work/{work_order_id}")
