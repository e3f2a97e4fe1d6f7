"""Design-for-manufacture findings the kinds share: each names the feature, the measured
value, the limit and, where the catalog knows one, a material that would work instead."""

from collections.abc import Collection

from bespoke.model import Catalog, DfmFinding, Machine, Material, StockKind
from bespoke.model.catalog import ProcessBase, WorkBase
from bespoke.planning.kinds.base import Findings
from bespoke.planning.shape import Shape, fits
from bespoke.planning.sheets import parts_per_sheet

MARK_SIZE_MM = 0.5
MARK_HINT = "; a circle this small is usually a centre mark: drill it later or remove it"


def material_findings(
    process: ProcessBase, material: Material, catalog: Catalog, kinds: Collection[StockKind]
) -> Findings:
    """Why the process cannot work `material` (a family it does not work, or stock it does
    not take), with the cheapest material of each family it works as alternatives."""
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
            message=f"{process.name} works {family_words(process.families)} supplied as {stock};"
            f" {material.name} is {family_words([material.family])}",
            alternatives=[m.id for m in cheapest_by_family.values()][:3],
        )
    ]


def family_words(families: list[str]) -> str:
    """Material families as words: "mild steel, stainless"."""
    return ", ".join(f.replace("_", " ") for f in families)


def needs_flat(process: WorkBase) -> Findings:
    return [
        DfmFinding(
            process_id=process.id,
            feature="design",
            unit="",
            message=f"{process.name} cuts flat outlines: it needs a 2-D drawing (DXF), "
            "this design is a 3-D solid",
        )
    ]


def envelope(process: WorkBase, machine: Machine, size: tuple[float, ...]) -> Findings:
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


def thickness(process: WorkBase, shape: Shape, low: float, high: float, family: str) -> Findings:
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
            message=f"{process.name} handles {family_words([family])} from {low:g} to {high:g} mm;"
            f" part is {t:g} mm",
        )
    ]


def smallest_hole(process: WorkBase, shape: Shape, limit: float, rule: str) -> Findings:
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
            at_mm=shape.smallest_hole_at_mm,
            size_mm=round(hole, 3),
        )
    ]


def stock_sheet(process: WorkBase, shape: Shape, material: Material, spacing: float) -> Findings:
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
            f" than every stocked sheet of {material.name} ({sizes} mm)",
        )
    ]


def on_machine(findings: Findings, machine: Machine) -> Findings:
    """The findings, each naming the machine they were found on."""
    return [f.model_copy(update={"machine_id": machine.id}) for f in findings]
