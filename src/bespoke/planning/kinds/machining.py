"""Machining (3-axis milling): a part cut from a block of plate or bar, clamped as often as
its sides need."""

from typing import ClassVar

from bespoke.model import Machining, Material, ProcessKind, StockKind
from bespoke.planning.kinds.base import Estimate, Findings, Making, work_operation
from bespoke.planning.kinds.findings import envelope, smallest_hole
from bespoke.planning.kinds.shaping import MM3_PER_M3, ShapingKind


class MachiningKind(ShapingKind[Machining]):
    kind: ClassVar[ProcessKind] = ProcessKind.MACHINING

    def limits(self, process: Machining, making: Making) -> Findings:
        machine, shape = making.machine, making.shape
        stock = tuple(s + 2 * process.stock_allowance_mm for s in shape.size_mm)
        tool = "smallest tool the process uses"
        return envelope(process, machine, stock) + smallest_hole(
            process, shape, process.min_feature_mm, tool
        )

    def stock_kinds(self, process: Machining, material: Material) -> set[StockKind]:
        return {StockKind.SHEET, StockKind.BAR}

    def stock_used(self, process: Machining, material: Material) -> StockKind:
        """Milling takes plate when it is stocked, else bar."""
        return StockKind.BAR if material.stock_of(StockKind.SHEET) is None else StockKind.SHEET

    def estimate(self, process: Machining, making: Making) -> Estimate:
        machine, shape, material = making.machine, making.shape, making.material
        stock = [s + 2 * process.stock_allowance_mm for s in shape.size_mm]
        stock_volume = stock[0] * stock[1] * stock[2]
        removed = max(stock_volume - shape.volume_mm3, 0.0)
        rate = process.removal_mm3_s[material.family]
        run = removed / rate + process.handling_s * process.setups_per_part
        basis = (
            f"{removed / 1000:,.1f} cm³ removed at {rate:g} mm³/s + {process.setups_per_part}"
            f" clampings x {process.handling_s:g} s"
        )
        operation = work_operation(process, machine, machine.rate_per_hour, run, basis)
        operation = operation.model_copy(
            update={"setup_s": process.setup_s * process.setups_per_part}
        )
        kg = stock_volume * material.density_kg_m3 / MM3_PER_M3
        dims = " x ".join(f"{s:.0f}" for s in stock)
        return Estimate([operation], kg, f"stock block {dims} mm", lead_days=process.lead_days)
