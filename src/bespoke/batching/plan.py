"""Orders made together: their operations grouped by set-up family into batches, parts of
a cutting batch nested on sheets and prints packed on build plates, each batch's time and
cost, and what each order carries of it.

A batch has one set-up. Its material is the stock its nest consumes (full sheets and the
last one up to its off-cut), shared by the area each order's parts take; its set-up and
builds are shared by the machine time each order's parts take; each order pays its own
run time. Operations that do not batch (bending, inspection ...) cost what they cost
alone. The same reckoning prices an order made alone: a plan of one order.
"""

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

import shapely
from pydantic_core import to_jsonable_python

from bespoke.batching.batches import form_batches
from bespoke.batching.nesting import NestSettings, nest
from bespoke.batching.plates import pack_plates, pack_volume
from bespoke.costing.batch import batch_shares
from bespoke.costing.pricing import money
from bespoke.model import Additive, Catalog, InputError, Operation, ProfileCutting, StockKind
from bespoke.model.batching import Batch, BatchWork, Nest, NestPart, Remnant
from bespoke.model.costing import CostShare
from bespoke.model.scheduling import Job
from bespoke.planning.kinds import Workpiece, rules
from bespoke.planning.sheets import cut_to_bed
from bespoke.production import (
    OrderAssembly,
    OrderWork,
    Step,
    batched,
    build_seconds,
    family,
    order_job,
    run_seconds,
    tasks,
)

MM3_PER_M3 = 1e9
GRAIN_FAMILIES = {"wood"}
"""Materials whose grain keeps parts at 0 or 180 degrees."""
StockKey = tuple[str, float]
"""Sheet stock by material and thickness (mm)."""


@dataclass(frozen=True)
class Nests:
    """Nesting with its settings, keeping the nests of earlier plans by what they were
    nested from: the same parts on the same stock are not nested again."""

    settings: NestSettings | None
    known: Mapping[str, Nest]

    def made(self, inputs: tuple[object, ...], make: Callable[[NestSettings | None], Nest]) -> Nest:
        """The known nest of `inputs`, else the one `make` makes, marked with their digest."""
        payload = json.dumps(to_jsonable_python((inputs, self.settings)), sort_keys=True)
        digest = hashlib.sha256(payload.encode()).hexdigest()
        known = self.known.get(digest)
        if known is not None:
            return known
        return make(self.settings).model_copy(update={"inputs": digest})


@dataclass(frozen=True)
class PlannedBatch:
    """A batch with its nest, how long it runs and what it costs."""

    batch: Batch
    machine: str
    nest: Nest | None
    duration_s: int
    shares: list[CostShare]

    @property
    def cost(self) -> Decimal:
        return sum((s.total for s in self.shares), Decimal(0))


@dataclass(frozen=True)
class OrderCost:
    """An order's cost: its shares of batches and its own operations, by kind."""

    setup: Decimal = Decimal(0)
    run: Decimal = Decimal(0)
    material: Decimal = Decimal(0)
    consumables: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.setup + self.run + self.material + self.consumables

    def __add__(self, other: "OrderCost") -> "OrderCost":
        return OrderCost(
            self.setup + other.setup,
            self.run + other.run,
            self.material + other.material,
            self.consumables + other.consumables,
        )


@dataclass(frozen=True)
class BatchPlan:
    """Batches of many orders and what each order costs in them."""

    batches: list[PlannedBatch]
    orders: dict[str, OrderCost]

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.orders.values()), Decimal(0))


def plan_batches(
    works: Sequence[OrderWork],
    catalog: Catalog,
    *,
    window_s: int,
    longest_s: int,
    settings: NestSettings | None = None,
    remnants: Mapping[StockKey, Sequence[Remnant]] | None = None,
    known: Sequence[Nest] = (),
) -> BatchPlan:
    """Batch the orders' operations, nest or pack each batch, and share out its cost. A
    batch runs at most `longest_s`, except on printers, which run on through their plates.
    Cutting batches use the off-cuts in stock, by material and thickness, that lie on their
    machine's bed before full sheets, each off-cut in one batch at most. A batch whose
    parts and stock are those of a `known` nest (an earlier schedule's) keeps that nest.

    Raises:
        InputError: a cutting batch's material has no sheet stock, or a printing batch's
            parts cannot be read as footprints.
        NestingError: a part fits on no sheet or plate.
    """
    work_of = {(w.order, op.id): w for w in works for op in w.operations}
    ops = {(w.order, op.id): op for w in works for op in w.operations}
    printers = {k for k, p in catalog.processes.items() if rules(p).runs_unattended}
    batch_works = []
    own: dict[str, OrderCost] = defaultdict(OrderCost)
    for work in works:
        for op in work.operations:
            if not batched(op, catalog):
                own[work.order] += _cost_made_alone(op, work)
                continue
            batch_works.append(
                BatchWork(
                    order=work.order,
                    task=op.id,
                    family=family(op, work.piece, catalog),
                    process=op.process_id,
                    due=work.due,
                    setup_s=round(op.setup_s),
                    run_s=math.ceil(run_seconds(op, work.quantity)),
                )
            )
    offcuts = {key: list(stocked) for key, stocked in (remnants or {}).items()}
    nests = Nests(settings, {n.inputs: n for n in known if n.inputs})
    batches = [
        _planned(batch, work_of, ops, catalog, nests, offcuts)
        for batch in form_batches(batch_works, window_s, longest_s, printers)
    ]
    shaped = {
        (w.order, w.task) for b in batches if _shapes(b.batch, catalog) for w in b.batch.works
    }
    costs = dict(own)
    for planned in batches:
        for share in planned.shares:
            costs[share.order] = costs.get(share.order, OrderCost()) + OrderCost(
                setup=share.setup, run=share.run, material=share.material
            )
    for work in works:
        extra = OrderCost(consumables=money(work.consumables_per_part * work.quantity))
        if not any((work.order, op.id) in shaped for op in work.operations):
            # its material is not in a batch's stock
            kg = work.material_kg_per_part * work.quantity
            extra += OrderCost(material=money(kg * work.material_price_per_kg))
        costs[work.order] = costs.get(work.order, OrderCost()) + extra
    return BatchPlan(batches=batches, orders=costs)


def _shapes(batch: Batch, catalog: Catalog) -> bool:
    """Whether the batch makes the parts from stock (cutting, printing): it carries material."""
    return rules(catalog.processes[batch.process]).makes_parts


def _cost_made_alone(op: Operation, work: OrderWork) -> OrderCost:
    quantity = work.quantity
    return OrderCost(
        setup=money((op.setup_s + build_seconds(op, quantity)) / 3600 * op.rate_per_hour),
        run=money(run_seconds(op, quantity) / 3600 * op.rate_per_hour),
    )


def _planned(
    batch: Batch,
    works: dict[tuple[str, str], OrderWork],
    ops: dict[tuple[str, str], Operation],
    catalog: Catalog,
    nests: "Nests",
    offcuts: dict[StockKey, list[Remnant]],
) -> PlannedBatch:
    members = [(works[(w.order, w.task)], ops[(w.order, w.task)]) for w in batch.works]
    first = members[0][1]
    assert first.machine_id is not None
    machine = catalog.machines[first.machine_id]
    process = catalog.processes[batch.process]
    rate = first.rate_per_hour
    run: dict[str, Decimal] = defaultdict(Decimal)
    machine_s: dict[str, float] = defaultdict(float)
    for w, op in members:  # an order may bring several operations or parts of the family
        own_s = run_seconds(op, w.quantity) - op.pooled_build_s * w.quantity
        run[w.order] += money(own_s / 3600 * op.rate_per_hour)
        machine_s[w.order] += own_s
    used = dict.fromkeys(run, 0.0)  # of the material: area on sheets, kg printed
    material = Decimal(0)
    result: Nest | None = None
    builds_s = 0.0
    if isinstance(process, ProfileCutting):
        cut = [w for w, _ in members]
        result = _cut_nest(batch, cut, process, machine.envelope_mm, nests, offcuts)
        used = _areas(result)
        material = money(sheet_price_per_mm2(members[0][0]) * result.sheet_area_mm2)
    elif isinstance(process, Additive):
        result = _print_nest(batch, [w for w, _ in members], process, machine.envelope_mm, nests)
        builds_s = _builds_seconds(result, process, max(op.batch_s for _, op in members))
        for w, _ in members:
            used[w.order] += w.material_kg_per_part * w.quantity
        price = members[0][0].material.price_per_kg_for(process.stock)
        material = money(sum(used.values()) * price)
    setup = money((batch.setup_s + builds_s) / 3600 * rate)
    shares = batch_shares(setup, material, run, machine_s, used)
    duration = math.ceil(batch.setup_s + builds_s + sum(machine_s.values()))
    return PlannedBatch(batch, machine.id, result, duration, shares)


def _builds_seconds(result: Nest, process: Additive, plate_s: float) -> float:
    """Machine time of a batch's builds: each plate's layers, or for a powder bed, the
    layers its stacked parts really rise to (the batch pays them instead of the parts'
    expected shares of pooled builds)."""
    if process.method != "powder_bed":
        return len(result.sheets) * plate_s
    return sum(
        math.ceil((build.used_height_mm or 0.0) / process.layer_height_mm) * process.layer_time_s
        for build in result.sheets
    )


def _areas(result: Nest) -> dict[str, float]:
    """Area each order's parts take on the sheets, by outline."""
    taken = {p.id: (p.order, shapely.Polygon(p.outline.exterior).area) for p in result.parts}
    area: dict[str, float] = defaultdict(float)
    for placement in result.placements:
        order, part_area = taken[placement.part]
        area[order] += part_area
    return area


def sheet_price_per_mm2(work: OrderWork) -> float:
    """What a square millimetre of the order's sheet costs, bought as sheet stock."""
    assert work.thickness_mm is not None
    material = work.material
    kg_per_mm2 = work.thickness_mm * material.density_kg_m3 / MM3_PER_M3
    return kg_per_mm2 * material.price_per_kg_for(StockKind.SHEET)


def _cut_nest(
    batch: Batch,
    works: list[OrderWork],
    process: ProfileCutting,
    bed: tuple[float, ...],
    nests: "Nests",
    offcuts: dict[StockKey, list[Remnant]],
) -> Nest:
    """The batch's parts nested on the off-cuts of their stock that lie on the bed, then on
    the largest of its sheets that does; the off-cuts used are taken out of `offcuts`."""
    material = works[0].material
    missing = [w.key for w in works if not w.outlines]
    if missing:
        raise InputError(f"{batch.id}: orders {', '.join(missing)} have no outlines to nest")
    sheet = material.stock_of(StockKind.SHEET)
    if sheet is None:
        stocked = ", ".join(s.kind.value for s in material.stock)
        raise InputError(
            f"{material.id} has no sheet stock to nest {batch.id} on (stocked as {stocked});"
            " add a sheet stock form to the material to cut it",
            path=f"materials.{material.id}.stock",
        )
    size = max((cut_to_bed(s, bed) for s in sheet.sheet_sizes_mm), key=lambda s: s[0] * s[1])
    rotations = [0.0, 180.0] if material.family in GRAIN_FAMILIES else [0.0, 90.0, 180.0, 270.0]
    parts = [
        NestPart(
            id=f"{w.key}/{k}",
            order=w.order,
            name=w.name,
            outline=outline,
            quantity=w.quantity,
            rotations=rotations,
        )
        for w in works
        for k, outline in enumerate(w.outlines)
    ]
    assert works[0].thickness_mm is not None
    stock = (material.id, works[0].thickness_mm)
    on_bed = [r for r in offcuts.get(stock, []) if cut_to_bed(r.size_mm, bed) == r.size_mm]
    result = nests.made(
        ("cut", parts, size, stock, process.kerf_mm, process.part_spacing_mm, process.id, on_bed),
        lambda settings: nest(
            parts,
            size,
            material=material.id,
            thickness_mm=works[0].thickness_mm,
            kerf_mm=process.kerf_mm,
            spacing_mm=process.part_spacing_mm,
            process=process.id,
            remnants=on_bed,
            settings=settings,
        ),
    )
    used = {s.from_remnant for s in result.sheets}
    offcuts[stock] = [r for r in offcuts.get(stock, []) if r.id not in used]
    return result


def _print_nest(
    batch: Batch,
    works: list[OrderWork],
    process: Additive,
    envelope: tuple[float, ...],
    nests: "Nests",
) -> Nest:
    missing = [w.key for w in works if w.footprint is None]
    if missing:
        raise InputError(f"{batch.id}: orders {', '.join(missing)} have no footprint to pack")
    parts = [
        NestPart(
            id=w.key,
            order=w.order,
            name=w.name,
            outline=w.footprint,
            quantity=w.quantity,
            rotations=None,
            height_mm=w.height_mm,
        )
        for w in works
        if w.footprint is not None
    ]
    volume = (envelope[0], envelope[1], envelope[2] if len(envelope) > 2 else 0.0)
    pack = pack_volume if process.method == "powder_bed" else pack_plates
    material = works[0].material.id
    return nests.made(
        ("print", parts, volume, process.part_spacing_mm, material, process.id, process.method),
        lambda settings: pack(
            parts,
            volume,
            spacing_mm=process.part_spacing_mm,
            material=material,
            process=process.id,
            settings=settings,
        ),
    )


def scheduled_work(
    plan: BatchPlan,
    works: Sequence[OrderWork],
    catalog: Catalog,
    longest_s: int | None = None,
    assemblies: Sequence[OrderAssembly] = (),
) -> tuple[list[Job], list[tuple[str, str]]]:
    """The plan as jobs to schedule, and the links that tie batches into orders.

    Each batch is a job on the machines its nest or plates fit; each order keeps its other
    operations, its assembly's included, as a job of its own (production.order_job). A
    batch comes after the order's operation before it and before the one after it, and
    is due when the earliest order whose part it finishes is due. Work longer than
    `longest_s` is split in pieces, one after the other, except on printers, which run
    on through closed hours.
    """
    batch_of = {(w.order, w.task): b.batch.id for b in plan.batches for w in b.batch.works}
    parts: dict[str, list[OrderWork]] = defaultdict(list)
    for work in works:
        parts[work.order].append(work)
    assembly_of = {a.order: a for a in assemblies}
    jobs: list[Job] = []
    links: list[tuple[str, str]] = []
    finishing: dict[str, list[int]] = defaultdict(list)  # batch -> dues of parts it finishes
    for order in dict.fromkeys([*parts, *assembly_of]):
        assembly = assembly_of.get(order)
        steps = [Step(op, w.quantity, w.piece) for w in parts[order] for op in w.operations]
        edges = [e for w in parts[order] for e in pairwise(op.id for op in w.operations)]
        if assembly is not None:
            steps += [Step(op, count, Workpiece("")) for op, count in assembly.operations]
            edges += assembly.edges
        due = parts[order][0].due if parts[order] else assembly.due if assembly else None
        joined = {op: batch for (owner, op), batch in batch_of.items() if owner == order}
        job, tied = order_job(
            order, steps, edges, catalog, due=due, longest_s=longest_s, joined=joined
        )
        jobs += [job] if job is not None else []
        links += tied
        for work in parts[order]:
            last = batch_of.get((order, work.operations[-1].id)) if work.operations else None
            if last is not None and work.due is not None:
                finishing[last].append(work.due)
    firsts: dict[str, str] = {}
    lasts: dict[str, str] = {}
    for planned in plan.batches:
        batch = planned.batch
        made = tasks(
            batch.id,
            planned.duration_s,
            batch.family,
            batch.process,
            planned.machine,
            catalog,
            longest_s,
        )
        firsts[batch.id], lasts[batch.id] = made[0].id, made[-1].id
        dues = finishing.get(batch.id, [])
        jobs.append(
            Job(
                id=batch.id,
                tasks=made,
                precedences=list(pairwise(t.id for t in made)),
                due=min(dues, default=None),
                weight=float(max(1, len(dues))),
            )
        )
    tied = [(lasts.get(a, a), firsts.get(b, b)) for a, b in links]
    return jobs, list(dict.fromkeys(tied))
