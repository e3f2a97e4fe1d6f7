"""Pages for a maker's products: the spec form, its plan as background work and its
progress."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bespoke.api.pages.kit import (
    Signed,
    quantities_of,
    refusal,
    render,
    see_other,
)
from bespoke.api.security import (
    Caller,
    Env,
    check_csrf,
    environment,
)
from bespoke.api.views import task_run_out
from bespoke.api.waiting import off_request_threads
from bespoke.model.errors import BespokeError, InputError
from bespoke.services import quoting
from bespoke.store.tables import TaskRunRow

router = APIRouter(include_in_schema=False)


@router.get("/products", response_class=HTMLResponse)
def product_form(request: Request, caller: Signed) -> HTMLResponse:
    return _product_form(request, caller)


def _product_form(
    request: Request, caller: Caller, status: int = 200, **context: Any
) -> HTMLResponse:
    with environment(request).uow() as uow:
        products = list(uow.products.list(caller.account, 20))
    context.setdefault("spec_yaml", EXAMPLE_SPEC)
    return render(request, "product_form.html.j2", caller, status, products=products, **context)


@router.post("/products")
async def product_submit(
    request: Request,
    env: Env,
    caller: Signed,
    csrf_token: Annotated[str, Form()] = "",
    spec_yaml: Annotated[str, Form()] = "",
    settings: Annotated[str, Form()] = "",
    quantities: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(caller, csrf_token)

    def planned() -> TaskRunRow:
        product = quoting.submit_product(env, caller.account, spec_yaml, json_format=False)
        body = quoting.PlanRequest(
            settings=_settings(settings), quantities=quantities_of(quantities)
        )
        return quoting.start_product_plan(request.app.state.tasks, caller.account, product.id, body)

    try:
        task = await off_request_threads(request, planned)
    except (BespokeError, ValidationError) as error:
        status, message = refusal(error)
        return _product_form(
            request,
            caller,
            status,
            error=message,
            spec_yaml=spec_yaml,
            settings=settings,
            quantities=quantities,
        )
    return see_other(f"/tasks/{task.id}")


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(task_id: str, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    with env.uow() as uow:
        task = task_run_out(uow.task_runs.get(caller.account, task_id))
    return render(request, "task.html.j2", caller, task=task)


# --- orders ---------------------------------------------------------------------------------


def _settings(text: str) -> dict[str, str]:
    settings = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise InputError(f"settings: {line!r} is not 'name = value'")
        settings[name.strip()] = value.strip()
    return settings


EXAMPLE_SPEC = """\
name: Wall shelf
description: A birch plywood shelf on two bent, powder-coated steel brackets.
parameters:
  - {name: width, type: length, default: 600 mm, min: 300 mm, max: 1200 mm}
parts:
  - id: board
    material: birch-plywood
    thickness: 12
    geometry: {shape: plate, width: width, height: 200 mm, corner_radius: 10 mm}
  - id: bracket
    material: steel-s235
    thickness: 3
    bends: 1
    finish: powder-coat
    geometry:
      shape: plate
      width: 330 mm
      height: 40 mm
      holes:
        - {x: 20 mm, y: 20 mm, diameter: 6.5 mm}
        - {x: 300 mm, y: 20 mm, diameter: 5 mm}
assemblies:
  - id: shelf
    components:
      - {id: board, quantity: 1}
      - {id: bracket, quantity: 2}
"""
