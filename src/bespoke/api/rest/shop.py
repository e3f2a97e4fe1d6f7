"""The shop's settings: machines, materials, processes, suppliers, rates, calendar; the log."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response

from bespoke.api.security import api_caller, environment, require_role
from bespoke.model.accounts import Account, Role
from bespoke.model.calendar import Calendar
from bespoke.services import shops

router = APIRouter(tags=["shop"])
Caller = Annotated[Account, Depends(api_caller)]


@router.get("/shop")
def get_shop(request: Request, who: Caller) -> dict[str, Any]:
    """The caller's shop: rates, calendar, machines and materials as quoted with."""
    return shops.shop_view(environment(request), who)


@router.put("/shop/{section}/{entry_id}")
def set_entry(
    section: shops.Section,
    entry_id: str,
    request: Request,
    who: Caller,
    entry: Annotated[dict[str, Any], Body(description="The entry's fields, as in a shop file")],
) -> dict[str, Any]:
    """Add or change a machine, material, process or supplier (checked against the catalog)."""
    return shops.set_entry(environment(request), who, section, {**entry, "id": entry_id})


@router.delete("/shop/{section}/{entry_id}", status_code=204)
def remove_entry(section: shops.Section, entry_id: str, request: Request, who: Caller) -> Response:
    """Drop the shop's own entry (a bundled one comes back as it was)."""
    shops.remove_entry(environment(request), who, section, entry_id)
    return Response(status_code=204)


@router.patch("/shop/rates")
def set_rates(
    request: Request,
    who: Caller,
    rates: Annotated[dict[str, Any], Body(description="labour_rate_per_hour, margin ...")],
) -> dict[str, Any]:
    env = environment(request)
    shops.set_rates(env, who, rates)
    changed: dict[str, Any] = shops.shop_view(env, who)["rates"]
    return changed


@router.put("/shop/calendar", response_model=Calendar)
def set_calendar(
    request: Request, who: Caller, calendar: Annotated[dict[str, Any], Body()]
) -> Calendar:
    """The shop's shifts and closed dates."""
    return shops.set_calendar(environment(request), who, calendar)


@router.get("/audit")
def audit_log(request: Request, who: Caller, entity: str | None = None) -> list[dict[str, Any]]:
    """Who changed what (admins only)."""
    require_role(who, Role.ADMIN)
    with environment(request).uow() as uow:
        return [
            {
                "at": r.at.isoformat(),
                "actor_id": r.actor_id,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "detail": r.detail,
            }
            for r in uow.audit.entries(entity)
        ]
