"""What every kind that shapes a part from stock shares: checked per machine (the flat
drawing a sheet process needs, then the material, then the kind's own limits)."""

from typing import ClassVar, TypeVar

from bespoke.model import Catalog, Material, StockKind
from bespoke.model.catalog import ProcessBase
from bespoke.planning.kinds.base import Findings, Kind, Making
from bespoke.planning.kinds.findings import material_findings, needs_flat, on_machine

S = TypeVar("S", bound=ProcessBase)
MM3_PER_M3 = 1e9
MM2_PER_M2 = 1e6


class ShapingKind(Kind[S]):
    """A kind that makes a part alone from the stock it consumes."""

    makes_parts: ClassVar[bool] = True

    def check(self, process: S, making: Making, catalog: Catalog) -> Findings:
        machine, shape, material = making.machine, making.shape, making.material
        if self.cuts_flat and not shape.flat:
            return needs_flat(process)
        kinds = self.stock_kinds(process, material)
        findings = material_findings(process, material, catalog, kinds)
        if findings:
            return findings
        return on_machine(self.limits(process, making), machine)

    def limits(self, process: S, making: Making) -> Findings:
        """Why its machine cannot make the part in a material the process works."""
        return []

    def stock_kinds(self, process: S, material: Material) -> set[StockKind]:
        """The stock forms the process can take a part from."""
        return {process.stock}

    def stock_used(self, process: S, material: Material) -> StockKind | None:
        return process.stock
