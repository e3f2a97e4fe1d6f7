"""Maintenance: the shop's plans, meters and spare parts; maintenance orders due by plan or
raised from the floor, done with their checklist and parts; machines' MTBF and MTTR."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from bespoke.api.openapi import problems
from bespoke.api.rest.shop import ScheduleRequest, start_shop_schedule
from bespoke.api.rest.work import read_upload
from bespoke.api.security import Env, api_caller
from bespoke.api.views import TaskRunOut
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId
from bespoke.model.maintenance import Meter, MeterState, Reliability, RequestKind
from bespoke.services.maintenance import orders, plans
from bespoke.services.shopfloor.terminal import MAX_PHOTO_BYTES

router = APIRouter(tags=["maintenance"])
Caller = Annotated[Account, Depends(api_caller)]


class MeterRequest(BaseModel):
    machine: str = Field(min_length=1, max_length=64)
    meter: Meter
    value: float = Field(description="The meter as it reads now (cumulative)")
    reset: bool = Field(default=False, description="The meter was reset since its last reading")


class RaisedOut(BaseModel):
    order: orders.MaintenanceOrderView
    schedule: TaskRunOut | None = Field(
        description="The schedule started without the machine, for a failure or condition"
    )


@router.get("/maintenance/plans")
def list_plans(env: Env, who: Caller) -> list[plans.PlanView]:
    """The shop's maintenance plans."""
    return plans.maintenance_plans(env, who)


@router.post("/maintenance/plans", status_code=201, responses=problems(422))
def add_plan(
    env: Env,
    who: Caller,
    body: Annotated[dict[str, Any], Body(description="A plan: machine, title, trigger ...")],
) -> plans.PlanView:
    """Add a plan with one trigger: calendar (an RFC 5545 rule), usage (a meter) or
    condition (a threshold or trend on an observed data item)."""
    return plans.add_plan(env, who, body)


@router.post("/maintenance/meters", status_code=201, responses=problems(422))
def record_meter(body: MeterRequest, env: Env, who: Caller) -> MeterState:
    """A reading of a machine's meter (run hours, cycles, cut metres, printed hours or kg)."""
    return plans.record_meter(env, who, body.machine, body.meter, body.value, body.reset)


@router.get("/maintenance/orders")
def list_orders(
    env: Env, who: Caller, everything: bool = False, machine: str | None = None
) -> list[orders.MaintenanceOrderView]:
    """Maintenance orders to do (`everything`: done ones too)."""
    return orders.maintenance_orders(env, who, not everything, machine)


@router.post("/maintenance/requests", status_code=201, responses=problems(413, 422))
async def raise_request(
    request: Request,
    env: Env,
    who: Caller,
    machine: Annotated[str, Form(max_length=64)],
    kind: Annotated[RequestKind, Form()],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
    photo: Annotated[UploadFile | None, File(description="A PNG or JPEG picture")] = None,
    reschedule: Annotated[bool, Form(description="Schedule without the machine now")] = True,
) -> RaisedOut:
    """Report a machine's failure or a condition that needs attention, with a photo; the
    machine is taken out of the schedule from now (unless `reschedule` is false)."""
    picture = await read_upload(photo, MAX_PHOTO_BYTES) if photo and photo.filename else None
    raised = orders.raise_request(env, who, machine, kind, reason, picture)
    task = None
    if reschedule and raised.closure is not None:
        task = start_shop_schedule(request, who, ScheduleRequest(closed=[raised.closure]))
    return RaisedOut(order=raised.order, schedule=task)


@router.post("/maintenance/orders/{order_id}/start", responses=problems(404, 409))
def start_order(order_id: RowId, env: Env, who: Caller) -> orders.MaintenanceOrderView:
    return orders.start(env, who, order_id)


@router.post("/maintenance/orders/{order_id}/finish", responses=problems(404, 409, 422))
def finish_order(
    order_id: RowId, body: orders.FinishRequest, env: Env, who: Caller
) -> orders.MaintenanceOrderView:
    """Close a maintenance order: checklist items done, time, spare parts used (taken out
    of stock) and findings."""
    return orders.finish(env, who, order_id, body)


@router.get("/maintenance/reliability", responses=problems(422))
def get_reliability(env: Env, who: Caller, days: int = 365) -> dict[str, Reliability]:
    """MTBF, MTTR and availability per machine from its failures and repairs."""
    return orders.machine_reliability(env, who, days)


@router.get("/maintenance/spare-parts")
def list_spare_parts(env: Env, who: Caller) -> list[orders.SparePartView]:
    """The spare parts on the shop's shelf."""
    return orders.spare_parts(env, who)


@router.put("/maintenance/spare-parts/{part}", responses=problems(422))
def set_spare_part(
    part: str, body: orders.SparePartRequest, env: Env, who: Caller
) -> orders.SparePartView:
    """Put a spare part on the shelf, or count it again."""
    return orders.set_spare_part(env, who, part, body)
