"""The one translation from an order to the shop's work: an order scheduled from its
quote alone (services.scheduling.order_job) and an order whose parts join batches
(batching.plan.scheduled_work) get the same set-up families, durations, stations and
pauses through closed hours, because both ask `production`."""

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.helpers import ROOT

from bespoke.batching.nesting import NestSettings
from bespoke.batching.plan import plan_batches, scheduled_work
from bespoke.catalog import load_catalog
from bespoke.costing.quote import quote_design
from bespoke.model import Catalog, ProcessKind
from bespoke.model.quote_document import QuoteDocument
from bespoke.model.scheduling import Job, Task
from bespoke.planning import plan_part
from bespoke.planning.kinds import kind_of
from bespoke.production import OrderWork, operation_seconds
from bespoke.production.orders import part_work
from bespoke.services.shop.scheduling import CHUNK_S, order_job

EXAMPLES = ROOT / "examples"
ORIGIN = datetime(2026, 1, 5, tzinfo=UTC)
FAST = NestSettings(time_limit_s=2)
WEEK = 7 * 24 * 3600


def _both_paths(
    design: Path, catalog: Catalog, quantity: int, **asked: object
) -> tuple[Job, list[Job], OrderWork]:
    """The order as a job from its quote document, and as the jobs of its batch plan."""
    quote = quote_design(design, catalog=catalog, quantities=[quantity], **asked)  # type: ignore[arg-type]
    document = QuoteDocument.of(quote)
    alone = order_job(7, quantity, ORIGIN + timedelta(days=5), document, catalog, ORIGIN)
    process = document.best[0].process
    option = next(o for o in plan_part(quote.part, catalog, [process]) if o.feasible)
    work = part_work("7", design.name, quantity, quote.part, option, design, catalog, due=0)
    plan = plan_batches([work], catalog, window_s=WEEK, longest_s=CHUNK_S, settings=FAST)
    jobs, _ = scheduled_work(plan, [work], catalog, CHUNK_S)
    return alone, jobs, work


def _tasks_of(jobs: list[Job], prefix: str) -> list[Task]:
    return [t for j in jobs for t in j.tasks if t.id.startswith(prefix)]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_every_process_kind_has_its_rules() -> None:
    for kind in ProcessKind:
        assert kind_of(kind).kind == kind


def test_a_shops_own_printer_process_runs_through_the_night_on_both_paths(
    catalog: Catalog,
) -> None:
    fdm = catalog.processes["fdm"]
    own = fdm.model_copy(update={"id": "farm-print", "name": "Farm printing"})
    printer = catalog.machines["corexy-farm-1"].model_copy(
        update={"id": "farm-a", "process": "farm-print"}
    )
    machines = {k: m for k, m in catalog.machines.items() if m.process != "fdm"}
    shop = catalog.model_copy(
        update={
            "processes": {k: p for k, p in catalog.processes.items() if k != "fdm"}
            | {"farm-print": own},
            "machines": machines | {"farm-a": printer},
        }
    )
    alone, jobs, _ = _both_paths(EXAMPLES / "cable-clip.stl", shop, 10, material="petg")
    hand = [t for t in alone.tasks if t.alternatives[0].machine.startswith("bench:")]
    printing = [t for t in alone.tasks if t not in hand]
    batch = [t for j in jobs if j.id != "7" for t in j.tasks]
    assert printing and batch
    assert all(t.pausable for t in printing + batch)
    assert hand and not any(t.pausable for t in hand), "hand work stops when the shop closes"
    assert {t.family for t in printing} == {t.family for t in batch}


def test_a_cut_parts_family_is_its_batchs(catalog: Catalog) -> None:
    alone, jobs, work = _both_paths(
        EXAMPLES / "wall-bracket.dxf", catalog, 10, material="steel-s235", thickness_mm=2.0
    )
    cutting = work.operations[0]
    assert kind_of(catalog.processes[cutting.process_id].kind).batches
    alone_family = {t.family for t in _tasks_of([alone], f"order-7/{cutting.id}")}
    batch_family = {t.family for j in jobs if j.id != "7" for t in j.tasks if t.family}
    assert alone_family == {f"{cutting.process_id}:steel-s235:2"}
    assert alone_family <= batch_family


def test_hand_work_takes_as_long_on_both_paths_with_practice(catalog: Catalog) -> None:
    alone, jobs, work = _both_paths(EXAMPLES / "cable-clip.stl", catalog, 50, material="petg")
    learnt = [op for op in work.operations if op.manual and op.learning_rate < 1]
    assert learnt, "the clip's routing has hand work that is learnt (post-processing)"
    for op in learnt:
        prefix = f"order-7/{op.id}"
        on_its_own = sum(t.alternatives[0].duration for t in _tasks_of([alone], prefix))
        in_plan = sum(t.alternatives[0].duration for t in _tasks_of(jobs, prefix))
        assert on_its_own == in_plan == operation_seconds(op, 50)
        assert on_its_own < op.setup_s + op.run_s * 50, "practice shortens the work"


def test_cut_work_runs_only_on_beds_it_fits_on_both_paths(catalog: Catalog) -> None:
    laser = catalog.machines["fiber-laser-3015"]
    small = laser.model_copy(
        update={"id": "fiber-laser-small", "envelope_mm": (60.0, 60.0), "rate_per_hour": 50}
    )
    large = laser.model_copy(
        update={"id": "fiber-laser-large", "envelope_mm": (4000.0, 2000.0), "rate_per_hour": 150}
    )
    shop = catalog.model_copy(
        update={"machines": catalog.machines | {small.id: small, large.id: large}}
    )
    alone, jobs, work = _both_paths(
        EXAMPLES / "wall-bracket.dxf", shop, 10, material="steel-s235", thickness_mm=2.0
    )
    cutting = work.operations[0]
    assert cutting.machine_id == "fiber-laser-3015"
    stations = {
        a.machine for t in _tasks_of([alone], f"order-7/{cutting.id}") for a in t.alternatives
    }
    batched = {a.machine for j in jobs if j.id != "7" for t in j.tasks for a in t.alternatives}
    assert stations == {"fiber-laser-3015", "fiber-laser-large"}
    assert stations <= batched
    assert "fiber-laser-small" not in batched


def test_a_slower_printer_that_fits_the_plate_takes_longer_for_it(catalog: Catalog) -> None:
    _, jobs, work = _both_paths(EXAMPLES / "cable-clip.stl", catalog, 10, material="petg")
    assert work.operations[0].machine_id == "corexy-farm-1"
    plate = next(t for j in jobs if j.id != "7" for t in j.tasks)
    took = {a.machine: a.duration for a in plate.alternatives}
    slow = catalog.machines["raise3d-pro2"]
    assert "prusa-mk3s" not in took, "its bed is smaller than the plate's"
    assert took["corexy-farm-2"] == took["corexy-farm-1"]
    assert took[slow.id] == math.ceil(took["corexy-farm-1"] / slow.speed_factor)
