"""The queue's periodic jobs come as often as their docstrings say."""

import itertools
from datetime import datetime, timedelta

from croniter import croniter

from bespoke.services.job_queue import jobs

EVERY = {
    "mail": timedelta(seconds=10),
    "stalled": timedelta(seconds=10),
    "floor-care": timedelta(hours=1),
    "prune": timedelta(days=1),
}


def test_each_periodic_job_comes_at_its_interval() -> None:
    crons = {
        periodic: task.cron for (_, periodic), task in jobs.periodic_registry.periodic_tasks.items()
    }
    assert set(crons) == set(EVERY)
    start = datetime(2026, 12, 7, 19, 3, 5)
    for periodic, cron in crons.items():
        times = croniter(cron, start)
        fires = [times.get_next(datetime) for _ in range(4)]
        gaps = {later - earlier for earlier, later in itertools.pairwise(fires)}
        assert gaps == {EVERY[periodic]}, (periodic, cron, fires)
