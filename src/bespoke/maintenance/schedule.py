"""Maintenance handed to the schedule: a due occurrence as a job on its machine, and a
request that takes a machine out as a closure."""

from datetime import datetime

from bespoke.model.maintenance import Due, MaintenanceRequest
from bespoke.model.scheduling import Alternative, Closure, Job, Task

FAMILY = "maintenance"
"""The set-up family maintenance tasks carry, so that a schedule shows them as such."""
WEIGHT = 1_000.0
"""A maintenance job's weight against an order's 1 (a batch's one per order in it): an
hour late costs more than a thousand order-hours, so the solver keeps the work in its
window unless it cannot."""
DEFAULT_REPAIR_HOURS = 4.0
"""How long a request without an expected repair time closes its machine: half a shift."""
MAX_CLOSURE_HOURS = 24 * 14
"""The longest closure the schedule takes (two weeks); the next schedule closes again."""


def maintenance_job(due: Due, origin: datetime) -> Job:
    """The due occurrence as a job of one task on its machine, times in seconds from
    `origin`: released at the start of its window (now, when that has passed), due at its
    end (none when it is not known yet), or as soon as the work can be done when its window
    is shorter than the work."""
    release = max(0, round((due.window.earliest - origin).total_seconds()))
    latest = due.window.latest
    end = None
    if latest is not None:
        end = max(release + due.duration_s, round((latest - origin).total_seconds()))
    return Job(
        id=f"{FAMILY}:{due.key}",
        tasks=[
            Task(
                id=f"{FAMILY}:{due.key}",
                alternatives=[Alternative(machine=due.machine, duration=due.duration_s)],
                family=FAMILY,
            )
        ],
        release=release,
        due=end,
        weight=WEIGHT,
    )


def closure_from_request(request: MaintenanceRequest, hours: float | None = None) -> Closure:
    """The request's machine closed from now for `hours`, else its expected repair time,
    else `DEFAULT_REPAIR_HOURS`; at most `MAX_CLOSURE_HOURS`."""
    if hours is None:
        hours = DEFAULT_REPAIR_HOURS if request.repair_s is None else request.repair_s / 3600
    reason = f"{request.kind.value}: {request.reason}"
    return Closure(
        machine=request.machine, hours=min(hours, MAX_CLOSURE_HOURS), reason=reason[:200]
    )
