"""Quote a design file: measure it, plan every process, price by quantity, draw the curve."""

from pathlib import Path

from bespoke.catalog import load_catalog
from bespoke.costing import price_break, scale_curve, unit_price
from bespoke.geometry.readers import design_kind, read_design
from bespoke.model import (
    Catalog,
    Finishing,
    InputError,
    LeadTier,
    Part,
    ProcessOption,
    ProcessQuote,
    Quote,
    QuoteChoices,
    ShapingProcess,
    Sheet2D,
    Solid3D,
)
from bespoke.model.bounds import quantity_list
from bespoke.model.lookup import lookup
from bespoke.planning import plan_part
from bespoke.planning.stock import sheet_thickness


def quote_design(
    path: Path,
    *,
    material: str | None = None,
    thickness_mm: float | None = None,
    quantities: list[int] | None = None,
    units: str | None = None,
    process: str | None = None,
    finish: str | None = None,
    shop_file: Path | None = None,
    catalog: Catalog | None = None,
    choices: QuoteChoices | None = None,
) -> Quote:
    """Everything a maker asks of a design file: can it be made, how, and at what price."""
    catalog = catalog or load_catalog(shop_file)
    design_kind(path.name)  # refuses any other file before the process and finish are checked
    _check_process_and_finish(process, finish, catalog)
    geometry = read_design(path, units)
    return quote_geometry(
        path.name,
        geometry,
        catalog,
        material=material,
        thickness_mm=thickness_mm,
        quantities=quantities,
        process=process,
        finish=finish,
        choices=choices,
    )


def quote_geometry(
    design: str,
    geometry: Sheet2D | Solid3D,
    catalog: Catalog,
    *,
    material: str | None = None,
    thickness_mm: float | None = None,
    quantities: list[int] | None = None,
    process: str | None = None,
    finish: str | None = None,
    choices: QuoteChoices | None = None,
) -> Quote:
    """The quote of a design already measured; `design` is its file name."""
    choices = choices or QuoteChoices()
    quantities = quantity_list(quantities or catalog.shop.quantity_breaks)
    _check_process_and_finish(process, finish, catalog)
    part = quoted_part(Path(design), geometry, material, thickness_mm, finish, catalog)
    part = part.model_copy(
        update={"infill": choices.infill, "customer_material": choices.own_material}
    )
    tier = choices.lead_tier
    options = plan_part(part, catalog, [process] if process else None)
    feasible = sorted(
        (o for o in options if o.feasible),
        key=lambda o: unit_price(o, quantities[0], catalog.shop, tier),
    )
    priced = [_priced(o, quantities, catalog, tier) for o in feasible]
    at_each_quantity = zip(*(p.prices for p in priced), strict=True)
    best = [min(prices, key=lambda b: b.unit_price) for prices in at_each_quantity]
    return Quote(
        design=design,
        design_kind="dxf" if isinstance(geometry, Sheet2D) else "stl",
        part=part,
        currency=catalog.shop.currency,
        quantities=quantities,
        options=priced,
        rejected=[o for o in options if not o.feasible],
        best=best,
        curve=scale_curve(feasible, catalog.shop, tier=tier) if feasible else None,
        choices=choices,
    )


def _check_process_and_finish(process: str | None, finish: str | None, catalog: Catalog) -> None:
    if process is not None:
        shaping = {k: p for k, p in catalog.processes.items() if isinstance(p, ShapingProcess)}
        lookup("shaping process", process, shaping)
    if finish is not None:
        finishes = {
            k: p
            for k, p in catalog.processes.items()
            if isinstance(p, Finishing) and p.basis == "area"
        }
        lookup("finish", finish, finishes)


def quoted_part(
    path: Path,
    geometry: Sheet2D | Solid3D,
    material_id: str | None,
    thickness_mm: float | None,
    finish: str | None,
    catalog: Catalog,
) -> Part:
    """The part a quote prices: the design's geometry in the asked or default material."""
    flat = isinstance(geometry, Sheet2D)
    default = catalog.shop.default_sheet_material if flat else catalog.shop.default_solid_material
    material = lookup("material", material_id or default, catalog.materials)
    if not flat:
        if thickness_mm is not None:
            raise InputError(
                f"--thickness applies to flat drawings; {path.name} is a solid with its own sizes"
            )
        return Part(name=path.stem, material_id=material.id, solid=geometry, finish=finish)
    assert isinstance(geometry, Sheet2D)
    thickness = sheet_thickness(material, thickness_mm)
    return Part(
        name=path.stem,
        material_id=material.id,
        thickness_mm=thickness,
        sheet=geometry,
        finish=finish,
    )


def _priced(
    option: ProcessOption, quantities: list[int], catalog: Catalog, tier: LeadTier
) -> ProcessQuote:
    prices = [price_break(option, q, catalog.shop, tier) for q in quantities]
    return ProcessQuote(option=option, prices=prices)
