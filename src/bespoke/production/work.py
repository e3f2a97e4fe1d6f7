"""What an accepted order asks of the shop, frozen when it is placed: each part's
operations with its material and shapes, and a product's own work."""

from typing import Any

from pydantic import Field

from bespoke.model import Material, Operation
from bespoke.model.batching import Outline
from bespoke.model.geometry import Frozen
from bespoke.planning.kinds import Workpiece

WORK_SCHEMA = 1
"""Version of the stored form of an order's work."""


class OrderWork(Frozen):
    """One part of an order: its operations and its shapes. A product's order brings one
    work per part it makes, each named by `part`; the operation ids of an order's works
    are distinct."""

    order: str
    name: str
    quantity: int = Field(ge=1)
    operations: list[Operation]
    material: Material
    thickness_mm: float | None = None
    material_kg_per_part: float = 0.0
    material_price_per_kg: float = 0.0
    consumables_per_part: float = 0.0
    due: int | None = None
    finish: str | None = None
    outlines: list[Outline] = Field(default_factory=list, description="A flat part's pieces")
    footprint: Outline | None = Field(default=None, description="A printed part on its plate")
    height_mm: float = 0.0
    part: str = Field(default="", description="The product's part; empty for a part's order")

    @property
    def key(self) -> str:
        """The work's name among all orders' works."""
        return f"{self.order}/{self.part}" if self.part else self.order

    @property
    def piece(self) -> Workpiece:
        """What its operations work on."""
        return Workpiece(self.material.id, self.thickness_mm, self.finish)


class OrderAssembly(Frozen):
    """A product order's own work besides making its parts: checking bought parts,
    assembling, packing. Each operation comes with how many times it is done; `edges`
    order all the order's operations, its parts' included."""

    order: str
    operations: list[tuple[Operation, int]]
    edges: list[tuple[str, str]]
    due: int | None = None


class FrozenWork(Frozen):
    """An order's work as stored with it: its parts' works and its own."""

    schema_version: int = WORK_SCHEMA
    parts: list[OrderWork] = Field(default_factory=list)
    assembly: OrderAssembly | None = None

    def stored(self) -> dict[str, Any]:
        """The form kept with the order: what was given, so that catalog entries read back
        with the figures (and sources) they had."""
        return self.model_dump(mode="json", exclude_unset=True) | {"schema_version": WORK_SCHEMA}
