"""The schedule's Gantt chart as people read it: bars named by order and part (a batch by
its orders), one legend entry per kind of work, labels only on bars wide enough for them,
and each machine's jobs in time order."""

from datetime import datetime
from typing import Any

from bespoke.model.scheduling import KeptTask
from bespoke.reports.gantt_chart import (
    CHAR_WIDTH_PX,
    KIND_NAMES,
    MAINTENANCE_OUTLINE,
    PLOT_WIDTH_PX,
    WorkKind,
    gantt_figure,
    machine_jobs,
)
from bespoke.services.shop.schedule_chart import BatchNames, OrderNames, ScheduleNames, task_bar

ORIGIN = datetime(2026, 3, 2, 7, 0)
HOUR = 3600
NAMES = ScheduleNames(
    orders={
        12: OrderNames("wall-bracket", steps={"deburr": "Deburring cut edges"}),
        13: OrderNames("sprocket", steps={"fiber-laser": "Fiber laser cutting"}),
        14: OrderNames("sign-plate", steps={"fiber-laser": "Fiber laser cutting"}),
        6: OrderNames(
            "Desk organiser",
            parts={"divider/inspect": "divider"},
            steps={"divider/inspect": "Inspection", "pack": "Packing"},
        ),
    },
    batches={"batch-ab12": BatchNames(7, [(12, "fiber-laser"), (13, "fiber-laser"), (14, "x")])},
    maintenance={"maintenance:p1@2026": "Clean the lens"},
)
MACHINES = {"laser": "Fiber laser 3015", "bench:deburr": "Deburring bench", "inspect": "Inspection"}


def _task(job: str, task: str, machine: str, start: float, end: float, **kept: Any) -> KeptTask:
    return KeptTask(job=job, task=task, machine=machine, start=int(start), end=int(end), **kept)


TASKS = [
    _task(
        "batch-ab12", "batch-ab12", "laser", 0, 6 * HOUR, batch="batch-ab12", orders=[14, 12, 13]
    ),
    _task("maintenance:p1@2026", "maintenance:p1@2026", "laser", 6 * HOUR, 6.5 * HOUR, orders=[]),
    _task(
        "12", "order-12/deburr#2", "bench:deburr", 6 * HOUR, 6.1 * HOUR, order_id=12, orders=[12]
    ),
    _task("12", "order-12/deburr#1", "bench:deburr", 0, 5 * HOUR, order_id=12, orders=[12]),
    _task("6", "order-6/divider/inspect~1", "inspect", 2 * HOUR, 3 * HOUR, order_id=6, orders=[6]),
    _task("6", "order-6/pack", "inspect", 8 * HOUR, 10 * HOUR, order_id=6, orders=[6]),
]


def test_bars_are_named_by_order_and_part_a_batch_by_its_orders() -> None:
    bars = [task_bar(t, ORIGIN, NAMES) for t in TASKS]
    batch, upkeep, piece, deburr, divider, pack = bars
    assert (batch.kind, batch.label, batch.short) == (
        WorkKind.BATCH,
        "batch of 3 orders",
        "3 orders",
    )
    assert batch.detail.startswith(
        "Batch of 3 orders: #12 wall-bracket; #13 sprocket; #14 sign-plate"
    )
    assert batch.link == "/shop/batches/7"
    assert (upkeep.kind, upkeep.label) == (WorkKind.MAINTENANCE, "Clean the lens")
    assert (deburr.kind, deburr.label, deburr.short) == (WorkKind.ORDER, "#12 wall-bracket", "#12")
    assert deburr.detail == "Order #12 wall-bracket · Deburring cut edges"
    assert piece.label == deburr.label and deburr.link == "/orders/12"
    assert divider.label == "#6 divider"  # a product's part, remade
    assert divider.detail == "Order #6 Desk organiser: divider · Inspection"
    assert (pack.label, pack.detail) == ("#6 Desk organiser", "Order #6 Desk organiser · Packing")
    assert (deburr.start, deburr.end) == (ORIGIN, datetime(2026, 3, 2, 12, 0))


def test_the_figure_has_a_legend_by_kind_and_labels_only_where_they_fit() -> None:
    bars = [task_bar(t, ORIGIN, NAMES) for t in TASKS]
    figure = gantt_figure(bars, [], MACHINES)
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert list(traces) == [
        KIND_NAMES[k] for k in (WorkKind.ORDER, WorkKind.BATCH, WorkKind.MAINTENANCE)
    ]
    assert figure["layout"]["showlegend"]
    assert (
        figure["layout"]["uniformtext"]["mode"] == "hide"
    )  # and plotly hides what still overflows

    orders = traces[KIND_NAMES[WorkKind.ORDER]]
    texts = dict(zip(orders["base"], orders["text"], strict=True))
    px_per_s = PLOT_WIDTH_PX / (10 * HOUR)  # the schedule spans 10 h
    for bar in (b for b in bars if b.kind == WorkKind.ORDER):
        text = texts[bar.start.isoformat()]
        assert len(text) * CHAR_WIDTH_PX <= bar.seconds * px_per_s, f"{text!r} overflows its bar"
    wide, narrow, hour = bars[3], bars[2], bars[4]  # 5 h of deburring, 6 min more; 1 h
    assert texts[wide.start.isoformat()] == "#12 wall-bracket"
    assert texts[narrow.start.isoformat()] == ""
    assert texts[hour.start.isoformat()] == "#6"  # room for the order's number only
    assert orders["y"][0] in MACHINES.values()
    assert all("<br>" in h and "UTC" in h for h in orders["hovertext"])

    upkeep = traces[KIND_NAMES[WorkKind.MAINTENANCE]]
    assert upkeep["marker"]["line"] == MAINTENANCE_OUTLINE  # framed, not only coloured


def test_each_machine_lists_its_jobs_in_time_order() -> None:
    bars = [task_bar(t, ORIGIN, NAMES) for t in TASKS]
    listed = machine_jobs(bars, MACHINES)
    assert [m.machine for m in listed] == ["Deburring bench", "Fiber laser 3015", "Inspection"]
    assert [b.label for b in listed[1].bars] == ["batch of 3 orders", "Clean the lens"]
    assert [b.start for b in listed[0].bars] == sorted(b.start for b in listed[0].bars)
