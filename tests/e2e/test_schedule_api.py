"""The shop's schedule over HTTP: orders scheduled as a job, kept, shown, and used for
the promised dates of new quotes."""

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
from tests.e2e.conftest import PASSWORD, Service
from tests.e2e.test_api_flow import order, quote, upload

from bespoke.model.calendar import Calendar
from bespoke.scheduling.checker import violations
from bespoke.services.shop.scheduling import shop_work
from bespoke.services.shop.shops import shop_catalog


def finished(client: httpx.Client, job: dict) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + 90
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = client.get(f"/api/tasks/{job['id']}").json()
    return job


def test_open_orders_are_scheduled_checked_and_shown(service: Service) -> None:
    with service.client("maker") as maker, service.client("operator") as operator:
        for name, quantity in (("wall-bracket.dxf", 10), ("sprocket.dxf", 1)):
            offer = quote(maker, upload(maker, name)["id"], quantities=[1, 10])
            assert order(maker, offer["id"], quantity, f"s-{name}").status_code == 201
        assert maker.post("/api/shop/schedules", json={}).status_code == 403

        started = operator.post("/api/shop/schedules", json={"time_limit": 3})
        assert started.status_code == 202, started.text
        job = finished(operator, started.json())
        assert job["status"] == "done", job
        kept = operator.get(job["result_url"]).json()
        assert kept == operator.get("/api/shop/schedules/latest").json()
        assert kept["tasks"] and all(t["end"] > t["start"] for t in kept["tasks"])
        statuses = {o["status"] for o in operator.get("/api/orders").json()}
        assert statuses == {"scheduled"}

        with service.env.uow() as uow:
            row = uow.schedules.latest(operator.account.shop_id)  # type: ignore[attr-defined]
            assert row is not None
            orders = uow.orders.open_in_shop(row.shop_id, ["scheduled"])
            catalog = shop_catalog(uow, row.shop_id)
            calendar = Calendar.model_validate(uow.shops.by_id(row.shop_id).calendar)
            work = shop_work(uow, service.env.blobs, orders, catalog, calendar, row.origin, None)
            problem, plan = work.problem, work.plan
        assert plan.batches, "the two orders' cutting is batched"
        assert any(t["batch"] for t in kept["tasks"])
        from bespoke.model.scheduling import Schedule, ScheduledTask

        fields = ("job", "task", "machine", "start", "end")
        stored = Schedule(
            tasks=[ScheduledTask(**{k: t[k] for k in fields}) for t in kept["tasks"]],
            makespan=kept["makespan_s"],
            status=kept["status"],
        )
        assert violations(problem, stored) == []

        again = finished(
            operator, operator.post("/api/shop/schedules", json={"time_limit": 2}).json()
        )
        assert again["status"] == "done"
        second = operator.get(again["result_url"]).json()
        assert second["id"] != kept["id"]
        assert second["moved"] <= len(kept["tasks"])


def test_quotes_promise_a_date_from_the_schedule(service: Service) -> None:
    with service.client("maker") as maker:
        offer = quote(maker, upload(maker, "motor-mount.dxf")["id"], quantities=[1, 1000])
        small, large = offer["prices"]
        assert small["promised_at"] and large["promised_at"]
        assert large["promised_at"] > small["promised_at"]


def test_schedule_page_draws_a_gantt_chart(service: Service) -> None:
    with service.client("maker") as maker:
        offer = quote(
            maker,
            upload(maker, "sign-plate.dxf")["id"],
            material="acrylic-cast",
            thickness_mm=3,
            quantities=[5],
        )
        assert order(maker, offer["id"], 5, "page-1").status_code == 201
    who, _ = service.user("operator")
    with httpx.Client(base_url=service.url) as browser:
        browser.post("/login", data={"email": who.email, "password": PASSWORD})
        dashboard = browser.get("/shop").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', dashboard)
        assert csrf is not None
        started = browser.post(
            "/shop/schedule", data={"csrf_token": csrf.group(1), "time_limit": "2"}
        )
        assert started.status_code == 303
        job_id = started.headers["location"].rsplit("/", 1)[1]
        job = finished(browser, {"id": job_id, "status": "queued"})
        assert job["status"] == "done", job
        page = browser.get(job["result_url"].removeprefix("/api"))
        assert page.status_code == 200
        assert 'id="gantt-data"' in page.text
        assert "order" in page.text
        assert browser.get("/shop/schedules/999999").status_code == 404
        refused = browser.post("/shop/schedule", data={"time_limit": "2"})
        assert refused.status_code == 403


def test_maintenance_windows_keep_machines_free(service: Service) -> None:
    begin = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    end = begin + timedelta(days=2)
    with (
        service.client("operator", shop="other") as operator,
        service.client("maker", shop="other") as maker,
    ):
        calendar = {
            "maintenance": [
                {"machine": "fiber-laser-3015", "start": begin.isoformat(), "end": end.isoformat()}
            ]
        }
        assert operator.put("/api/shop/calendar", json=calendar).status_code == 200
        offer = quote(maker, upload(maker)["id"], quantities=[1])
        assert offer["document"]["best"][0]["process"] == "fiber-laser"
        assert order(maker, offer["id"], 1, "maintenance-1").status_code == 201
        job = finished(
            operator, operator.post("/api/shop/schedules", json={"time_limit": 1}).json()
        )
        assert job["status"] == "done", job
        kept = operator.get(job["result_url"]).json()
        origin = datetime.fromisoformat(kept["origin"]).replace(tzinfo=None)
        lasered = [t for t in kept["tasks"] if t["machine"] == "fiber-laser-3015"]
        assert lasered
        assert all(origin + timedelta(seconds=t["start"]) >= end for t in lasered)
