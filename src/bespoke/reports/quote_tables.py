"""A quote as Rich tables for the terminal: price by quantity, the plan, what cannot be made."""

from rich.console import Console
from rich.table import Table

from bespoke.model import AlternativeReading, ProcessOption, Quote, Sheet2D, Solid3D
from bespoke.reports.breakdown_rows import add_breakdown_rows
from bespoke.reports.text import duration, money


def print_quote(quote: Quote, console: Console) -> None:
    """Summary, warnings, prices, the cheapest plan, break-evens and DFM findings."""
    console.print(_summary(quote))
    geometry = quote.part.sheet or quote.part.solid
    assert geometry is not None
    for warning in geometry.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    other = geometry.alternative_reading()
    if other is not None:
        console.print(
            f"[yellow]other reading, in {other.units}:[/] {_reading(other)}"
            f" (quote it so with --units {other.units})"
        )
    if quote.options:
        console.print(_prices(quote))
        best = quote.options[0]
        console.print(_plan(best.option, f"Plan with {best.option.process_name}"))
        if quote.curve and quote.curve.break_evens:
            for even in quote.curve.break_evens:
                console.print(
                    f"break-even: {even.to_process} is cheaper than {even.from_process} from"
                    f" {even.quantity:,} pieces ({money(even.unit_price, quote.currency)} each)"
                )
    if quote.rejected:
        console.print(_findings(quote.rejected))
    if not quote.makeable:
        console.print("[bold red]No process in this shop can make this part.[/]")


def _summary(quote: Quote) -> str:
    part = quote.part
    thickness = f" {part.thickness_mm:g} mm" if part.thickness_mm else ""
    head = f"[bold]{quote.design}[/] in {part.material_id}{thickness}"
    if part.finish:
        head += f", {part.finish}"
    if isinstance(part.sheet, Sheet2D):
        g = part.sheet
        w, h = g.bbox_mm
        facts = (
            f"{w:.1f} x {h:.1f} mm, cut {g.cut_length_mm:,.1f} mm, {g.pierces} pierces,"
            f" area {g.area_mm2:,.1f} mm², parts {g.parts}, holes {g.holes}"
        )
    else:
        assert isinstance(part.solid, Solid3D)
        s = part.solid
        x, y, z = s.bbox_mm
        volume = (
            f"{s.volume_mm3 / 1000:,.2f} cm³"
            if s.volume_mm3 is not None
            else f"~{s.volume_estimate_mm3 / 1000:,.2f} cm³ ({s.volume_method} estimate)"
        )
        facts = (
            f"{x:.1f} x {y:.1f} x {z:.1f} mm, volume {volume},"
            f" area {s.surface_area_mm2 / 100:,.1f} cm², {s.bodies} bodies,"
            f" {'watertight' if s.watertight else 'open mesh'}"
        )
    return f"{head}\n{facts} (units: {part.sheet.units.used if part.sheet else 'mm'})"


def _reading(reading: AlternativeReading) -> str:
    facts = [" x ".join(f"{v:.1f}" for v in reading.bbox_mm) + " mm"]
    if reading.cut_length_mm is not None:
        facts.append(f"cut {reading.cut_length_mm:,.1f} mm")
    if reading.area_mm2 is not None:
        facts.append(f"area {reading.area_mm2:,.1f} mm²")
    if reading.volume_mm3 is not None:
        facts.append(f"volume {reading.volume_mm3 / 1000:,.2f} cm³")
    if reading.surface_area_mm2 is not None:
        facts.append(f"surface {reading.surface_area_mm2 / 100:,.1f} cm²")
    return ", ".join(facts)


def _prices(quote: Quote) -> Table:
    """Quantities across; the cheapest way first, then each process's unit price."""
    table = Table(title=f"Price by quantity ({quote.currency})", title_justify="left")
    table.add_column("")
    for best in quote.best:
        table.add_column(f"{best.quantity:,}", justify="right")
    table.add_row("cheapest way", *(b.process_id for b in quote.best), style="bold")
    table.add_row("unit price", *(money(b.unit_price) for b in quote.best), style="bold")
    table.add_row("total", *(money(b.total_price) for b in quote.best))
    table.add_row("lead time, days", *(str(b.lead_time_days) for b in quote.best))
    add_breakdown_rows(table, [b.breakdown for b in quote.best])
    for option in quote.options:
        table.add_row(
            f"unit price, {option.option.process_id}",
            *(money(p.unit_price) for p in option.prices),
            style="dim",
        )
    return table


def _plan(option: ProcessOption, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("operation")
    table.add_column("machine")
    table.add_column("set-up", justify="right")
    table.add_column("per part", justify="right")
    table.add_column("how the time is made up")
    assert option.routing is not None
    for op in option.routing.operations:
        table.add_row(
            op.name + (" (manual)" if op.manual else ""),
            op.machine_id or "bench",
            duration(op.setup_s),
            duration(op.run_s),
            op.basis,
        )
    table.add_row(
        "material", "", "", f"{option.material_kg_per_part:.3f} kg", option.material_basis
    )
    if option.tooling_cost:
        table.add_row("tooling", "", "", "", f"{option.tooling_cost:,.0f} once")
    return table


def _findings(rejected: list[ProcessOption]) -> Table:
    table = Table(title="Cannot make it this way", title_justify="left")
    table.add_column("process")
    table.add_column("why not")
    table.add_column("would work")
    for option in rejected:
        for f in option.findings:
            table.add_row(option.process_id, f.message, ", ".join(f.alternatives[:4]))
    return table
