"""The floor's pages: a live tile per machine (its state, work order, alarms, parts), and
the KPI table of a day or a shift."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from bespoke.api.pages.kit import Signed, render, see_other
from bespoke.api.rest.shop import ScheduleRequest, start_shop_schedule
from bespoke.api.security import Env, check_csrf
from bespoke.model.errors import InputError
from bespoke.model.monitoring import MachineState
from bespoke.model.scheduling import Closure
from bespoke.services.shopfloor.kpis import MAX_DAYS, floor_kpis
from bespoke.services.shopfloor.machines import floor_machines

router = APIRouter(include_in_schema=False)

STATE_WORDS = {
    MachineState.RUNNING: "Running",
    MachineState.IDLE: "Idle",
    MachineState.STOPPED: "Stopped",
    MachineState.UNAVAILABLE: "No data",
}


@router.get("/floor", response_class=HTMLResponse)
def floor_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    machines = floor_machines(env, caller.account)
    return render(request, "floor.html.j2", caller, machines=machines, words=STATE_WORDS)


@router.get("/floor/kpis", response_class=HTMLResponse)
def kpis_page(
    request: Request,
    env: Env,
    caller: Signed,
    day: Annotated[str, Query(max_length=10)] = "",
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 1,
    shift: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    try:
        first = date.fromisoformat(day) if day else None
    except ValueError:
        raise InputError(f"day: {day!r} is not a date (YYYY-MM-DD)", path="day") from None
    result = floor_kpis(env, caller.account, first, days, shift or None)
    return render(request, "floor_kpis.html.j2", caller, result=result)


@router.post("/floor/reschedule")
def reschedule_without(
    request: Request,
    caller: Signed,
    machine: Annotated[str, Form(max_length=64)],
    hours: Annotated[float, Form(gt=0, le=24 * 14)],
    reason: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Schedule the shop again with a machine taken out from now, as the floor proposed."""
    check_csrf(caller, csrf_token)
    closure = Closure(machine=machine, hours=hours, reason=reason)
    body = ScheduleRequest(closed=[closure])
    task = start_shop_schedule(request, caller.account, body)
    return see_other(f"/tasks/{task.id}")
