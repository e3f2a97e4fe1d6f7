"""Buying a part from a bureau instead of making it: which bureaus can, and their price."""

from bespoke.model import (
    Catalog,
    DfmFinding,
    ProcessOption,
    Routing,
    Supplier,
    SupplyPrice,
)
from bespoke.model.product import ConfiguredPart
from bespoke.planning.kinds import rules
from bespoke.planning.shape import Shape, fits, shape_of

MM3_PER_CM3 = 1000
MM3_PER_M3 = 1e9


def buy_options(
    item: ConfiguredPart, catalog: Catalog
) -> tuple[list[ProcessOption], list[DfmFinding]]:
    """An option per supplier that can make the part as it is drawn, and why the others cannot.

    A part that is bent or finished after shaping is made in the shop: bureaus deliver
    parts as cut or printed.
    """
    if item.bends or item.part.finish:
        return [], []
    shape = shape_of(item.part)
    material = catalog.materials[item.part.material_id]
    options, findings = [], []
    for supplier in catalog.suppliers.values():
        reason = _cannot(supplier, shape, material.family, catalog)
        if reason:
            findings.append(
                DfmFinding(
                    process_id=f"buy:{supplier.id}",
                    feature="supplier",
                    unit="",
                    message=f"{supplier.name}: {reason}",
                )
            )
            continue
        kg = shape.volume_mm3 * material.density_kg_m3 / MM3_PER_M3
        options.append(
            ProcessOption(
                process_id=f"buy:{supplier.id}",
                process_name=f"bought from {supplier.name}",
                machine_id=None,
                feasible=True,
                routing=Routing(operations=[]),
                supply=_price(supplier, shape, kg),
                lead_days=supplier.lead_days,
            )
        )
    return options, findings


def _cannot(supplier: Supplier, shape: Shape, family: str, catalog: Catalog) -> str | None:
    if family not in supplier.families:
        return f"works {', '.join(supplier.families)}, not {family}"
    flat = rules(catalog.processes[supplier.process]).cuts_flat
    if flat and not shape.flat:
        return "cuts flat outlines, this part is a solid"
    size = shape.footprint_mm if len(supplier.envelope_mm) == 2 else shape.size_mm
    if not fits(size, supplier.envelope_mm):
        bed = " x ".join(f"{e:g}" for e in supplier.envelope_mm)
        return f"the part does not fit its {bed} mm envelope"
    if supplier.max_thickness_mm and (shape.thickness_mm or 0) > supplier.max_thickness_mm:
        return f"cuts up to {supplier.max_thickness_mm:g} mm, the part is {shape.thickness_mm:g} mm"
    return None


def _price(supplier: Supplier, shape: Shape, kg: float) -> SupplyPrice:
    """The list price of one part by the supplier's rates, and its minimums."""
    unit = (
        supplier.per_part
        + supplier.per_mm_cut * shape.cut_length_mm
        + supplier.per_cm3 * shape.volume_mm3 / MM3_PER_CM3
        + supplier.per_cm3_bbox * shape.bbox_volume_mm3 / MM3_PER_CM3
        + supplier.per_kg * kg
    )
    return SupplyPrice(
        supplier_id=supplier.id,
        order_fee=supplier.order_fee,
        first_part=max(unit, supplier.min_first_part),
        extra_part=max(unit, supplier.min_extra_part),
        discounts=supplier.discounts,
    )
