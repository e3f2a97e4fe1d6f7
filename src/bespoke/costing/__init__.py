"""Costing: what an order line costs by kind, its price by quantity, the scale curve."""

from bespoke.costing.curve import curve_quantities, scale_curve
from bespoke.costing.line import line_cost, price_break, unit_price

__all__ = ["curve_quantities", "line_cost", "price_break", "scale_curve", "unit_price"]
