"""A job-queue cluster for the queue's benches: a throwaway PostgreSQL cluster
(tests/servers.py's) with a fresh database, a data folder, shops with a maker, an
operator and open orders of the bundled example products, and `bespoke worker`
processes started, stopped and killed as a supervisor would."""

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import PostgresServer, fresh_postgres_database  # noqa: E402
from tests.servers import free_port as free_port  # noqa: E402  (for the benches that serve)

from bespoke.model.accounts import Account  # noqa: E402
from bespoke.model.progress import silent  # noqa: E402
from bespoke.services import quoting  # noqa: E402
from bespoke.services.accounts.users import create_user  # noqa: E402
from bespoke.services.environment import Environment, Settings, open_environment  # noqa: E402
from bespoke.services.ordering import orders  # noqa: E402
from bespoke.services.shop.shops import ensure_shop  # noqa: E402

BESPOKE = Path(sys.executable).with_name("bespoke")
PRODUCTS = ROOT / "examples" / "products"
PASSWORD = "bench-queue-password"
STOP_S = 60.0
SETTINGS: dict[str, dict[str, str]] = {"desk-organiser.yaml": {"width": "400mm"}}
"""Settings a product is planned with (the spec's defaults otherwise)."""


@dataclass
class Shop:
    """A shop of the bench, its people and its example products (spec text, settings)."""

    id: int
    maker: Account
    operator: Account
    products: list[tuple[str, dict[str, str]]]


@dataclass
class Cluster:
    """The database, the bench's own environment on it, and the worker processes."""

    env: Environment
    database_url: str
    data_dir: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def process_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "BESPOKE_DATABASE_URL": self.database_url,
            "BESPOKE_DATA_DIR": str(self.data_dir),
        }

    def start_worker(self, concurrency: int = 1) -> subprocess.Popen[bytes]:
        """One more `bespoke worker` process, its output in the data folder."""
        log = (self.data_dir / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(
            [str(BESPOKE), "worker", "--concurrency", str(concurrency)],
            env=self.process_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker (its work processes die with it) and wait for it."""
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    def stop_workers(self) -> None:
        """SIGTERM every live worker: running tasks finish first."""
        alive = [w for w in self.workers if w.poll() is None]
        for worker in alive:
            worker.terminate()
        for worker in alive:
            try:
                worker.wait(STOP_S)
            except subprocess.TimeoutExpired:
                self.kill(worker)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.env.uow() as uow:
            return uow.session.scalar(text(sql), params)

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.env.uow() as uow:
            return [dict(r._mapping) for r in uow.session.execute(text(sql), params)]


@contextmanager
def cluster() -> Iterator[Cluster]:
    """A fresh database on a throwaway PostgreSQL cluster, until the block ends."""
    with PostgresServer() as server, tempfile.TemporaryDirectory() as folder:
        database = fresh_postgres_database(server.url)
        data_dir = Path(folder)
        env = open_environment(Settings(data_dir=data_dir, database_url=database))
        running = Cluster(env, database, data_dir)
        try:
            yield running
        finally:
            for worker in running.workers:
                if worker.poll() is None:
                    running.kill(worker)


def example_products() -> list[tuple[str, dict[str, str]]]:
    """The bundled example products: spec text and the settings they are planned with."""
    return [(p.read_text(), SETTINGS.get(p.name, {})) for p in sorted(PRODUCTS.glob("*.yaml"))]


def open_shop(env: Environment, slug: str, orders_per_product: int) -> Shop:
    """A shop with a maker and an operator; each example product planned once (in this
    process) and ordered `orders_per_product` times in quantities 1 to 10."""
    shop_id = ensure_shop(env, slug, f"Bench workshop {slug}")
    maker = create_user(env, f"maker@{slug}.example.com", PASSWORD, role="maker", shop_slug=slug)
    operator = create_user(
        env, f"operator@{slug}.example.com", PASSWORD, role="operator", shop_slug=slug
    )
    products = example_products()
    for n, (spec, settings) in enumerate(products):
        product = quoting.submit_product(env, maker, spec, json_format=False)
        request = quoting.PlanRequest(settings=settings, quantities=list(range(1, 11)))
        quote_id = quoting.plan_stored_product(env, maker, product.id, request, silent)
        for k in range(orders_per_product):
            orders.place_order(env, maker, quote_id, 1 + (k * 3) % 10, f"{slug}-{n}-{k}")
    return Shop(shop_id, maker, operator, products)
