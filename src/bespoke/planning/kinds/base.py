"""What a kind of process is to planning, batching and scheduling: one class per kind
(its module in this package) overriding the rules in which it differs."""

import itertools
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from bespoke.model import (
    Catalog,
    DfmFinding,
    Machine,
    Material,
    Operation,
    ProcessKind,
    Shop,
    StockKind,
)
from bespoke.model.catalog import WorkBase
from bespoke.planning.shape import Shape

P = TypeVar("P", bound=WorkBase)
Findings = list[DfmFinding]
BENCH = "bench:"
"""Hand work takes a bench of its process, no machine."""


@dataclass(frozen=True)
class Estimate:
    """What making one part by one process takes."""

    operations: list[Operation]
    material_kg_per_part: float
    material_basis: str
    tooling_cost: float = 0.0
    consumables_per_part: float = 0.0
    lead_days: float = 0.0
    sheet: tuple[tuple[float, float], int] | None = None
    """The stock sheet used and how many parts it holds, for sheet processes."""


@dataclass(frozen=True)
class Making:
    """A part to make: its shape in a material on a machine of the shop; `infill` overrides
    a printing process's own infill share."""

    machine: Machine
    shape: Shape
    material: Material
    shop: Shop
    infill: float | None = None


@dataclass(frozen=True)
class Workpiece:
    """What an operation works on, as far as set-up families tell orders apart."""

    material: str
    thickness_mm: float | None = None
    finish: str | None = None


class Kind(Generic[P]):
    """The rules of a kind of process. The defaults are those of work that makes no part
    alone, shares no set-up with other orders and stops when the shop closes."""

    kind: ClassVar[ProcessKind]
    makes_parts: ClassVar[bool] = False
    """It shapes a part from stock by itself: it is checked and estimated per machine."""
    cuts_flat: ClassVar[bool] = False
    """It cuts flat outlines from sheet: it needs a drawing, and its parts can be bent."""
    batches: ClassVar[bool] = False
    """Its operations of many orders share a set-up in batches (nested, packed, coated)."""
    runs_unattended: ClassVar[bool] = False
    """Its machines run on through the shop's closed hours (printers)."""

    def check(self, process: P, making: Making, catalog: Catalog) -> Findings:
        """Every reason its machine cannot make the part (empty: it can)."""
        return []

    def estimate(self, process: P, making: Making) -> Estimate:
        """Operations, material and tooling to make the part (found feasible)."""
        raise ValueError(f"{process.id} is a {self.kind} process: it does not make parts alone")

    def stock_used(self, process: P, material: Material) -> StockKind | None:
        """The stock form the process consumes of `material`; None: it consumes none."""
        return None

    def family(self, process: P, operation: Operation, piece: Workpiece) -> str:
        """The set-up family of an operation: operations of one family follow each other on
        a machine without a change-over. Hand work, and work on no material (assembly,
        packing), is one family per process."""
        if operation.machine_id is None or not piece.material:
            return process.id
        return f"{process.id}:{piece.material}"

    def batched(self, machine_id: str | None) -> bool:
        """Whether work planned on `machine_id` (None: by hand) joins other orders' work of
        its family in a batch."""
        return self.batches and machine_id is not None

    def pausable(self, machine_id: str | None) -> bool:
        """Whether work planned on `machine_id` runs on through closed hours: machine work
        of a kind that runs unattended (hand work stops with the shop)."""
        return self.runs_unattended and machine_id is not None

    def stations(self, catalog: Catalog, process: P, machine_id: str | None) -> list[str]:
        """Where work planned on `machine_id` may run: machines of its process at least as
        large as that one in every direction (a part, nest or plate made for it fits them);
        hand work on its process's bench."""
        if machine_id is None:
            return [f"{BENCH}{process.id}"]
        planned = catalog.machines.get(machine_id)
        wanted = planned.envelope_mm if planned is not None else ()
        able = [
            m.id
            for m in catalog.machines.values()
            if m.process == process.id and _holds(m.envelope_mm, wanted)
        ]
        return able or [machine_id]

    def seconds_on(self, seconds: int, planned: Machine | None, station: Machine | None) -> int:
        """How long work planned to take `seconds` on `planned` takes on `station`."""
        return seconds


def work_operation(
    process: WorkBase, machine: Machine | None, rate_per_hour: float, run_s: float, basis: str
) -> Operation:
    """The process's operation on `machine` (None: by hand), its set-up the process's."""
    return Operation(
        id=process.id,
        process_id=process.id,
        machine_id=machine.id if machine else None,
        name=process.name,
        rate_per_hour=rate_per_hour,
        setup_s=process.setup_s,
        run_s=run_s,
        manual=process.manual,
        learning_rate=process.learning_rate,
        learning_floor=process.learning_floor,
        basis=basis,
    )


def _holds(envelope: tuple[float, ...], wanted: tuple[float, ...]) -> bool:
    sizes = itertools.zip_longest(envelope, wanted, fillvalue=0.0)
    return all(have >= need for have, need in sizes)
