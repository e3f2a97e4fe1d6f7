"""Injection moulding: a mould made once, then fast, cheap cycles."""

from typing import ClassVar

from bespoke.model import DfmFinding, Moulding, ProcessKind
from bespoke.planning.kinds.base import Estimate, Findings, Making, work_operation
from bespoke.planning.kinds.findings import envelope, smallest_hole
from bespoke.planning.kinds.shaping import MM3_PER_M3, ShapingKind


class MouldingKind(ShapingKind[Moulding]):
    kind: ClassVar[ProcessKind] = ProcessKind.MOULDING

    def limits(self, process: Moulding, making: Making) -> Findings:
        machine, shape = making.machine, making.shape
        findings = envelope(process, machine, shape.size_mm)
        if shape.volume_mm3 > process.max_volume_mm3:
            findings.append(
                DfmFinding(
                    process_id=process.id,
                    feature="part volume",
                    measured=round(shape.volume_mm3, 1),
                    limit=process.max_volume_mm3,
                    unit="mm3",
                    message=f"part volume {shape.volume_mm3 / 1000:.1f} cm³ exceeds the "
                    f"{process.max_volume_mm3 / 1000:g} cm³ shot size of {process.name}",
                )
            )
        rule = "smallest feature the process resolves"
        return findings + smallest_hole(process, shape, process.min_feature_mm, rule)

    def estimate(self, process: Moulding, making: Making) -> Estimate:
        machine, shape, material = making.machine, making.shape, making.material
        cm3 = shape.volume_mm3 / 1000
        cycle = process.cycle_base_s + process.cycle_s_per_cm3 * cm3
        run = cycle / process.cavities + process.handling_s
        basis = (
            f"cycle {process.cycle_base_s:g} s + {process.cycle_s_per_cm3:g} s/cm³ x"
            f" {cm3:.1f} cm³, {process.cavities} cavit{'y' if process.cavities == 1 else 'ies'}"
        )
        tooling = process.tooling_base + process.tooling_per_cm3 * cm3
        kg = shape.volume_mm3 * material.density_kg_m3 / MM3_PER_M3 / (1 - process.scrap_fraction)
        return Estimate(
            [work_operation(process, machine, machine.rate_per_hour, run, basis)],
            kg,
            f"{cm3:.1f} cm³ shot + {process.scrap_fraction:.0%} runners and scrap",
            tooling_cost=tooling,
            lead_days=process.lead_days + process.tooling_lead_days,
        )
