"""Maintenance: plans by calendar, use, condition and prediction; maintenance work orders
and requests; failure history (MTBF, MTTR); tasks handed to the schedule.

Pure: plans and their state in, what is due, jobs, closures and figures out."""

from bespoke.maintenance.due import MAX_DUES, due_now
from bespoke.maintenance.meters import (
    reading_from_observation,
    readings_from_usage,
    recorded,
    work_usage,
)
from bespoke.maintenance.occurrences import occurrences
from bespoke.maintenance.reliability import reliability
from bespoke.maintenance.schedule import closure_from_request, maintenance_job

__all__ = [
    "MAX_DUES",
    "closure_from_request",
    "due_now",
    "maintenance_job",
    "occurrences",
    "reading_from_observation",
    "readings_from_usage",
    "recorded",
    "reliability",
    "work_usage",
]
