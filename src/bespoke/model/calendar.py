"""When a shop works: weekly shifts and the dates it is closed."""

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

MAX_SHIFTS = 50
MAX_CLOSED_DAYS = 2_000
"""Holidays and shutdowns: years of them."""
MAX_MAINTENANCE_WINDOWS = 2_000
MAX_CLOSED_REASON = 200
"""Characters of the reason a date is closed ("Christmas", "stocktaking")."""


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class Shift(BaseModel):
    """Hours worked on some weekdays, e.g. mon-fri 07:00-15:00."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: list[Weekday] = Field(min_length=1, max_length=7)
    start: time
    end: time

    @model_validator(mode="after")
    def _ends_after_start(self) -> "Shift":
        if self.end <= self.start:
            raise ValueError(f"a shift ends after it starts (got {self.start} to {self.end})")
        return self


class MaintenanceWindow(BaseModel):
    """A machine out of use for service from `start` to `end` (UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    machine: str = Field(max_length=64)
    start: datetime
    end: datetime

    @model_validator(mode="after")
    def _ends_after_start(self) -> "MaintenanceWindow":
        if self.end <= self.start:
            raise ValueError(f"a maintenance window ends after it starts ({self.machine})")
        return self


class Calendar(BaseModel):
    """A shop's working time; machines follow it unless they run unattended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(default="UTC", max_length=64)
    shifts: list[Shift] = Field(
        max_length=MAX_SHIFTS,
        default_factory=lambda: [
            Shift(
                days=[Weekday(d) for d in ("mon", "tue", "wed", "thu", "fri")],
                start=time(8),
                end=time(16),
            )
        ],
    )
    closed: list[date] = Field(
        default_factory=list, max_length=MAX_CLOSED_DAYS, description="Holidays and shutdowns"
    )
    closed_reasons: dict[
        date, Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_CLOSED_REASON)]
    ] = Field(
        default_factory=dict,
        max_length=MAX_CLOSED_DAYS,
        description="Why a closed date is closed, by date",
    )
    maintenance: list[MaintenanceWindow] = Field(
        default_factory=list, max_length=MAX_MAINTENANCE_WINDOWS
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {zone!r} (an IANA name: UTC, Europe/Berlin ...)"
            ) from None
        return zone

    @model_validator(mode="after")
    def _reasons_of_closed_dates(self) -> "Calendar":
        stray = sorted(set(self.closed_reasons) - set(self.closed))
        if stray:
            raise ValueError(f"closed_reasons names {stray[0]}, which is not a closed date")
        return self

    def hours_per_week(self) -> float:
        return (
            sum(
                len(s.days)
                * ((s.end.hour * 60 + s.end.minute) - (s.start.hour * 60 + s.start.minute))
                for s in self.shifts
            )
            / 60
        )
