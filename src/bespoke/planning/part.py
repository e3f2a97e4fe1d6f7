"""Plan one part: every process in the shop that can make it, and why the others cannot."""

from collections.abc import Collection

from bespoke.model import (
    Catalog,
    DfmFinding,
    Finishing,
    Machine,
    Material,
    Part,
    Process,
    ProcessOption,
    ProfileCutting,
    Routing,
    ShapingProcess,
    Stamping,
)
from bespoke.planning.kinds import FINISHING, Estimate, Making, rules
from bespoke.planning.kinds.findings import family_words
from bespoke.planning.shape import Shape, shape_of


def plan_part(
    part: Part, catalog: Catalog, process_ids: Collection[str] | None = None
) -> list[ProcessOption]:
    """One option per shaping process (or per process asked for), feasible or with findings."""
    material = catalog.materials[part.material_id]
    shape = shape_of(part)
    processes = [
        p
        for p in catalog.processes.values()
        if isinstance(p, ShapingProcess) and (process_ids is None or p.id in process_ids)
    ]
    options = [_plan_with(p, part, shape, material, catalog) for p in processes]
    workable = [o.process_id for o in options if o.feasible]
    return [_suggest(o, workable) for o in options]


def _plan_with(
    process: ShapingProcess, part: Part, shape: Shape, material: Material, catalog: Catalog
) -> ProcessOption:
    findings: list[DfmFinding] = []
    machines = sorted(catalog.machines_for(process.id), key=lambda m: m.rate_per_hour)
    able = []
    for machine in machines:
        making = Making(machine, shape, material, catalog.shop)
        machine_findings = rules(process).check(process, making, catalog)
        if not machine_findings:
            able.append(machine)
        findings.extend(f for f in machine_findings if f not in findings)
    if able:
        option = _option(process, able[0], part, shape, material, catalog)
        return option.model_copy(update={"machines": len(able)})
    if not machines:
        findings.append(
            DfmFinding(
                process_id=process.id,
                feature="machine",
                unit="",
                message=f"no machine in the shop runs {process.name}",
            )
        )
    return ProcessOption(
        process_id=process.id,
        process_name=process.name,
        machine_id=None,
        feasible=False,
        findings=findings,
    )


def _option(
    process: ShapingProcess,
    machine: Machine,
    part: Part,
    shape: Shape,
    material: Material,
    catalog: Catalog,
) -> ProcessOption:
    kind = rules(process)
    made = kind.estimate(process, Making(machine, shape, material, catalog.shop, part.infill))
    stock = kind.stock_used(process, material)
    assert stock is not None, "a shaping process consumes stock"
    steps, findings = _finishing_steps(process, part, shape, material, catalog)
    operations = made.operations + [op for step in steps for op in step.operations]
    return ProcessOption(
        process_id=process.id,
        process_name=process.name,
        machine_id=machine.id,
        feasible=not findings,
        findings=findings,
        routing=Routing.chain(operations),
        material_kg_per_part=made.material_kg_per_part,
        material_price_per_kg=0.0 if part.customer_material else material.price_per_kg_for(stock),
        material_stock=stock.value,
        material_basis=made.material_basis
        + ("; supplied by the customer" if part.customer_material else ""),
        stock_sheet_mm=made.sheet[0] if made.sheet else None,
        parts_per_sheet=made.sheet[1] if made.sheet else None,
        tooling_cost=made.tooling_cost,
        consumables_per_part=sum(s.consumables_per_part for s in steps),
        lead_days=made.lead_days + sum(s.lead_days for s in steps),
    )


def _finishing_steps(
    process: ShapingProcess, part: Part, shape: Shape, material: Material, catalog: Catalog
) -> tuple[list[Estimate], list[DfmFinding]]:
    """Deburring where the process leaves a burr on this metal, and the finish the maker
    asked for."""
    finishes = [p for p in catalog.processes.values() if isinstance(p, Finishing)]
    wanted: list[Finishing] = []
    if _leaves_burr(process, part):
        wanted += [
            f for f in finishes if f.basis == "edge_length" and material.family in f.families
        ]
    findings: list[DfmFinding] = []
    if part.finish is not None:
        finish = catalog.processes[part.finish]
        assert isinstance(finish, Finishing), "the service accepts only finishing processes"
        if material.family in finish.families:
            wanted.append(finish)
        else:
            findings.append(
                DfmFinding(
                    process_id=finish.id,
                    feature="finish",
                    unit="",
                    message=f"{finish.name} works {family_words(finish.families)};"
                    f" {material.name} is {family_words([material.family])}",
                )
            )
    steps = [
        FINISHING.finish(f, _cheapest_machine(f, catalog), shape, catalog.shop) for f in wanted
    ]
    return steps, findings


def _leaves_burr(process: ShapingProcess, part: Part) -> bool:
    """Whether cutting this part leaves edges to deburr: from the process's thickness on."""
    if not isinstance(process, ProfileCutting | Stamping) or process.deburr_from_mm is None:
        return False
    return (part.thickness_mm or 0.0) >= process.deburr_from_mm


def _cheapest_machine(process: Process, catalog: Catalog) -> Machine | None:
    machines = catalog.machines_for(process.id)
    return min(machines, key=lambda m: m.rate_per_hour) if machines else None


def _suggest(option: ProcessOption, workable: list[str]) -> ProcessOption:
    """Add the processes that can make the part to each finding of one that cannot."""
    if option.feasible or not workable:
        return option
    findings = [
        f.model_copy(
            update={
                "alternatives": f.alternatives + [w for w in workable if w not in f.alternatives]
            }
        )
        for f in option.findings
    ]
    return option.model_copy(update={"findings": findings})
