"""A quote asked again without uploading again, over HTTP on both backends: a design read
in other units (the REST route and the quote page's button), other options on the quote
page, a flagged reading that is only ordered when confirmed, refused forms that keep what
was entered, and "ready by" that agrees with the lead time."""

import html
import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import ezdxf
import httpx
from sqlalchemy import func, select
from tests.e2e.conftest import PASSWORD, Service
from tests.e2e.test_api_flow import order, quote, upload

from bespoke.store.tables import DesignRow, OrderRow

INCH_PLATE = "inch-plate.dxf"
INCH_PLATE_MM = (101.6, 76.2)


def inch_plate_dxf() -> bytes:
    """A 4 x 3 inch plate drawn in inches, its header naming no units (and metric
    measurement): read as mm it is a 4 mm part, and flagged as doubtful."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 0
    doc.header["$MEASUREMENT"] = 1
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 3), (0, 3)], close=True)
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode()


def upload_inch_plate(client: httpx.Client) -> dict:
    response = client.post("/api/designs", files={"file": (INCH_PLATE, inch_plate_dxf())})
    assert response.status_code == 201, response.text
    return response.json()


@contextmanager
def cookie_session(service: Service, email: str) -> Iterator[tuple[httpx.Client, str]]:
    """A browser-like client signed in by cookie, and its CSRF token; as patient as the
    API clients with the shop's workers."""
    with httpx.Client(base_url=service.url, timeout=60) as browser:
        signed = browser.post("/api/session", json={"email": email, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        yield browser, signed.json()["csrf_token"]


def designs_stored(service: Service) -> int:
    with service.env.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(DesignRow)) or 0)


def orders_stored(service: Service) -> int:
    with service.env.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(OrderRow)) or 0)


def csrf_of(page: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, page
    return token.group(1)


def test_a_flagged_design_is_read_again_in_the_units_suggested(maker: httpx.Client) -> None:
    design = upload_inch_plate(maker)
    units = design["geometry"]["units"]
    assert units["suspicious"] and units["used"] == "mm"
    assert units["alternative_units"] == "inch"

    response = maker.post(f"/api/designs/{design['id']}/readings", json={"units": "inch"})
    assert response.status_code == 201, response.text
    inch = response.json()
    assert inch["id"] != design["id"] and inch["sha256"] == design["sha256"]
    assert response.headers["location"] == f"/api/designs/{inch['id']}"
    assert inch["units"] == "inch"
    assert inch["geometry"]["units"]["suspicious"] is False
    width, height = inch["geometry"]["bbox_mm"]
    assert (round(width, 3), round(height, 3)) == INCH_PLATE_MM

    again = maker.post(f"/api/designs/{design['id']}/readings", json={"units": "in"})
    assert again.json()["id"] == inch["id"]  # one design per reading
    auto = maker.post(f"/api/designs/{inch['id']}/readings", json={"units": "auto"})
    assert auto.status_code == 201 and auto.json()["id"] == design["id"]


def test_a_reading_in_unknown_units_is_refused_naming_the_accepted(
    service: Service, maker: httpx.Client
) -> None:
    design = upload_inch_plate(maker)
    before = designs_stored(service)
    for units in ("furlong", "", "MM2"):
        refused = maker.post(f"/api/designs/{design['id']}/readings", json={"units": units})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        detail = refused.json()["detail"]
        assert "accepted: auto, mm, cm, m, inch, ft" in detail or units == "", detail
    missing = maker.post(f"/api/designs/{design['id']}/readings", json={})
    assert missing.status_code == 422 and "units" in missing.text
    too_long = maker.post(f"/api/designs/{design['id']}/readings", json={"units": "x" * 50})
    assert too_long.status_code == 422
    assert designs_stored(service) == before


def test_only_the_owner_reads_a_design_again(service: Service, maker: httpx.Client) -> None:
    design = upload_inch_plate(maker)
    before = designs_stored(service)
    with service.client("maker") as stranger, service.client("operator") as operator:
        for other in (stranger, operator):
            refused = other.post(f"/api/designs/{design['id']}/readings", json={"units": "inch"})
            assert refused.status_code == 404, refused.text
            assert refused.json()["detail"] == f"design {design['id']} not found"
    unknown = maker.post("/api/designs/2147483647/readings", json={"units": "inch"})
    assert unknown.status_code == 404
    assert designs_stored(service) == before


def test_a_flagged_reading_is_ordered_only_when_confirmed(
    service: Service, maker: httpx.Client
) -> None:
    design = upload_inch_plate(maker)
    offer = quote(maker, design["id"], material="acrylic-cast", thickness_mm=3, quantities=[1])
    assert offer["document"]["geometry"]["units"]["suspicious"]
    before = orders_stored(service)

    refused = order(maker, offer["id"], 1, "flagged-1")
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["path"] == "confirm_reading"
    assert "read in mm" in problem["detail"] and "confirm_reading: true" in problem["detail"]
    assert f"/api/designs/{design['id']}/readings" in problem["detail"]
    assert orders_stored(service) == before

    confirmed = maker.post(
        "/api/orders",
        json={"quote_id": offer["id"], "quantity": 1, "confirm_reading": True},
        headers={"Idempotency-Key": "flagged-1"},
    )
    assert confirmed.status_code == 201, confirmed.text
    assert orders_stored(service) == before + 1


def test_the_quote_page_quotes_a_flagged_drawing_as_inch(service: Service) -> None:
    who, _ = service.user("maker")
    with cookie_session(service, who.email) as (browser, csrf):
        sent = browser.post(
            "/quote",
            data={"csrf_token": csrf, "material": "acrylic-cast", "thickness": "3"},
            files={"file": (INCH_PLATE, inch_plate_dxf())},
        )
        assert sent.status_code == 303, sent.text
        page = browser.get(sent.headers["location"]).text
        assert "The sizes may be misread" in page and "Quote it as inch" in page
        assert "I confirm the sizes are right as read (units mm)" in page
        quote_id = int(sent.headers["location"].rsplit("/", 1)[1])

        read = browser.post(
            f"/quotes/{quote_id}/reading", data={"csrf_token": csrf, "units": "inch"}
        )
        assert read.status_code == 303, read.text
        new_page = browser.get(read.headers["location"]).text
        assert "The sizes may be misread" not in new_page
        assert "101.6 \u00d7 76.2 mm" in new_page
        assert "I confirm the sizes" not in new_page

        bad = browser.post(f"/quotes/{quote_id}/reading", data={"csrf_token": csrf, "units": "yd"})
        assert bad.status_code == 422 and "accepted: auto, mm, cm, m, inch, ft" in bad.text

    stranger, _ = service.user("maker")
    with cookie_session(service, stranger.email) as (browser, csrf):
        hidden = browser.post(
            f"/quotes/{quote_id}/reading", data={"csrf_token": csrf, "units": "inch"}
        )
        assert hidden.status_code == 404


def test_the_quote_page_changes_the_options_without_uploading(
    service: Service, maker: httpx.Client
) -> None:
    design = upload(maker)
    offer = quote(maker, design["id"], quantities=[1, 10])
    with cookie_session(service, maker_email(service, maker)) as (browser, csrf):
        page = browser.get(f"/quotes/{offer['id']}").text
        assert 'id="requote"' in page and "I supply the material" in page
        assert 'id="requote-infill"' not in page  # a drawing: no infill
        form = {
            "csrf_token": csrf,
            "material": "aluminium-5052",
            "thickness": "3",
            "finish": "",
            "process": "cheapest",
            "lead_tier": "expedite",
            "own_material": "true",
            "quantities": "1, 10",
        }
        sent = browser.post(f"/quotes/{offer['id']}/requote", data=form)
        assert sent.status_code == 303, sent.text
        new_id = int(sent.headers["location"].rsplit("/", 1)[1])
    new = maker.get(f"/api/quotes/{new_id}").json()
    assert new["design_id"] == design["id"]
    assert new["document"]["material"] == "aluminium-5052"
    assert new["document"]["thickness_mm"] == 3
    assert new["document"]["choices"] == {
        "infill": None,
        "lead_tier": "expedite",
        "own_material": True,
    }
    assert new["request"]["lead_tier"] == "expedite" and new["request"]["own_material"] is True


def test_a_refused_requote_keeps_what_was_entered(service: Service, maker: httpx.Client) -> None:
    design = upload(maker)
    offer = quote(maker, design["id"], quantities=[1, 10])
    quotes_before = len(maker.get("/api/quotes").json())
    with cookie_session(service, maker_email(service, maker)) as (browser, csrf):
        form = {
            "csrf_token": csrf,
            "material": "steel-s235",
            "thickness": "7",
            "process": "cheapest",
            "lead_tier": "economy",
            "own_material": "true",
            "quantities": "2, 20",
        }
        refused = browser.post(f"/quotes/{offer['id']}/requote", data=form)
        assert refused.status_code == 422
        assert "steel-s235 is not stocked 7 mm thick (stocked:" in refused.text
        assert '<option value="7" selected>7 (as entered)</option>' in refused.text
        assert '<option value="economy" selected>' in refused.text
        assert 'name="own_material" value="true" checked' in refused.text
        assert 'value="2, 20"' in refused.text
        for field, value, reason in (
            ("material", "unobtainium", "unknown material 'unobtainium'"),
            ("infill", "200", "infill: '200' is not a percentage from 5 to 100"),
            ("lead_tier", "tomorrow", "accepted: economy, standard, expedite"),
            ("quantities", "0", "quantities"),
            ("thickness", "thick", "thickness"),
        ):
            bad = browser.post(
                f"/quotes/{offer['id']}/requote", data={**form, "thickness": "2", field: value}
            )
            assert bad.status_code == 422, (field, bad.text)
            assert reason in html.unescape(bad.text), (field, bad.text)
        with service.client("maker") as stranger:
            other = stranger.post("/api/designs", files={"file": (INCH_PLATE, inch_plate_dxf())})
            theirs = quote(stranger, other.json()["id"], material="acrylic-cast", thickness_mm=3)
        hidden = browser.post(f"/quotes/{theirs['id']}/requote", data={**form, "thickness": "2"})
        assert hidden.status_code == 404
    assert len(maker.get("/api/quotes").json()) == quotes_before


def test_a_refused_upload_keeps_what_was_entered_and_the_file(
    service: Service, maker: httpx.Client
) -> None:
    with cookie_session(service, maker_email(service, maker)) as (browser, csrf):
        form = {
            "csrf_token": csrf,
            "material": "steel-s235",
            "thickness": "7",
            "finish": "powder-coat",
            "quantities": "3, 30",
            "units": "inch",
        }
        refused = browser.post("/quote", data=form, files={"file": (INCH_PLATE, inch_plate_dxf())})
        assert refused.status_code == 422
        assert "steel-s235 is not stocked 7 mm thick" in refused.text
        assert '<option value="inch" selected>' in refused.text
        assert '<option value="steel-s235" selected>' in refused.text
        assert '<option value="powder-coat" selected>' in refused.text
        assert 'value="7"' in refused.text and 'value="3, 30"' in refused.text
        kept = re.search(r'name="design_id" value="(\d+)"', refused.text)
        assert kept is not None and f"<strong>{INCH_PLATE}</strong> is kept" in refused.text

        again = browser.post("/quote", data={**form, "thickness": "2", "design_id": kept.group(1)})
        assert again.status_code == 303, again.text
        offer = maker.get("/api/quotes/" + again.headers["location"].rsplit("/", 1)[1]).json()
        assert offer["document"]["geometry"]["units"]["used"] == "inch"
        assert offer["document"]["finish"] == "powder-coat"

        bad_units = browser.post(
            "/quote",
            data={**form, "thickness": "2", "units": "cubit"},
            files={"file": (INCH_PLATE, inch_plate_dxf())},
        )
        assert bad_units.status_code == 422
        assert "accepted: auto, mm, cm, m, inch, ft" in bad_units.text
        assert '<option value="steel-s235" selected>' in bad_units.text
        for design_id in ("", "x", "\u00b2", "0", "99999999999999999999"):
            nothing = browser.post("/quote", data={**form, "design_id": design_id})
            assert nothing.status_code == 422 and "choose a design file" in nothing.text
        with service.client("maker") as stranger:
            theirs = upload_inch_plate(stranger)["id"]
        hidden = browser.post("/quote", data={**form, "thickness": "2", "design_id": theirs})
        assert hidden.status_code == 404


def test_ready_by_and_the_lead_time_agree(service: Service, maker: httpx.Client) -> None:
    offer = quote(maker, upload(maker)["id"], quantities=[1, 100, 1000])
    created = datetime.fromisoformat(offer["created_at"])
    for price in offer["prices"]:
        ready = datetime.fromisoformat(price["promised_at"])
        assert price["lead_time_days"] == math.ceil((ready - created) / timedelta(days=1))
    placed = order(maker, offer["id"], 100, "ready-1").json()
    due = datetime.fromisoformat(placed["due_date"])
    days = offer["prices"][1]["lead_time_days"]
    assert due - datetime.fromisoformat(placed["created_at"]) == timedelta(days=days)


def maker_email(service: Service, client: httpx.Client) -> str:
    return str(client.account.email)  # type: ignore[attr-defined]


def test_a_printed_part_is_quoted_again_with_another_infill(
    service: Service, maker: httpx.Client
) -> None:
    design = upload(maker, "cable-clip.stl")
    offer = maker.post(
        "/api/quotes", json={"design_id": design["id"], "material": "petg", "quantities": [1]}
    ).json()
    with cookie_session(service, maker_email(service, maker)) as (browser, csrf):
        page = browser.get(f"/quotes/{offer['id']}").text
        assert 'id="requote-infill"' in page and 'id="requote-thickness"' not in page
        form = {"csrf_token": csrf, "material": "petg", "infill": "30", "quantities": "1"}
        sent = browser.post(f"/quotes/{offer['id']}/requote", data=form)
        assert sent.status_code == 303, sent.text
        again = browser.get(sent.headers["location"]).text
        assert re.search(r'id="requote-infill"[^>]*value="30"', again), again
    new = maker.get("/api/quotes/" + sent.headers["location"].rsplit("/", 1)[1]).json()
    assert new["document"]["choices"]["infill"] == 0.3
    assert new["request"]["infill"] == 0.3
