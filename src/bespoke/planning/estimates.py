"""Time, material and tooling of each process: the equations. The numbers are the catalog's."""

import math
from dataclasses import dataclass

from bespoke.model import (
    Additive,
    Finishing,
    Machine,
    Machining,
    Material,
    Moulding,
    Operation,
    Process,
    ProfileCutting,
    ShapingProcess,
    Shop,
    Stamping,
    StockKind,
)
from bespoke.planning.shape import Shape
from bespoke.planning.sheets import cut_to_bed, parts_per_sheet
from bespoke.planning.tables import by_thickness

MM3_PER_M3 = 1e9
MM2_PER_M2 = 1e6


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


def stock_used(process: ShapingProcess, material: Material) -> StockKind:
    """The stock form a process consumes: milling takes plate when stocked, else bar."""
    if isinstance(process, Machining) and material.stock_of(StockKind.SHEET) is None:
        return StockKind.BAR
    if isinstance(process, Machining):
        return StockKind.SHEET
    return process.stock


def estimate(
    process: ShapingProcess,
    machine: Machine,
    shape: Shape,
    material: Material,
    shop: Shop,
    infill: float | None = None,
) -> Estimate:
    """Operations, material and tooling to make `shape` on `machine` (already found feasible).
    `infill` overrides a printing process's own infill share."""
    match process:
        case ProfileCutting():
            return _profile_cutting(process, machine, shape, material)
        case Additive():
            return _additive(process, machine, shape, material, shop, infill)
        case Machining():
            return _machining(process, machine, shape, material)
        case Moulding():
            return _moulding(process, machine, shape, material)
        case Stamping():
            return _stamping(process, machine, shape, material)
    raise ValueError(f"{process.id} is a {process.kind} process: it does not make parts alone")


def finishing(process: Finishing, machine: Machine | None, shape: Shape, shop: Shop) -> Estimate:
    """A finishing step along the cut edges or over the surface of a made part."""
    if process.basis == "edge_length":
        amount, unit, what = shape.cut_length_mm, "mm", "edge"
    else:
        amount, unit, what = shape.surface_mm2, "mm²", "surface"
    run = amount / process.rate + process.handling_s
    rate = machine.rate_per_hour if machine else shop.labour_rate_per_hour
    operation = _operation(
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


def _operation(
    process: Process, machine: Machine | None, rate_per_hour: float, run_s: float, basis: str
) -> Operation:
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


def _sheet_material(
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


def _profile_cutting(
    process: ProfileCutting, machine: Machine, shape: Shape, material: Material
) -> Estimate:
    t = shape.thickness_mm
    assert t is not None
    speed = by_thickness(process.speed_mm_s[material.family], t) * process.speed_derate
    pierce = by_thickness(process.pierce_s[material.family], t)
    run = shape.cut_length_mm / speed + shape.pierces * pierce + process.handling_s
    basis = (
        f"{shape.cut_length_mm:,.0f} mm cut at {speed:.1f} mm/s + {shape.pierces} pierces"
        f" x {pierce:.2f} s + {process.handling_s:g} s handling"
    )
    kg, material_basis, sheet = _sheet_material(
        shape, material, process.part_spacing_mm + process.kerf_mm, machine.envelope_mm
    )
    operations = [_operation(process, machine, machine.rate_per_hour, run, basis)]
    return Estimate(operations, kg, material_basis, lead_days=process.lead_days, sheet=sheet)


def _additive(
    process: Additive,
    machine: Machine,
    shape: Shape,
    material: Material,
    shop: Shop,
    infill: float | None,
) -> Estimate:
    """A printed part: what is deposited, the machine time it takes, the hand work after."""
    if process.method == "powder_bed":
        build, kg_volume = _powder_bed(process, machine, shape)
    else:
        build, kg_volume = _plate(process, machine, shape, infill)
    operations = [build]
    post_s = process.post_process_s + (
        process.setup_s * _chamber_share(process, machine, shape)
        if process.method == "powder_bed"
        else 0.0
    )
    if post_s > 0:
        operations.append(_post_processing(process, shop, post_s))
    kg = kg_volume * material.density_kg_m3 / MM3_PER_M3
    return Estimate(
        operations,
        kg,
        _additive_material_basis(process, kg_volume, material),
        lead_days=process.lead_days,
    )


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
    build = _operation(process, machine, machine.rate_per_hour, run, basis).model_copy(
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
    build = _operation(process, machine, machine.rate_per_hour, run, basis).model_copy(
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


def _additive_material_basis(process: Additive, kg_volume: float, material: Material) -> str:
    extra = "refresh powder" if process.method == "powder_bed" else "support"
    return f"{kg_volume / 1000:.1f} cm³ of {material.id} incl. {extra}"


def _machining(process: Machining, machine: Machine, shape: Shape, material: Material) -> Estimate:
    stock = [s + 2 * process.stock_allowance_mm for s in shape.size_mm]
    stock_volume = stock[0] * stock[1] * stock[2]
    removed = max(stock_volume - shape.volume_mm3, 0.0)
    rate = process.removal_mm3_s[material.family]
    run = removed / rate + process.handling_s * process.setups_per_part
    basis = (
        f"{removed / 1000:,.1f} cm³ removed at {rate:g} mm³/s + {process.setups_per_part}"
        f" clampings x {process.handling_s:g} s"
    )
    operation = _operation(process, machine, machine.rate_per_hour, run, basis)
    operation = operation.model_copy(update={"setup_s": process.setup_s * process.setups_per_part})
    kg = stock_volume * material.density_kg_m3 / MM3_PER_M3
    dims = " x ".join(f"{s:.0f}" for s in stock)
    return Estimate([operation], kg, f"stock block {dims} mm", lead_days=process.lead_days)


def _moulding(process: Moulding, machine: Machine, shape: Shape, material: Material) -> Estimate:
    cm3 = shape.volume_mm3 / 1000
    cycle = process.cycle_base_s + process.cycle_s_per_cm3 * cm3
    run = cycle / process.cavities + process.handling_s
    basis = (
        f"cycle {process.cycle_base_s:g} s + {process.cycle_s_per_cm3:g} s/cm³ x {cm3:.1f} cm³,"
        f" {process.cavities} cavit{'y' if process.cavities == 1 else 'ies'}"
    )
    tooling = process.tooling_base + process.tooling_per_cm3 * cm3
    kg = shape.volume_mm3 * material.density_kg_m3 / MM3_PER_M3 / (1 - process.scrap_fraction)
    return Estimate(
        [_operation(process, machine, machine.rate_per_hour, run, basis)],
        kg,
        f"{cm3:.1f} cm³ shot + {process.scrap_fraction:.0%} runners and scrap",
        tooling_cost=tooling,
        lead_days=process.lead_days + process.tooling_lead_days,
    )


def _stamping(process: Stamping, machine: Machine, shape: Shape, material: Material) -> Estimate:
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
        [_operation(process, machine, machine.rate_per_hour, run, basis)],
        kg,
        f"blank {w:.0f} x {h:.0f} mm on strip used at {process.strip_utilisation:.0%}",
        tooling_cost=tooling,
        lead_days=process.lead_days + process.tooling_lead_days,
    )
