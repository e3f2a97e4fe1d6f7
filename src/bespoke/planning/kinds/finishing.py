"""Finishing a made part: deburring along its cut edges, coating over its surface. A
coating line takes many orders' parts of one finish in a load."""

from typing import ClassVar

from bespoke.model import Finishing, Machine, Operation, ProcessKind, Shop
from bespoke.planning.kinds.base import Estimate, Kind, Workpiece, work_operation
from bespoke.planning.kinds.shaping import MM2_PER_M2
from bespoke.planning.shape import Shape


class FinishingKind(Kind[Finishing]):
    kind: ClassVar[ProcessKind] = ProcessKind.FINISHING
    batches: ClassVar[bool] = True

    def finish(
        self, process: Finishing, machine: Machine | None, shape: Shape, shop: Shop
    ) -> Estimate:
        """A finishing step along the cut edges or over the surface of a made part."""
        if process.basis == "edge_length":
            amount, unit, what = shape.cut_length_mm, "mm", "edge"
        else:
            amount, unit, what = shape.surface_mm2, "mm²", "surface"
        run = amount / process.rate + process.handling_s
        rate = machine.rate_per_hour if machine else shop.labour_rate_per_hour
        operation = work_operation(
            process,
            machine,
            rate,
            run,
            f"{amount:,.0f} {unit} of {what} at {process.rate:g} {unit}/s"
            f" + {process.handling_s:g} s handling",
        )
        consumables = shape.surface_mm2 / MM2_PER_M2 * process.consumable_per_m2
        return Estimate(
            [operation], 0.0, "", consumables_per_part=consumables, lead_days=process.lead_days
        )

    def family(self, process: Finishing, operation: Operation, piece: Workpiece) -> str:
        """A coating by its finish (one colour in a load); edge work by process alone."""
        if process.basis == "area":
            return f"{process.id}:{piece.finish or ''}"
        return process.id
