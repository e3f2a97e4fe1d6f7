"""The stable JSON document of a quote, as the CLI prints it and the API will serve it.

Measurements carry their unit in their names; money is a number in the quote's currency.
"""

from decimal import Decimal
from typing import Any

from bespoke.model import (
    AlternativeReading,
    CostBreakdown,
    DfmFinding,
    DrawingSheet,
    Operation,
    PriceBreak,
    ProcessOption,
    Quote,
    ScaleCurve,
    Sheet2D,
    Solid3D,
    UnitReading,
)

Document = dict[str, Any]
SCHEMA_VERSION = 1


def quote_document(quote: Quote) -> Document:
    """Everything in a quote as plain JSON types, in a fixed shape."""
    part = quote.part
    geometry = part.sheet or part.solid
    assert geometry is not None
    return {
        "schema_version": SCHEMA_VERSION,
        "design": quote.design,
        "design_kind": quote.design_kind,
        "material": part.material_id,
        "thickness_mm": part.thickness_mm,
        "finish": part.finish,
        "currency": quote.currency,
        "geometry": geometry_document(geometry),
        "makeable": quote.makeable,
        "quantities": quote.quantities,
        "best": [_price(b) for b in quote.best],
        "options": [
            {**_option(q.option), "prices": [_price(p) for p in q.prices]} for q in quote.options
        ],
        "rejected": [_option(o) for o in quote.rejected],
        "curve": curve_document(quote.curve) if quote.curve else None,
        "choices": quote.choices.model_dump(mode="json"),
    }


def chosen_option(document: Document, quantity: int, batched: bool = False) -> Document:
    """The way a part quote priced `quantity`, as its option: its cheapest made alone, or
    (`batched`) its cheapest in the next batches it could join."""
    entry = batched_entry(document, quantity) if batched else None
    process = entry.get("process") if entry else None
    if process is None:
        best = document["best"]
        process = next((b for b in best if b["quantity"] == quantity), best[0])["process"]
    return next(o for o in document["options"] if o["process"] == process)


def batched_entry(document: Document, quantity: int) -> Document | None:
    """What the quote found `quantity` could join in the next batches, if it looked."""
    return next((b for b in document.get("batching") or [] if b["quantity"] == quantity), None)


def flagged_reading(document: Document) -> Document | None:
    """The units reading of a part quote's design when it is flagged as doubtful."""
    units = (document.get("geometry") or {}).get("units") or {}
    return units if units.get("suspicious") else None


def geometry_document(geometry: Sheet2D | Solid3D) -> Document:
    """Measurements with their units in their names."""
    common = {
        "bbox_mm": [_round(v) for v in geometry.bbox_mm],
        "bbox_min_mm": [_round(v) for v in geometry.bbox_min_mm],
        "units": _units(geometry.units),
        "doubtful": geometry.doubtful,
        "alternative_reading": _alternative(geometry.alternative_reading()),
        "warnings": list(geometry.warnings),
    }
    if isinstance(geometry, Sheet2D):
        return {
            "cut_length_mm": _round(geometry.cut_length_mm),
            "pierces": geometry.pierces,
            "area_mm2": _round(geometry.area_mm2),
            "parts": geometry.parts,
            "holes": geometry.holes,
            "smallest_hole_mm": _round(geometry.smallest_hole_mm),
            "open_chains": geometry.open_chains,
            "duplicates_removed": geometry.duplicates_removed,
            "overlap_removed_mm": _round(geometry.overlap_removed_mm),
            "degenerate_removed": geometry.degenerate_removed,
            "ignored_entities": dict(geometry.ignored_entities),
            "doubts": list(geometry.doubts),
            "drawing_sheet": _drawing_sheet(geometry.drawing_sheet),
            **common,
        }
    return {
        "volume_mm3": _round(geometry.volume_mm3),
        "volume_estimate_mm3": _round(geometry.volume_estimate_mm3),
        "volume_method": geometry.volume_method,
        "surface_area_mm2": _round(geometry.surface_area_mm2),
        "watertight": geometry.watertight,
        "winding_consistent": geometry.winding_consistent,
        "bodies": geometry.bodies,
        "facets": geometry.facets,
        "repaired": geometry.repaired,
        **common,
    }


def _drawing_sheet(sheet: DrawingSheet | None) -> Document | None:
    return None if sheet is None else sheet.model_dump(mode="json")


def _units(units: UnitReading) -> Document:
    return units.model_dump(mode="json")


def _alternative(reading: AlternativeReading | None) -> Document | None:
    if reading is None:
        return None
    document: Document = {"units": reading.units, "bbox_mm": [_round(v) for v in reading.bbox_mm]}
    for key in ("cut_length_mm", "area_mm2", "volume_mm3", "surface_area_mm2"):
        value = getattr(reading, key)
        if value is not None:
            document[key] = _round(value)
    return document


def _option(option: ProcessOption) -> Document:
    operations = option.routing.operations if option.routing else []
    return {
        "process": option.process_id,
        "process_name": option.process_name,
        "machine": option.machine_id,
        "feasible": option.feasible,
        "findings": [finding_document(f) for f in option.findings],
        "operations": [operation_document(op) for op in operations],
        "edges": [list(e) for e in option.routing.edges] if option.routing else [],
        "material_kg_per_part": _round(option.material_kg_per_part),
        "material_basis": option.material_basis,
        "tooling": _round(option.tooling_cost),
        "lead_days": _round(option.lead_days),
    }


def operation_document(op: Operation) -> Document:
    """One operation with its times and how they were made up."""
    return {
        "id": op.id,
        "name": op.name,
        "process": op.process_id,
        "machine": op.machine_id,
        "setup_s": _round(op.setup_s),
        "run_s": _round(op.run_s),
        "rate_per_hour": op.rate_per_hour,
        "manual": op.manual,
        "learning_rate": op.learning_rate,
        "learning_floor": op.learning_floor,
        "batch_s": _round(op.batch_s),
        "parts_per_batch": op.parts_per_batch,
        "basis": op.basis,
    }


def operation_of(document: Document) -> Operation:
    """An operation read back from its document (`operation_document`)."""
    renamed = {"process": "process_id", "machine": "machine_id"}
    return Operation.model_validate({renamed.get(k, k): v for k, v in document.items()})


def finding_document(finding: DfmFinding) -> Document:
    return finding.model_dump(mode="json")


def _price(price: PriceBreak) -> Document:
    return {
        "quantity": price.quantity,
        "process": price.process_id,
        "machine": price.machine_id,
        "unit_price": _money(price.unit_price),
        "total_price": _money(price.total_price),
        "lead_time_days": price.lead_time_days,
        "hours": price.hours,
        "breakdown": _breakdown(price.breakdown),
    }


def _breakdown(breakdown: CostBreakdown) -> Document:
    return {kind: _money(value) for kind, value in breakdown.model_dump().items()}


def curve_document(curve: ScaleCurve) -> Document:
    return {
        "points": [
            {
                "quantity": p.quantity,
                "unit_prices": {k: _money(v) for k, v in p.unit_prices.items()},
                "cheapest": p.cheapest,
            }
            for p in curve.points
        ],
        "break_evens": [
            {
                "quantity": b.quantity,
                "from_process": b.from_process,
                "to_process": b.to_process,
                "unit_price": _money(b.unit_price),
            }
            for b in curve.break_evens
        ],
    }


def _money(value: Decimal) -> float:
    return float(value)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)
