"""A part to make, what stops a process from making it, and the operations that will."""

import itertools
from typing import Self

from pydantic import Field, model_validator

from bespoke.model.bounds import MAX_INFILL, MIN_INFILL
from bespoke.model.geometry import Frozen, Sheet2D, Solid3D


class Part(Frozen):
    """A thing to make: measured geometry, the material, its thickness for sheet parts."""

    name: str
    material_id: str
    thickness_mm: float | None = Field(default=None, gt=0)
    sheet: Sheet2D | None = None
    solid: Solid3D | None = None
    finish: str | None = None
    infill: float | None = Field(
        default=None,
        ge=MIN_INFILL,
        le=MAX_INFILL,
        description="Printed inside fill; None: the process's",
    )
    customer_material: bool = Field(
        default=False, description="The customer supplies the material: it is not charged"
    )

    @model_validator(mode="after")
    def _one_geometry(self) -> Self:
        if (self.sheet is None) == (self.solid is None):
            raise ValueError("a part has either a flat drawing (sheet) or a solid, not both")
        if self.sheet is not None and self.thickness_mm is None:
            raise ValueError("a flat part needs a thickness")
        return self


def _is_none(value: object) -> bool:
    """For `exclude_if`: a finding's place is left out of the JSON where it has none, as
    in the documents kept before findings had one."""
    return value is None


class DfmFinding(Frozen):
    """Why a process cannot make a feature: measured value, limit, and what would work."""

    process_id: str
    machine_id: str | None = None
    feature: str = Field(description="What was checked: 'bounding box', 'hole 3', 'thickness' ...")
    measured: float | None = None
    limit: float | None = None
    unit: str = "mm"
    message: str
    alternatives: list[str] = Field(
        default_factory=list, description="Processes or materials that would work instead"
    )
    at_mm: tuple[float, float] | None = Field(
        default=None,
        exclude_if=_is_none,
        description="Where on a flat drawing the feature is (x, y in the drawing's mm); "
        "None where it has no one place",
    )
    size_mm: float | None = Field(
        default=None,
        ge=0,
        exclude_if=_is_none,
        description="The feature's size there (a hole's width); None: a point",
    )


class Operation(Frozen):
    """One step on a machine with its set-up and its run time for the first part."""

    id: str
    process_id: str
    machine_id: str | None = Field(description="None for bench work done by hand")
    name: str
    rate_per_hour: float = Field(ge=0, description="Machine rate, or labour rate for bench work")
    setup_s: float = Field(ge=0, description="Once per order line: programming, fixturing")
    run_s: float = Field(ge=0, description="Run time of the first part, handling included")
    batch_s: float = Field(
        default=0, ge=0, description="Once per build, plate or load, shared by the parts on it"
    )
    parts_per_batch: int = Field(default=1, ge=1, description="Parts one build or load holds")
    pooled_build_s: float = Field(
        default=0,
        ge=0,
        description="Powder bed: the part's expected share of a build pooled across orders, "
        "within run_s; a batch pays its real builds instead",
    )
    manual: bool = False
    learning_rate: float = Field(default=1.0, gt=0, le=1)
    learning_floor: float = Field(default=0, ge=0, lt=1)
    basis: str = Field(description="How the time was computed, in words and numbers")


class Routing(Frozen):
    """Operations and the order they must follow (a DAG of operation ids)."""

    operations: list[Operation]
    edges: list[tuple[str, str]] = Field(default_factory=list)

    @classmethod
    def chain(cls, operations: list[Operation]) -> "Routing":
        """Operations done one after the other."""
        pairs = itertools.pairwise(operations)
        return cls(operations=operations, edges=[(a.id, b.id) for a, b in pairs])


class SupplyPrice(Frozen):
    """What a supplier charges for a part: the first, each copy, the order, by quantity."""

    supplier_id: str
    order_fee: float = Field(ge=0)
    first_part: float = Field(ge=0)
    extra_part: float = Field(ge=0)
    discounts: list[tuple[int, float]] = Field(default_factory=list)

    def cost(self, quantity: int) -> float:
        """The supplier's bill for `quantity` parts."""
        factors = [f for q, f in sorted(self.discounts) if quantity >= q]
        factor = factors[-1] if factors else 1.0
        return self.order_fee + (self.first_part + (quantity - 1) * self.extra_part) * factor


class ProcessOption(Frozen):
    """One way to make the part: a process on a machine, feasible or not and why."""

    process_id: str
    process_name: str
    machine_id: str | None
    feasible: bool
    findings: list[DfmFinding] = Field(default_factory=list)
    routing: Routing | None = None
    machines: int = Field(
        default=1, ge=1, description="Machines of the shop that can run it side by side"
    )
    material_kg_per_part: float = Field(default=0, ge=0)
    material_price_per_kg: float = Field(default=0, ge=0, description="Of the stock form used")
    material_stock: str = Field(default="", description="The stock form used: sheet, filament ...")
    stock_sheet_mm: tuple[float, float] | None = Field(
        default=None, description="The stock sheet parts are cut from, for sheet processes"
    )
    parts_per_sheet: int | None = Field(default=None, ge=1)
    material_basis: str = Field(default="", description="How the material was estimated")
    tooling_cost: float = Field(default=0, ge=0)
    consumables_per_part: float = Field(default=0, ge=0)
    lead_days: float = Field(default=0, ge=0)
    supply: SupplyPrice | None = Field(default=None, description="Set when the part is bought")
