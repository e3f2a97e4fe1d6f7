"""The shop's settings: machines, materials, processes, suppliers, rates, calendar; the log."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from bespoke.api.paging import Page, announce, page
from bespoke.api.security import Env, api_caller, environment, require_role
from bespoke.api.views import AuditEntryOut, TaskRunOut, audit_entry_out, task_run_out
from bespoke.model.accounts import Account, Role
from bespoke.model.bounds import Seed
from bespoke.model.calendar import Calendar
from bespoke.model.errors import InputError, PermissionDeniedError
from bespoke.model.scheduling import Closure, KeptSchedule
from bespoke.scheduling.solver import SolverSettings
from bespoke.services.shop import scheduling, shops
from bespoke.services.tasks import TaskRunner
from bespoke.services.workers import SCHEDULE

router = APIRouter(tags=["shop"])
Caller = Annotated[Account, Depends(api_caller)]


@router.get("/shop", response_model=shops.StaffShopView | shops.ShopView)
def get_shop(env: Env, who: Caller) -> shops.ShopView:
    """The caller's shop: rates, calendar, machines and materials as quoted with."""
    return shops.shop_view(env, who)


@router.put("/shop/{section}/{entry_id}")
def set_entry(
    section: shops.Section,
    entry_id: str,
    env: Env,
    who: Caller,
    entry: Annotated[dict[str, Any], Body(description="The entry's fields, as in a shop file")],
) -> shops.ShopEntry:
    """Add or change a machine, material, process or supplier (checked against the catalog)."""
    return shops.set_entry(env, who, section, {**entry, "id": entry_id})


@router.delete("/shop/{section}/{entry_id}", status_code=204)
def remove_entry(section: shops.Section, entry_id: str, env: Env, who: Caller) -> Response:
    """Drop the shop's own entry (a bundled one comes back as it was)."""
    shops.remove_entry(env, who, section, entry_id)
    return Response(status_code=204)


@router.patch("/shop/rates")
def set_rates(
    env: Env,
    who: Caller,
    rates: Annotated[dict[str, Any], Body(description="labour_rate_per_hour, margin ...")],
) -> shops.ShopRates:
    """Change the shop's rates and commercial settings; answers them all as they now are."""
    shops.set_rates(env, who, rates)
    return shops.shop_view(env, who).rates


@router.put("/shop/calendar", response_model=Calendar)
def set_calendar(env: Env, who: Caller, calendar: Annotated[dict[str, Any], Body()]) -> Calendar:
    """The shop's shifts and closed dates."""
    return shops.set_calendar(env, who, calendar)


@router.get("/audit")
def audit_log(
    request: Request,
    env: Env,
    response: Response,
    who: Caller,
    asked: Annotated[Page, Depends(page)],
    entity: Annotated[str | None, Query(max_length=64)] = None,
) -> list[AuditEntryOut]:
    """Who changed what (admins only), newest first, a page at a time."""
    require_role(who, Role.ADMIN)
    with env.uow() as uow:
        announce(request, response, asked, uow.audit.count(entity))
        return [audit_entry_out(r) for r in uow.audit.entries(entity, asked.limit, asked.offset)]


class ScheduleRequest(BaseModel):
    time_limit: float = Field(default=10.0, gt=0, le=600, description="Seconds to search")
    seed: Seed = 0
    closed: list[Closure] = Field(
        default_factory=list,
        max_length=50,
        description="Machines taken out from now (after their work under way), for hours",
    )


@router.post("/shop/schedules", response_model=TaskRunOut, status_code=202)
def start_schedule(
    body: ScheduleRequest, request: Request, response: Response, who: Caller
) -> TaskRunOut:
    """Schedule the shop's open orders in the background; follow the task."""
    row = start_shop_schedule(request, who, body)
    response.headers["Location"] = f"/api/tasks/{row.id}"
    return row


def start_shop_schedule(request: Request, who: Account, body: ScheduleRequest) -> TaskRunOut:
    if who.shop_id is None or not shops.runs_shop(who, who.shop_id):
        raise PermissionDeniedError("only a shop's operators and admins schedule its orders")
    if body.closed:
        with environment(request).uow() as uow:
            machines = shops.shop_catalog(uow, who.shop_id).machines
        unknown = sorted({c.machine for c in body.closed} - set(machines))
        if unknown:
            raise InputError(
                f"closed: no machine {unknown[0]!r} in the shop (machines:"
                f" {', '.join(sorted(machines))})",
                path="closed",
            )
    settings = SolverSettings(time_limit=body.time_limit, seed=body.seed)
    runner: TaskRunner = request.app.state.tasks
    row = runner.submit(
        who,
        "shop-schedule",
        SCHEDULE,
        scheduling.schedule_task,
        who.shop_id,
        who,
        settings,
        body.closed,
    )
    return task_run_out(row)


@router.get("/shop/schedules/{schedule_id}")
def get_schedule(schedule_id: str, request: Request, who: Caller) -> KeptSchedule:
    """A schedule of the shop ('latest' for the newest): every operation's machine and
    times in seconds from its origin."""
    return schedule_of(request, who, schedule_id)


def schedule_of(request: Request, who: Account, schedule_id: str) -> KeptSchedule:
    if who.shop_id is None or not shops.runs_shop(who, who.shop_id):
        raise PermissionDeniedError("only a shop's operators and admins see its schedule")
    with environment(request).uow() as uow:
        row = uow.schedules.named(who.shop_id, schedule_id)
        return scheduling.schedule_view(uow, row)
