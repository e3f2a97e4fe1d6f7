"""A product plan as Rich tables: prices by quantity, how each part is made, BOM, routing."""

from rich.console import Console
from rich.table import Table

from bespoke.model.product_plan import ProductPrice, ProductQuote
from bespoke.reports.breakdown_rows import add_breakdown_rows


def print_plan(quote: ProductQuote, console: Console) -> None:
    """Prices, the ways parts are made, the first quantity's BOM and operations, findings."""
    plan = quote.plan
    settings = ", ".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
        for k, v in plan.product.settings.items()
    )
    console.print(f"[bold]{plan.product.name}[/]" + (f" ({settings})" if settings else ""))
    if quote.prices:
        console.print(_prices(quote))
        first = quote.prices[0]
        console.print(_bom(first))
        console.print(_operations(quote))
        for even in quote.curve.break_evens if quote.curve else []:
            console.print(
                f"break-even: {even.from_process} -> {even.to_process.split(': ')[1]}"
                f" from {even.quantity:,} products"
            )
    for part in plan.parts:
        if not part.feasible:
            console.print(f"[bold red]{part.part_id} cannot be made:[/]")
            for finding in part.findings:
                console.print(f"  {finding.process_id}: {finding.message}")
    for finding in plan.findings:
        console.print(f"[bold red]{finding.message}[/]")
    if not plan.feasible:
        console.print("[bold red]This product cannot be made in this shop as specified.[/]")


def _prices(quote: ProductQuote) -> Table:
    table = Table(title=f"Price by quantity ({quote.currency})", title_justify="left")
    table.add_column("")
    for price in quote.prices:
        table.add_column(f"{price.quantity:,}", justify="right")
    table.add_row("unit price", *(f"{p.unit_price:,.2f}" for p in quote.prices), style="bold")
    table.add_row("total", *(f"{p.total_price:,.2f}" for p in quote.prices))
    table.add_row("lead time, days", *(str(p.lead_time_days) for p in quote.prices))
    add_breakdown_rows(table, [p.breakdown for p in quote.prices])
    for part in quote.plan.parts:
        if part.quantity:
            table.add_row(
                f"{part.part_id} made by", *(p.ways.get(part.part_id, "") for p in quote.prices)
            )
    return table


def _bom(price: ProductPrice) -> Table:
    table = Table(title=f"Bill of materials for {price.quantity:,}", title_justify="left")
    for column in ("item", "kind", "per product", "total", "made by / unit price", "material"):
        table.add_column(column)
    for line in price.bom:
        way = line.process_id or (f"{line.unit_price:,.2f}" if line.unit_price is not None else "")
        table.add_row(
            line.item_id,
            line.kind,
            str(line.per_product),
            f"{line.total:,}",
            way,
            line.material_id or "",
        )
    for need in price.materials:
        sheets = f"{need.sheets} sheet(s), " if need.sheets else ""
        table.add_row(
            "", "material", "", f"{sheets}{need.kg:,.2f} kg", need.stock, need.material_id
        )
    return table


def _operations(quote: ProductQuote) -> Table:
    assert quote.routing is not None
    first = quote.prices[0].quantity
    table = Table(title=f"Operations (routing for {first:,})", title_justify="left")
    for column in ("operation", "step", "machine", "set-up s", "per unit s", "how"):
        table.add_column(column)
    for op in quote.routing.operations:
        table.add_row(
            op.id,
            op.name,
            op.machine_id or "bench",
            f"{op.setup_s:,.0f}",
            f"{op.run_s:,.1f}",
            op.basis,
        )
    return table
