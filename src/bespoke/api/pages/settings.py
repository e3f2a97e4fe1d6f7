"""The shop's settings pages: its machines, materials, processes and suppliers, its rates
and its weekly calendar, changed by form through the same checks as the API. A refused
form is shown again with the message, the field named and the values typed."""

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from bespoke.api.pages import setting_inputs
from bespoke.api.pages.kit import Signed, refusal, render, see_other
from bespoke.api.pages.setting_inputs import Input, figure, scalar_figures, typed
from bespoke.api.security import Caller, Env, check_csrf
from bespoke.model.bounds import MAX_CATALOG_ID, quantities_in
from bespoke.model.calendar import MAX_CLOSED_REASON, Weekday
from bespoke.model.catalog import Machine, Material, Shop, StockKind, Supplier
from bespoke.model.errors import BespokeError, InputError, NotFoundError
from bespoke.services.maintenance import maintenance_orders
from bespoke.services.shop import settings as shop_settings
from bespoke.services.shop.calendars import DAY_NAMES, Planned, hours_by_day, windows
from bespoke.services.shop.settings import ShopSettings, catalog_entry
from bespoke.services.shop.shops import RATE_FIELDS, Section, remove_entry, set_rates

router = APIRouter(include_in_schema=False)
EntryId = Annotated[str, Path(max_length=MAX_CATALOG_ID, pattern=r"^[a-z0-9][a-z0-9-]*$")]
SHIFT_SLOTS = 3
"""Shifts offered per weekday on the hours form."""
TITLES = {
    "machines": ("machine", "Machines"),
    "materials": ("material", "Materials"),
    "processes": ("process", "Processes"),
    "suppliers": ("supplier", "Suppliers"),
}
ADDABLE = ("machines", "materials", "suppliers")
"""A new process needs its tables (speeds, pierce times ...): it comes from a shop file."""
_FIELD_IN = re.compile(r"(?:\(id '[^']*'\)|: shop)\.([a-z0-9_]+)[^:]*: (.+)$")


async def posted_form(request: Request) -> dict[str, str]:
    """The posted form's text fields (a bounded number of them)."""
    form = await request.form(max_fields=400, max_files=0)
    return {key: value for key, value in form.items() if isinstance(value, str)}


Posted = Annotated[dict[str, str], Depends(posted_form)]


@router.get("/shop/settings", response_class=HTMLResponse)
def settings_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    settings = shop_settings.shop_settings(env, caller.account)
    return render(
        request,
        "settings.html.j2",
        caller,
        settings=settings,
        catalog=settings.catalog,
        names=settings.catalog.names(),
        own={section: {e["id"] for e in settings.overrides.get(section, [])} for section in TITLES},
        addable=ADDABLE,
    )


# --- rates ----------------------------------------------------------------------------------


def rate_inputs(currency: str) -> list[Input]:
    inputs = [
        figure(Shop, name, currency, "words" if name == "quantity_breaks" else None)
        for name in RATE_FIELDS
    ]
    return [
        i
        if i.name != "currency"
        else Input("currency", "Currency", kind="text", pattern="[A-Z]{3}")
        for i in inputs
    ]


@router.get("/shop/settings/rates", response_class=HTMLResponse)
def rates_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    settings = shop_settings.shop_settings(env, caller.account)
    inputs = rate_inputs(settings.catalog.shop.currency)
    return _rates_form(request, caller, settings, typed(inputs, settings.catalog.shop.model_dump()))


@router.post("/shop/settings/rates", response_class=HTMLResponse)
def rates_submit(request: Request, env: Env, caller: Signed, form: Posted) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    settings = shop_settings.shop_settings(env, caller.account)
    inputs = rate_inputs(settings.catalog.shop.currency)
    try:
        fields = setting_inputs.read(inputs, form)
        if "quantity_breaks" in fields:
            fields["quantity_breaks"] = quantities_in(form["quantity_breaks"], "quantity_breaks")
        now = settings.catalog.shop.model_dump(mode="json")
        changed = {k: v for k, v in fields.items() if now.get(k) != v}
        if changed:
            set_rates(env, caller.account, changed)
    except (BespokeError, ValidationError) as error:
        return _rates_form(request, caller, settings, form, error)
    return see_other("/shop/settings#rates")


def _rates_form(
    request: Request,
    caller: Caller,
    settings: ShopSettings,
    values: Mapping[str, str],
    error: BespokeError | ValidationError | None = None,
) -> HTMLResponse:
    inputs = rate_inputs(settings.catalog.shop.currency)
    status, message, invalid = _explained(error, inputs) if error else (200, None, None)
    return render(
        request,
        "settings_form.html.j2",
        caller,
        status,
        title="Rates and commercial settings",
        heading="Rates and commercial settings",
        action="/shop/settings/rates",
        section="rates",
        entry_id=None,
        new_id=None,
        inputs=inputs,
        values=values,
        stock_kinds=[],
        error=message,
        invalid=invalid,
        own=False,
    )


# --- the weekly calendar --------------------------------------------------------------------


@router.get("/shop/settings/calendar", response_class=HTMLResponse)
def calendar_page(request: Request, env: Env, caller: Signed) -> HTMLResponse:
    return _calendar(request, env, caller, {})


@router.post("/shop/settings/calendar/hours", response_class=HTMLResponse)
def hours_submit(request: Request, env: Env, caller: Signed, form: Posted) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    try:
        hours = {day: _shifts_typed(form, day) for day in Weekday}
        timezone = form.get("timezone", "").strip()[:64] or "UTC"
        shop_settings.set_hours(env, caller.account, hours, timezone)
    except (BespokeError, ValidationError) as error:
        return _calendar(request, env, caller, form, error, "hours")
    return see_other("/shop/settings/calendar")


@router.post("/shop/settings/calendar/closed", response_class=HTMLResponse)
def closed_submit(request: Request, env: Env, caller: Signed, form: Posted) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    try:
        day = _date(form.get("day", ""), "day", "Closed date")
        reason = form.get("reason", "")
        if len(reason) > MAX_CLOSED_REASON:
            raise InputError(f"Reason: at most {MAX_CLOSED_REASON} characters", path="reason")
        shop_settings.close_day(env, caller.account, day, reason)
    except (BespokeError, ValidationError) as error:
        return _calendar(request, env, caller, form, error, "closed")
    return see_other("/shop/settings/calendar")


@router.post("/shop/settings/calendar/closed/{day}/open")
def reopen_submit(day: date, env: Env, caller: Signed, form: Posted) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    shop_settings.reopen_day(env, caller.account, day)
    return see_other("/shop/settings/calendar")


@router.post("/shop/settings/calendar/maintenance", response_class=HTMLResponse)
def window_submit(request: Request, env: Env, caller: Signed, form: Posted) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    try:
        start = _moment(form.get("start", ""), "start", "From")
        end = _moment(form.get("end", ""), "end", "To")
        machine = form.get("machine", "")[:MAX_CATALOG_ID]
        shop_settings.add_window(env, caller.account, machine, start, end)
    except (BespokeError, ValidationError) as error:
        return _calendar(request, env, caller, form, error, "maintenance")
    return see_other("/shop/settings/calendar")


@router.post("/shop/settings/calendar/maintenance/{number}/remove")
def window_remove(
    number: Annotated[int, Path(ge=1, le=10_000)], env: Env, caller: Signed, form: Posted
) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    shop_settings.remove_window(env, caller.account, number - 1)
    return see_other("/shop/settings/calendar")


def _calendar(
    request: Request,
    env: Env,
    caller: Caller,
    values: Mapping[str, str],
    error: BespokeError | ValidationError | None = None,
    form: str = "",
) -> HTMLResponse:
    settings = shop_settings.shop_settings(env, caller.account)
    hours = hours_by_day(settings.calendar)
    shown = {
        f"{day.value}_{n}_{end}": at.strftime("%H:%M")
        for day in Weekday
        for n, shift in enumerate(hours[day], start=1)
        for end, at in zip(("start", "end"), shift, strict=True)
    }
    status, message = refusal(error) if error else (200, None)
    return render(
        request,
        "settings_calendar.html.j2",
        caller,
        status,
        settings=settings,
        calendar=settings.calendar,
        days=[(day, DAY_NAMES[day]) for day in Weekday],
        slots=max([SHIFT_SLOTS, *(len(s) + 1 for s in hours.values())]),
        values={**shown, "timezone": settings.calendar.timezone, **values},
        planned=sorted(
            windows(settings.calendar) + maintenance_planned(env, caller), key=lambda p: p.start
        ),
        names=settings.catalog.names(),
        form_error=message,
        error_form=form,
        invalid=getattr(error, "path", None),
        max_reason=MAX_CLOSED_REASON,
    )


def maintenance_planned(env: Env, caller: Caller) -> list[Planned]:
    """The shop's open maintenance orders, at their planned or due times."""
    planned = []
    for order in maintenance_orders(env, caller.account):
        start = order.planned_start or order.window_start or order.due_at
        if start is not None:
            end = order.planned_end or order.window_end
            planned.append(
                Planned(
                    machine=order.machine,
                    title=order.title,
                    start=start,
                    end=end,
                    order_id=order.id,
                )
            )
    return planned


def _shifts_typed(form: Mapping[str, str], day: Weekday) -> list[tuple[time, time]]:
    shifts = []
    for number in range(1, SHIFT_SLOTS + 8):
        start = form.get(f"{day.value}_{number}_start", "").strip()
        end = form.get(f"{day.value}_{number}_end", "").strip()
        if not start and not end:
            continue
        where = f"{DAY_NAMES[day]}, shift {number}"
        if not (start and end):
            raise InputError(f"{where}: give both its start and its end", path=f"{day}_{number}")
        shifts.append((_time(start, where, day, number), _time(end, where, day, number)))
    return shifts


def _time(text: str, where: str, day: Weekday, number: int) -> time:
    try:
        return time.fromisoformat(text[:8])
    except ValueError:
        raise InputError(
            f"{where}: {text[:20]!r} is not a time (HH:MM)", path=f"{day}_{number}"
        ) from None


def _date(text: str, name: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InputError(f"{label}: {text[:20]!r} is not a date (YYYY-MM-DD)", path=name) from None


def _moment(text: str, name: str, label: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip()[:19])
    except ValueError:
        raise InputError(
            f"{label}: {text[:25]!r} is not a date and time (YYYY-MM-DD HH:MM)", path=name
        ) from None


# --- machines, materials, processes, suppliers ----------------------------------------------


def section_inputs(settings: ShopSettings, section: Section, entry_id: str | None) -> list[Input]:
    """The inputs of an entry's form."""
    currency = settings.catalog.shop.currency
    processes = tuple(
        sorted(((p.id, p.name) for p in settings.catalog.processes.values()), key=lambda c: c[1])
    )
    name = Input("name", "Name", kind="text", required=True)
    match section:
        case "machines":
            return [
                name,
                figure(Machine, "process", currency, "choice", choices=processes),
                figure(Machine, "envelope_mm", currency, "size"),
                *(figure(Machine, f, currency) for f in ("rate_per_hour", "max_thickness_mm")),
                *(figure(Machine, f, currency) for f in ("speed_factor", "outsourced")),
            ]
        case "materials":
            return [
                name,
                figure(Material, "family", currency, "text", pattern="[a-z0-9_]+"),
                *(figure(Material, f, currency) for f in ("price_per_kg", "density_kg_m3")),
                figure(Material, "default_thickness_mm", currency),
                figure(Material, "stock", currency, "stock"),
            ]
        case "suppliers":
            money = ("order_fee", "per_part", "per_mm_cut", "per_cm3", "per_cm3_bbox", "per_kg")
            return [
                name,
                figure(Supplier, "process", currency, "choice", choices=processes),
                figure(Supplier, "families", currency, "words"),
                figure(Supplier, "envelope_mm", currency, "size"),
                figure(Supplier, "max_thickness_mm", currency),
                *(figure(Supplier, f, currency) for f in money),
                *(figure(Supplier, f, currency) for f in ("min_first_part", "min_extra_part")),
                figure(Supplier, "lead_days", currency),
            ]
        case "processes":
            process = settings.catalog.processes.get(entry_id or "")
            if process is None:
                raise NotFoundError(f"processes: no process {entry_id!r}")
            return [name, *scalar_figures(type(process), currency)]


@router.get("/shop/settings/{section}/new", response_class=HTMLResponse)
def new_entry_page(section: Section, request: Request, env: Env, caller: Signed) -> HTMLResponse:
    settings = _addable(env, caller, section)
    return _entry_form(request, caller, settings, section, None, {})


@router.post("/shop/settings/{section}/new", response_class=HTMLResponse)
def new_entry_submit(
    section: Section, request: Request, env: Env, caller: Signed, form: Posted
) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    settings = _addable(env, caller, section)
    inputs = section_inputs(settings, section, None)
    entry_id = form.get("id", "").strip()[:MAX_CATALOG_ID]
    try:
        fields = setting_inputs.read(inputs, form)
        shop_settings.edit_entry(env, caller.account, section, entry_id, fields, new=True)
    except (BespokeError, ValidationError) as error:
        return _entry_form(request, caller, settings, section, None, form, error)
    return see_other(f"/shop/settings#{section}")


def _addable(env: Env, caller: Caller, section: Section) -> ShopSettings:
    if section not in ADDABLE:
        raise NotFoundError(f"{section}: a new one comes from a shop file (its tables)")
    return shop_settings.shop_settings(env, caller.account)


@router.get("/shop/settings/{section}/{entry_id}", response_class=HTMLResponse)
def entry_page(
    section: Section, entry_id: EntryId, request: Request, env: Env, caller: Signed
) -> HTMLResponse:
    settings = shop_settings.shop_settings(env, caller.account)
    current = catalog_entry(settings.catalog, section, entry_id)
    if current is None:
        raise NotFoundError(f"{section}: no entry {entry_id!r} in the shop's catalog")
    inputs = section_inputs(settings, section, entry_id)
    return _entry_form(
        request, caller, settings, section, entry_id, typed(inputs, current.model_dump())
    )


@router.post("/shop/settings/{section}/{entry_id}", response_class=HTMLResponse)
def entry_submit(
    section: Section, entry_id: EntryId, request: Request, env: Env, caller: Signed, form: Posted
) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    settings = shop_settings.shop_settings(env, caller.account)
    inputs = section_inputs(settings, section, entry_id)
    try:
        fields = setting_inputs.read(inputs, form)
        shop_settings.edit_entry(env, caller.account, section, entry_id, fields)
    except (BespokeError, ValidationError) as error:
        return _entry_form(request, caller, settings, section, entry_id, form, error)
    return see_other(f"/shop/settings#{section}")


@router.post("/shop/settings/{section}/{entry_id}/remove")
def entry_remove(
    section: Section, entry_id: EntryId, env: Env, caller: Signed, form: Posted
) -> Response:
    """Drop the shop's own entry: an added one goes, a bundled one is as shipped again."""
    check_csrf(caller, form.get("csrf_token"))
    remove_entry(env, caller.account, section, entry_id)
    return see_other(f"/shop/settings#{section}")


@router.post("/shop/settings/machines/{entry_id}/{move}")
def machine_retire(
    entry_id: EntryId,
    move: Literal["retire", "return"],
    env: Env,
    caller: Signed,
    form: Posted,
) -> Response:
    check_csrf(caller, form.get("csrf_token"))
    shop_settings.retire_machine(env, caller.account, entry_id, retired=move == "retire")
    return see_other("/shop/settings#machines")


def _entry_form(
    request: Request,
    caller: Caller,
    settings: ShopSettings,
    section: Section,
    entry_id: str | None,
    values: Mapping[str, str],
    error: BespokeError | ValidationError | None = None,
) -> HTMLResponse:
    inputs = section_inputs(settings, section, entry_id)
    status, message, invalid = _explained(error, inputs) if error else (200, None, None)
    one, _ = TITLES[section]
    current = catalog_entry(settings.catalog, section, entry_id) if entry_id else None
    return render(
        request,
        "settings_form.html.j2",
        caller,
        status,
        title=f"{current.name} ({one})" if current else f"A new {one}",
        heading=f"Change the {one} {current.name}" if current else f"Add a {one}",
        action=f"/shop/settings/{section}/{entry_id or 'new'}",
        section=section,
        entry_id=entry_id,
        new_id=values.get("id", "") if entry_id is None else None,
        inputs=inputs,
        values=values,
        stock_kinds=[k.value for k in StockKind],
        error=message,
        invalid=invalid,
        own=bool(entry_id and settings.own(section, entry_id)),
    )


def _explained(
    error: BespokeError | ValidationError, inputs: list[Input]
) -> tuple[int, str, str | None]:
    """The status and message of a refused form, and the field it names: the catalog's
    field name given as the form's label."""
    status, message = refusal(error)
    by_name = {i.name: i for i in inputs}
    path = getattr(error, "path", "")
    if path in by_name or path == "id":
        return status, message, path
    found = _FIELD_IN.search(message)
    if found and found.group(1) in by_name:
        field = by_name[found.group(1)]
        return status, f"{field.caption}: {found.group(2)}", field.name
    return status, message, None
