"""Stamping: blanking and piercing sheet in a die made once, then one stroke per part."""

from typing import ClassVar

from bespoke.model import ProcessKind, Stamping
from bespoke.planning.kinds.base import Estimate, Findings, Making, work_operation
from bespoke.planning.kinds.findings import envelope, smallest_hole, thickness
from bespoke.planning.kinds.shaping import MM3_PER_M3, ShapingKind


class StampingKind(ShapingKind[Stamping]):
    kind: ClassVar[ProcessKind] = ProcessKind.STAMPING
    cuts_flat: ClassVar[bool] = True

    def limits(self, process: Stamping, making: Making) -> Findings:
        machine, shape, material = making.machine, making.shape, making.material
        assert shape.thickness_mm is not None
        high = process.max_thickness_mm.get(material.family, 0.0)
        hole_limit = max(process.min_hole_factor * shape.thickness_mm, process.min_feature_mm)
        rule = f"{process.min_hole_factor:g} x thickness"
        return (
            thickness(process, shape, 0.0, high, material.family)
            + envelope(process, machine, shape.footprint_mm)
            + smallest_hole(process, shape, hole_limit, rule)
        )

    def estimate(self, process: Stamping, making: Making) -> Estimate:
        machine, shape, material = making.machine, making.shape, making.material
        assert shape.thickness_mm is not None
        run = process.stroke_s + process.handling_s
        basis = f"one stroke of {process.stroke_s:g} s + {process.handling_s:g} s handling"
        tooling = (
            process.tooling_base
            + process.tooling_per_contour * shape.contours
            + process.tooling_per_mm * shape.cut_length_mm
        )
        w, h = shape.footprint_mm
        blank_mm3 = w * h * shape.thickness_mm / process.strip_utilisation
        kg = blank_mm3 * material.density_kg_m3 / MM3_PER_M3
        return Estimate(
            [work_operation(process, machine, machine.rate_per_hour, run, basis)],
            kg,
            f"blank {w:.0f} x {h:.0f} mm on strip used at {process.strip_utilisation:.0%}",
            tooling_cost=tooling,
            lead_days=process.lead_days + process.tooling_lead_days,
        )
