"""Pure domain types shared by every layer. No I/O, no database, no framework."""

from bespoke.model.catalog import (
    Additive,
    Bending,
    Catalog,
    Finishing,
    Machine,
    Machining,
    Material,
    Moulding,
    Process,
    ProcessKind,
    ProfileCutting,
    Shop,
    Stamping,
    StockForm,
    StockKind,
)
from bespoke.model.costing import BreakEven, CostBreakdown, PriceBreak, ScaleCurve, ScalePoint
from bespoke.model.errors import BespokeError, CatalogError, DesignFileError, InputError
from bespoke.model.geometry import (
    Contour,
    ContourKind,
    Sheet2D,
    Solid3D,
    UnitReading,
)
from bespoke.model.planning import DfmFinding, Operation, Part, ProcessOption, Routing
from bespoke.model.quote import ProcessQuote, Quote

__all__ = [
    "Additive",
    "Bending",
    "BespokeError",
    "BreakEven",
    "Catalog",
    "CatalogError",
    "Contour",
    "ContourKind",
    "CostBreakdown",
    "DesignFileError",
    "DfmFinding",
    "Finishing",
    "InputError",
    "Machine",
    "Machining",
    "Material",
    "Moulding",
    "Operation",
    "Part",
    "PriceBreak",
    "Process",
    "ProcessKind",
    "ProcessOption",
    "ProcessQuote",
    "ProfileCutting",
    "Quote",
    "Routing",
    "ScaleCurve",
    "ScalePoint",
    "Sheet2D",
    "Shop",
    "Solid3D",
    "Stamping",
    "StockForm",
    "StockKind",
    "UnitReading",
]
