"""The service as it is run: liveness and readiness, metrics a Prometheus server
parses, and log lines carrying each request's id."""

import io
import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.e2e.conftest import Service
from tests.servers import LiveService

from bespoke.api.logs import JsonFormatter
from bespoke.services.environment import Settings
from bespoke.services.tasks import TaskRunner

TOKEN = "scrape-secret"


def _samples(url: str, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = httpx.get(f"{url}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def test_live_and_ready_answer_outside_the_documented_api(service: Service) -> None:
    assert httpx.get(f"{service.url}/health/live").json() == {"status": "live"}
    assert httpx.get(f"{service.url}/health/ready").json() == {"status": "ready"}
    paths = httpx.get(f"{service.url}/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/health") or p == "/metrics"]


def test_metrics_count_requests_by_route_and_the_queued_task_runs(
    service: Service, maker: httpx.Client
) -> None:
    before = _samples(service.url)
    run = TaskRunner(service.env).queue(maker.account, "product-plan")  # type: ignore[attr-defined]
    assert maker.get(f"/api/tasks/{run.id}").status_code == 200
    after = _samples(service.url)
    depth = ("bespoke_task_queue_depth", frozenset())
    assert after[depth] == before[depth] + 1
    labels = {"method": "GET", "route": "/api/tasks/{task_id}", "status": "2xx"}
    counted = ("bespoke_http_request_duration_seconds_count", frozenset(labels.items()))
    assert after.get(counted) == 1, [k for k in after if "request_duration_seconds_count" in k[0]]
    assert after[("bespoke_database_up", frozenset())] == 1
    assert after[("bespoke_mail_outbox_waiting", frozenset())] >= 0


def test_metrics_time_each_task_run_by_kind_and_how_it_ended(service: Service) -> None:
    if service.backend == "postgresql":
        pytest.skip("with a job queue the workers time the runs: tests/integration/test_job_queue")
    with service.client("operator") as operator:
        started = operator.post("/api/shop/schedules", json={"time_limit": 1})
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 60  # the run ends on a worker, then is counted
        while time.monotonic() < deadline:
            status = operator.get(f"/api/tasks/{started.json()['id']}").json()["status"]
            counted = [
                value
                for (name, labels), value in _samples(service.url).items()
                if name == "bespoke_task_run_duration_seconds_count"
                and dict(labels) == {"kind": "shop-schedule", "status": status}
            ]
            if counted:
                break
            time.sleep(0.05)
    assert counted == [1] and status in ("done", "failed")


def test_json_log_lines_carry_the_request_id(service: Service, maker: httpx.Client) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("bespoke.access")
    level = access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        answer = maker.get("/api/orders", headers={"X-Request-ID": "trace-42.a"})
        line = _logged(stream, "trace-42.a")
        made = maker.get("/api/orders", headers={"X-Request-ID": "no spaces or " + "x" * 200})
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    assert answer.headers["X-Request-ID"] == "trace-42.a"
    assert line["method"] == "GET" and line["route"] == "/api/orders" and line["status"] == 200
    assert line["logger"] == "bespoke.access" and line["level"] == "INFO"
    assert line["duration_ms"] >= 0 and line["time"]
    assert len(made.headers["X-Request-ID"]) == 32  # a bad id is replaced by a new one


def _logged(stream: io.StringIO, request_id: str) -> dict[str, object]:
    """The access line of `request_id`."""
    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    return dict(next(line for line in lines if line.get("request_id") == request_id))


@pytest.fixture(scope="module")
def unmigrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A service on a fresh SQLite database never migrated, its metrics behind a token."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("unmigrated"), metrics_token=TOKEN)
    with LiveService(settings, migrate=False) as live:
        yield live.url


def test_ready_names_a_database_not_migrated(unmigrated: str) -> None:
    answer = httpx.get(f"{unmigrated}/health/ready")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert "never migrated" in answer.json()["not_ready"]["database"]
    assert httpx.get(f"{unmigrated}/health/live").status_code == 200


def test_metrics_ask_for_their_token(unmigrated: str) -> None:
    refused = httpx.get(f"{unmigrated}/metrics", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and "BESPOKE_METRICS_TOKEN" in refused.json()["detail"]
    samples = _samples(unmigrated, Authorization=f"Bearer {TOKEN}")
    assert samples[("bespoke_database_up", frozenset())] == 0
