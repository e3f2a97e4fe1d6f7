"""The process library as Rich tables for the terminal: materials, processes, machines."""

from typing import Literal

from rich.table import Table

from bespoke.model import Catalog
from bespoke.model.catalog import ProcessBase

CatalogPart = Literal["materials", "processes", "machines"]


def catalog_table(catalog: Catalog, kind: CatalogPart) -> Table:
    """One part of `catalog` as a table titled with the shop and its currency."""
    table = Table(title=f"{kind.capitalize()} ({catalog.shop.name}, {catalog.shop.currency})")
    if kind == "materials":
        for column in ("id", "name", "family", "kg/m³", "per kg", "stock"):
            table.add_column(column)
        for m in catalog.materials.values():
            stock = "; ".join(
                s.kind.value
                + (
                    f" {', '.join(f'{t:g}' for t in s.thicknesses_mm)} mm"
                    if s.thicknesses_mm
                    else ""
                )
                for s in m.stock
            )
            table.add_row(
                m.id, m.name, m.family, f"{m.density_kg_m3:g}", f"{m.price_per_kg:g}", stock
            )
    elif kind == "processes":
        for column in ("id", "name", "kind", "materials", "set-up"):
            table.add_column(column)
        for p in catalog.processes.values():
            table.add_row(
                p.id,
                p.name,
                p.kind.value,
                ", ".join(p.families) if isinstance(p, ProcessBase) else "",
                f"{p.setup_s / 60:g} min",
            )
    else:
        for column in ("id", "name", "process", "envelope mm", "per hour"):
            table.add_column(column)
        for machine in catalog.machines.values():
            envelope = " x ".join(f"{e:g}" for e in machine.envelope_mm)
            name = machine.name + (" (partner)" if machine.outsourced else "")
            table.add_row(machine.id, name, machine.process, envelope, f"{machine.rate_per_hour:g}")
    return table
