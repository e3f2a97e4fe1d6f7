"""Pages for a maker's products: a spec picked from the examples, uploaded or written;
its options as a form generated from its parameters, checked before its plan starts in
the background; the plan's progress and the plan itself. A refused form comes back with
its message and what the maker typed; every way back to the form keeps the spec and the
options."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bespoke.api.pages.kit import Signed, quantities_of, refusal, render, see_other
from bespoke.api.rest.work import read_upload
from bespoke.api.security import Caller, Env, check_csrf, environment
from bespoke.api.views import QuoteOut, task_run_out
from bespoke.api.waiting import off_request_threads
from bespoke.model.bounds import RowId
from bespoke.model.errors import BespokeError
from bespoke.model.plan_document import PlanDocument
from bespoke.model.product import ProductSpec
from bespoke.products.options import (
    LENGTH_UNITS,
    option_fields,
    shown_settings,
    typed_settings,
)
from bespoke.products.spec import parse_spec
from bespoke.services import quoting
from bespoke.services.quoting import product_forms
from bespoke.services.quoting.quotes import MAX_SPEC_BYTES
from bespoke.services.shop.network import open_shops
from bespoke.services.shop.shops import shop_catalog
from bespoke.store.tables import TaskRunRow

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


# --- a spec to start from -------------------------------------------------------------------


@router.get("/products", response_class=HTMLResponse)
def products_page(request: Request, caller: Signed) -> HTMLResponse:
    return _products_page(request, caller)


def _products_page(
    request: Request, caller: Caller, status: int = 200, **context: Any
) -> HTMLResponse:
    """The examples, the upload, the editor and the maker's planned products."""
    env = environment(request)
    context.setdefault("spec_text", EXAMPLE_SPEC)
    return render(
        request,
        "products.html.j2",
        caller,
        status,
        examples=product_forms.examples(),
        products=product_forms.planned_products(env, caller.account),
        limit_kb=MAX_SPEC_BYTES // 1024,
        **context,
    )


@router.get("/products/examples/{key}", response_class=HTMLResponse)
def example_form(key: str, request: Request, caller: Signed) -> HTMLResponse:
    """The options of an example product."""
    text, spec = product_forms.example(key)
    return _options_page(request, caller, text, spec, {}, "")


@router.post("/products/spec")
async def spec_submit(
    request: Request,
    env: Env,
    caller: Signed,
    csrf_token: Text = "",
    spec_text: Text = "",
    action: Text = "options",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """A spec uploaded or written: its options, or (`action` "plan") planned as it is."""
    check_csrf(caller, csrf_token)
    text = spec_text
    try:
        if file is not None and file.filename:
            content = await read_upload(file, MAX_SPEC_BYTES + 1)
            text = product_forms.read_upload(file.filename, content)
        if action == "plan":
            task = await off_request_threads(
                request, lambda: _plan(request, caller, text, {}, "", "")
            )
            return see_other(f"/tasks/{task.id}")
        spec = await off_request_threads(
            request, lambda: product_forms.read_product_spec(env, text)
        )
    except (BespokeError, ValidationError) as error:
        status, message = refusal(error)
        return _products_page(request, caller, status, error=message, spec_text=text)
    return _options_page(request, caller, text, spec, {}, "")


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_form(
    product_id: RowId,
    request: Request,
    env: Env,
    caller: Signed,
    quote: RowId | None = None,
    task: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """A product's options, as its plan `quote` or task run `task` asked them, else its
    defaults."""
    if quote is not None:
        asked = product_forms.asked_of_plan(env, caller.account, quote)
    elif task is not None:
        asked = product_forms.asked_of_task(env, caller.account, task)
    else:
        asked = product_forms.asked_of_product(env, caller.account, product_id)
    quantities = ", ".join(str(q) for q in asked.quantities)
    return _options_page(request, caller, asked.spec_text, asked.spec, asked.settings, quantities)


async def _spec_of(request: Request, env: Env, text: str) -> ProductSpec:
    return await off_request_threads(request, lambda: product_forms.read_product_spec(env, text))


# --- its options, planned -------------------------------------------------------------------


def _options_page(
    request: Request,
    caller: Caller,
    spec_text: str,
    spec: ProductSpec,
    settings: dict[str, str],
    quantities: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        "product_form.html.j2",
        caller,
        status,
        spec=spec,
        spec_text=spec_text,
        fields=option_fields(spec, settings),
        units=LENGTH_UNITS,
        names=_names(request, caller),
        quantities=quantities,
        shops=_open_shops(request),
        **context,
    )


def _open_shops(request: Request) -> list[tuple[str, str]]:
    """(slug, name) of the shops that take work, to plan a product in."""
    with environment(request).uow() as uow:
        return [(s.slug, s.name) for s in open_shops(uow)]


@router.post("/products/plan")
async def plan_submit(
    request: Request, env: Env, caller: Signed, csrf_token: Text = "", spec_text: Text = ""
) -> Response:
    """Check the spec and the options typed; plan them in the background."""
    check_csrf(caller, csrf_token)
    form = await request.form()
    typed = {k: v for k, v in form.items() if isinstance(v, str)}
    quantities = typed.get("quantities", "")
    try:
        spec = await _spec_of(request, env, spec_text)
    except BespokeError as error:
        status, message = refusal(error)
        return _products_page(request, caller, status, error=message, spec_text=spec_text)
    settings = typed_settings(spec, typed)
    try:
        task = await off_request_threads(
            request,
            lambda: _plan(request, caller, spec_text, settings, quantities, typed.get("shop", "")),
        )
    except (BespokeError, ValidationError) as error:
        status, message = refusal(error)
        return _options_page(
            request, caller, spec_text, spec, settings, quantities, status, error=message
        )
    return see_other(f"/tasks/{task.id}")


def _plan(
    request: Request,
    caller: Caller,
    spec_text: str,
    settings: dict[str, str],
    quantities: str,
    shop: str,
) -> TaskRunRow:
    asked = quoting.PlanRequest(
        settings=settings, quantities=quantities_of(quantities), shop=shop or None
    )
    return product_forms.plan_from_form(request.app.state.tasks, caller.account, spec_text, asked)


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(task_id: str, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    with env.uow() as uow:
        row = uow.task_runs.get(caller.account, task_id)
        task, asked = task_run_out(row), row.request or {}
    back = None
    if isinstance(asked.get("product_id"), int):
        back = f"/products/{asked['product_id']}?task={task.id}"
    return render(request, "task.html.j2", caller, task=task, back=back)


# --- the plan -------------------------------------------------------------------------------


def plan_page(
    request: Request,
    caller: Caller,
    quote: QuoteOut,
    mine: bool,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A product's plan: its options, prices, parts with their pictures, bought items,
    operations and downloads, and the way back to its form."""
    doc = quote.document
    assert isinstance(doc, PlanDocument)
    env = environment(request)
    with env.uow() as uow:
        product = uow.products.get(caller.account, quote.product_id) if quote.product_id else None
        spec = parse_spec(product.spec, "spec") if product else None
    settings = shown_settings(spec, doc.settings) if spec else []
    return render(
        request,
        "plan.html.j2",
        caller,
        status,
        quote=quote,
        doc=doc,
        settings=settings,
        names=_names(request, caller),
        back=f"/products/{quote.product_id}?quote={quote.id}" if product else None,
        mine=mine,
        can_order=mine and quote.makeable,
        idempotency_key=str(uuid.uuid4()),
        **context,
    )


def _names(request: Request, caller: Caller) -> dict[str, str]:
    """The names of the caller's shop's catalog codes."""
    with environment(request).uow() as uow:
        shop_id = caller.account.shop_id or uow.shops.first().id  # type: ignore[union-attr]
        return shop_catalog(uow, shop_id).names()


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
