"""The audit page (admins): who changed what and when, found by person, action, entity,
id and dates, a page at a time, each entry's detail in words and its entity linked."""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from bespoke.api.pages.kit import Signed, refusal, render
from bespoke.api.paging import Paged
from bespoke.api.security import Env
from bespoke.model.errors import BespokeError
from bespoke.services.accounts import audit_entries
from bespoke.services.accounts.audit import AuditEntryView, AuditPage, AuditQuery

router = APIRouter(include_in_schema=False)
MAX_FILTER = 400
LINKS = {
    "order": "/orders/{}",
    "shop": "/shop/settings",
    "machines": "/shop/settings/machines/{}",
    "materials": "/shop/settings/materials/{}",
    "processes": "/shop/settings/processes/{}",
    "suppliers": "/shop/settings/suppliers/{}",
    "remnant": "/shop/remnants",
}
"""Where an entity's page is, by the audit log's name for it."""
Typed = Annotated[str, Query(max_length=MAX_FILTER)]
"""A filter as typed (checked by `AuditQuery`, which bounds each more closely)."""
SHORT_TEXT = 80
"""Characters of a value shown as it is; a longer one is cut."""


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    env: Env,
    caller: Signed,
    asked: Paged,
    who: Typed = "",
    action: Typed = "",
    entity: Typed = "",
    entity_id: Typed = "",
    since: Typed = "",
    until: Typed = "",
) -> HTMLResponse:
    typed = {"who": who, "action": action, "entity": entity, "entity_id": entity_id}
    dates = {"since": since.strip() or None, "until": until.strip() or None}
    try:
        query = AuditQuery.model_validate({**typed, **dates})
        found = audit_entries(env, caller.account, query, asked.limit, asked.offset)
        error, status = None, 200
    except (BespokeError, ValidationError) as refused:
        status, error = refusal(refused)
        found = AuditPage(entries=[], total=0)
    url = request.url
    pages = {
        "next": url.include_query_params(offset=asked.offset + asked.limit)
        if asked.offset + asked.limit < found.total
        else None,
        "previous": url.include_query_params(offset=max(0, asked.offset - asked.limit))
        if asked.offset > 0
        else None,
    }
    return render(
        request,
        "audit.html.j2",
        caller,
        status,
        values={**typed, "since": since, "until": until},
        found=found,
        rows=[(e, link_of(e), detail_lines(e.detail)) for e in found.entries],
        first=asked.offset + 1,
        last=asked.offset + len(found.entries),
        pages=pages,
        error=error,
    )


def link_of(entry: AuditEntryView) -> str | None:
    """The page of the entry's entity, when it has one."""
    pattern = LINKS.get(entry.entity)
    return pattern.format(entry.entity_id) if pattern else None


def detail_lines(detail: Mapping[str, Any]) -> list[str]:
    """An entry's detail as lines people read: a calendar by what changed, fields by name."""
    if "changes" in detail:
        return [str(line) for line in detail["changes"]] or ["calendar saved unchanged"]
    lines = []
    for key, value in detail.items():
        if key == "changed" and isinstance(value, dict):
            lines += [f"{_words(k)}: {_brief(v)}" for k, v in value.items()]
        else:
            lines.append(f"{_words(key)}: {_brief(value)}")
    return lines


def _words(key: str) -> str:
    return key.replace("_", " ")


def _brief(value: object) -> str:
    if value is None:
        return "(dropped)"
    if isinstance(value, list) and all(isinstance(v, int | float | str) for v in value):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, list | dict):
        text = f"{len(value)} items" if value else "none"
    else:
        text = str(value)
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1] + "…"
