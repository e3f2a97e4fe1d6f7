"""Designs and their quotes; background tasks (product plans are in `products`)."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from bespoke.api.openapi import files, problems
from bespoke.api.paging import Paged, page_of
from bespoke.api.security import Env, api_caller
from bespoke.api.views import (
    DesignOut,
    QuoteOut,
    TaskRunOut,
    design_out,
    quote_out,
    task_run_out,
)
from bespoke.api.waiting import off_request_threads
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId
from bespoke.model.errors import TooLargeError
from bespoke.services import quoting
from bespoke.services.quoting import designs
from bespoke.services.quoting.previews import design_preview


def as_validated(answer: BaseModel, status: int = 200) -> Response:
    """A declared answer made from a validated model, served as it is: FastAPI would
    validate a quote's whole document again on the way out."""
    return Response(answer.model_dump_json(), status_code=status, media_type="application/json")


router = APIRouter()
Caller = Annotated[Account, Depends(api_caller)]


@router.post("/designs", response_model=DesignOut, status_code=201, tags=["designs"])
async def upload_design(
    request: Request,
    env: Env,
    who: Caller,
    file: Annotated[UploadFile, File(description="A DXF drawing or an STL mesh")],
    units: Annotated[
        str | None, Form(max_length=8, description="mm, cm, m, inch, ft: overrides the file")
    ] = None,
) -> DesignOut:
    """Upload a design file: it is measured and kept; the same file again is the same design."""
    content = await read_upload(file, env.settings.max_upload_bytes)
    name = file.filename or ""
    row = await off_request_threads(
        request, lambda: designs.upload_design(env, who, name, content, units or None)
    )
    return design_out(row)


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """The file's bytes, refused once they pass `limit`."""
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLargeError(f"file: larger than the limit of {limit / 1e6:.1f} MB")
    return content


@router.get("/designs", response_model=list[DesignOut], tags=["designs"])
def list_designs(
    request: Request, env: Env, response: Response, who: Caller, asked: Paged
) -> list[DesignOut]:
    """The caller's designs (an operator: the shop's), newest first, a page at a time."""
    with env.uow() as uow:
        return [design_out(r) for r in page_of(request, response, asked, uow.designs, who)]


@router.get("/designs/{design_id}", response_model=DesignOut, tags=["designs"])
def get_design(design_id: RowId, env: Env, who: Caller) -> DesignOut:
    with env.uow() as uow:
        return design_out(uow.designs.get(who, design_id))


@router.get(
    "/designs/{design_id}/file",
    response_class=FileResponse,
    tags=["designs"],
    responses=files("image/vnd.dxf", "model/stl"),
)
def design_file(design_id: RowId, env: Env, who: Caller) -> FileResponse:
    with env.uow() as uow:
        row = uow.designs.get(who, design_id)
    return FileResponse(env.blobs.path(row.sha256), filename=row.filename)


class ReadingRequest(BaseModel):
    """Units to read a stored design in."""

    model_config = ConfigDict(extra="forbid")

    units: str = Field(
        min_length=1,
        max_length=8,
        description="auto (as the file says), mm, cm, m, inch or ft",
        examples=["inch"],
    )


@router.post(
    "/designs/{design_id}/readings",
    response_model=DesignOut,
    status_code=201,
    tags=["designs"],
    responses=problems(404),
)
async def read_design_again(
    design_id: RowId,
    body: ReadingRequest,
    request: Request,
    env: Env,
    response: Response,
    who: Caller,
) -> DesignOut:
    """Read one of your designs again in other units, without uploading it again: the
    design of that reading (quote it with POST /api/quotes)."""
    row = await off_request_threads(
        request, lambda: designs.read_again(env, who, design_id, body.units)
    )
    response.headers["Location"] = f"/api/designs/{row.id}"
    return design_out(row)


@router.get(
    "/designs/{design_id}/preview.png",
    response_class=FileResponse,
    tags=["designs"],
    responses=files("image/png"),
)
async def design_picture(design_id: RowId, request: Request, env: Env, who: Caller) -> Response:
    """A picture of the design drawn from its file."""

    def drawn() -> Path:
        with env.uow() as uow:
            row = uow.designs.get(who, design_id)
        return design_preview(env, row)

    return FileResponse(await off_request_threads(request, drawn), media_type="image/png")


@router.post(
    "/quotes", response_model=QuoteOut, status_code=201, tags=["quotes"], responses=problems(404)
)
async def quote_design(
    body: quoting.PartQuoteRequest, request: Request, env: Env, who: Caller
) -> Response:
    """Quote a stored design: every process, price by quantity, DFM findings, the curve."""
    row = await off_request_threads(request, lambda: quoting.quote_stored_design(env, who, body))
    return as_validated(quote_out(row), 201)


@router.get("/quotes", response_model=list[QuoteOut], tags=["quotes"])
def list_quotes(
    request: Request, env: Env, response: Response, who: Caller, asked: Paged
) -> list[QuoteOut]:
    """Quotes and product plans without their documents, newest first, a page at a time."""
    with env.uow() as uow:
        rows = page_of(request, response, asked, uow.quotes, who)
        return [quote_out(r, document=False) for r in rows]


@router.get("/quotes/{quote_id}", response_model=QuoteOut, tags=["quotes"])
def get_quote(quote_id: RowId, env: Env, who: Caller) -> Response:
    with env.uow() as uow:
        return as_validated(quote_out(uow.quotes.get(who, quote_id)))


@router.get("/tasks/{task_id}", response_model=TaskRunOut, tags=["tasks"])
def get_task(task_id: str, env: Env, who: Caller) -> TaskRunOut:
    """A background task's status, progress and result."""
    with env.uow() as uow:
        return task_run_out(uow.task_runs.get(who, task_id))


@router.get("/health", response_class=PlainTextResponse, tags=["service"])
def health() -> str:
    return "ok"
