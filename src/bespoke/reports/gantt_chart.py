"""A shop's schedule for people: a Gantt chart for plotly.js (one row per machine, one
colour per kind of work, each bar labelled by order and part only where the label fits)
and the same jobs as a list per machine for narrow screens.

Colours tell the kind of work (one order's, a batch of orders, maintenance, work under
way), not the order: a batch works for several orders at once, and a shop's dozens of
orders would need more colours than anyone can tell apart; the labels and the hover name
the orders."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class WorkKind(StrEnum):
    ORDER = "order"
    BATCH = "batch"
    MAINTENANCE = "maintenance"
    UNDER_WAY = "under-way"


KIND_NAMES = {
    WorkKind.ORDER: "one order's work",
    WorkKind.BATCH: "batch (orders sharing a set-up)",
    WorkKind.MAINTENANCE: "maintenance",
    WorkKind.UNDER_WAY: "under way on the floor",
}
KIND_COLOURS = {
    WorkKind.ORDER: "#2f6496",
    WorkKind.BATCH: "#a34e0f",
    WorkKind.MAINTENANCE: "#5c5c66",
    WorkKind.UNDER_WAY: "#1d6b40",
}
"""Dark enough for white labels (contrast 4.5:1 or more)."""
MAINTENANCE_OUTLINE = {"color": "#f79009", "width": 3}
"""Maintenance is framed besides its grey: a machine taken out, not work made."""
FLOOR_COLOUR = "rgba(29, 36, 48, 0.75)"
FLOOR_NAME = "as the floor ran it"

PLOT_WIDTH_PX = 600
"""The chart's plotting area at its narrowest: the chart's least width (`#gantt` in the
style sheet) less the machines' names beside it."""
CHAR_WIDTH_PX = 7.0
"""A label character's width at LABEL_FONT_PX (system sans-serif, generous)."""
LABEL_FONT_PX = 12
LABEL_PADDING_PX = 8
ROW_HEIGHT_PX = 34


@dataclass(frozen=True)
class Bar:
    """A task of the schedule as people read it: where and when, what kind of work,
    `label` and `short` for the bar ("#12 wall-bracket", "#12"), `detail` in full."""

    machine: str
    start: datetime
    end: datetime
    kind: WorkKind
    label: str
    short: str
    detail: str
    link: str | None = None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class FloorRun:
    """A work order as the floor ran it: from its first start to its finish (or now)."""

    machine: str
    start: datetime
    end: datetime
    detail: str


@dataclass(frozen=True)
class MachineJobs:
    """A machine (by its name) and its jobs in time order."""

    machine: str
    bars: list[Bar]


def fitted_label(bar: Bar, span_s: float) -> str:
    """The label drawn on the bar: its label, or its short one, whichever is the longest
    that fits inside the bar at the chart's narrowest; "" when neither does."""
    width_px = bar.seconds / span_s * PLOT_WIDTH_PX if span_s > 0 else 0.0
    for text in (bar.label, bar.short):
        if len(text) * CHAR_WIDTH_PX + LABEL_PADDING_PX <= width_px:
            return text
    return ""


def gantt_figure(
    bars: Sequence[Bar], runs: Sequence[FloorRun], machines: Mapping[str, str]
) -> dict[str, Any]:
    """The plotly figure (`data` and `layout`): one trace per kind of work in the legend,
    the floor's runs as thin bars over the plan; `machines` names each machine's row."""
    rows = machine_order(bars, machines)
    starts = [b.start for b in bars] + [r.start for r in runs]
    ends = [b.end for b in bars] + [r.end for r in runs]
    span_s = (max(ends) - min(starts)).total_seconds() if bars else 0.0
    data = [
        _kind_trace(kind, [b for b in bars if b.kind == kind], machines, span_s)
        for kind in WorkKind
        if any(b.kind == kind for b in bars)
    ]
    if runs:
        data.append(_floor_trace(runs, machines))
    layout = {
        "barmode": "overlay",
        "height": 110 + ROW_HEIGHT_PX * max(1, len(rows)),
        "margin": {"l": 10, "r": 10, "t": 10, "b": 40},
        "font": {"family": "system-ui, sans-serif", "size": 13, "color": "#1d2430"},
        "xaxis": {"type": "date", "range": _range(starts, ends), "automargin": True},
        "yaxis": {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": rows,
            "autorange": "reversed",
            "automargin": True,
        },
        "showlegend": True,
        "legend": {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        "uniformtext": {"minsize": LABEL_FONT_PX - 1, "mode": "hide"},
        "hoverlabel": {"align": "left"},
    }
    return {"data": data, "layout": layout}


def machine_jobs(bars: Sequence[Bar], machines: Mapping[str, str]) -> list[MachineJobs]:
    """Each machine's jobs in time order, machines in the chart's order."""
    return [
        MachineJobs(
            machine=name,
            bars=sorted(
                (b for b in bars if machines.get(b.machine, b.machine) == name),
                key=lambda b: b.start,
            ),
        )
        for name in machine_order(bars, machines)
    ]


def machine_order(bars: Sequence[Bar], machines: Mapping[str, str]) -> list[str]:
    """The machines' names in natural order ('Bench 2' before 'Bench 10')."""
    return sorted({machines.get(b.machine, b.machine) for b in bars}, key=_natural)


def _kind_trace(
    kind: WorkKind, bars: Sequence[Bar], machines: Mapping[str, str], span_s: float
) -> dict[str, Any]:
    outline = (
        MAINTENANCE_OUTLINE if kind == WorkKind.MAINTENANCE else {"color": "#ffffff", "width": 1}
    )
    return {
        "type": "bar",
        "orientation": "h",
        "name": KIND_NAMES[kind],
        "y": [machines.get(b.machine, b.machine) for b in bars],
        "base": [b.start.isoformat() for b in bars],
        "x": [b.seconds * 1000 for b in bars],
        "text": [_plain(fitted_label(b, span_s)) for b in bars],
        "hovertext": [_hover_text(b.detail, b.start, b.end) for b in bars],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "textposition": "inside",
        "insidetextanchor": "middle",
        "textfont": {"color": "#ffffff", "size": LABEL_FONT_PX},
        "cliponaxis": True,
        "marker": {"color": KIND_COLOURS[kind], "line": outline},
    }


def _floor_trace(runs: Sequence[FloorRun], machines: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "bar",
        "orientation": "h",
        "name": FLOOR_NAME,
        "width": 0.3,
        "marker": {"color": FLOOR_COLOUR},
        "y": [machines.get(r.machine, r.machine) for r in runs],
        "base": [r.start.isoformat() for r in runs],
        "x": [(r.end - r.start).total_seconds() * 1000 for r in runs],
        "hovertext": [_hover_text(r.detail, r.start, r.end) for r in runs],
        "hovertemplate": "%{hovertext}<extra></extra>",
    }


def _hover_text(detail: str, start: datetime, end: datetime) -> str:
    return f"{_plain(detail)}<br>{start:%a %d %b %H:%M} to {end:%a %d %b %H:%M} UTC"


def _plain(text: str) -> str:
    """Text as plotly shows it: its own markup (&, <, >) escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _range(starts: Sequence[datetime], ends: Sequence[datetime]) -> list[str]:
    return [min(starts).isoformat(), max(ends).isoformat()] if starts else []


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name))
