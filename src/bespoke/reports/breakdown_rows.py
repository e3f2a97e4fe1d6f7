"""How a price is made, as table rows: one row per kind of cost or charge."""

from rich.table import Table

from bespoke.model import CostBreakdown
from bespoke.reports.text import money


def add_breakdown_rows(table: Table, breakdowns: list[CostBreakdown]) -> None:
    """A dim row per kind that is not zero at every quantity."""
    for kind, label in CostBreakdown.parts().items():
        values = [getattr(b, kind) for b in breakdowns]
        if any(values):
            table.add_row(label, *(money(v) for v in values), style="dim")
