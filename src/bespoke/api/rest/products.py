"""Product specs and their plans: a spec kept, its plan started in the background once its
options are checked, and what a plan made: a picture of each part, the parts' drawings and
meshes in one ZIP archive, and the plan as one HTML file."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, model_validator
from starlette.background import BackgroundTask

from bespoke.api.openapi import files, problems
from bespoke.api.paging import Paged, page_of
from bespoke.api.security import Env, api_caller
from bespoke.api.views import ProductOut, TaskRunOut, product_out, task_run_out
from bespoke.api.waiting import off_request_threads
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId
from bespoke.services import quoting
from bespoke.services.quoting import plan_files
from bespoke.services.tasks import TaskRunner

router = APIRouter()
Caller = Annotated[Account, Depends(api_caller)]
PartId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]


class ProductSubmission(BaseModel):
    """A product spec: as a JSON object (`spec`) or as YAML text (`spec_yaml`)."""

    spec: dict[str, object] | None = None
    spec_yaml: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> "ProductSubmission":
        if (self.spec is None) == (self.spec_yaml is None):
            raise ValueError("give the spec once: either 'spec' (JSON) or 'spec_yaml' (YAML text)")
        return self


@router.post("/products", response_model=ProductOut, status_code=201, tags=["products"])
async def submit_product(
    body: ProductSubmission, request: Request, env: Env, who: Caller
) -> ProductOut:
    """Check and keep a product spec (see `bespoke spec schema` for its format)."""
    as_json = body.spec is not None
    text = json.dumps(body.spec) if as_json else body.spec_yaml or ""
    row = await off_request_threads(
        request, lambda: quoting.submit_product(env, who, text, json_format=as_json)
    )
    return product_out(row)


@router.get("/products", response_model=list[ProductOut], tags=["products"])
def list_products(
    request: Request, env: Env, response: Response, who: Caller, asked: Paged
) -> list[ProductOut]:
    """Product specs without the spec itself (ask for one product for it), newest first."""
    with env.uow() as uow:
        rows = page_of(request, response, asked, uow.products, who)
        return [product_out(r, spec=False) for r in rows]


@router.get("/products/{product_id}", response_model=ProductOut, tags=["products"])
def get_product(product_id: RowId, env: Env, who: Caller) -> ProductOut:
    with env.uow() as uow:
        return product_out(uow.products.get(who, product_id))


@router.post(
    "/products/{product_id}/plans",
    response_model=TaskRunOut,
    status_code=202,
    tags=["products"],
    responses=problems(404),
)
async def plan_product(
    product_id: RowId, body: quoting.PlanRequest, request: Request, response: Response, who: Caller
) -> TaskRunOut:
    """Start planning a product in the background; follow the task at its status URL.

    Its settings are checked first, as the plan checks them: a setting refused is a
    problem naming it (`settings.<name>`), and no task starts.
    """
    task = await off_request_threads(request, lambda: start_plan(request, who, product_id, body))
    response.headers["Location"] = f"/api/tasks/{task.id}"
    return task


def start_plan(
    request: Request, who: Account, product_id: RowId, body: quoting.PlanRequest
) -> TaskRunOut:
    runner: TaskRunner = request.app.state.tasks
    return task_run_out(quoting.start_product_plan(runner, who, product_id, body))


@router.get(
    "/quotes/{quote_id}/parts/{part_id}.png",
    response_class=FileResponse,
    tags=["products"],
    responses=files("image/png") | problems(404),
)
def part_picture(quote_id: RowId, part_id: PartId, env: Env, who: Caller) -> FileResponse:
    """A picture of one part of a product's plan, drawn from the file the plan made."""
    return FileResponse(
        plan_files.part_picture(env, who, quote_id, part_id), media_type="image/png"
    )


@router.get(
    "/quotes/{quote_id}/parts.zip",
    response_class=FileResponse,
    tags=["products"],
    responses=files("application/zip") | problems(404, 413),
)
async def parts_archive(quote_id: RowId, request: Request, env: Env, who: Caller) -> FileResponse:
    """The parts of a product's plan as DXF drawings and STL meshes, in one ZIP archive."""
    made = await off_request_threads(request, lambda: plan_files.plan_archive(env, who, quote_id))
    return FileResponse(
        made.path,
        media_type="application/zip",
        filename=made.filename,
        background=BackgroundTask(made.path.unlink, missing_ok=True),
    )


@router.get(
    "/quotes/{quote_id}/plan.html",
    response_class=FileResponse,
    tags=["products"],
    responses=files("text/html") | problems(404),
)
def plan_report(quote_id: RowId, env: Env, who: Caller) -> FileResponse:
    """A product's plan as one HTML file, pictures inside, to hand to a workshop."""
    report = plan_files.plan_report(env, who, quote_id)
    return FileResponse(report.path, media_type="text/html", filename=report.filename)
