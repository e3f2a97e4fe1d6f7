"""Plan a configured product: every way to make each part, then assembly and packing.

Each feasible way of making a part is a whole chain: the shaping process, deburring,
bending, the finish, and inspection chosen by the part's tolerance class. Which way is
used depends on the quantity, so costing picks it; `product_routing` turns a choice
into the product's DAG of operations.
"""

import itertools
from collections.abc import Mapping
from typing import TypeVar

import networkx as nx

from bespoke.model import (
    Assembling,
    Bending,
    Catalog,
    DfmFinding,
    Finishing,
    Inspection,
    Machine,
    Operation,
    Packing,
    ProcessOption,
    Routing,
)
from bespoke.model.catalog import TOLERANCE_ORDER, ProcessBase, Welding, WorkBase
from bespoke.model.product import ConfiguredPart, Product
from bespoke.model.product_plan import PartPlan, ProductPlan
from bespoke.model.wording import plural
from bespoke.planning.kinds import BENDING, rules
from bespoke.planning.kinds.base import work_operation
from bespoke.planning.part import plan_part
from bespoke.planning.shape import shape_of
from bespoke.planning.suppliers import buy_options

W = TypeVar("W", bound=WorkBase)
PACK = "pack"


def plan_product(product: Product, catalog: Catalog) -> ProductPlan:
    """The ways to make every part, and the product's assembly and packing work."""
    parts = [_plan(p, catalog) for p in product.parts]
    assembly, consumables, findings = _assembly_work(product, catalog)
    return ProductPlan(
        product=product,
        parts=parts,
        assembly=assembly,
        assembly_consumables=consumables,
        findings=findings,
    )


def _plan(item: ConfiguredPart, catalog: Catalog) -> PartPlan:
    if item.quantity == 0:
        return PartPlan(part_id=item.id, quantity=0, options=[], findings=[])
    options = plan_part(item.part, catalog, [item.process] if item.process else None)
    findings = [f for o in options for f in o.findings]
    chains = []
    for option in (o for o in options if o.feasible):
        chain, problems = _full_chain(item, option, catalog)
        findings += problems
        if chain is not None:
            chains.append(chain)
    if item.process is None:
        bought, refusals = buy_options(item, catalog)
        findings += refusals
        chains += [_inspected(item, option, catalog) for option in bought]
    return PartPlan(part_id=item.id, quantity=item.quantity, options=chains, findings=findings)


def _inspected(item: ConfiguredPart, option: ProcessOption, catalog: Catalog) -> ProcessOption:
    """A bought part, checked on arrival like a made one."""
    inspection = _inspection(item, catalog)
    operations = [inspection] if inspection is not None else []
    return option.model_copy(update={"routing": Routing.chain(operations)})


def _full_chain(
    item: ConfiguredPart, option: ProcessOption, catalog: Catalog
) -> tuple[ProcessOption | None, list[DfmFinding]]:
    """The option with bending and inspection added, or the reason it cannot serve."""
    process = catalog.processes[option.process_id]
    assert isinstance(process, ProcessBase), "plan_part gives only shaping processes"
    grade = process.tolerance
    if TOLERANCE_ORDER.index(grade) > TOLERANCE_ORDER.index(item.tolerance.value):
        return None, [
            DfmFinding(
                process_id=option.process_id,
                feature="tolerance",
                unit="",
                message=f"{process.name} holds ISO 2768-{grade}; {item.id} asks for"
                f" ISO 2768-{item.tolerance.value}",
            )
        ]
    assert option.routing is not None
    operations = list(option.routing.operations)
    if item.bends:
        bend = _bending(item, option, catalog)
        if isinstance(bend, DfmFinding):
            return None, [bend]
        coat = [i for i, op in enumerate(operations) if _is_area_finish(op, catalog)]
        operations.insert(coat[0] if coat else len(operations), bend)
    inspection = _inspection(item, catalog)
    if inspection is not None:
        operations.append(inspection)
    return option.model_copy(update={"routing": Routing.chain(operations)}), []


def _is_area_finish(operation: Operation, catalog: Catalog) -> bool:
    process = catalog.processes[operation.process_id]
    return isinstance(process, Finishing) and process.basis == "area"


def _bending(
    item: ConfiguredPart, option: ProcessOption, catalog: Catalog
) -> Operation | DfmFinding:
    """Press-brake bending of a cut blank, or why it cannot be bent."""
    process = catalog.processes[option.process_id]
    if not rules(process).cuts_flat:
        return DfmFinding(
            process_id=option.process_id,
            feature="bends",
            measured=item.bends,
            unit="",
            message=f"{item.id} is bent {plural(item.bends, 'time')}: it is cut from sheet and"
            f" bent, not made by {process.name}",
        )
    shape = shape_of(item.part)
    material = catalog.materials[item.part.material_id]
    problems = []
    for press in (p for p in catalog.processes.values() if isinstance(p, Bending)):
        machine = _cheapest_machine(press.id, catalog)
        if machine is None:
            continue
        bent = BENDING.bend(press, machine, item.bends, shape, material)
        if isinstance(bent, Operation):
            return bent
        problems.append(bent)
    return DfmFinding(
        process_id="press-brake",
        feature="bends",
        measured=item.bends,
        unit="",
        message="; ".join(problems) or "no press brake in the shop",
    )


def _inspection(item: ConfiguredPart, catalog: Catalog) -> Operation | None:
    """Checking the part against its drawing, longer for finer tolerance classes."""
    process = _first(catalog, Inspection)
    if process is None:
        return None
    machine = _cheapest_machine(process.id, catalog)
    check = process.check_s[item.tolerance.value]
    return Operation(
        id="inspect",
        process_id=process.id,
        machine_id=machine.id if machine else None,
        name=f"{process.name} (ISO 2768-{item.tolerance.value})",
        rate_per_hour=machine.rate_per_hour if machine else catalog.shop.labour_rate_per_hour,
        setup_s=process.setup_s,
        run_s=check + process.handling_s,
        manual=process.manual,
        learning_rate=process.learning_rate,
        learning_floor=process.learning_floor,
        basis=f"{check:g} s a part for tolerance class {item.tolerance.value}",
    )


def _assembly_work(
    product: Product, catalog: Catalog
) -> tuple[list[Operation], float, list[DfmFinding]]:
    """Per assembly: fitting its components by hand, then welding its seams if it is welded;
    then packing by size. Also the welding consumables per product."""
    operations: list[Operation] = []
    consumables = 0.0
    findings: list[DfmFinding] = []
    assembling = _first(catalog, Assembling)
    welding = _first(catalog, Welding)
    for assembly in product.assemblies:
        if assembling is None:
            findings.append(_missing("assembly", f"no assembly process for '{assembly.id}'"))
            continue
        count = sum(n for _, n in assembly.components)
        basis = f"{count} components x {assembling.component_s:g} s"
        if assembly.instructions:
            basis += f". {assembly.instructions}"
        operations.append(
            _work(
                assembling,
                f"assemble-{assembly.id}",
                f"Assemble {assembly.name}",
                assembling.component_s * count + assembling.handling_s,
                basis,
                catalog,
            )
        )
        if not assembly.welds:
            continue
        if welding is None:
            findings.append(_missing("welding", f"no welding process for '{assembly.id}'"))
            continue
        seconds = assembly.welds * welding.per_weld_s + assembly.weld_length_mm / welding.speed_mm_s
        operations.append(
            _work(
                welding,
                f"weld-{assembly.id}",
                f"Weld {assembly.name}",
                seconds,
                f"{assembly.welds} seams x {welding.per_weld_s:g} s fit-up +"
                f" {assembly.weld_length_mm:g} mm at {welding.speed_mm_s:g} mm/s",
                catalog,
            )
        )
        consumables += assembly.weld_length_mm / 1000 * welding.consumable_per_m
    packing = _first(catalog, Packing)
    if packing is not None:
        operations.append(_packing(product, packing, catalog))
    return operations, consumables, findings


def _first(catalog: Catalog, kind: type[W]) -> W | None:
    return next((p for p in catalog.processes.values() if isinstance(p, kind)), None)


def _missing(process_id: str, message: str) -> DfmFinding:
    return DfmFinding(process_id=process_id, feature="assembly", unit="", message=message)


def _work(
    process: WorkBase, op_id: str, name: str, run_s: float, basis: str, catalog: Catalog
) -> Operation:
    """One step of product-level work at the cheapest station that does it."""
    machine = _cheapest_machine(process.id, catalog)
    rate = machine.rate_per_hour if machine else catalog.shop.labour_rate_per_hour
    operation = work_operation(process, machine, rate, run_s, basis)
    return operation.model_copy(update={"id": op_id, "name": name})


def _packing(product: Product, packing: Packing, catalog: Catalog) -> Operation:
    size = max((max(shape_of(p.part).size_mm) for p in product.parts), default=0.0)
    limit, setup, per_product = packing.tier_for(size)
    basis = f"largest part {size:.0f} mm: packed as up to {limit:g} mm"
    operation = _work(packing, PACK, packing.name, per_product + packing.handling_s, basis, catalog)
    return operation.model_copy(update={"setup_s": setup})


def _cheapest_machine(process_id: str, catalog: Catalog) -> Machine | None:
    machines = catalog.machines_for(process_id)
    return min(machines, key=lambda m: m.rate_per_hour) if machines else None


def product_routing(plan: ProductPlan, chosen: Mapping[str, ProcessOption]) -> Routing:
    """The product's operations as one DAG: part chains into their assemblies, into packing.

    Operation ids are prefixed with their part ('bracket/fiber-laser'); raises ValueError
    if the assemblies make a cycle.
    """
    operations: list[Operation] = []
    edges: list[tuple[str, str]] = []
    last: dict[str, str] = {}
    for part_id, option in chosen.items():
        assert option.routing is not None
        ops = [
            op.model_copy(update={"id": f"{part_id}/{op.id}"}) for op in option.routing.operations
        ]
        operations += ops
        edges += list(itertools.pairwise(o.id for o in ops))
        if ops:
            last[part_id] = ops[-1].id
    operations += plan.assembly
    work = {op.id for op in plan.assembly}
    end = {}  # the last step of each assembly: its welding, else its fitting
    for assembly in plan.product.assemblies:
        fit, weld = f"assemble-{assembly.id}", f"weld-{assembly.id}"
        if weld in work:
            edges.append((fit, weld))
        end[assembly.id] = weld if weld in work else fit
    contained: set[str] = set()
    for assembly in plan.product.assemblies:
        target = f"assemble-{assembly.id}"
        for component, _ in assembly.components:
            source = last.get(component) or (end.get(component) if component in end else None)
            if source is not None and target in work:
                edges.append((source, target))
                contained.add(component)
    if PACK in work:
        roots = [a.id for a in plan.product.assemblies if a.id not in contained]
        sources = [end[r] for r in roots if end[r] in work]
        sources += [op for part, op in last.items() if part not in contained]
        edges += [(s, PACK) for s in sources]
    graph = nx.DiGraph(edges)
    graph.add_nodes_from(op.id for op in operations)
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError(f"the routing of {plan.product.name} has a cycle")
    return Routing(operations=operations, edges=edges)
