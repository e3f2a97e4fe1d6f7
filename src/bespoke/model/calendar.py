"""When a shop works: weekly shifts and the dates it is closed."""

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SHIFTS = 50
MAX_CLOSED_DAYS = 2_000
"""Holidays and shutdowns: years of them."""
MAX_MAINTENANCE_WINDOWS = 2_000


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
    maintenance: list[MaintenanceWindow] = Field(
        default_factory=list, max_length=MAX_MAINTENANCE_WINDOWS
    )

    def hours_per_week(self) -> float:
        return (
            sum(
                len(s.days)
                * ((s.end.hour * 60 + s.end.minute) - (s.start.hour * 60 + s.start.minute))
                for s in self.shifts
            )
            / 60
        )
