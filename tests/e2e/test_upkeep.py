"""Maintenance and quality over the API: plans that come due into the schedule within their
window, meters, failures reported with a photo, maintenance done with its spare parts;
parts measured against their inspection plan, charts that alert, nonconformances whose
scrapped parts the next schedule makes again, actions closed only with their check."""

import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image
from tests.e2e.conftest import PASSWORD, Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.e2e.test_schedule_api import finished

from bespoke.store.tables import MeasurementRow

MACHINE = "press-brake-100t"


def _schedule(operator: httpx.Client, **body: object) -> dict:  # type: ignore[type-arg]
    started = operator.post("/api/shop/schedules", json={"time_limit": 2, **body})
    assert started.status_code == 202, started.text
    job = finished(operator, started.json())
    assert job["status"] == "done", job
    return operator.get(job["result_url"]).json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def shop(service: Service) -> dict[str, object]:
    maker = service.client("maker")
    operator = service.client("operator")
    offer = quote(maker, upload(maker, "wall-bracket.dxf")["id"], quantities=[10])
    placed = order(maker, offer["id"], 10, "upkeep-10")
    assert placed.status_code == 201, placed.text
    _schedule(operator)
    return {"maker": maker, "operator": operator, "order": placed.json()["id"]}


def _weekly(machine: str = MACHINE) -> dict[str, object]:
    """Due since yesterday; its window holds two working days whatever the day it is run."""
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%dT060000Z")
    return {
        "machine": machine,
        "title": "Check the hydraulics",
        "trigger": {"kind": "calendar", "rule": f"DTSTART:{start}\nRRULE:FREQ=DAILY;INTERVAL=7"},
        "tasks": ["oil level", "hoses", "pressure"],
        "duration_s": 1800,
        "parts": [{"part": "filter", "quantity": 1}],
        "window": {"early": -86400, "late": 6 * 86400},
    }


def test_a_due_plan_is_placed_in_the_schedule_within_its_window(
    service: Service, shop: dict[str, object]
) -> None:
    operator = shop["operator"]
    assert isinstance(operator, httpx.Client)
    added = operator.post("/api/maintenance/plans", json=_weekly())
    assert added.status_code == 201, added.text
    schedule = _schedule(operator)
    (due,) = [o for o in operator.get("/api/maintenance/orders").json() if o["kind"] == "planned"]
    assert due["status"] == "scheduled" and due["machine"] == MACHINE
    assert [c["task"] for c in due["checklist"]] == ["oil level", "hoses", "pressure"]
    planned = datetime.fromisoformat(due["planned_start"])
    assert datetime.fromisoformat(due["window_start"]) <= planned
    assert datetime.fromisoformat(due["planned_end"]) <= datetime.fromisoformat(due["window_end"])
    tasks = [t for t in schedule["tasks"] if t["job"].startswith("maintenance:")]
    assert [(t["machine"], t["end"] - t["start"]) for t in tasks] == [(MACHINE, 1800)]
    _schedule(operator)  # checked again: the same occurrence is not made twice
    planned_orders = [
        o for o in operator.get("/api/maintenance/orders").json() if o["kind"] == "planned"
    ]
    assert len(planned_orders) == 1

    # shown on the machine's page, then done on the terminal with its checklist
    who, _ = service.user("operator")
    with httpx.Client(base_url=service.url) as browser:
        browser.post("/login", data={"email": who.email, "password": PASSWORD})
        listed = browser.get(f"/floor/machines/{MACHINE}").text.split('id="machine-maintenance"')
        assert f"#{due['id']} Check the hydraulics" in listed[1]
        elsewhere = browser.get("/floor/machines/mill-vmc-3axis")
        assert elsewhere.status_code == 200 and "Check the hydraulics" not in elsewhere.text
    done = f"/api/maintenance/orders/{due['id']}"
    assert operator.post(f"{done}/start").status_code == 200
    beyond = operator.post(f"{done}/finish", json={"time_s": 1500, "done": [4]})
    assert beyond.status_code == 422 and "checklist items are 1 to 3" in beyond.text
    finished_order = operator.post(
        f"{done}/finish", json={"time_s": 1500, "done": [1, 3], "findings": "hose B weeps"}
    ).json()
    assert finished_order["status"] == "done" and finished_order["findings"] == "hose B weeps"
    assert [c["done"] for c in finished_order["checklist"]] == [True, False, True]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {
                "trigger": {
                    "kind": "calendar",
                    "rule": "DTSTART:20260101T060000Z\nRRULE:FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2",
                }
            },
            "does not fire",
        ),
        ({"trigger": {"kind": "calendar", "rule": "every monday"}}, "rule"),
        ({"machine": "no-such-press"}, "no-such-press"),
        ({"duration_s": -5}, "duration_s"),
        ({"trigger": {"kind": "usage", "meter": "run_hours", "every": 0, "first_at": 0}}, "every"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_kept(
    service: Service, shop: dict[str, object], change: dict[str, object], says: str
) -> None:
    operator = shop["operator"]
    assert isinstance(operator, httpx.Client)
    before = operator.get("/api/maintenance/plans").json()
    refused = operator.post("/api/maintenance/plans", json=_weekly() | change)
    assert refused.status_code == 422, refused.text
    assert says in refused.json()["detail"].lower() or says in refused.text
    assert operator.get("/api/maintenance/plans").json() == before


def test_a_usage_plan_comes_due_as_its_meter_passes_and_bad_readings_are_refused(
    service: Service, shop: dict[str, object]
) -> None:
    operator = shop["operator"]
    assert isinstance(operator, httpx.Client)
    plan = _weekly("mill-vmc-3axis") | {
        "title": "Spindle bearings",
        "trigger": {"kind": "usage", "meter": "run_hours", "every": 500, "first_at": 500},
        "window": {"early": -20, "late": 50},
    }
    assert operator.post("/api/maintenance/plans", json=plan).status_code == 201
    reading = {"machine": "mill-vmc-3axis", "meter": "run_hours"}
    assert (
        operator.post("/api/maintenance/meters", json=reading | {"value": 300}).status_code == 201
    )
    lower = operator.post("/api/maintenance/meters", json=reading | {"value": 200})
    assert lower.status_code == 422, lower.text
    negative = operator.post("/api/maintenance/meters", json=reading | {"value": -1})
    assert negative.status_code == 422, negative.text
    assert (
        operator.post("/api/maintenance/meters", json=reading | {"value": 510}).status_code == 201
    )
    _schedule(operator)
    spindle = [
        o
        for o in operator.get("/api/maintenance/orders").json()
        if o["title"] == "Spindle bearings"
    ]
    assert len(spindle) == 1, spindle


def test_a_failure_is_reported_with_a_photo_and_fixed_with_spare_parts(
    service: Service, shop: dict[str, object]
) -> None:
    operator = shop["operator"]
    assert isinstance(operator, httpx.Client)
    kept = operator.put(
        "/api/maintenance/spare-parts/belt", json={"name": "Drive belt", "on_hand": 3}
    )
    assert kept.status_code == 200, kept.text
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(picture, format="PNG")
    raised = operator.post(
        "/api/maintenance/requests",
        data={
            "machine": "cnc-router-2513",
            "kind": "failure",
            "reason": "belt snapped",
            "reschedule": "true",
        },
        files={"photo": ("belt.png", picture.getvalue(), "image/png")},
    )
    assert raised.status_code == 201, raised.text
    answer = raised.json()
    assert answer["order"]["photo"] and answer["order"]["kind"] == "failure"
    assert answer["schedule"] is not None  # rescheduled without the router
    job = finished(operator, answer["schedule"])
    assert job["status"] == "done", job
    wo = answer["order"]["id"]
    assert (
        operator.post(f"/api/maintenance/orders/{wo}/finish", json={"time_s": 60}).status_code
        == 409
    )
    assert operator.post(f"/api/maintenance/orders/{wo}/start").status_code == 200
    too_many = operator.post(
        f"/api/maintenance/orders/{wo}/finish",
        json={"time_s": 1200, "parts_used": [{"part": "belt", "quantity": 5}]},
    )
    assert too_many.status_code == 422 and "in stock" in too_many.text
    assert operator.get("/api/maintenance/spare-parts").json()[0]["on_hand"] == 3
    done = operator.post(
        f"/api/maintenance/orders/{wo}/finish",
        json={
            "time_s": 1200,
            "parts_used": [{"part": "belt", "quantity": 1}],
            "findings": "worn pulley",
        },
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert operator.get("/api/maintenance/spare-parts").json()[0]["on_hand"] == 2
    figures = operator.get("/api/maintenance/reliability").json()["cnc-router-2513"]
    assert figures["failures"] == 1 and figures["mttr_s"] > 0
    bad_kind = operator.post(
        "/api/maintenance/requests",
        data={"machine": "cnc-router-2513", "kind": "boredom", "reason": "x"},
    )
    assert bad_kind.status_code == 422


def _work_order(operator: httpx.Client, order_id: int) -> dict:  # type: ignore[type-arg]
    listed = operator.get("/api/floor/work-orders").json()
    return next(w for w in listed if order_id in w["orders"] and w["process"] == "fiber-laser")


def test_parts_are_measured_charted_and_a_scrapped_part_is_made_again(
    service: Service, shop: dict[str, object]
) -> None:
    operator = shop["operator"]
    order_id = shop["order"]
    assert isinstance(operator, httpx.Client) and isinstance(order_id, int)
    work = _work_order(operator, order_id)
    wo = work["id"]
    (inspection,) = operator.get(f"/api/floor/work-orders/{wo}/inspection").json()
    plan = inspection["plan"]
    features = {f["name"]: f for f in plan["features"]}
    assert {"length", "width", "thickness"} <= set(features), features
    assert plan["sampling"]["sample_size"] >= 2  # ISO 2859-1 for a lot of 10
    length = features["length"]

    def measured(*values: float, unit: str = "mm") -> httpx.Response:
        entries = [
            {"feature": "length", "value": v, "unit": unit, "part_number": n + 1}
            for n, v in enumerate(values)
        ]
        return operator.post(f"/api/floor/work-orders/{wo}/measurements", json=entries)

    def kept() -> int:
        with service.env.uow() as uow:
            return len(uow.quality.of_work_order(wo))

    for bad in (
        [{"feature": "length", "value": 1, "unit": "kg"}],
        [{"feature": "colour", "value": 1}],
        [],
    ):
        refused = operator.post(f"/api/floor/work-orders/{wo}/measurements", json=bad)
        assert refused.status_code == 422, refused.text
    assert kept() == 0
    nominal = length["nominal_mm"]
    steady = [nominal + d for d in (0.01, -0.01, 0.02, 0.0, -0.02, 0.01, -0.01, 0.0, 0.01, -0.01)]
    calm = measured(*steady)
    assert calm.status_code == 201, calm.text
    assert calm.json()["alerts"] == [] and calm.json()["nonconformances"] == []
    out = measured(nominal + length["tolerance_mm"] * 3)
    assert out.status_code == 201, out.text
    assert any("WE1" in alert for alert in out.json()["alerts"]), out.json()
    (nc_id,) = out.json()["nonconformances"]
    assert kept() == len(steady) + 1
    (charted,) = operator.get(f"/api/floor/work-orders/{wo}/charts").json()
    assert charted["feature"] == "length" and len(charted["values_mm"]) == len(steady) + 1
    assert charted["charts"]["location"]["kind"] == "individuals"
    assert "WE1" in [v["rule"] for v in charted["violations"]]
    capability = charted["capability"]
    assert capability["observations"] == len(steady) + 1 and 0 < capability["cp"] < 10
    assert "normally distributed" in charted["capability_note"]
    csv = operator.post(
        f"/api/floor/work-orders/{wo}/measurements.csv",
        files={"file": ("gauge.csv", f"feature,value,unit\nlength,{nominal / 25.4:.5f},inch\n")},
    )
    assert csv.status_code == 201, csv.text
    assert csv.json()["measurements"][0]["value_mm"] == pytest.approx(nominal, abs=0.01)
    headless = operator.post(
        f"/api/floor/work-orders/{wo}/measurements.csv", files={"file": ("g.csv", "a,b\n1,2\n")}
    )
    assert headless.status_code == 422

    # the batch runs to its end; the scrapped part is made again by the next schedule
    act = f"/api/floor/work-orders/{wo}/actions"
    started = operator.post(act, json={"action": "start"}).json()["started"]
    assert operator.post(act, json={"action": "finish", "good": started}).status_code == 200
    nc = f"/api/quality/nonconformances/{nc_id}"
    assert operator.post(f"{nc}/close").status_code == 409  # no disposition yet
    decided = operator.post(f"{nc}/disposition", json={"disposition": "scrap", "cost": "4.20"})
    assert decided.status_code == 200, decided.text
    assert (
        operator.post(
            f"{nc}/actions", json={"kind": "corrective", "text": "new nozzle"}
        ).status_code
        == 200
    )
    assert operator.post(f"{nc}/close").status_code == 409  # the action is not checked
    checked = operator.post(
        f"{nc}/actions/1/check", json={"effective": True, "evidence": "10 good"}
    )
    assert checked.status_code == 200, checked.text
    closed = operator.post(f"{nc}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (
        operator.post(f"{nc}/actions", json={"kind": "preventive", "text": "late"}).status_code
        == 409
    )
    # a part used as it is is not made again; an action that did not work closes nothing
    (as_is,) = measured(nominal - length["tolerance_mm"] * 3).json()["nonconformances"]
    kept_as_is = f"/api/quality/nonconformances/{as_is}"
    decided = operator.post(f"{kept_as_is}/disposition", json={"disposition": "use_as_is"})
    assert decided.status_code == 200 and decided.json()["cost"] is None, decided.text
    again_decided = operator.post(f"{kept_as_is}/disposition", json={"disposition": "scrap"})
    assert again_decided.status_code == 409
    operator.post(f"{kept_as_is}/actions", json={"kind": "corrective", "text": "re-zero"})
    operator.post(f"{kept_as_is}/actions/1/check", json={"effective": False, "evidence": "drifts"})
    ineffective = operator.post(f"{kept_as_is}/close")
    assert ineffective.status_code == 409 and "no action was effective" in ineffective.text
    _schedule(operator)
    again = [
        w
        for w in operator.get("/api/floor/work-orders").json()
        if order_id in w["orders"] and w["id"] != wo
    ]
    remade = [
        share["planned"]
        for w in again
        for share in w["per_order"].values()
        if share["order"] == order_id and share["operation"].endswith("~r")
    ]
    remade += [w["quantity"] for w in again if w["key"].endswith("~r")]
    assert remade and set(remade) == {1}, again


def test_batches_are_sampled_at_the_aql_the_shop_sets_and_no_other(
    service: Service, shop: dict[str, object]
) -> None:
    operator = shop["operator"]
    assert isinstance(operator, httpx.Client)

    def sampled() -> list[dict]:  # type: ignore[type-arg]
        """The inspections of the shop's work orders that sample their lot."""
        return [
            inspection
            for work in operator.get("/api/floor/work-orders").json()
            for inspection in operator.get(f"/api/floor/work-orders/{work['id']}/inspection").json()
            if inspection["plan"]["sampling"] is not None
        ]

    assert {i["plan"]["sampling"]["aql"] for i in sampled()} == {1.0}  # the default
    refused = operator.patch("/api/shop/rates", json={"inspection_aql": 3})
    assert refused.status_code == 422 and "not an AQL of ISO 2859-1" in refused.text
    assert "2.5, 4, 6.5" in refused.text  # what is accepted
    assert operator.get("/api/shop").json()["rates"]["inspection_aql"] == 1.0  # unchanged
    try:
        set_aql = operator.patch("/api/shop/rates", json={"inspection_aql": 6.5})
        assert set_aql.status_code == 200, set_aql.text
        assert {i["plan"]["sampling"]["aql"] for i in sampled()} == {6.5}
    finally:
        operator.patch("/api/shop/rates", json={"inspection_aql": 1.0})


def test_only_the_shops_staff_maintain_and_measure(
    service: Service, shop: dict[str, object]
) -> None:
    maker = shop["maker"]
    assert isinstance(maker, httpx.Client)
    assert maker.get("/api/maintenance/orders").status_code == 403
    assert maker.get("/api/quality/nonconformances").status_code == 403
    with service.client("operator", shop="other") as stranger:
        assert stranger.get("/api/maintenance/orders").json() == []
        assert stranger.get("/api/quality/nonconformances/1").status_code == 404
        assert stranger.get("/api/floor/work-orders/1/charts").status_code == 404
    with service.env.uow() as uow:
        assert uow.session.query(MeasurementRow).count() > 0


def test_a_done_order_whose_parts_are_scrapped_goes_back_into_production(
    service: Service, shop: dict[str, object]
) -> None:
    operator, maker = shop["operator"], shop["maker"]
    assert isinstance(operator, httpx.Client) and isinstance(maker, httpx.Client)
    offer = quote(
        maker,
        upload(maker, "sign-plate.dxf")["id"],
        material="acrylic-cast",
        thickness_mm=3,
        quantities=[1],
    )
    placed = order(maker, offer["id"], 1, "upkeep-sign")
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    _schedule(operator)
    for _ in range(20):  # run the order's work orders, in schedule order, until it is done
        ready = [
            w
            for w in operator.get("/api/floor/work-orders").json()
            if order_id in w["orders"] and w["status"] == "ready"
        ]
        if not ready:
            break
        act = f"/api/floor/work-orders/{ready[0]['id']}/actions"
        started = operator.post(act, json={"action": "start"}).json()["started"]
        assert operator.post(act, json={"action": "finish", "good": started}).status_code == 200
    assert maker.get(f"/api/orders/{order_id}").json()["status"] == "done"
    cut = next(
        w
        for w in operator.get("/api/floor/work-orders", params={"everything": True}).json()
        if order_id in w["orders"] and w["process"] in ("co2-laser", "fiber-laser")
    )
    (inspection,) = operator.get(f"/api/floor/work-orders/{cut['id']}/inspection").json()
    feature = inspection["plan"]["features"][0]
    bad = [
        {"feature": feature["name"], "value": feature["nominal_mm"] + 5 * feature["tolerance_mm"]}
    ]
    recorded = operator.post(f"/api/floor/work-orders/{cut['id']}/measurements", json=bad)
    (nc_id,) = recorded.json()["nonconformances"]
    decided = operator.post(
        f"/api/quality/nonconformances/{nc_id}/disposition", json={"disposition": "scrap"}
    )
    assert decided.status_code == 200, decided.text
    assert maker.get(f"/api/orders/{order_id}").json()["status"] == "in_production"
