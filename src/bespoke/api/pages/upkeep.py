"""Maintenance and quality in the floor's pages: a machine's problems reported with a
photo, maintenance orders started and finished with their checklist and parts, parts
measured against their inspection plan, and nonconformances decided and closed."""

import math
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bespoke.api.pages.kit import Signed, refusal, render, see_other
from bespoke.api.rest.floor import MachineId
from bespoke.api.rest.shop import ScheduleRequest, start_shop_schedule
from bespoke.api.rest.work import read_upload
from bespoke.api.security import Env, check_csrf
from bespoke.model.bounds import RowId
from bespoke.model.errors import BespokeError, InputError
from bespoke.model.maintenance import RequestKind
from bespoke.services.maintenance import orders
from bespoke.services.quality import measurements, nonconformances
from bespoke.services.shopfloor.terminal import MAX_PHOTO_BYTES

router = APIRouter(include_in_schema=False)


@router.get("/floor/maintenance", response_class=HTMLResponse)
def maintenance_page(
    request: Request, env: Env, caller: Signed, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return render(
        request,
        "maintenance.html.j2",
        caller,
        status=status,
        error=error,
        orders=orders.maintenance_orders(env, caller.account),
        kinds=list(RequestKind),
    )


@router.post("/floor/maintenance/requests", response_class=HTMLResponse)
async def request_submit(
    request: Request,
    env: Env,
    caller: Signed,
    machine: Annotated[MachineId, Form()],
    kind: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=500)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """An operator reports a problem with a machine; a failure or condition reschedules
    without it."""
    check_csrf(caller, csrf_token)
    try:
        picture = None
        if photo is not None and photo.filename:
            picture = await read_upload(photo, MAX_PHOTO_BYTES)
        raised = orders.raise_request(
            env, caller.account, machine, RequestKind(kind), reason, picture
        )
    except (BespokeError, ValidationError, ValueError) as error:
        code, message = refusal(error) if not isinstance(error, ValueError) else (422, str(error))
        return maintenance_page(request, env, caller, message, code)
    if raised.closure is not None:
        task = start_shop_schedule(
            request, caller.account, ScheduleRequest(closed=[raised.closure])
        )
        return see_other(f"/tasks/{task.id}")
    return see_other("/floor/maintenance")


@router.post("/floor/maintenance/{order_id}/start")
def maintenance_start(
    order_id: RowId, env: Env, caller: Signed, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(caller, csrf_token)
    orders.start(env, caller.account, order_id)
    return see_other("/floor/maintenance")


@router.post("/floor/maintenance/{order_id}/finish")
async def maintenance_finish(
    order_id: RowId, request: Request, env: Env, caller: Signed
) -> Response:
    form = await request.form()
    check_csrf(caller, str(form.get("csrf_token", "")))
    done = [int(str(v)) for v in form.getlist("done") if str(v).isdigit()]
    used = [
        {"part": str(p), "quantity": _number(q, "quantity")}
        for p, q in zip(form.getlist("part"), form.getlist("quantity"), strict=False)
        if str(p) and str(q)
    ]
    body = orders.FinishRequest.model_validate(
        {
            "done": done,
            "time_s": int(_number(form.get("minutes") or 0, "minutes") * 60),
            "parts_used": used,
            "findings": str(form.get("findings", "")),
        }
    )
    orders.finish(env, caller.account, order_id, body)
    return see_other("/floor/maintenance")


@router.get("/floor/quality", response_class=HTMLResponse)
def quality_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    return render(
        request,
        "quality.html.j2",
        caller,
        open=nonconformances.shop_nonconformances(env, caller.account),
        dispositions=list(nonconformances.Disposition),
    )


@router.post("/floor/quality/{nc_id}/{step}")
def nonconformance_step(
    nc_id: RowId,
    step: str,
    env: Env,
    caller: Signed,
    csrf_token: Annotated[str, Form()] = "",
    disposition: Annotated[str, Form(max_length=16)] = "",
    cost: Annotated[str, Form(max_length=20)] = "",
    kind: Annotated[str, Form(max_length=16)] = "corrective",
    text: Annotated[str, Form(max_length=2000)] = "",
    index: Annotated[int, Form(ge=1, le=1000)] = 1,
    effective: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    who = caller.account
    match step:
        case "disposition":
            body = nonconformances.DispositionRequest.model_validate(
                {"disposition": disposition, "cost": cost or None}
            )
            nonconformances.set_disposition(env, who, nc_id, body)
        case "action":
            nonconformances.add_action(
                env,
                who,
                nc_id,
                nonconformances.ActionRequest.model_validate({"kind": kind, "text": text}),
            )
        case "check":
            check = nonconformances.CheckRequest(effective=effective == "yes", evidence=text)
            nonconformances.check_action(env, who, nc_id, index, check)
        case "close":
            nonconformances.close(env, who, nc_id)
        case _:
            return see_other("/floor/quality")
    return see_other("/floor/quality")


@router.post("/floor/work/{work_order_id}/measure")
async def measure_submit(
    work_order_id: RowId, request: Request, env: Env, caller: Signed
) -> Response:
    """The inspection form: one value per feature of the plan shown."""
    form = await request.form()
    check_csrf(caller, str(form.get("csrf_token", "")))
    part = int(_number(form.get("part_number") or 1, "part_number"))
    order = str(form.get("order_id") or "")
    entries = [
        measurements.MeasurementEntry(
            order_id=int(order) if order.isdigit() else None,
            feature=str(key).removeprefix("feature:"),
            value=_number(value, str(key).removeprefix("feature:")),
            unit=str(form.get("unit") or "mm"),
            part_number=part,
        )
        for key, value in form.multi_items()
        if str(key).startswith("feature:") and str(value).strip()
    ]
    measurements.record(env, caller.account, work_order_id, entries)
    return see_other(f"/floor/work/{work_order_id}")


def _number(text: object, name: str) -> float:
    """A number typed in a form, or an InputError naming the field."""
    try:
        value = float(str(text))
    except ValueError:
        raise InputError(f"{name}: {str(text)[:40]!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > 1e9:
        raise InputError(f"{name}: a number up to 1e9 is accepted")
    return value
