"""Design-for-manufacture checks: can this process, on this machine, make this part?

Each check returns findings that name the feature, the measured value, the limit and,
where the catalog knows one, a material that would work instead. Processes that would
work are added by the planner once every process has been checked.
"""

from bespoke.model import (
    Additive,
    Catalog,
    DfmFinding,
    Machine,
    Machining,
    Material,
    Moulding,
    Process,
    ProfileCutting,
    ShapingProcess,
    Stamping,
    StockKind,
)
from bespoke.planning.shape import Shape, fits
from bespoke.planning.sheets import parts_per_sheet

Findings = list[DfmFinding]
MARK_SIZE_MM = 0.5
MARK_HINT = "; a circle this small is usually a centre mark: drill it later or remove it"


def check(
    process: ShapingProcess, machine: Machine, shape: Shape, material: Material, catalog: Catalog
) -> Findings:
    """Every reason `machine` cannot make `shape` in `material` by `process` (empty: it can)."""
    if isinstance(process, ProfileCutting | Stamping) and not shape.flat:
        return _needs_flat(process)
    findings = _material_findings(process, material, catalog)
    if findings:
        return findings
    match process:
        case ProfileCutting():
            findings = _profile_cutting(process, machine, shape, material)
        case Stamping():
            findings = _stamping(process, machine, shape, material)
        case Additive() | Moulding():
            findings = _built(process, machine, shape)
        case Machining():
            findings = _machining(process, machine, shape)
        case _:
            return []
    return [f.model_copy(update={"machine_id": machine.id}) for f in findings]


def _stock_kinds(process: ShapingProcess) -> set[StockKind]:
    if isinstance(process, Machining):
        return {StockKind.SHEET, StockKind.BAR}
    return {process.stock}


def _material_findings(process: ShapingProcess, material: Material, catalog: Catalog) -> Findings:
    kinds = _stock_kinds(process)
    if material.family in process.families and any(material.stock_of(k) for k in kinds):
        return []
    cheapest_by_family: dict[str, Material] = {}
    for m in sorted(catalog.materials.values(), key=lambda m: m.price_per_kg, reverse=True):
        if m.family in process.families and any(m.stock_of(k) for k in kinds):
            cheapest_by_family[m.family] = m
    stock = " or ".join(sorted(k.value for k in kinds))
    return [
        DfmFinding(
            process_id=process.id,
            feature="material",
            unit="",
            message=f"{process.name} works {', '.join(process.families)} supplied as {stock};"
            f" {material.id} is {material.family}",
            alternatives=[m.id for m in cheapest_by_family.values()][:3],
        )
    ]


def _needs_flat(process: Process) -> Findings:
    return [
        DfmFinding(
            process_id=process.id,
            feature="design",
            unit="",
            message=f"{process.name} cuts flat outlines: it needs a 2-D drawing (DXF), "
            "this design is a 3-D solid",
        )
    ]


def _envelope(process: Process, machine: Machine, size: tuple[float, ...]) -> Findings:
    if fits(size, machine.envelope_mm):
        return []
    dims = " x ".join(f"{s:.1f}" for s in size)
    bed = " x ".join(f"{e:g}" for e in machine.envelope_mm)
    return [
        DfmFinding(
            process_id=process.id,
            feature="bounding box",
            measured=round(max(size), 3),
            limit=max(machine.envelope_mm),
            message=f"part {dims} mm does not fit {machine.name} ({bed} mm) in any orientation",
        )
    ]


def _thickness(process: Process, shape: Shape, low: float, high: float, family: str) -> Findings:
    t = shape.thickness_mm
    assert t is not None
    if low <= t <= high:
        return []
    return [
        DfmFinding(
            process_id=process.id,
            feature="thickness",
            measured=t,
            limit=high if t > high else low,
            message=f"{process.name} handles {family} from {low:g} to {high:g} mm;"
            f" part is {t:g} mm",
        )
    ]


def _smallest_hole(process: Process, shape: Shape, limit: float, rule: str) -> Findings:
    hole = shape.smallest_hole_mm
    if hole is None or hole >= limit:
        return []
    return [
        DfmFinding(
            process_id=process.id,
            feature="smallest hole or slot",
            measured=round(hole, 3),
            limit=round(limit, 3),
            message=f"a hole or slot {hole:.2f} mm wide is below {process.name}'s minimum of "
            f"{limit:.2f} mm ({rule})" + (MARK_HINT if hole < MARK_SIZE_MM else ""),
        )
    ]


def _stock_sheet(process: Process, shape: Shape, material: Material, spacing: float) -> Findings:
    sheet = material.stock_of(StockKind.SHEET)
    assert sheet is not None
    if any(parts_per_sheet(shape.footprint_mm, size, spacing) for size in sheet.sheet_sizes_mm):
        return []
    sizes = ", ".join(f"{w:g} x {h:g}" for w, h in sheet.sheet_sizes_mm)
    return [
        DfmFinding(
            process_id=process.id,
            feature="stock sheet",
            measured=round(max(shape.footprint_mm), 3),
            limit=max(max(s) for s in sheet.sheet_sizes_mm),
            message=f"part {shape.footprint_mm[0]:.1f} x {shape.footprint_mm[1]:.1f} mm is larger"
            f" than every stocked sheet of {material.id} ({sizes} mm)",
        )
    ]


def _profile_cutting(
    process: ProfileCutting, machine: Machine, shape: Shape, material: Material
) -> Findings:
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
        _thickness(process, shape, process.min_thickness_mm, high, material.family)
        + _envelope(process, machine, shape.footprint_mm)
        + _stock_sheet(process, shape, material, process.part_spacing_mm + process.kerf_mm)
        + _smallest_hole(process, shape, hole_limit, rule)
    )


def _stamping(process: Stamping, machine: Machine, shape: Shape, material: Material) -> Findings:
    assert shape.thickness_mm is not None
    high = process.max_thickness_mm.get(material.family, 0.0)
    hole_limit = max(process.min_hole_factor * shape.thickness_mm, process.min_feature_mm)
    return (
        _thickness(process, shape, 0.0, high, material.family)
        + _envelope(process, machine, shape.footprint_mm)
        + _smallest_hole(process, shape, hole_limit, f"{process.min_hole_factor:g} x thickness")
    )


def _built(process: Additive | Moulding, machine: Machine, shape: Shape) -> Findings:
    findings = _envelope(process, machine, shape.size_mm)
    if isinstance(process, Moulding) and shape.volume_mm3 > process.max_volume_mm3:
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
    return findings + _smallest_hole(process, shape, process.min_feature_mm, rule)


def _machining(process: Machining, machine: Machine, shape: Shape) -> Findings:
    stock = tuple(s + 2 * process.stock_allowance_mm for s in shape.size_mm)
    tool = "smallest tool the process uses"
    return _envelope(process, machine, stock) + _smallest_hole(
        process, shape, process.min_feature_mm, tool
    )
