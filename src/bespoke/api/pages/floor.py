"""The floor's pages: a live tile per machine (its state, work order, alarms, parts), and
the KPI table of a day or a shift."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bespoke.api.pages.kit import Signed, render
from bespoke.api.security import Env
from bespoke.model.errors import InputError
from bespoke.model.monitoring import MachineState
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
