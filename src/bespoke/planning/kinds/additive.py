"""Additive manufacturing: extrusion (FDM) and vat (SLA) print plates of parts side by
side; a powder bed (SLS, MJF) pools parts of many orders in one build. Printers run on
through the night."""

import math
from typing import ClassVar

from bespoke.model import Additive, Machine, Material, Operation, ProcessKind, Shop
from bespoke.planning.kinds.base import Estimate, Findings, Making, Workpiece, work_operation
from bespoke.planning.kinds.findings import envelope, smallest_hole
from bespoke.planning.kinds.shaping import MM3_PER_M3, ShapingKind
from bespoke.planning.shape import Shape
from bespoke.planning.sheets import parts_per_sheet


class AdditiveKind(ShapingKind[Additive]):
    kind: ClassVar[ProcessKind] = ProcessKind.ADDITIVE
    batches: ClassVar[bool] = True
    runs_unattended: ClassVar[bool] = True

    def limits(self, process: Additive, making: Making) -> Findings:
        machine, shape = making.machine, making.shape
        rule = "smallest feature the process resolves"
        return envelope(process, machine, shape.size_mm) + smallest_hole(
            process, shape, process.min_feature_mm, rule
        )

    def estimate(self, process: Additive, making: Making) -> Estimate:
        """A printed part: what is deposited, the machine time it takes, the hand work after."""
        machine, shape, material = making.machine, making.shape, making.material
        if process.method == "powder_bed":
            build, kg_volume = _powder_bed(process, machine, shape)
        else:
            build, kg_volume = _plate(process, machine, shape, making.infill)
        operations = [build]
        post_s = process.post_process_s + (
            process.setup_s * _chamber_share(process, machine, shape)
            if process.method == "powder_bed"
            else 0.0
        )
        if post_s > 0:
            operations.append(_post_processing(process, making.shop, post_s))
        kg = kg_volume * material.density_kg_m3 / MM3_PER_M3
        return Estimate(
            operations,
            kg,
            _material_basis(process, kg_volume, material),
            lead_days=process.lead_days,
        )

    def seconds_on(self, seconds: int, planned: Machine | None, station: Machine | None) -> int:
        """A printer builds at its own speed: a slower one takes longer for the same plate."""
        if planned is None or station is None:
            return seconds
        return math.ceil(seconds * planned.speed_factor / station.speed_factor)

    def family(self, process: Additive, operation: Operation, piece: Workpiece) -> str:
        """Printed by process, material and printer: a plate packed for one printer may not
        fit another."""
        if operation.machine_id is None:
            return process.id
        return f"{process.id}:{piece.material}:{operation.machine_id}"


def _deposited_mm3(process: Additive, shape: Shape, infill: float | None) -> tuple[float, str]:
    """Volume a printer lays down for one part: its shell (walls, top and bottom skins) solid,
    the inside at the infill share, and the support."""
    fill = process.infill if infill is None else infill
    shell = min(shape.volume_mm3, shape.surface_mm2 * process.shell_mm)
    inside = (shape.volume_mm3 - shell) * fill
    support = (shell + inside) * process.support_fraction
    if process.shell_mm == 0 and fill == 1.0:
        how = f"{shape.volume_mm3 / 1000:.1f} cm³ solid"
    else:
        how = (
            f"{shell / 1000:.1f} cm³ shell ({process.shell_mm:g} mm) +"
            f" {inside / 1000:.1f} cm³ infill ({fill:.0%})"
        )
    return shell + inside + support, f"{how} + {support / 1000:.1f} cm³ support"


def _plate(
    process: Additive, machine: Machine, shape: Shape, infill: float | None
) -> tuple[Operation, float]:
    """Extrusion or vat: parts side by side on the plate share its layers and its set-up."""
    deposited, how = _deposited_mm3(process, shape, infill)
    layers = math.ceil(shape.height_mm / process.layer_height_mm)
    per_build = parts_per_sheet(
        shape.footprint_mm,
        (machine.envelope_mm[0], machine.envelope_mm[1]),
        process.part_spacing_mm,
    )
    rate = process.deposition_mm3_s * machine.speed_factor
    layer_s = process.layer_time_s / machine.speed_factor
    build_s = layers * layer_s
    basis = (
        f"{how} at {rate:.3g} mm³/s + {process.handling_s:g} s handling;"
        f" per plate of up to {per_build}: {layers} layers x {layer_s:.3g} s"
    )
    run = deposited / rate + process.handling_s
    build = work_operation(process, machine, machine.rate_per_hour, run, basis).model_copy(
        update={"batch_s": build_s, "parts_per_batch": per_build}
    )
    return build, deposited


def _chamber_share(process: Additive, machine: Machine, shape: Shape) -> float:
    """The share of a powder-bed build one part takes: the box it occupies with its spacing
    over the chamber volume the build fills at the process's packing density."""
    x, y, z = (s + process.part_spacing_mm for s in shape.size_mm)
    ex, ey, ez = (
        machine.envelope_mm if len(machine.envelope_mm) == 3 else (*machine.envelope_mm, 1.0)
    )
    return min(1.0, x * y * z / (ex * ey * ez * process.packing_density))


def _powder_bed(process: Additive, machine: Machine, shape: Shape) -> tuple[Operation, float]:
    """Powder bed: builds are pooled, so a part pays for the share of a full build's time
    its occupied box takes; its powder is its own volume plus the refresh of that box."""
    share = _chamber_share(process, machine, shape)
    layers = math.ceil(machine.envelope_mm[-1] / process.layer_height_mm)
    build_s = layers * process.layer_time_s
    scan = shape.volume_mm3 / process.deposition_mm3_s
    occupied = shape.bbox_volume_mm3
    basis = (
        f"{share:.2%} of a full build ({layers} layers x {process.layer_time_s:g} s) by the"
        f" {occupied / 1000:.1f} cm³ box it occupies at {process.packing_density:.0%} packing"
        f" + {shape.volume_mm3 / 1000:.1f} cm³ scanned at {process.deposition_mm3_s:g} mm³/s"
    )
    run = share * build_s + scan + process.handling_s
    build = work_operation(process, machine, machine.rate_per_hour, run, basis).model_copy(
        update={"setup_s": 0.0, "pooled_build_s": share * build_s}
    )
    return build, shape.volume_mm3 + process.powder_refresh * occupied


def _post_processing(process: Additive, shop: Shop, post_s: float) -> Operation:
    what = f"{process.post_process_s:g} s by hand per part" + (
        f" + its share of the build's {process.setup_s / 60:.0f} min unpacking and powder handling"
        if process.method == "powder_bed"
        else ""
    )
    return Operation(
        id=f"{process.id}-post",
        process_id=process.id,
        machine_id=None,
        name=f"{process.name}: post-processing",
        rate_per_hour=shop.labour_rate_per_hour,
        setup_s=0.0,
        run_s=post_s,
        manual=True,
        learning_rate=process.learning_rate,
        learning_floor=process.learning_floor,
        basis=what,
    )


def _material_basis(process: Additive, kg_volume: float, material: Material) -> str:
    extra = "refresh powder" if process.method == "powder_bed" else "support"
    return f"{kg_volume / 1000:.1f} cm³ of {material.name} incl. {extra}"
