"""Batches over HTTP and on the pages: orders of three makers and a fourth's product cut
on shared sheets, the cut file of each sheet, each order's share, the maker's view, the
product assembled after its parts' batch, the batched price of a new quote."""

import io
import math
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import ezdxf
import httpx
import pytest
from tests.e2e.conftest import PASSWORD, Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.e2e.test_schedule_api import finished

from bespoke.model.errors import ConflictError
from bespoke.model.execution import FloorAction
from bespoke.scheduling.solver import SolverSettings
from bespoke.services.shop.scheduling import schedule_shop
from bespoke.services.shopfloor.terminal import FloorRequest, act
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import BatchRow, ScheduleRow

DESIGNS = ("wall-bracket.dxf", "sprocket.dxf", "motor-mount.dxf")
PRODUCT = "gusset-pair"
GUSSETS = {  # a product of two parts cut from the same steel, put in a bag together
    "name": "Gusset pair",
    "parts": [
        {
            "id": "gusset",
            "quantity": 2,
            "material": "steel-s235",
            "thickness": 2,
            "process": "fiber-laser",
            "geometry": {"shape": "plate", "width": "80 mm", "height": "60 mm"},
        }
    ],
    "assemblies": [{"id": "pair", "components": [{"id": "gusset", "quantity": 2}]}],
}


@contextmanager
def client_and_browser(
    service: Service, role: str = "maker"
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """A new user's API client, and a browser logged in as them."""
    who, token = service.user(role)
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=service.url, headers=headers) as maker,
        httpx.Client(base_url=service.url) as browser,
    ):
        browser.post("/login", data={"email": who.email, "password": PASSWORD})
        yield maker, browser


@pytest.fixture(scope="module")
def scheduled(service: Service) -> dict[str, int]:
    """Three makers' one-off steel parts and a fourth's product of steel parts, ordered
    and scheduled: design or product name -> order id."""
    ordered = {}
    for i, name in enumerate(DESIGNS):
        with service.client("maker") as maker:
            offer = quote(maker, upload(maker, name)["id"], quantities=[1], process="fiber-laser")
            placed = order(maker, offer["id"], 1, f"batch-{i}")
            assert placed.status_code == 201, placed.text
            ordered[name] = placed.json()["id"]
    with service.client("maker") as maker:
        product = maker.post("/api/products", json={"spec": GUSSETS})
        assert product.status_code == 201, product.text
        planning = maker.post(product.json()["plans_url"], json={"quantities": [1]}).json()
        planned = finished(maker, planning)
        assert planned["status"] == "done", planned
        offer_id = int(planned["quote_url"].rsplit("/", 1)[1])
        placed = order(maker, offer_id, 1, "product-batch")
        assert placed.status_code == 201, placed.text
        ordered[PRODUCT] = placed.json()["id"]
    with service.client("operator") as operator:
        job = operator.post("/api/shop/schedules", json={"time_limit": 3}).json()
        assert finished(operator, job)["status"] == "done"
    who, _ = service.user("operator")
    with service.env.uow() as uow:  # whatever the hour the tests run, no batch has started
        latest = uow.schedules.latest(who.shop_id or 0)
        assert latest is not None
        batches = uow.batches.of_schedule(latest.id)
        first = min(b.start for b in batches if b.start is not None)
        wait = (now() + timedelta(hours=1) - first).total_seconds()
        later = timedelta(seconds=max(0, math.ceil(wait)))  # whole seconds, as schedules keep
        latest.origin += later  # the whole schedule moves, its batches with it
        for batch in batches:
            assert batch.start is not None and batch.end is not None
            batch.start, batch.end = batch.start + later, batch.end + later
        uow.commit()
    return ordered


def test_orders_of_three_makers_are_cut_in_one_batch(
    service: Service, scheduled: dict[str, int]
) -> None:
    with service.client("operator") as operator:
        listed = operator.get("/api/shop/batches")
        assert listed.status_code == 200, listed.text
        cutting = [b for b in listed.json() if b["process"] == "fiber-laser"]
        assert len(cutting) == 1
        batch = cutting[0]
        assert batch["family"] == "fiber-laser:steel-s235:2"
        assert {s["order_id"] for s in batch["shares"]} == set(scheduled.values())
        total = sum(Decimal(str(s["total"])) for s in batch["shares"])
        assert total == Decimal(str(batch["cost"]))
        (sheet,) = batch["sheets"]
        assert sheet["parts"] == 5 and 0 < sheet["utilisation"] <= 1
        assert operator.get(f"/api/shop/batches/{batch['id']}").json() == batch

        cut = operator.get(f"/api/shop/batches/{batch['id']}/sheets/1.dxf")
        assert cut.status_code == 200
        drawing = ezdxf.read(io.StringIO(cut.text))
        labels = [t.dxf.text for t in drawing.modelspace().query("TEXT[layer=='ENGRAVE']")]
        parts_of = Counter({str(i): 1 for i in scheduled.values()})
        parts_of[str(scheduled[PRODUCT])] = 2  # two gussets
        assert Counter(label.split()[0] for label in labels) == parts_of
        assert f"{scheduled[PRODUCT]} gusset" in labels
        assert len(drawing.modelspace().query("LWPOLYLINE[layer=='CUT']")) >= 5
        picture = operator.get(f"/api/shop/batches/{batch['id']}/sheets/1.svg")
        assert picture.headers["content-type"].startswith("image/svg+xml")
        assert picture.text.count("data-order=") == 5

        assert operator.get(f"/api/shop/batches/{batch['id']}/sheets/2.dxf").status_code == 404
        assert operator.get(f"/api/shop/batches/{batch['id']}/sheets/1.png").status_code == 422
        assert operator.get("/api/shop/batches/999999").status_code == 404
        kept = operator.get("/api/shop/schedules/latest").json()
        assert {t["batch"] for t in kept["tasks"] if t["batch"]} >= {batch["key"]}
    with service.client("operator", shop="other") as elsewhere:
        assert elsewhere.get(f"/api/shop/batches/{batch['id']}").status_code == 404
        assert elsewhere.get(f"/api/shop/batches/{batch['id']}/sheets/1.dxf").status_code == 404
        unscheduled = elsewhere.get("/api/shop/batches")
        assert unscheduled.status_code == 404 and "no schedule yet" in unscheduled.text


def test_a_maker_sees_the_batch_and_only_their_own_share(
    service: Service, scheduled: dict[str, int]
) -> None:
    with service.client("maker") as stranger:
        assert stranger.get("/api/shop/batches").status_code == 403
        mine = scheduled["sprocket.dxf"]
        assert stranger.get(f"/api/orders/{mine}/batches").status_code == 404
    with service.client("operator") as operator:
        listed = operator.get("/api/shop/batches").json()
        batch_id = next(b["id"] for b in listed if b["process"] == "fiber-laser")
    with service.env.uow() as uow:
        row = uow.session.get(uow.orders.table, scheduled["sprocket.dxf"])
        assert row is not None
        owner_id = row.owner_id
        owner = uow.users.by_id(owner_id)
        assert owner is not None
        email = owner.email
    with httpx.Client(base_url=service.url) as browser:
        assert (
            browser.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
        )
        seen = browser.get(f"/api/orders/{mine}/batches").json()
        assert {b["id"] for b in listed if mine in {s["order_id"] for s in b["shares"]}} == {
            b["id"] for b in seen
        }
        batch = next(b for b in seen if b["id"] == batch_id)
        assert all(b["cost"] is None and len(b["shares"]) == 1 for b in seen)
        assert batch["cost"] is None and batch["orders"] == 4
        assert [s["order_id"] for s in batch["shares"]] == [mine]
        picture = browser.get(f"/api/orders/{mine}/batches/{batch_id}/sheets/1.svg").text
        assert picture.count("data-order=") == 1 and f'data-order="{mine}"' in picture
        assert browser.get(f"/api/shop/batches/{batch_id}/sheets/1.dxf").status_code == 403
        page = browser.get(f"/orders/{mine}").text
        assert "Made with other orders" in page and batch["key"] in page
        assert page.count("<g data-order=") == 1  # the sheet as this maker sees it


def test_shop_pages_show_batches_and_sheet_layouts(
    service: Service, scheduled: dict[str, int]
) -> None:
    who, _ = service.user("operator")
    with httpx.Client(base_url=service.url) as browser:
        browser.post("/login", data={"email": who.email, "password": PASSWORD})
        listing = browser.get("/shop/batches")
        assert listing.status_code == 200
        link = re.search(r'href="/shop/batches/(\d+)"', listing.text)
        assert link is not None
        page = browser.get(f"/shop/batches/{link.group(1)}").text
        assert "<svg" in page and page.count("<g data-order=") == 5
        assert f"/shop/batches/{link.group(1)}/sheets/1.dxf" in page
        cut = browser.get(f"/shop/batches/{link.group(1)}/sheets/1.dxf")
        assert cut.status_code == 200 and "ENGRAVE" in cut.text


def test_a_products_parts_are_cut_with_other_orders_then_assembled(
    service: Service, scheduled: dict[str, int]
) -> None:
    product = scheduled[PRODUCT]
    with service.client("operator") as operator:
        batches = operator.get(f"/api/orders/{product}/batches").json()
        tasks = operator.get("/api/shop/schedules/latest").json()["tasks"]
    (batch,) = [b for b in batches if b["process"] == "fiber-laser"]
    assert batch["family"] == "fiber-laser:steel-s235:2"
    assert {s["order_id"] for s in batch["shares"]} == set(scheduled.values())
    assert {b["process"] for b in batches} == {"fiber-laser", "deburr"}
    cut = max(t["end"] for t in tasks if t["batch"] in {b["key"] for b in batches})
    own = {t["task"]: t for t in tasks if t["order_id"] == product}
    assert f"order-{product}/gusset/fiber-laser" not in own  # cut in the batch
    assembled = own[f"order-{product}/assemble-pair"]
    assert assembled["start"] >= cut
    assert own[f"order-{product}/pack"]["start"] >= assembled["end"]


def test_a_new_quote_shows_the_batch_it_could_join(
    service: Service, scheduled: dict[str, int]
) -> None:
    with client_and_browser(service) as (maker, browser):
        design = upload(maker, "sign-plate.dxf")["id"]
        offer = quote(maker, design, quantities=[1, 10], process="fiber-laser")
        (one, ten) = offer["document"]["batching"]
        assert one["quantity"] == 1 and ten["quantity"] == 10
        assert one["batches"] and one["batch_starts"]
        assert (one["process"], one["made_otherwise"]) == ("fiber-laser", {})
        assert one["batched_unit_price"] < one["alone_unit_price"]
        assert ten["batched_unit_price"] < ten["alone_unit_price"]
        assert one["alone_unit_price"] == float(offer["prices"][0]["unit_price"])
        page = browser.get(f"/quotes/{offer['id']}").text
        assert "Alone or with other orders" in page and one["batches"][0] in page
        assert 'name="batched"' in page

        placed = order(maker, offer["id"], 10, "batched-10", batched=True)
        assert placed.status_code == 201, placed.text
        made = placed.json()
        assert made["batched"] is True
        assert float(made["total_price"]) == ten["batched_total_price"]
        assert float(made["total_price"]) < float(offer["prices"][1]["total_price"])
        alone = order(maker, offer["id"], 1, "alone-1").json()
        assert alone["batched"] is False
        assert float(alone["unit_price"]) == float(offer["prices"][0]["unit_price"])


def test_a_new_product_plan_shows_the_batches_its_parts_could_join(
    service: Service, scheduled: dict[str, int]
) -> None:
    with client_and_browser(service) as (maker, browser):
        product = maker.post("/api/products", json={"spec": GUSSETS}).json()
        planning = maker.post(product["plans_url"], json={"quantities": [1, 10]}).json()
        planned = finished(maker, planning)
        assert planned["status"] == "done", planned
        offer = maker.get(planned["quote_url"]).json()
        (one, ten) = offer["document"]["batching"]
        with service.client("operator") as operator:
            keys = {b["process"]: b["key"] for b in operator.get("/api/shop/batches").json()}
        assert one["batches"] == [keys["fiber-laser"], keys["deburr"]]
        assert one["batch_starts"] is not None
        assert one["alone_unit_price"] == float(offer["prices"][0]["unit_price"])
        assert one["batched_unit_price"] < one["alone_unit_price"]
        assert ten["batched_unit_price"] < ten["alone_unit_price"]
        page = browser.get(f"/quotes/{offer['id']}").text
        assert "Alone or with other orders" in page and keys["fiber-laser"] in page
        assert 'name="batched"' in page

        placed = order(maker, offer["id"], 1, "product-batched-1", batched=True)
        assert placed.status_code == 201, placed.text
        assert placed.json()["batched"] is True
        assert float(placed.json()["total_price"]) == one["batched_total_price"]


def test_a_quote_with_no_batch_to_join_says_so(service: Service) -> None:
    with service.client("maker", shop="other") as maker:
        offer = quote(maker, upload(maker, "sign-plate.dxf")["id"], quantities=[1])
        (one,) = offer["document"]["batching"]
        assert one["batches"] == [] and one["batch_starts"] is None
        assert one["batched_unit_price"] == one["alone_unit_price"]
        refused = order(maker, offer["id"], 1, "no-batch", batched=True)
        assert refused.status_code == 409
        assert "no batch was planned" in refused.json()["detail"]
        assert maker.get("/api/orders").json() == []  # nothing was stored


def _cutting(uow: UnitOfWork, shop_id: int) -> tuple[ScheduleRow, list[BatchRow]]:
    latest = uow.schedules.latest(shop_id)
    assert latest is not None
    return latest, [b for b in uow.batches.of_schedule(latest.id) if b.process == "fiber-laser"]


def _work_order_of(service: Service, shop_id: int, key: str) -> int:
    with service.env.uow() as uow:
        row = uow.work_orders.by_key(shop_id, key)
        assert row is not None, f"no work order for {key}"
        return row.id


def test_a_batch_takes_its_offcuts_when_it_starts_and_leaves_its_own_when_it_finishes(
    service: Service, scheduled: dict[str, int]
) -> None:
    who, _ = service.user("operator")
    shop_id = who.shop_id
    assert shop_id is not None
    with service.env.uow() as uow:
        schedule, (batch,) = _cutting(uow, shop_id)
        key, members = batch.key, {m.order_id for m in batch.members}
        nest = batch.document["nest"]
        (offcut,) = [s["remnant_mm"] for s in nest["sheets"] if s["remnant_mm"]]
        assert uow.remnants.in_stock(shop_id) == []  # nothing is cut until a batch runs
    first = _work_order_of(service, shop_id, key)
    parts = act(service.env, who, first, FloorRequest(action=FloorAction.START)).started
    with service.env.uow() as uow:
        assert uow.remnants.in_stock(shop_id) == []  # its off-cut is there once it finishes
        assert {uow.orders.by_id(o).status for o in members} == {"in_production"}
    with service.client("maker") as maker:
        offer = quote(maker, upload(maker, "wall-bracket.dxf")["id"], quantities=[1])
        assert order(maker, offer["id"], 1, "after-start").status_code == 201
        late = max(o["id"] for o in maker.get("/api/orders").json())
    schedule_shop(service.env, shop_id, None, SolverSettings(time_limit=2))
    with service.env.uow() as uow:
        schedule, cutting = _cutting(uow, shop_id)
        assert key not in {b.key for b in cutting}  # under way: held, not batched again
        held = [t for t in schedule.document["tasks"] if t["job"] == f"wo-{first}"]
        assert [(t["batch"], set(t["orders"])) for t in held] == [(key, members)]
    act(service.env, who, first, FloorRequest(action=FloorAction.FINISH, good=parts))
    with service.env.uow() as uow:
        (stocked,) = uow.remnants.in_stock(shop_id)
        assert (stocked.source_batch, stocked.source_sheet) == (key, 1)
        assert (stocked.length_mm, stocked.width_mm) == tuple(offcut)
        assert (stocked.material, stocked.thickness_mm) == ("steel-s235", 2)
    schedule_shop(service.env, shop_id, None, SolverSettings(time_limit=2))
    with service.env.uow() as uow:
        _, cutting = _cutting(uow, shop_id)
        (later,) = cutting
        assert late in {m.order_id for m in later.members}
        (sheet,) = later.document["nest"]["sheets"]
        assert sheet["from_remnant"] == stocked.id  # the late order is nested on the off-cut
        assert sheet["size_mm"] == [max(offcut), min(offcut)]
        later_id, later_key = later.id, later.key
    with service.client("operator") as operator:
        listed = operator.get("/api/shop/remnants").json()
        assert [(r["id"], r["planned_batch"]["key"]) for r in listed] == [(stocked.id, later_key)]
        (sheet,) = operator.get(f"/api/shop/batches/{later_id}").json()["sheets"]
        assert sheet["from_remnant"] == stocked.id
    with client_and_browser(service, "operator") as (_, browser):
        page = browser.get(f"/shop/batches/{later_id}").text
        assert f"off-cut #{stocked.id}</a> from stock" in page
        assert (
            f'href="/shop/batches/{later_id}">{later_key}</a>' in browser.get("/shop/remnants").text
        )
    second = _work_order_of(service, shop_id, later_key)
    parts = act(service.env, who, second, FloorRequest(action=FloorAction.START)).started
    with service.env.uow() as uow:
        cut = uow.remnants.get(shop_id, stocked.id)
        assert cut.used_by == later_key and cut.removed_at is not None
        assert uow.remnants.in_stock(shop_id) == []
    act(service.env, who, second, FloorRequest(action=FloorAction.FINISH, good=parts))
    with service.env.uow() as uow:
        left = list(uow.remnants.in_stock(shop_id))  # what the late batch left of it
        assert [(r.source_batch, r.source_sheet) for r in left] == [(later_key, 1)]
        assert left[0].length_mm < cut.length_mm
        assert uow.orders.by_id(late).status == "in_production"  # its other work is to come
    with pytest.raises(ConflictError, match="done"):  # nothing is booked after close
        act(service.env, who, second, FloorRequest(action=FloorAction.START))


def test_a_part_made_another_way_alone_joins_a_batch_of_a_way_that_is_cheaper_there(
    service: Service, scheduled: dict[str, int]
) -> None:
    who, _ = service.user("operator")
    assert who.shop_id is not None
    with service.client("maker") as first:  # opens batches of 3 mm steel and 6 mm plywood
        design = upload(first, "wall-bracket.dxf")["id"]
        offer = quote(first, design, quantities=[1], thickness_mm=3, process="fiber-laser")
        assert order(first, offer["id"], 1, "fiber-3mm").status_code == 201
        design = upload(first, "sprocket.dxf")["id"]
        plywood = {"material": "birch-plywood", "thickness_mm": 6, "process": "cnc-router"}
        offer = quote(first, design, quantities=[20], **plywood)
        routed = order(first, offer["id"], 20, "router-6mm")
        assert routed.status_code == 201, routed.text
    schedule_shop(service.env, who.shop_id, None, SolverSettings(time_limit=2))
    opened = {"fiber-laser:steel-s235:3", "cnc-router:birch-plywood:6"}
    with service.env.uow() as uow:  # whenever this runs, neither starts within the hour
        latest = uow.schedules.latest(who.shop_id)
        assert latest is not None
        batches = [b for b in uow.batches.of_schedule(latest.id) if b.family in opened]
        assert len(batches) == 2
        for batch in batches:
            assert batch.start is not None and batch.end is not None
            later = max(timedelta(0), now() + timedelta(hours=1) - batch.start)
            batch.start, batch.end = batch.start + later, batch.end + later
        uow.commit()
    with client_and_browser(service) as (maker, browser):
        offer = quote(maker, upload(maker, "sprocket.dxf")["id"], quantities=[1], thickness_mm=3)
        assert offer["document"]["best"][0]["process"] == "plasma"  # the cheapest alone
        (one,) = offer["document"]["batching"]
        assert one["process"] == "fiber-laser"
        assert one["made_otherwise"] == {"sprocket.dxf": "fiber-laser"}
        assert one["batched_unit_price"] < one["alone_unit_price"]
        page = browser.get(f"/quotes/{offer['id']}").text
        assert "sprocket.dxf by Fiber laser cutting (3 kW)" in page
        placed = order(maker, offer["id"], 1, "made-otherwise", batched=True)
        assert placed.status_code == 201, placed.text
        sprocket = placed.json()["id"]

        part = {  # plates that cost about the same cut by laser or router
            **GUSSETS["parts"][0],  # type: ignore[index]
            "material": "birch-plywood",
            "thickness": 6,
            "geometry": {"shape": "plate", "width": "150 mm", "height": "100 mm"},
        }
        del part["process"]
        product = maker.post("/api/products", json={"spec": {**GUSSETS, "parts": [part]}}).json()
        planning = maker.post(product["plans_url"], json={"quantities": [5]}).json()
        planned = finished(maker, planning)
        assert planned["status"] == "done", planned
        plan = maker.get(planned["quote_url"]).json()
        assert plan["document"]["prices"][0]["ways"] == {"gusset": "co2-laser"}
        (five,) = plan["document"]["batching"]
        assert (five["ways"], five["made_otherwise"]) == ({"gusset": "cnc-router"},) * 2
        assert five["batched_unit_price"] < five["alone_unit_price"]
        placed = order(maker, plan["id"], 5, "product-made-otherwise", batched=True)
        assert placed.status_code == 201, placed.text
        gussets = placed.json()["id"]
    schedule_shop(service.env, who.shop_id, None, SolverSettings(time_limit=2))
    with service.env.uow() as uow:
        latest = uow.schedules.latest(who.shop_id)
        assert latest is not None
        for made_otherwise, batched_way, alone_way in (
            (sprocket, "fiber-laser:steel-s235:3", "plasma"),
            (gussets, "cnc-router:birch-plywood:6", "co2-laser"),
        ):
            families = {b.family for b in uow.batches.of_order(made_otherwise, latest.id)}
            assert batched_way in families
            assert not any(f.startswith(alone_way) for f in families)
