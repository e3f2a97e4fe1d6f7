"""Gantt charts of schedules as PNG with matplotlib (for the command line)."""

from pathlib import Path
from typing import Any

from bespoke.model.scheduling import Schedule

PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]


def write_gantt(schedule: Schedule, out: Path, title: str = "") -> Path:
    """One row per machine, one bar per task coloured by job."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    machines = sorted({t.machine for t in schedule.tasks}, key=_natural)
    rows = {m: i for i, m in enumerate(machines)}
    jobs = sorted({t.job for t in schedule.tasks}, key=_natural)
    colour = {j: PALETTE[i % len(PALETTE)] for i, j in enumerate(jobs)}
    figure, axes = plt.subplots(figsize=(12, max(2.5, 0.4 * len(machines) + 1.2)))
    for task in schedule.tasks:
        axes.barh(
            rows[task.machine],
            task.end - task.start,
            left=task.start,
            height=0.7,
            color=colour[task.job],
            edgecolor="white",
            linewidth=0.4,
        )
    axes.set_yticks(range(len(machines)), machines)
    axes.invert_yaxis()
    axes.set_xlabel("time")
    axes.set_title(f"{title} makespan {schedule.makespan}".strip())
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    return out


def _natural(name: str) -> tuple[Any, ...]:
    """'m2' before 'm10'."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))
