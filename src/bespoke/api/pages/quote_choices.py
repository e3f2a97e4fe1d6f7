"""What the quote forms offer and what they were sent: the shop's materials with their
stocked thicknesses, the finishes that fit each material, the processes that can make a
part, and the text a maker entered, turned into a quote request's fields."""

from typing import Any, TypedDict

from bespoke.model import LEAD_TIERS, Catalog, Finishing
from bespoke.model.bounds import MAX_INFILL, MIN_INFILL, quantities_in
from bespoke.model.errors import InputError
from bespoke.model.quote_document import QuoteDocument
from bespoke.products.expressions import parse_length
from bespoke.services.quoting.designs import DESIGN_UNITS

UNIT_CHOICES = ("auto", *DESIGN_UNITS)
"""The units a maker may read a design in; 'auto': as the file says."""
CHEAPEST = "cheapest"
"""The process choice that lets the quote pick the cheapest way at each quantity."""
Entered = dict[str, str]
"""What a maker typed or chose in a form, field by field."""


class StockMaterial(TypedDict, total=False):
    """A material as the forms offer it: its family and stocked sheet thicknesses (each
    given; a form reads an unknown material as an empty one)."""

    name: str
    family: str
    thicknesses: list[float]
    default_thickness: float | None


class StockFinish(TypedDict):
    """A finish as the forms offer it: the material families it works."""

    name: str
    families: list[str]


class StockView(TypedDict):
    """What the forms offer, by material id and by finish id."""

    materials: dict[str, StockMaterial]
    finishes: dict[str, StockFinish]


def stock_view(catalog: Catalog) -> StockView:
    """Per material its family and stocked sheet thicknesses, per finish the families it
    works: what the forms offer, and what bespoke.js narrows them by."""
    return {
        "materials": {
            m.id: {
                "name": m.name,
                "family": m.family,
                "thicknesses": m.sheet_thicknesses_mm,
                "default_thickness": m.default_thickness_mm,
            }
            for m in sorted(catalog.materials.values(), key=lambda m: m.name)
        },
        "finishes": {f.id: {"name": f.name, "families": f.families} for f in finishes(catalog)},
    }


def finishes(catalog: Catalog) -> list[Finishing]:
    """The finishes a maker may ask for: those priced over a part's area."""
    return [p for p in catalog.processes.values() if isinstance(p, Finishing) and p.basis == "area"]


def entered_of(request: dict[str, Any], document: QuoteDocument) -> Entered:
    """A kept quote's choices as the re-quote form shows them."""
    infill = request.get("infill")
    return {
        "material": document.material,
        "thickness": _number(document.thickness_mm),
        "finish": document.finish or "",
        "process": request.get("process") or CHEAPEST,
        "infill": _number(infill * 100 if infill is not None else None),
        "lead_tier": request.get("lead_tier") or "standard",
        "own_material": "true" if request.get("own_material") else "",
        "quantities": ", ".join(str(q) for q in document.quantities),
    }


def requote_changes(entered: Entered) -> dict[str, Any]:
    """The re-quote form's text as a quote request's fields (None: the default).

    Raises InputError naming the field and what it accepts.
    """
    process = entered.get("process", "").strip()
    return {
        "material": entered.get("material", "").strip() or None,
        "thickness_mm": thickness_mm(entered.get("thickness", "")),
        "finish": entered.get("finish", "").strip() or None,
        "process": None if process in ("", CHEAPEST) else process,
        "infill": infill_share(entered.get("infill", "")),
        "lead_tier": _lead_tier(entered.get("lead_tier", "")),
        "own_material": entered.get("own_material") == "true",
        "quantities": quantities_in(entered.get("quantities", ""), "quantities") or None,
    }


def thickness_mm(text: str) -> float | None:
    """A sheet thickness written in a form ('2', '2 mm', '0.08 in'); None when empty."""
    return parse_length(text, path="thickness").mm if text.strip() else None


def infill_share(text: str) -> float | None:
    """An infill written as a percentage ('20', '20 %') as a share; None when empty."""
    text = text.strip().removesuffix("%").strip()
    if not text:
        return None
    low, high = MIN_INFILL * 100, MAX_INFILL * 100
    try:
        percent = float(text)
    except ValueError:
        percent = -1.0
    if not low <= percent <= high:
        raise InputError(
            f"infill: {text!r} is not a percentage from {low:g} to {high:g} (e.g. 20 for 20 %)",
            path="infill",
        )
    return percent / 100


def _lead_tier(text: str) -> str:
    tier = text.strip() or "standard"
    if tier not in LEAD_TIERS:
        raise InputError(
            f"lead_tier: {tier!r} is not a lead time (accepted: {', '.join(LEAD_TIERS)})",
            path="lead_tier",
        )
    return tier


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
