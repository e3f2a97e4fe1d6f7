"""Profile cutting (laser, waterjet, plasma, router): flat outlines cut from sheet, nested
with other orders' parts of the same material and thickness."""

from typing import ClassVar

from bespoke.model import (
    Material,
    Operation,
    ProcessKind,
    ProfileCutting,
    StockKind,
)
from bespoke.planning.kinds.base import Estimate, Findings, Making, Workpiece, work_operation
from bespoke.planning.kinds.findings import envelope, smallest_hole, stock_sheet, thickness
from bespoke.planning.kinds.shaping import MM3_PER_M3, ShapingKind
from bespoke.planning.shape import Shape
from bespoke.planning.sheets import cut_to_bed, parts_per_sheet
from bespoke.planning.tables import by_thickness


class ProfileCuttingKind(ShapingKind[ProfileCutting]):
    kind: ClassVar[ProcessKind] = ProcessKind.PROFILE_CUTTING
    cuts_flat: ClassVar[bool] = True
    batches: ClassVar[bool] = True

    def limits(self, process: ProfileCutting, making: Making) -> Findings:
        machine, shape, material = making.machine, making.shape, making.material
        assert shape.thickness_mm is not None
        high = process.max_thickness_mm(material.family)
        if machine.max_thickness_mm is not None:
            high = min(high, machine.max_thickness_mm)
        hole_limit = max(
            process.min_hole_factor * shape.thickness_mm, process.min_feature_mm, process.kerf_mm
        )
        rule = (
            f"{process.min_hole_factor:g} x thickness, at least {process.min_feature_mm:g} mm"
            f" and wider than the {process.kerf_mm:g} mm kerf"
        )
        return (
            thickness(process, shape, process.min_thickness_mm, high, material.family)
            + envelope(process, machine, shape.footprint_mm)
            + stock_sheet(process, shape, material, process.part_spacing_mm + process.kerf_mm)
            + smallest_hole(process, shape, hole_limit, rule)
        )

    def estimate(self, process: ProfileCutting, making: Making) -> Estimate:
        machine, shape, material = making.machine, making.shape, making.material
        t = shape.thickness_mm
        assert t is not None
        speed = by_thickness(process.speed_mm_s[material.family], t) * process.speed_derate
        pierce = by_thickness(process.pierce_s[material.family], t)
        run = shape.cut_length_mm / speed + shape.pierces * pierce + process.handling_s
        basis = (
            f"{shape.cut_length_mm:,.0f} mm cut at {speed:.1f} mm/s + {shape.pierces} pierces"
            f" x {pierce:.2f} s + {process.handling_s:g} s handling"
        )
        kg, material_basis, sheet = sheet_material(
            shape, material, process.part_spacing_mm + process.kerf_mm, machine.envelope_mm
        )
        operations = [work_operation(process, machine, machine.rate_per_hour, run, basis)]
        return Estimate(operations, kg, material_basis, lead_days=process.lead_days, sheet=sheet)

    def family(self, process: ProfileCutting, operation: Operation, piece: Workpiece) -> str:
        """Cut by process, material and thickness: one nest on one stock sheet."""
        return f"{process.id}:{piece.material}:{piece.thickness_mm or 0:g}"


def sheet_material(
    shape: Shape, material: Material, spacing_mm: float, bed_mm: tuple[float, ...]
) -> tuple[float, str, tuple[tuple[float, float], int]]:
    """Share of the best stocked sheet one part takes, the rest returning to stock.

    A sheet larger than the machine's bed is cut down to the bed first.
    """
    assert shape.thickness_mm is not None
    sheet = material.stock_of(StockKind.SHEET)
    assert sheet is not None
    best: tuple[float, str, tuple[tuple[float, float], int]] | None = None
    for size in sheet.sheet_sizes_mm:
        usable = cut_to_bed(size, bed_mm)
        count = parts_per_sheet(shape.footprint_mm, usable, spacing_mm)
        if count == 0:
            continue
        area = usable[0] * usable[1]
        sheet_kg = area * shape.thickness_mm * material.density_kg_m3 / MM3_PER_M3
        used = count * shape.volume_mm3 / (area * shape.thickness_mm)
        cut = "" if usable == size else f" cut to {usable[0]:g} x {usable[1]:g}"
        basis = (
            f"{count} per {size[0]:g} x {size[1]:g} mm sheet{cut} ({used:.0%} of it is part):"
            f" 1/{count} of {sheet_kg:.2f} kg"
        )
        if best is None or sheet_kg / count < best[0]:
            best = (sheet_kg / count, basis, (size, count))
    assert best is not None, "feasibility checks that some stocked sheet holds the part"
    return best
