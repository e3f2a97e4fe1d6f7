"""The web pages: a maker uploads and quotes, plans products, orders and follows orders;
a shop sees its dashboard and moves orders along. Forms carry the session's CSRF token."""

from collections import Counter
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from bespoke.api import pages_quotes
from bespoke.api.page_kit import (
    LoginRequiredError,
    Signed,
    quantities_of,
    refusal,
    render,
    see_other,
)
from bespoke.api.rest.accounts import set_session_cookie
from bespoke.api.rest.shop import ScheduleRequest, schedule_of, start_shop_schedule
from bespoke.api.security import (
    SESSION_COOKIE,
    Caller,
    check_csrf,
    client_address,
    environment,
    identify,
)
from bespoke.api.views import job_out, order_out, quote_out
from bespoke.api.waiting import off_request_threads
from bespoke.batching.nesting import SMALLEST_REMNANT_MM
from bespoke.model.accounts import Role
from bespoke.model.bounds import MAX_REASON, RowId, SheetNumber
from bespoke.model.errors import BespokeError, InputError, PermissionDeniedError
from bespoke.model.orders import FLOW, OrderStatus
from bespoke.model.scheduling import KeptSchedule, KeptTask
from bespoke.services import accounts, batches, orders, quoting, remnants
from bespoke.services.login_throttle import LoginRefusedError
from bespoke.services.orders import DuplicateOrderError
from bespoke.services.shops import shop_view
from bespoke.store.tables import JobRow

router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    """The pages, their error pages and the redirect to the login page."""
    app.include_router(router)
    app.include_router(pages_quotes.router)

    async def on_login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequiredError)
        return see_other(f"/login?next={quote(error.next_url)}")

    app.add_exception_handler(LoginRequiredError, on_login_required)


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    caller = identify(request) if status != 401 else None
    return render(request, "error.html.j2", caller, status, title=title, detail=detail)


# --- signing in -----------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html.j2", None, next=_local(next))


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    env = environment(request)
    address = client_address(request)
    try:
        who = accounts.sign_in(env, email, password, address)
    except LoginRefusedError as refused:
        page = _login_again(request, next, email, 429, f"{str(refused).capitalize()}.")
        page.headers["Retry-After"] = str(refused.seconds)
        return page
    if who is None:
        return _login_again(request, next, email, 401, "Email or password is wrong.")
    cookie, _csrf = accounts.start_session(env, who, address)
    response = see_other(_local(next))
    set_session_cookie(response, cookie, env.settings.secure_cookies, env.settings.session_hours)
    return response


def _login_again(request: Request, next: str, email: str, status: int, error: str) -> HTMLResponse:
    return render(
        request, "login.html.j2", None, status, next=_local(next), email=email, error=error
    )


@router.post("/logout")
def logout(request: Request, caller: Signed, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(caller, csrf_token)
    accounts.sign_out(
        environment(request), caller.account, cookie=request.cookies.get(SESSION_COOKIE)
    )
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(caller: Signed) -> Response:
    return see_other("/quote" if caller.account.role == Role.MAKER else "/shop")


# --- maker: products ------------------------------------------------------------------------


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
    caller: Signed,
    csrf_token: Annotated[str, Form()] = "",
    spec_yaml: Annotated[str, Form()] = "",
    settings: Annotated[str, Form()] = "",
    quantities: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    env = environment(request)

    def planned() -> JobRow:
        product = quoting.submit_product(env, caller.account, spec_yaml, json_format=False)
        body = quoting.PlanRequest(
            settings=_settings(settings), quantities=quantities_of(quantities)
        )
        return quoting.start_product_plan(request.app.state.jobs, caller.account, product.id, body)

    try:
        job = await off_request_threads(request, planned)
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
    return see_other(f"/jobs/{job.id}")


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request, caller: Signed) -> HTMLResponse:
    with environment(request).uow() as uow:
        job = job_out(uow.jobs.get(caller.account, job_id))
    return render(request, "job.html.j2", caller, job=job)


# --- orders ---------------------------------------------------------------------------------


@router.post("/orders")
def order_submit(
    request: Request,
    caller: Signed,
    quote_id: Annotated[int, Form()],
    quantity: Annotated[int, Form()],
    idempotency_key: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    batched: Annotated[bool, Form()] = False,
    confirm_reading: Annotated[bool, Form()] = False,
) -> Response:
    check_csrf(caller, csrf_token)
    try:
        row = orders.place_order(
            environment(request),
            caller.account,
            quote_id,
            quantity,
            idempotency_key,
            batched=batched,
            confirm_reading=confirm_reading,
        )
    except DuplicateOrderError as duplicate:  # a second click: show the order that stands
        return see_other(f"/orders/{duplicate.order_id}")
    return see_other(f"/orders/{row.id}")


@router.get("/orders", response_class=HTMLResponse)
def orders_page(request: Request, caller: Signed) -> HTMLResponse:
    with environment(request).uow() as uow:
        rows = [order_out(o) for o in uow.orders.list(caller.account)]
        titles = {o.quote_id: uow.quotes.get(caller.account, o.quote_id).title for o in rows}
    return render(request, "orders.html.j2", caller, orders=rows, titles=titles)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(order_id: RowId, request: Request, caller: Signed) -> HTMLResponse:
    with environment(request).uow() as uow:
        order = order_out(uow.orders.get(caller.account, order_id))
        quote = quote_out(uow.quotes.get(caller.account, order.quote_id))
        owner = uow.users.by_id(order.owner_id)
    joined = batches.drawn_order_batches(environment(request), caller.account, order_id)
    pictures = {d.batch.id: [Markup(picture) for picture in d.pictures] for d in joined}
    return render(
        request,
        "order.html.j2",
        caller,
        order=order,
        batches=[d.batch for d in joined],
        pictures=pictures,
        quote=quote,
        doc=quote.document,
        owner=owner.email if owner else "",
        flow=FLOW,
    )


@router.post("/orders/{order_id}/status")
def order_move(
    order_id: RowId,
    request: Request,
    caller: Signed,
    status: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    orders.move_order(environment(request), caller.account, order_id, status, reason or None)
    return see_other(f"/orders/{order_id}")


# --- shop -----------------------------------------------------------------------------------


@router.get("/shop", response_class=HTMLResponse)
def dashboard(request: Request, caller: Signed) -> HTMLResponse:
    if caller.account.role == Role.MAKER:
        raise PermissionDeniedError("the dashboard is for the shop's operators")
    env = environment(request)
    with env.uow() as uow:
        rows = [order_out(o) for o in uow.orders.list(caller.account)]
        titles = {o.quote_id: uow.quotes.get(caller.account, o.quote_id).title for o in rows}
    counts = Counter(o.status for o in rows)
    return render(
        request,
        "shop.html.j2",
        caller,
        orders=rows,
        titles=titles,
        counts=[(s, counts.get(s, 0)) for s in OrderStatus],
        shop=shop_view(env, caller.account),
    )


@router.post("/shop/schedule")
def schedule_submit(
    request: Request,
    caller: Signed,
    csrf_token: Annotated[str, Form()] = "",
    time_limit: Annotated[float, Form()] = 10.0,
) -> Response:
    check_csrf(caller, csrf_token)
    job = start_shop_schedule(request, caller.account, ScheduleRequest(time_limit=time_limit))
    return see_other(f"/jobs/{job.id}")


@router.get("/shop/schedules/{schedule_id}", response_class=HTMLResponse)
def schedule_page(schedule_id: str, request: Request, caller: Signed) -> HTMLResponse:
    view = schedule_of(request, caller.account, schedule_id)
    return render(
        request,
        "schedule.html.j2",
        caller,
        schedule=view,
        gantt=_gantt(view),
        machines=len({t.machine for t in view.tasks}),
    )


def _gantt(view: KeptSchedule) -> list[dict[str, Any]]:
    """Plotly bars on a time axis: one trace per order or batch, one row per machine."""
    by_job: dict[str, list[KeptTask]] = {}
    for task in view.tasks:
        by_job.setdefault(task.job, []).append(task)
    return [
        {
            "type": "bar",
            "orientation": "h",
            "name": _job_name(tasks[0]),
            "y": [t.machine for t in tasks],
            "base": [(view.origin + timedelta(seconds=t.start)).isoformat() for t in tasks],
            "x": [(t.end - t.start) * 1000 for t in tasks],
            "text": [t.task.rsplit("/", 1)[-1] for t in tasks],
            "hovertemplate": "%{text}<br>%{base|%a %d %b %H:%M}<extra>%{fullData.name}</extra>",
        }
        for _, tasks in sorted(by_job.items(), key=lambda item: _job_order(item[0]))
    ]


def _job_name(task: KeptTask) -> str:
    if task.batch:
        return f"{task.batch} (orders {', '.join(map(str, task.orders))})"
    return f"order {task.job}"


def _job_order(job: str) -> tuple[int, str]:
    """Orders by number, then batches by name."""
    return (int(job), "") if job.isdigit() else (1 << 62, job)


@router.get("/shop/batches", response_class=HTMLResponse)
def batches_page(request: Request, caller: Signed, schedule: str = "latest") -> HTMLResponse:
    rows = batches.shop_batches(environment(request), caller.account, schedule)
    return render(request, "batches.html.j2", caller, batches=rows, schedule=schedule)


@router.get("/shop/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: RowId, request: Request, caller: Signed) -> HTMLResponse:
    drawn = batches.drawn_shop_batch(environment(request), caller.account, batch_id)
    pictures = [Markup(picture) for picture in drawn.pictures]
    return render(request, "batch.html.j2", caller, batch=drawn.batch, pictures=pictures)


@router.get("/shop/batches/{batch_id}/sheets/{index}.dxf")
def batch_cut_file(
    batch_id: RowId, index: SheetNumber, request: Request, caller: Signed
) -> Response:
    content = batches.batch_sheet(environment(request), caller.account, batch_id, index, "dxf")
    name = f"batch-{batch_id}-sheet-{index}.dxf"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type="application/dxf", headers=disposition)


@router.get("/shop/remnants", response_class=HTMLResponse)
def remnants_page(request: Request, caller: Signed) -> HTMLResponse:
    env = environment(request)
    return render(
        request,
        "remnants.html.j2",
        caller,
        remnants=remnants.shop_remnants(env, caller.account),
        materials=remnants.sheet_materials(env, caller.account),
        smallest=SMALLEST_REMNANT_MM,
    )


@router.post("/shop/remnants")
def remnant_submit(
    request: Request,
    caller: Signed,
    material: Annotated[str, Form()],
    thickness_mm: Annotated[float, Form(gt=0)],
    length_mm: Annotated[float, Form(gt=0)],
    width_mm: Annotated[float, Form(gt=0)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(caller, csrf_token)
    env = environment(request)
    remnants.add_remnant(env, caller.account, material, thickness_mm, (length_mm, width_mm))
    return see_other("/shop/remnants")


@router.post("/shop/remnants/{remnant_id}/scrap")
def remnant_scrap(
    remnant_id: RowId, caller: Signed, request: Request, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(caller, csrf_token)
    remnants.scrap_remnant(environment(request), caller.account, remnant_id)
    return see_other("/shop/remnants")


# --- helpers --------------------------------------------------------------------------------


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


def _local(url: str) -> str:
    """Only redirect within the site."""
    return url if url.startswith("/") and not url.startswith("//") else "/"


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
