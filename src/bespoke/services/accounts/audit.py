"""The audit log as an admin reads it: entries found by who, what and when, with the
people who made them by name and e-mail."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from bespoke.model.accounts import Account, Role
from bespoke.model.errors import PermissionDeniedError
from bespoke.services.environment import Environment
from bespoke.store.repositories import AuditSearch

Word = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]


class AuditQuery(BaseModel):
    """What to look for in the audit log; an empty part matches everything."""

    who: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)] = Field(
        default="", description='Part of a person\'s e-mail or name, or "system"'
    )
    action: Word = ""
    entity: Word = ""
    entity_id: Word = ""
    since: date | None = Field(default=None, description="From this day (UTC)")
    until: date | None = Field(default=None, description="To this day, included (UTC)")

    @model_validator(mode="after")
    def _until_after_since(self) -> "AuditQuery":
        if self.since and self.until and self.until < self.since:
            raise ValueError(f"until: {self.until} is before since ({self.since})")
        return self

    def search(self) -> AuditSearch:
        return AuditSearch(
            actor=self.who or None,
            action=self.action or None,
            entity=self.entity or None,
            entity_id=self.entity_id or None,
            since=datetime.combine(self.since, time()) if self.since else None,
            before=datetime.combine(self.until + timedelta(days=1), time()) if self.until else None,
        )


class AuditEntryView(BaseModel):
    """One change: when, who (None: the system), what, to which entity, and its detail."""

    id: int
    at: datetime
    actor_email: str | None
    actor_name: str | None
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryView]
    total: int


def audit_entries(
    env: Environment, who: Account, query: AuditQuery, limit: int, offset: int
) -> AuditPage:
    """The entries matching `query`, newest first, a page at a time (admins only)."""
    if who.role != Role.ADMIN:
        raise PermissionDeniedError("only admins read the audit log")
    search = query.search()
    with env.uow() as uow:
        rows = uow.audit.found(search, limit, offset)
        return AuditPage(
            total=uow.audit.found_count(search),
            entries=[
                AuditEntryView(
                    id=entry.id,
                    at=entry.at,
                    actor_email=user.email if user else None,
                    actor_name=user.name if user else None,
                    action=entry.action,
                    entity=entry.entity,
                    entity_id=entry.entity_id,
                    detail=entry.detail,
                )
                for entry, user in rows
            ],
        )
