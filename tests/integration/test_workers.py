"""Heavy work in worker processes: a task over its time or memory budget is stopped with a
clear error and the pool goes on; errors a user can act on arrive whole; a job whose
worker is stopped is failed with the reason."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.products.spec import SpecError
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Environment, Settings, open_environment
from bespoke.services.quoting.products import Progress
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.tasks import TaskRunner
from bespoke.services.workers import Budget, OverBudgetError, WorkerPool
from bespoke.store.tables import TaskRunRow

QUICK = Budget("testing", 20, 2048)


def sleeping(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def hungry(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def refusing() -> None:
    raise SpecError("spec", "parts[3].geometry", "unknown shape")


def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def sleeping_task(env: Environment, progress: Progress, seconds: float) -> str:
    progress(0.5, "sleeping")
    time.sleep(seconds)
    return "/api/shop/schedules/7"


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    workers = WorkerPool(1)
    yield workers
    workers.shutdown()


def test_a_task_runs_in_a_worker_below_the_servers_priority(pool: WorkerPool) -> None:
    assert pool.run(QUICK, os.getpid) != os.getpid()
    assert pool.run(QUICK, niceness) >= niceness() + 10


def test_a_task_over_its_time_is_stopped_and_the_pool_goes_on(pool: WorkerPool) -> None:
    with pytest.raises(OverBudgetError, match="testing took longer than its budget of 1 s"):
        pool.run(Budget("testing", 1, 2048), sleeping, 30)
    assert pool.run(QUICK, sleeping, 0) == "slept"


def test_a_task_over_its_memory_fails_and_the_pool_goes_on(pool: WorkerPool) -> None:
    with pytest.raises(OverBudgetError, match="more than its budget of 1024 MB"):
        pool.run(Budget("testing", 20, 1024), hungry, 1500)
    assert pool.run(QUICK, hungry, 100) == 100 * 1024 * 1024


def test_an_error_for_the_user_arrives_whole(pool: WorkerPool) -> None:
    with pytest.raises(SpecError) as raised:
        pool.run(QUICK, refusing)
    assert raised.value.path == "parts[3].geometry"
    assert raised.value.reason == "unknown shape"
    assert str(raised.value) == "spec: parts[3].geometry: unknown shape"
    assert isinstance(raised.value, InputError)


def _finished(env: Environment, job_id: str) -> TaskRunRow:
    for _ in range(600):
        with env.uow() as uow:
            row = uow.session.get(TaskRunRow, job_id)
            assert row is not None
            if row.status in ("done", "failed"):
                return row
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_a_job_runs_in_a_worker_and_one_over_budget_is_failed(tmp_path: Path) -> None:
    env = open_environment(Settings(data_dir=tmp_path))
    env.workers = WorkerPool(1)
    try:
        ensure_shop(env, "main", "Main")
        who: Account = create_user(env, "maker@example.com", "password-1", shop_slug="main")
        runner = TaskRunner(env)
        done = _finished(env, runner.submit(who, "test", QUICK, sleeping_task, 0).id)
        assert (done.status, done.progress) == ("done", 1.0)
        assert done.result_url == "/api/shop/schedules/7"
        late = runner.submit(who, "test", Budget("testing", 1, 2048), sleeping_task, 30)
        failed = _finished(env, late.id)
        assert failed.status == "failed"
        assert "testing took longer than its budget of 1 s" in failed.message
        assert failed.error is not None
        assert failed.error["title"] == "OverBudgetError"
    finally:
        env.workers.shutdown()
