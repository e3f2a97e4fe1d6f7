"""A configured product as Rich tables: its settings, parts, bought items, assemblies."""

from rich.console import Console
from rich.table import Table

from bespoke.model.product import Product


def print_product(product: Product, console: Console) -> None:
    """Settings, then each part with its measurements and design file, then the rest."""
    settings = ", ".join(
        f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
        for k, v in product.settings.items()
    )
    console.print(f"[bold]{product.name}[/]" + (f" ({settings})" if settings else ""))
    parts = Table(title="Parts per product", title_justify="left")
    for column in ("part", "qty", "material", "size mm", "measured", "design file"):
        parts.add_column(column)
    for item in product.parts:
        part = item.part
        if part.sheet is not None:
            w, h = part.sheet.bbox_mm
            size = f"{w:.1f} x {h:.1f} x {part.thickness_mm:g}"
            measured = f"cut {part.sheet.cut_length_mm:,.1f} mm, {part.sheet.pierces} pierces"
        else:
            assert part.solid is not None
            size = " x ".join(f"{v:.1f}" for v in part.solid.bbox_mm)
            measured = f"{part.solid.volume_estimate_mm3 / 1000:,.1f} cm³"
        parts.add_row(
            item.id, str(item.quantity), part.material_id, size, measured, item.design_file
        )
    console.print(parts)
    if product.purchased:
        bought = Table(title="Purchased per product", title_justify="left")
        for column in ("item", "qty", "unit price", "lead days"):
            bought.add_column(column)
        for p in product.purchased:
            bought.add_row(
                f"{p.id} ({p.name})", str(p.quantity), f"{p.unit_price:,.2f}", f"{p.lead_days:g}"
            )
        console.print(bought)
    for assembly in product.assemblies:
        components = ", ".join(f"{n} x {cid}" for cid, n in assembly.components)
        console.print(f"assembly [bold]{assembly.id}[/]: {components}")
