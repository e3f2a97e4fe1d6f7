"""Background work through the job queue on a real PostgreSQL: the web process
(`bespoke serve`) and two `bespoke worker` processes, one of them killed mid-run."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from tests.servers import free_port, fresh_postgres_database

from bespoke.model.errors import UnavailableError
from bespoke.services import queued_calls
from bespoke.services.accounts.tokens import create_token
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Environment, Settings, open_environment
from bespoke.services.queued_calls import QueuedWorkers
from bespoke.services.quoting.previews import drawing
from bespoke.services.quoting.quotes import PlanRequest, plan_task
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.task_calls import encode
from bespoke.services.tasks import TaskRunner, _new_run, run_queued
from bespoke.services.workers import PLAN, Budget
from bespoke.store.tables import CallRow, QuoteRow, TaskRunRow

BESPOKE = Path(sys.executable).with_name("bespoke")
SPEC_DIR = Path(__file__).resolve().parents[2] / "examples" / "products"
SPEC = (SPEC_DIR / "shelf-bracket-set.yaml").read_text()


@dataclass
class Cluster:
    """A web process and worker processes sharing one PostgreSQL database."""

    env: Environment
    url: str
    process_env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    metrics_ports: list[int] = field(default_factory=list)

    def start_worker(self) -> subprocess.Popen[bytes]:
        port = free_port()
        self.metrics_ports.append(port)
        worker = subprocess.Popen(
            [str(BESPOKE), "worker", "--concurrency", "1", "--metrics-port", str(port)],
            env=self.process_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.workers.append(worker)
        return worker

    def jobs(self, run_id: str) -> list[dict[str, object]]:
        with self.env.uow() as uow:
            rows = uow.session.execute(
                text(
                    "SELECT j.id, j.status, r.worker FROM procrastinate_jobs j"
                    " JOIN task_runs r ON r.id = j.args->>'run_id'"
                    " WHERE j.args->>'run_id' = :run_id"
                ),
                {"run_id": run_id},
            )
            return [dict(row._mapping) for row in rows]


@pytest.fixture(scope="module")
def cluster(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    database = fresh_postgres_database(postgres_url)
    data_dir = tmp_path_factory.mktemp("cluster")
    env = open_environment(Settings(data_dir=data_dir, database_url=database))
    ensure_shop(env, "main", "Main workshop")
    port = free_port()
    process_env = {
        **os.environ,
        "BESPOKE_DATABASE_URL": database,
        "BESPOKE_DATA_DIR": str(data_dir),
    }
    log = (data_dir / "web.log").open("wb")
    web = subprocess.Popen(
        [str(BESPOKE), "serve", "--port", str(port)],
        env=process_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    running = Cluster(env, f"http://127.0.0.1:{port}", process_env)
    running.start_worker()
    running.start_worker()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{running.url}/health/live").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and web.poll() is None, (
                f"the web process did not start: {(data_dir / 'web.log').read_text()}"
            )
            time.sleep(0.2)
        yield running
    finally:
        for process in [web, *running.workers]:
            process.terminate()
        for process in [web, *running.workers]:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def maker(cluster: Cluster) -> Iterator[httpx.Client]:
    who = create_user(cluster.env, "maker@example.com", "a long password", role="maker")
    token = create_token(cluster.env, who, "tests")[0]
    with httpx.Client(
        base_url=cluster.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


def start_plan(maker: httpx.Client) -> str:
    product = maker.post("/api/products", json={"spec_yaml": SPEC})
    assert product.status_code == 201, product.text
    started = maker.post(
        product.json()["plans_url"], json={"settings": {"brackets": "2"}, "quantities": [1, 5]}
    )
    assert started.status_code == 202, started.text
    run_id: str = started.json()["id"]
    return run_id


def ended(maker: httpx.Client, run_id: str, seconds: float = 120) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while True:
        run: dict[str, object] = maker.get(f"/api/tasks/{run_id}").json()
        if run["status"] not in ("queued", "running"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.2)


def quotes_of(env: Environment, run_id: str) -> int:
    """Quotes kept by the product plan a run planned (a second would be a duplicate)."""
    with env.uow() as uow:
        run = uow.session.get_one(TaskRunRow, run_id)
        assert run.request is not None
        product_id = run.request["product_id"]
        return (
            uow.session.scalar(
                select(func.count()).select_from(QuoteRow).where(QuoteRow.product_id == product_id)
            )
            or 0
        )


def test_plans_run_on_the_workers_not_the_web_process(
    cluster: Cluster, maker: httpx.Client
) -> None:
    runs = [start_plan(maker) for _ in range(3)]
    for run_id in runs:
        run = ended(maker, run_id)
        assert run["status"] == "done", run
        assert quotes_of(cluster.env, run_id) == 1
        [job] = cluster.jobs(run_id)
        assert job["status"] == "succeeded"
        worker_pid = int(str(job["worker"]).rsplit("-", 1)[1])
        assert worker_pid in {w.pid for w in cluster.workers}
    timed = 0.0
    for port in cluster.metrics_ports:
        text_format = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        for line in text_format.splitlines():
            if line.startswith("bespoke_task_run_duration_seconds_count{"):
                assert 'kind="product-plan"' in line and 'status="done"' in line
                timed += float(line.rsplit(" ", 1)[1])
    assert timed == len(runs)  # each run timed once, by the worker that ran it


def test_a_run_killed_with_its_worker_is_finished_by_another_once(
    cluster: Cluster, maker: httpx.Client
) -> None:
    run_id = start_plan(maker)
    deadline = time.monotonic() + 60
    while not (taken := [j for j in cluster.jobs(run_id) if j["worker"] is not None]):
        assert time.monotonic() < deadline, cluster.jobs(run_id)
        time.sleep(0.02)
    pid = int(str(taken[0]["worker"]).rsplit("-", 1)[1])
    [victim] = [w for w in cluster.workers if w.pid == pid]
    os.kill(pid, signal.SIGKILL)
    victim.wait(10)
    cluster.start_worker()  # as a supervisor would
    run = ended(maker, run_id, seconds=150)
    assert run["status"] == "done", run
    assert quotes_of(cluster.env, run_id) == 1
    with cluster.env.uow() as uow:
        started = uow.session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j"
                " ON j.id = e.job_id WHERE j.args->>'run_id' = :run_id AND e.type = 'started'"
            ),
            {"run_id": run_id},
        )
    assert started == 2  # once on the killed worker, once on the one that finished it
    with cluster.env.uow() as uow:
        again = uow.session.get_one(TaskRunRow, run_id)
        assert again.attempts == 2 and again.worker != taken[0]["worker"]


def test_a_run_is_deferred_with_its_row_or_not_at_all(cluster: Cluster) -> None:
    env = cluster.env
    who = create_user(env, "owner@example.com", "a long password", role="maker")
    call = encode(PLAN, plan_task, (who, 1, _plan_request()))
    runner = TaskRunner(env)
    with env.uow() as uow:
        row = _new_run(who, "product-plan", None)
        runner._defer(uow, row, call)  # and the unit of work ends without a commit
    assert cluster.jobs(row.id) == []
    with env.uow() as uow:
        assert uow.session.get(TaskRunRow, row.id) is None


def test_a_run_that_ended_is_not_run_again(cluster: Cluster, maker: httpx.Client) -> None:
    run_id = start_plan(maker)
    assert ended(maker, run_id)["status"] == "done"
    with cluster.env.uow() as uow:
        attempts = uow.session.get_one(TaskRunRow, run_id).attempts
    run_queued(cluster.env, run_id, "tests-0")  # the job delivered a second time
    assert quotes_of(cluster.env, run_id) == 1
    with cluster.env.uow() as uow:
        assert uow.session.get_one(TaskRunRow, run_id).attempts == attempts


def test_the_worker_refuses_what_it_cannot_do(cluster: Cluster, tmp_path: Path) -> None:
    sqlite = {**cluster.process_env, "BESPOKE_DATA_DIR": str(tmp_path)}
    del sqlite["BESPOKE_DATABASE_URL"]
    alone = subprocess.run([str(BESPOKE), "worker"], env=sqlite, capture_output=True, text=True)
    assert alone.returncode == 1 and "PostgreSQL" in alone.stderr + alone.stdout
    wrong = subprocess.run(
        [str(BESPOKE), "worker", "--queues", "plans,nests"],
        env=cluster.process_env,
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 1 and "nests" in wrong.stderr + wrong.stdout


def test_a_call_no_worker_takes_is_given_up_with_a_clear_answer(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = open_environment(
        Settings(data_dir=tmp_path, database_url=fresh_postgres_database(postgres_url))
    )
    monkeypatch.setattr(queued_calls, "WAIT_FOR_WORKER_S", 0.5)
    with pytest.raises(UnavailableError, match="no worker made it within"):
        QueuedWorkers(env).run(Budget("drawing the design", 0.1, 512), drawing, "dxf", b"0\nEOF\n")
    with env.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CallRow)) == 0


def _plan_request() -> PlanRequest:
    return PlanRequest(settings={"brackets": "2"}, quantities=[1])


def test_uploads_are_measured_and_quoted_by_the_workers(
    cluster: Cluster, maker: httpx.Client
) -> None:
    drawing = (SPEC_DIR.parent / "wall-bracket.dxf").read_bytes()
    design = maker.post("/api/designs", files={"file": ("wall-bracket.dxf", drawing)})
    assert design.status_code == 201, design.text
    offer = maker.post(
        "/api/quotes",
        json={"design_id": design.json()["id"], "material": "steel-s235", "thickness_mm": 2},
    )
    assert offer.status_code == 201, offer.text
    refused = maker.post(
        "/api/designs", files={"file": ("broken.dxf", b"0\nSECTION\n2\nENTITIES\n0\nLINE\n")}
    )
    assert refused.status_code == 422, refused.text  # the worker's error, as the web's own
    with cluster.env.uow() as uow:
        made = uow.session.scalar(
            text(
                "SELECT count(*) FROM procrastinate_jobs"
                " WHERE task_name = 'bespoke.call' AND status = 'succeeded'"
            )
        )
        left = uow.session.scalar(select(func.count()).select_from(CallRow))
    assert made is not None and made >= 3
    assert left == 0  # each request read its answer and cleared it
