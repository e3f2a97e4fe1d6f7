"""The maker's quote pages: a design uploaded and quoted, the quote shown, and asked again
with other options or units without uploading again. A refused form comes back with its
error and what the maker entered."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bespoke.api.pages import words
from bespoke.api.pages.kit import Signed, quantities_of, refusal, render, see_other
from bespoke.api.pages.part_view import DrawingView, drawing_view, mesh_view_built
from bespoke.api.pages.products import plan_page
from bespoke.api.pages.quote_choices import (
    CHEAPEST,
    UNIT_CHOICES,
    Entered,
    entered_of,
    finishes,
    requote_changes,
    stock_view,
    thickness_mm,
)
from bespoke.api.rest.work import read_upload
from bespoke.api.security import Caller, Env, check_csrf, environment
from bespoke.api.views import quote_out
from bespoke.api.waiting import off_request_threads
from bespoke.model.accounts import Role
from bespoke.model.bounds import MAX_ROW_ID, RowId
from bespoke.model.errors import BespokeError, InputError
from bespoke.model.plan_document import PlanDocument
from bespoke.model.quote_document import CurveDocument, QuoteDocument
from bespoke.services import quoting
from bespoke.services.environment import Environment
from bespoke.services.quoting import designs, previews, requote
from bespoke.services.shop.shops import shop_catalog
from bespoke.store.tables import DesignRow, QuoteRow

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


def _entered_options(
    material: Text = "", thickness: Text = "", finish: Text = "", quantities: Text = ""
) -> Entered:
    """FastAPI dependency: the options both quote forms ask for, as the maker entered them."""
    return {
        "material": material,
        "thickness": thickness,
        "finish": finish,
        "quantities": quantities,
    }


Options = Annotated[Entered, Depends(_entered_options)]


# --- upload and quote -----------------------------------------------------------------------


@router.get("/quote", response_class=HTMLResponse)
def quote_form(request: Request, caller: Signed) -> HTMLResponse:
    return _quote_form(request, caller)


def _quote_form(
    request: Request,
    caller: Caller,
    status: int = 200,
    entered: Entered | None = None,
    kept: DesignRow | None = None,
    **context: Any,
) -> HTMLResponse:
    env = environment(request)
    with env.uow() as uow:
        catalog = shop_catalog(uow, caller.account.shop_id or uow.shops.first().id)  # type: ignore[union-attr]
        quotes = [quote_out(q, document=False) for q in uow.quotes.list(caller.account, 20)]
    return render(
        request,
        "quote_form.html.j2",
        caller,
        status,
        materials=sorted(catalog.materials.values(), key=lambda m: m.name),
        finishes=finishes(catalog),
        units=UNIT_CHOICES,
        quotes=quotes,
        limit_mb=env.settings.max_upload_bytes / 1e6,
        entered=entered or {},
        kept=kept,
        **context,
    )


@router.post("/quote")
async def quote_upload(
    request: Request,
    env: Env,
    caller: Signed,
    options: Options,
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Text = "",
    units: Text = "",
    design_id: Text = "",
) -> Response:
    """Upload and quote a design; without a file, the design kept from a refused try."""
    check_csrf(caller, csrf_token)
    entered = {**options, "units": units}
    stored: list[DesignRow] = []

    def quoted(content: bytes | None) -> QuoteRow:
        if content is not None:
            assert file is not None
            design = designs.upload_design(env, caller.account, file.filename or "", content, units)
        else:
            design = designs.read_again(env, caller.account, _kept_id(design_id), units)
        stored.append(design)
        asked = quoting.PartQuoteRequest(
            design_id=design.id,
            material=options["material"] or None,
            thickness_mm=thickness_mm(options["thickness"]),
            quantities=quantities_of(options["quantities"]),
            finish=options["finish"] or None,
        )
        return quoting.quote_stored_design(env, caller.account, asked)

    try:
        content = None
        if file is not None and file.filename:
            content = await read_upload(file, env.settings.max_upload_bytes)
        quote = await off_request_threads(request, lambda: quoted(content))
    except (BespokeError, ValidationError) as error:
        status, message = refusal(error)
        kept = stored[-1] if stored else None
        return _quote_form(request, caller, status, entered, kept, error=message)
    return see_other(f"/quotes/{quote.id}")


def _kept_id(design_id: str) -> int:
    """The design kept from a refused try, named in the form."""
    text = design_id.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ROW_ID):
        raise InputError("file: choose a design file to quote (a DXF drawing or an STL mesh)")
    return int(text)


# --- a quote, asked again -------------------------------------------------------------------


@router.get("/quotes/{quote_id}", response_class=HTMLResponse)
async def quote_page(quote_id: RowId, request: Request, caller: Signed) -> HTMLResponse:
    return await _quote_page(request, caller, quote_id)


async def _quote_page(
    request: Request,
    caller: Caller,
    quote_id: int,
    status: int = 200,
    entered: Entered | None = None,
    **context: Any,
) -> HTMLResponse:
    """The quote page, made on a waiting thread: a drawing's paths may need the workers."""
    return await off_request_threads(
        request, lambda: _quote_view(request, caller, quote_id, status, entered, context)
    )


def _quote_view(
    request: Request,
    caller: Caller,
    quote_id: int,
    status: int,
    entered: Entered | None,
    context: dict[str, Any],
) -> HTMLResponse:
    env = environment(request)
    with env.uow() as uow:
        row = uow.quotes.get(caller.account, quote_id)
        quote = quote_out(row)
        mine = row.owner_id == caller.account.id and caller.account.role == Role.MAKER
        catalog = shop_catalog(uow, row.shop_id)
    doc = quote.document
    names = catalog.names()
    if isinstance(doc, PlanDocument):
        curve = _curve_traces(doc.curve, names)
        return plan_page(request, caller, quote, mine, status, curve=curve, **context)
    if isinstance(doc, QuoteDocument):
        asked = entered_of(quote.request, doc)
        shown = {**asked, **(entered or {})}
        stock = stock_view(catalog)
        chosen = stock["materials"].get(shown["material"], {})
        context |= {
            "entered": shown,
            "stock": stock,
            "thicknesses": [f"{t:g}" for t in chosen.get("thicknesses", [])],
            "processes": [(o.process, o.process_name) for o in doc.options],
            "cheapest": CHEAPEST,
            "units": UNIT_CHOICES,
            "view": _part_view(env, caller, quote.design_id, doc, names),
            "mesh_view": doc.design_kind == "stl" and mesh_view_built(),
        }
    return render(
        request,
        "quote.html.j2",
        caller,
        status,
        quote=quote,
        doc=doc,
        names=names,
        mine=mine,
        can_order=mine and quote.makeable,
        idempotency_key=str(uuid.uuid4()),
        curve=_curve_traces(doc.curve if doc else None, names),
        **context,
    )


def _part_view(
    env: Environment,
    caller: Caller,
    design_id: int | None,
    doc: QuoteDocument,
    names: dict[str, str],
) -> DrawingView | None:
    """A drawing's outline with its findings marked; None for a mesh, or for a drawing the
    workers could not draw in their budget (its picture is shown instead)."""
    if doc.design_kind != "dxf" or design_id is None:
        return None
    try:
        drawing = previews.design_drawing(env, caller.account, design_id, doc.geometry.units)
    except BespokeError:
        return None
    return drawing_view(drawing, doc, names)


@router.post("/quotes/{quote_id}/requote")
async def quote_again(
    quote_id: RowId,
    request: Request,
    env: Env,
    caller: Signed,
    options: Options,
    csrf_token: Text = "",
    process: Text = "",
    infill: Text = "",
    lead_tier: Text = "",
    own_material: Text = "",
) -> Response:
    """The same design quoted again with the options of the form."""
    check_csrf(caller, csrf_token)
    entered = {
        **options,
        "process": process,
        "infill": infill,
        "lead_tier": lead_tier,
        "own_material": own_material,
    }
    try:
        changes = requote_changes(entered)
        new = await off_request_threads(
            request, lambda: requote.requote(env, caller.account, quote_id, changes)
        )
    except (BespokeError, ValidationError) as error:
        status, message = refusal(error)
        return await _quote_page(request, caller, quote_id, status, entered, error=message)
    return see_other(f"/quotes/{new.id}")


@router.post("/quotes/{quote_id}/reading")
async def quote_as_read(
    quote_id: RowId,
    request: Request,
    env: Env,
    caller: Signed,
    csrf_token: Text = "",
    units: Text = "",
) -> Response:
    """The same design read in other units and quoted as before."""
    check_csrf(caller, csrf_token)
    try:
        new = await off_request_threads(
            request, lambda: requote.quote_as_read(env, caller.account, quote_id, units)
        )
    except (BespokeError, ValidationError) as error:
        status, message = refusal(error)
        return await _quote_page(request, caller, quote_id, status, error=message)
    return see_other(f"/quotes/{new.id}")


def _curve_traces(curve: CurveDocument | None, names: dict[str, str]) -> list[dict[str, Any]]:
    """Plotly traces of the scale curve: one line per process by its name, unit price by
    quantity."""
    if curve is None:
        return []
    points = curve.points
    processes = sorted({process for p in points for process in p.unit_prices})
    return [
        {
            "name": words.named(process, names),
            "x": [p.quantity for p in points if process in p.unit_prices],
            "y": [p.unit_prices[process] for p in points if process in p.unit_prices],
            "mode": "lines",
            "type": "scatter",
        }
        for process in processes
    ]
