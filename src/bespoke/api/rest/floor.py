"""The shop floor's work orders: each machine's queue, what operators do to them, their
history, notes and photos, and printable travellers."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from pydantic import Field

from bespoke.api.openapi import files, problems
from bespoke.api.rest.work import read_upload
from bespoke.api.security import Env, api_caller
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId
from bespoke.services.shopfloor import progress, terminal, travellers
from bespoke.services.shopfloor.terminal import MAX_PHOTO_BYTES

router = APIRouter(tags=["floor"])
Caller = Annotated[Account, Depends(api_caller)]
PDF = "application/pdf"
MachineId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


def site(request: Request) -> str:
    """The service's address, as the caller reached it (for a traveller's QR code)."""
    return str(request.base_url).rstrip("/")


@router.get("/floor/work-orders", responses=problems(403))
def list_work_orders(
    env: Env, who: Caller, machine: MachineId | None = None, everything: bool = False
) -> list[terminal.WorkOrderView]:
    """The shop's work orders in schedule order: those to do or under way (`everything`:
    done and cancelled ones too), on one machine or bench when `machine` is given."""
    return terminal.work_orders(env, who, machine, open_only=not everything)


@router.get("/floor/work-orders/{work_order_id}", responses=problems(404))
def get_work_order(work_order_id: RowId, env: Env, who: Caller) -> terminal.WorkOrderView:
    """A work order: what to make, where and when it was planned, what was booked, and the
    actions its status allows."""
    return terminal.work_order(env, who, work_order_id)


@router.post("/floor/work-orders/{work_order_id}/actions", responses=problems(404, 409, 422))
def act_on_work_order(
    work_order_id: RowId, body: terminal.FloorRequest, env: Env, who: Caller
) -> terminal.WorkOrderView:
    """Start, pause (with a reason), resume, book good and scrap parts (scrap with a
    reason), finish or cancel a work order, now by the server's clock. A refused action
    changes nothing: 409 when the status does not allow it, 422 when the quantities do not
    fit (a finish books every part started: good + scrap = started)."""
    return terminal.act(env, who, work_order_id, body)


@router.get("/floor/work-orders/{work_order_id}/events", responses=problems(404))
def list_work_order_events(
    work_order_id: RowId, env: Env, who: Caller
) -> list[terminal.FloorEventView]:
    """What was done to the work order, oldest first: actions, notes, photos."""
    return terminal.work_order_events(env, who, work_order_id)


@router.post(
    "/floor/work-orders/{work_order_id}/notes", status_code=201, responses=problems(404, 413, 422)
)
async def add_work_order_note(
    work_order_id: RowId,
    env: Env,
    who: Caller,
    note: Annotated[str, Form(max_length=2000)] = "",
    photo: Annotated[UploadFile | None, File(description="A PNG or JPEG picture")] = None,
) -> terminal.FloorEventView:
    """Keep a note on the work order, a photo with it if given."""
    picture = await read_upload(photo, MAX_PHOTO_BYTES) if photo is not None else None
    return terminal.add_note(env, who, work_order_id, note, picture)


@router.get(
    "/floor/work-orders/{work_order_id}/events/{event_id}/photo",
    response_class=Response,
    responses=files("image/png", "image/jpeg"),
)
def get_work_order_photo(work_order_id: RowId, event_id: RowId, env: Env, who: Caller) -> Response:
    """A photo an operator kept with the work order."""
    content = terminal.event_photo(env, who, work_order_id, event_id)
    media = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    return Response(content, media_type=media, headers={"Cache-Control": "private, max-age=3600"})


@router.get(
    "/floor/work-orders/{work_order_id}/traveller.pdf",
    response_class=Response,
    responses=files(PDF),
)
def get_work_order_traveller(
    work_order_id: RowId, request: Request, env: Env, who: Caller
) -> Response:
    """The work order's traveller: its steps and a QR code opening it on the terminal."""
    content = travellers.work_order_traveller(env, who, work_order_id, site(request))
    return Response(content, media_type=PDF, headers=_attachment(f"work-{work_order_id}.pdf"))


@router.get("/floor/orders/{order_id}/traveller.pdf", response_class=Response, responses=files(PDF))
def get_order_traveller(order_id: RowId, request: Request, env: Env, who: Caller) -> Response:
    """The order's traveller: its own work orders as steps, a QR code opening them."""
    content = travellers.order_traveller(env, who, order_id, site(request))
    return Response(content, media_type=PDF, headers=_attachment(f"order-{order_id}.pdf"))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{name}"'}


@router.get("/orders/{order_id}/progress", responses=problems(404))
def get_order_progress(order_id: RowId, env: Env, who: Caller) -> progress.OrderProgress:
    """The order's real progress on the floor: each step planned and actual (of a batch,
    the order's share), and when the latest schedule finishes it against its due date."""
    return progress.order_progress(env, who, order_id)
