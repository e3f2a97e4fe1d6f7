"""Orders made together: their operations grouped by set-up family into batches, parts of
a cutting batch nested on sheets and prints packed on build plates, each batch's time and
cost, and what each order carries of it.

A batch has one set-up. Its material is the stock its nest consumes (full sheets and the
last one up to its off-cut), shared by the area each order's parts take; its set-up and
builds are shared by the machine time each order's parts take; each order pays its own
run time. Operations that do not batch (bending, inspection ...) cost what they cost
alone. The same reckoning prices an order made alone: a plan of one order.
"""

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

import shapely

from bespoke.batching.batches import form_batches
from bespoke.batching.nesting import NestSettings, nest
from bespoke.batching.plates import pack_plates, pack_volume
from bespoke.costing.batch import batch_shares
from bespoke.costing.learning import total_time
from bespoke.costing.pricing import money
from bespoke.model import (
    Additive,
    Catalog,
    Finishing,
    InputError,
    Material,
    Operation,
    ProcessKind,
    ProfileCutting,
    StockKind,
)
from bespoke.model.batching import Batch, BatchWork, Nest, NestPart, Outline, Remnant
from bespoke.model.costing import CostShare
from bespoke.model.scheduling import Alternative, Job, Task
from bespoke.planning.sheets import cut_to_bed
from bespoke.scheduling.pieces import pieces

MM3_PER_M3 = 1e9
GRAIN_FAMILIES = {"wood"}
"""Materials whose grain keeps parts at 0 or 180 degrees."""
BATCHED = {ProcessKind.PROFILE_CUTTING, ProcessKind.ADDITIVE, ProcessKind.FINISHING}
StockKey = tuple[str, float]
"""Sheet stock by material and thickness (mm)."""


@dataclass(frozen=True)
class OrderWork:
    """What batching needs of an order's part: its operations and its shapes. A product's
    order brings one work per part it makes, each named by `part`; the operation ids of
    an order's works are distinct."""

    order: str
    name: str
    quantity: int
    operations: list[Operation]
    material: Material
    thickness_mm: float | None = None
    material_kg_per_part: float = 0.0
    material_price_per_kg: float = 0.0
    consumables_per_part: float = 0.0
    due: int | None = None
    finish: str | None = None
    outlines: list[Outline] = field(default_factory=list)
    """A flat part's pieces, as drawn."""
    footprint: Outline | None = None
    """A printed part on the build plate."""
    height_mm: float = 0.0
    part: str = ""
    """The product's part this work makes; empty for an order of one part."""

    @property
    def key(self) -> str:
        """The work's name among all orders' works."""
        return f"{self.order}/{self.part}" if self.part else self.order


@dataclass(frozen=True)
class OrderAssembly:
    """A product order's own work besides making its parts: checking bought parts,
    assembling, packing. Each operation comes with how many times it is done; `edges`
    order all the order's operations, its parts' included."""

    order: str
    operations: list[tuple[Operation, int]]
    edges: list[tuple[str, str]]
    due: int | None = None


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


def family(op: Operation, work: OrderWork, catalog: Catalog) -> str | None:
    """The set-up family an operation shares with others', None when it does not batch:
    cutting by process, material and thickness; printing by process, material and
    printer (a plate packed for one printer may not fit another); finishing by process
    and finish."""
    process = catalog.processes.get(op.process_id)
    if process is None or process.kind not in BATCHED or op.machine_id is None:
        return None
    if isinstance(process, ProfileCutting):
        return f"{op.process_id}:{work.material.id}:{work.thickness_mm:g}"
    if isinstance(process, Finishing):
        return f"{op.process_id}:{work.finish or ''}" if process.basis == "area" else op.process_id
    return f"{op.process_id}:{work.material.id}:{op.machine_id}"  # plates differ in size


def plan_batches(
    works: Sequence[OrderWork],
    catalog: Catalog,
    *,
    window_s: int,
    longest_s: int,
    settings: NestSettings | None = None,
    held: Sequence[PlannedBatch] = (),
    remnants: Mapping[StockKey, Sequence[Remnant]] | None = None,
) -> BatchPlan:
    """Batch the orders' operations, nest or pack each batch, and share out its cost. A
    batch runs at most `longest_s`, except on printers, which run on through their plates.
    `held` batches (those that have started) stay as they are, nest and shares too.
    Cutting batches use the off-cuts in stock, by material and thickness, that lie on their
    machine's bed before full sheets, each off-cut in one batch at most.

    Raises:
        InputError: a cutting batch's material has no sheet stock, or a printing batch's
            parts cannot be read as footprints.
        NestingError: a part fits on no sheet or plate.
    """
    work_of = {(w.order, op.id): w for w in works for op in w.operations}
    ops = {(w.order, op.id): op for w in works for op in w.operations}
    kept = {(w.order, w.task) for h in held for w in h.batch.works}
    printers = {k for k, p in catalog.processes.items() if p.kind == ProcessKind.ADDITIVE}
    batch_works = []
    own: dict[str, OrderCost] = defaultdict(OrderCost)
    for work in works:
        for op in work.operations:
            name = family(op, work, catalog)
            if name is None:
                own[work.order] += _alone(op, work)
                continue
            if (work.order, op.id) in kept:
                continue
            batch_works.append(
                BatchWork(
                    order=work.order,
                    task=op.id,
                    family=name,
                    process=op.process_id,
                    due=work.due,
                    setup_s=round(op.setup_s),
                    run_s=math.ceil(run_seconds(op, work.quantity)),
                )
            )
    offcuts = {key: list(stocked) for key, stocked in (remnants or {}).items()}
    batches = list(held) + [
        _planned(batch, work_of, ops, catalog, settings, offcuts)
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
    return catalog.processes[batch.process].kind != ProcessKind.FINISHING


def run_seconds(op: Operation, quantity: int) -> float:
    """Machine or hand time of `quantity` parts, set-up and builds aside."""
    if op.manual:
        return total_time(op.run_s, quantity, op.learning_rate, op.learning_floor)
    return op.run_s * quantity


def _alone(op: Operation, work: OrderWork) -> OrderCost:
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
    settings: NestSettings | None,
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
        result = _cut_nest(batch, cut, process, machine.envelope_mm, settings, offcuts)
        used = _areas(result)
        material = money(sheet_price_per_mm2(members[0][0]) * result.sheet_area_mm2)
    elif isinstance(process, Additive):
        result = _print_nest(batch, [w for w, _ in members], process, machine.envelope_mm, settings)
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
    settings: NestSettings | None,
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
    result = nest(
        parts,
        size,
        material=material.id,
        thickness_mm=works[0].thickness_mm,
        kerf_mm=process.kerf_mm,
        spacing_mm=process.part_spacing_mm,
        process=process.id,
        remnants=on_bed,
        settings=settings,
    )
    used = {s.from_remnant for s in result.sheets}
    offcuts[stock] = [r for r in offcuts.get(stock, []) if r.id not in used]
    return result


def _print_nest(
    batch: Batch,
    works: list[OrderWork],
    process: Additive,
    envelope: tuple[float, ...],
    settings: NestSettings | None,
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
    return pack(
        parts,
        volume,
        spacing_mm=process.part_spacing_mm,
        material=works[0].material.id,
        process=process.id,
        settings=settings,
    )


def scheduled_work(
    plan: BatchPlan,
    works: Sequence[OrderWork],
    catalog: Catalog,
    longest_s: int | None = None,
    assemblies: Sequence[OrderAssembly] = (),
) -> tuple[list[Job], list[tuple[str, str]]]:
    """The plan as jobs to schedule, and the links that tie batches into orders.

    Each batch is a job on any machine of its process; each order keeps its other
    operations, its assembly's included, as a job of its own. An order's operations still
    follow one another, a part's in turn and a product's along its assembly's edges: a
    batch comes after the order's operation before it and before the one after it. A
    batch is due when the earliest order whose part it finishes is due. Work longer than
    `longest_s` is split in pieces, one after the other, except on printers, which run
    on through closed hours.
    """
    batch_of = {(w.order, w.task): b.batch.id for b in plan.batches for w in b.batch.works}

    def job_tasks(
        name: str, process: str, machine: str | None, duration: int, family: str
    ) -> list[Task]:
        bench = f"bench:{process}"  # hand work takes no machine of its process
        machines = (_able(catalog, process, machine) or [machine]) if machine else [bench]
        pausable = catalog.processes[process].kind == ProcessKind.ADDITIVE
        split = [(name, duration)]
        if longest_s is not None and not pausable:
            split = pieces(name, duration, longest_s)
        return [
            Task(
                id=piece,
                alternatives=[Alternative(machine=m, duration=seconds) for m in machines],
                family=family,
                pausable=pausable,
            )
            for piece, seconds in split
        ]

    parts: dict[str, list[OrderWork]] = defaultdict(list)
    for work in works:
        parts[work.order].append(work)
    assembly_of = {a.order: a for a in assemblies}
    jobs: list[Job] = []
    links: list[tuple[str, str]] = []
    finishing: dict[str, list[int]] = defaultdict(list)  # batch -> dues of parts it finishes
    for order in dict.fromkeys([*parts, *assembly_of]):
        assembly = assembly_of.get(order)
        steps = [(op, w.quantity) for w in parts[order] for op in w.operations]
        edges = [e for w in parts[order] for e in pairwise(op.id for op in w.operations)]
        if assembly is not None:
            steps += assembly.operations
            edges += assembly.edges
        own: list[Task] = []
        chain: list[tuple[str, str]] = []
        ends: dict[str, tuple[str, str]] = {}  # operation -> (its first task, its last)
        for op, count in steps:
            joined = batch_of.get((order, op.id))
            if joined is not None:
                ends[op.id] = (joined, joined)
                continue
            seconds = op.setup_s + run_seconds(op, count) + build_seconds(op, count)
            name = f"order-{order}/{op.id}"
            tasks = job_tasks(name, op.process_id, op.machine_id, math.ceil(seconds), op.process_id)
            own += tasks
            chain += [(a.id, b.id) for a, b in pairwise(tasks)]
            ends[op.id] = (tasks[0].id, tasks[-1].id)
        for before, after in dict.fromkeys(edges):
            pair = (ends[before][1], ends[after][0])
            batched = (order, before) in batch_of or (order, after) in batch_of
            (links if batched else chain).append(pair)
        due = parts[order][0].due if parts[order] else assembly.due if assembly else None
        for work in parts[order]:
            last = batch_of.get((order, work.operations[-1].id)) if work.operations else None
            if last is not None and work.due is not None:
                finishing[last].append(work.due)
        if own:
            jobs.append(Job(id=order, tasks=own, precedences=chain, due=due))
    firsts: dict[str, str] = {}
    lasts: dict[str, str] = {}
    for planned in plan.batches:
        batch = planned.batch
        tasks = job_tasks(
            batch.id, batch.process, planned.machine, planned.duration_s, batch.family
        )
        firsts[batch.id], lasts[batch.id] = tasks[0].id, tasks[-1].id
        dues = finishing.get(batch.id, [])
        jobs.append(
            Job(
                id=batch.id,
                tasks=tasks,
                precedences=list(pairwise(t.id for t in tasks)),
                due=min(dues, default=None),
                weight=float(max(1, len(dues))),
            )
        )
    tied = [(lasts.get(a, a), firsts.get(b, b)) for a, b in links]
    return jobs, list(dict.fromkeys(tied))


def _able(catalog: Catalog, process: str, machine: str | None) -> list[str]:
    """Machines of the process at least as large as `machine` in every direction: a nest
    or plate made for it fits them."""
    wanted = catalog.machines[machine].envelope_mm if machine in catalog.machines else ()
    able = []
    for candidate in catalog.machines.values():
        sizes = itertools.zip_longest(candidate.envelope_mm, wanted, fillvalue=0.0)
        if candidate.process == process and all(have >= need for have, need in sizes):
            able.append(candidate.id)
    return able


def build_seconds(op: Operation, quantity: int) -> float:
    """Time of the builds (plates, loads) `quantity` parts need when made alone."""
    return math.ceil(quantity / op.parts_per_batch) * op.batch_s if op.batch_s else 0.0
