"""Maintenance in the shop's schedule: each open maintenance order a job on its machine
within its window of tolerance (the solver places it where it costs production least),
and where the kept schedule placed it."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bespoke.maintenance import maintenance_job
from bespoke.maintenance.schedule import FAMILY
from bespoke.model.maintenance import Due, TimeWindow
from bespoke.model.scheduling import Job, KeptTask
from bespoke.store import UnitOfWork
from bespoke.store.tables import MaintenanceOrderRow, ScheduleRow

WAITING = ("open", "scheduled")


def is_maintenance(job: str) -> bool:
    return job.startswith(f"{FAMILY}:")


def maintenance_jobs(uow: UnitOfWork, shop_id: int, origin: datetime) -> list[Job]:
    """The shop's maintenance still to do, as jobs, times in seconds from `origin`."""
    aware = origin.replace(tzinfo=UTC)
    return [
        maintenance_job(_due(row), aware)
        for row in uow.maintenance.orders(shop_id, WAITING)
        if row.window_start is not None
    ]


def _due(row: MaintenanceOrderRow) -> Due:
    assert row.window_start is not None
    return Due(
        plan_id=f"p{row.plan_id}" if row.plan_id else row.kind,
        machine=row.machine,
        key=row.key,
        title=row.title,
        duration_s=max(1, row.duration_s),
        due_at=row.due_at.replace(tzinfo=UTC) if row.due_at else None,
        window=TimeWindow(
            earliest=row.window_start.replace(tzinfo=UTC),
            latest=row.window_end.replace(tzinfo=UTC) if row.window_end else None,
        ),
    )


def place_maintenance(
    uow: UnitOfWork, schedule: ScheduleRow, tasks: Sequence[KeptTask], moment: datetime
) -> None:
    """Note on each maintenance order where the kept schedule placed it."""
    placed = {t.job.removeprefix(f"{FAMILY}:"): t for t in tasks if is_maintenance(t.job)}
    for row in uow.maintenance.orders(schedule.shop_id, WAITING):
        task = placed.get(row.key)
        if task is None:
            continue
        row.planned_start = schedule.origin + timedelta(seconds=task.start)
        row.planned_end = schedule.origin + timedelta(seconds=task.end)
        row.status = "scheduled"
        row.updated_at = moment
