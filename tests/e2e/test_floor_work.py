"""The shop floor over the API: work orders from the schedule, an operator's actions
checked by the work order's state machine, what the floor books flowing back into the
next schedule (scrap is made again), and a maker seeing their order's real progress."""

import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image
from tests.e2e.conftest import Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.e2e.test_schedule_api import finished

from bespoke.model.monitoring import Observation, Signal
from bespoke.reports.gantt_chart import FLOOR_NAME
from bespoke.services.shop.schedule_chart import charted_schedule
from bespoke.services.shopfloor.monitoring import floor_monitor


def _schedule(operator: httpx.Client) -> dict:  # type: ignore[type-arg]
    started = operator.post("/api/shop/schedules", json={"time_limit": 2})
    assert started.status_code == 202, started.text
    job = finished(operator, started.json())
    assert job["status"] == "done", job
    return operator.get(job["result_url"]).json()  # type: ignore[no-any-return]


def _act(client: httpx.Client, work_order: int, **body: object) -> httpx.Response:
    return client.post(f"/api/floor/work-orders/{work_order}/actions", json=body)


@pytest.fixture(scope="module")
def floor(service: Service) -> dict[str, object]:
    """A maker's order of 10 wall brackets, scheduled, and the clients of both."""
    maker = service.client("maker")
    operator = service.client("operator")
    offer = quote(maker, upload(maker, "wall-bracket.dxf")["id"], quantities=[10])
    placed = order(maker, offer["id"], 10, "floor-10")
    assert placed.status_code == 201, placed.text
    _schedule(operator)
    return {"maker": maker, "operator": operator, "order": placed.json()["id"]}


def test_each_scheduled_operation_is_a_work_order_in_schedule_order(
    service: Service, floor: dict[str, object]
) -> None:
    operator = floor["operator"]
    assert isinstance(operator, httpx.Client)
    schedule = operator.get("/api/shop/schedules/latest").json()
    listed = operator.get("/api/floor/work-orders").json()
    mine = [w for w in listed if floor["order"] in w["orders"]]
    assert mine and all(w["status"] == "ready" for w in mine)
    starts = [datetime.fromisoformat(w["planned_start"]) for w in listed]
    assert starts == sorted(starts)
    tasks = {t["task"].split("#")[0] for t in schedule["tasks"] if floor["order"] in t["orders"]}
    assert {w["key"] for w in mine} == tasks  # one work order per scheduled operation
    for work in mine:
        assert work["quantity"] == 10 and work["actions"] == ["start", "cancel"]
        on_machine = operator.get("/api/floor/work-orders", params={"machine": work["machine"]})
        assert work["id"] in [w["id"] for w in on_machine.json()]
    traveller = operator.get(f"/api/floor/orders/{floor['order']}/traveller.pdf")
    assert traveller.status_code == 200 and traveller.content.startswith(b"%PDF")
    batch = next(w for w in mine if w["batch"] and w["process"] == "fiber-laser")
    sheets = operator.get(f"/api/floor/work-orders/{batch['id']}/traveller.pdf").content
    images = sheets.count(b"/Subtype /Image")
    assert images >= 2, images  # the QR code, and the nest sheet to cut


def test_a_work_order_runs_start_pause_book_finish_and_takes_nothing_after(
    service: Service, floor: dict[str, object]
) -> None:
    operator, maker = floor["operator"], floor["maker"]
    assert isinstance(operator, httpx.Client) and isinstance(maker, httpx.Client)
    listed = operator.get("/api/floor/work-orders").json()
    first = next(w for w in listed if floor["order"] in w["orders"])
    wo = first["id"]

    assert _act(operator, wo, action="pause", pause_reason="material").status_code == 409
    started = _act(operator, wo, action="start", quantity=10)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "running"
    assert maker.get(f"/api/orders/{floor['order']}").json()["status"] == "in_production"

    no_reason = _act(operator, wo, action="pause")
    assert no_reason.status_code == 422 and "pause_reason" in no_reason.text
    assert _act(operator, wo, action="pause", pause_reason="material").json()["status"] == "paused"
    assert _act(operator, wo, action="resume").json()["status"] == "running"
    unexplained = _act(operator, wo, action="book", good=5, scrap=1)
    assert unexplained.status_code == 422 and "scrap_reason" in unexplained.text
    booked = _act(operator, wo, action="book", good=5, scrap=1, scrap_reason="dimension")
    assert booked.status_code == 200, booked.text
    assert (booked.json()["good"], booked.json()["scrap"]) == (5, 1)
    short = _act(operator, wo, action="finish", good=3)
    assert short.status_code == 422, short.text  # 5 + 1 + 3 of 10 started
    over = _act(operator, wo, action="book", good=5)
    assert over.status_code == 422, over.text
    assert operator.get(f"/api/floor/work-orders/{wo}").json()["good"] == 5  # unchanged
    done = _act(operator, wo, action="finish", good=4)
    assert done.status_code == 200, done.text
    ledger = done.json()
    assert (ledger["status"], ledger["good"], ledger["scrap"]) == ("done", 9, 1)
    wall = datetime.fromisoformat(ledger["closed_at"]) - datetime.fromisoformat(
        ledger["first_start_at"]
    )
    assert ledger["running_s"] + ledger["paused_s"] == pytest.approx(wall.total_seconds())
    assert ledger["actions"] == []
    for action in ({"action": "start", "quantity": 1}, {"action": "resume"}):
        after = _act(operator, wo, **action)
        assert after.status_code == 409 and "nothing" in after.json()["detail"], after.text
    history = operator.get(f"/api/floor/work-orders/{wo}/events").json()
    assert [e["action"] for e in history] == ["start", "pause", "resume", "book", "finish"]
    chart = charted_schedule(service.env, operator.account, "latest")  # type: ignore[attr-defined]
    (ran,) = [t for t in chart.figure["data"] if t["name"] == FLOOR_NAME]  # over the plan
    (bar,) = [
        n for n, text in enumerate(ran["hovertext"]) if text.startswith(f"Work order {wo}, done")
    ]
    assert ran["x"][bar] == pytest.approx(wall.total_seconds() * 1000)  # as long as it ran
    assert ran["base"][bar][:19] == ledger["first_start_at"][:19]  # from its first start

    # the next schedule makes the scrapped part again, and only that one
    _schedule(operator)
    again = [
        w
        for w in operator.get("/api/floor/work-orders").json()
        if floor["order"] in w["orders"] and w["id"] != wo
    ]
    remade = [w["quantity"] for w in again if w["key"].endswith("~r")] + [
        share["planned"]
        for w in again
        for share in w["per_order"].values()
        if share["operation"].endswith("~r")
    ]
    assert remade and set(remade) == {1}, again  # every step again, for the one part
    progress = maker.get(f"/api/orders/{floor['order']}/progress").json()
    step = next(s for s in progress["steps"] if s["id"] == wo)
    assert (step["status"], step["good"], step["scrap"]) == ("done", 9, 1)
    assert progress["done"] == 1 and progress["total"] == len(progress["steps"]) > 1
    assert progress["expected"] is not None


def test_notes_and_photos_are_kept_and_a_bad_photo_is_refused(
    service: Service, floor: dict[str, object]
) -> None:
    operator = floor["operator"]
    assert isinstance(operator, httpx.Client)
    wo = next(w["id"] for w in operator.get("/api/floor/work-orders").json())
    picture = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(picture, format="PNG")
    kept = operator.post(
        f"/api/floor/work-orders/{wo}/notes",
        data={"note": "burr on the left edge"},
        files={"photo": ("edge.png", picture.getvalue(), "image/png")},
    )
    assert kept.status_code == 201, kept.text
    event = kept.json()
    photo = operator.get(f"/api/floor/work-orders/{wo}/events/{event['id']}/photo")
    assert photo.content == picture.getvalue()
    not_a_picture = operator.post(
        f"/api/floor/work-orders/{wo}/notes",
        files={"photo": ("x.png", b"#!/bin/sh\nrm -rf /", "image/png")},
    )
    assert not_a_picture.status_code == 422 and "PNG or JPEG" in not_a_picture.text
    empty = operator.post(f"/api/floor/work-orders/{wo}/notes", data={"note": "  "})
    assert empty.status_code == 422
    assert [e["id"] for e in operator.get(f"/api/floor/work-orders/{wo}/events").json()] == [
        event["id"]
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"action": "explode"},
        {"action": "start", "quantity": 10**12},
        {"action": "start", "quantity": -1},
        {"action": "book", "good": "many"},
        {"action": "pause", "pause_reason": "because"},
        {"action": "start", "quantity": 1, "note": "x" * 2001},
        {"action": "start", "quantity": 1, "at": "2020-01-01T00:00:00Z"},
    ],
)
def test_bad_actions_are_refused_as_problems_and_change_nothing(
    service: Service, floor: dict[str, object], body: dict[str, object]
) -> None:
    operator = floor["operator"]
    assert isinstance(operator, httpx.Client)
    work = next(w for w in operator.get("/api/floor/work-orders").json() if w["status"] == "ready")
    answer = operator.post(f"/api/floor/work-orders/{work['id']}/actions", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert operator.get(f"/api/floor/work-orders/{work['id']}").json() == work


def test_only_the_shops_operators_see_and_move_its_work(
    service: Service, floor: dict[str, object]
) -> None:
    operator, maker = floor["operator"], floor["maker"]
    assert isinstance(operator, httpx.Client) and isinstance(maker, httpx.Client)
    wo = operator.get("/api/floor/work-orders").json()[0]["id"]
    assert maker.get("/api/floor/work-orders").status_code == 403
    assert _act(maker, wo, action="start", quantity=1).status_code == 403
    with service.client("operator", shop="other") as stranger:
        assert stranger.get(f"/api/floor/work-orders/{wo}").status_code == 404
        assert _act(stranger, wo, action="start", quantity=1).status_code == 404
        assert stranger.get("/api/floor/work-orders").json() == []
    with service.client("maker") as other_maker:
        assert other_maker.get(f"/api/orders/{floor['order']}/progress").status_code == 404
    assert operator.get("/api/floor/work-orders/999999").status_code == 404


def test_a_machine_closed_from_now_gets_no_new_work_for_those_hours(
    service: Service, floor: dict[str, object]
) -> None:
    operator = floor["operator"]
    assert isinstance(operator, httpx.Client)
    ready = [w for w in operator.get("/api/floor/work-orders").json() if w["status"] == "ready"]
    machine = ready[0]["machine"]
    unknown = operator.post(
        "/api/shop/schedules", json={"closed": [{"machine": "no-such-laser", "hours": 4}]}
    )
    assert unknown.status_code == 422 and "no-such-laser" in unknown.text
    too_long = operator.post(
        "/api/shop/schedules", json={"closed": [{"machine": machine, "hours": 10_000}]}
    )
    assert too_long.status_code == 422
    started = operator.post(
        "/api/shop/schedules",
        json={"time_limit": 2, "closed": [{"machine": machine, "hours": 48, "reason": "E101"}]},
    )
    assert started.status_code == 202, started.text
    job = finished(operator, started.json())
    assert job["status"] == "done", job
    schedule = operator.get(job["result_url"]).json()
    origin = datetime.fromisoformat(schedule["origin"]).replace(tzinfo=None)
    ended = datetime.fromisoformat(job["updated_at"]).replace(tzinfo=None)
    now_s = (ended - origin).total_seconds()
    on_it = [t for t in schedule["tasks"] if t["machine"] == machine and t["end"] > now_s]
    assert all(t["job"].startswith("wo-") or t["start"] >= now_s + 47 * 3600 for t in on_it), on_it

    # closed for two weeks, the order's remaining work makes it late: listed first, new date
    mine = [w for w in ready if floor["order"] in w["orders"]]
    closed = [{"machine": w["machine"], "hours": 24 * 14} for w in mine]
    started = operator.post("/api/shop/schedules", json={"time_limit": 2, "closed": closed})
    job = finished(operator, started.json())
    completions = operator.get(job["result_url"]).json()["completions"]
    assert [c["late"] for c in completions] == sorted(c["late"] for c in completions)[::-1]
    (late,) = [c for c in completions if c["order_id"] == floor["order"]]
    assert late["late"] and late["expected"] > late["due"], late
    expected = datetime.fromisoformat(late["expected"]).replace(tzinfo=None)
    assert expected >= ended + timedelta(days=14)


def test_a_machine_standing_with_a_fault_is_proposed_to_be_scheduled_without(
    service: Service, floor: dict[str, object]
) -> None:
    operator = floor["operator"]
    assert isinstance(operator, httpx.Client)
    shop_id = operator.account.shop_id  # type: ignore[attr-defined]
    ready = [w for w in operator.get("/api/floor/work-orders").json() if w["status"] == "ready"]
    machine = ready[0]["machine"]
    then = datetime.now(UTC) - timedelta(minutes=30)
    monitor = floor_monitor(service.env)
    monitor.keep(
        shop_id,
        [
            Observation(
                machine=machine, item="exec", signal=Signal.EXECUTION, value="ACTIVE", at=then
            ),
            Observation(
                machine=machine,
                item="servo",
                signal=Signal.ALARM,
                value="FAULT",
                code="E101",
                message="servo overload",
                at=then + timedelta(seconds=1),
            ),
        ],
    )
    machines = {m["machine"]: m for m in operator.get("/api/floor/machines").json()}
    proposal = machines[machine]["proposal"]
    assert proposal is not None and proposal["machine"] == machine
    assert "E101" in proposal["reason"] and proposal["hours"] > 0
    assert all(m["proposal"] is None for name, m in machines.items() if name != machine)
    monitor.keep(
        shop_id,
        [
            Observation(
                machine=machine,
                item="servo",
                signal=Signal.ALARM,
                value="NORMAL",
                at=datetime.now(UTC),
            )
        ],
    )
    cleared = {m["machine"]: m for m in operator.get("/api/floor/machines").json()}
    assert cleared[machine]["proposal"] is None
