"""The stable JSON document of a product plan, as `bespoke plan --json` prints it."""

from typing import Any

from bespoke.model import Routing, Sheet2D, Solid3D
from bespoke.model.product import ConfiguredPart
from bespoke.model.product_plan import ProductPrice, ProductQuote
from bespoke.model.quote_document import (
    curve_document,
    finding_document,
    geometry_document,
    operation_document,
)

Document = dict[str, Any]


def plan_document(quote: ProductQuote) -> Document:
    """The plan: parts and how each can be made, prices by quantity, routing, curve."""
    plan = quote.plan
    product = plan.product
    designs = {p.id: p for p in product.parts}
    return {
        "name": product.name,
        "settings": product.settings,
        "currency": quote.currency,
        "feasible": plan.feasible,
        "findings": [finding_document(f) for f in plan.findings],
        "parts": [
            {
                "id": p.part_id,
                "quantity": p.quantity,
                "material": designs[p.part_id].part.material_id,
                "thickness_mm": designs[p.part_id].part.thickness_mm,
                "tolerance": designs[p.part_id].tolerance.value,
                "design_file": designs[p.part_id].design_file,
                "geometry": geometry_document(_geometry(designs[p.part_id])),
                "ways": [o.process_id for o in p.options],
                "findings": [finding_document(f) for f in p.findings],
            }
            for p in plan.parts
        ],
        "purchased": [item.model_dump(mode="json") for item in product.purchased],
        "assemblies": [
            {
                "id": a.id,
                "name": a.name,
                "components": [list(c) for c in a.components],
                "instructions": a.instructions,
            }
            for a in product.assemblies
        ],
        "prices": [_price(p) for p in quote.prices],
        "routing": _routing(quote.routing) if quote.routing else None,
        "curve": curve_document(quote.curve) if quote.curve else None,
    }


def _geometry(item: ConfiguredPart) -> Sheet2D | Solid3D:
    geometry = item.part.sheet or item.part.solid
    assert geometry is not None
    return geometry


def _price(price: ProductPrice) -> Document:
    return {
        "quantity": price.quantity,
        "unit_price": price.unit_price,
        "total_price": price.total_price,
        "lead_time_days": price.lead_time_days,
        "hours": price.hours,
        "ways": price.ways,
        "breakdown": {k: float(v) for k, v in price.breakdown.model_dump().items()},
        "lines": [
            {
                **line.model_dump(mode="json"),
                "cost": round(line.cost, 2),
                "price": round(line.price, 2),
            }
            for line in price.lines
        ],
        "bom": [line.model_dump(mode="json") for line in price.bom],
        "materials": [need.model_dump(mode="json") for need in price.materials],
    }


def _routing(routing: Routing) -> Document:
    return {
        "operations": [operation_document(op) for op in routing.operations],
        "edges": [list(edge) for edge in routing.edges],
    }
