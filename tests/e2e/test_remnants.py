"""Off-cuts in a shop's stock over HTTP and on the page: put in, listed, scrapped; bad
input refused with the reason and the stock left as it was."""

import re

import pytest
from tests.e2e.conftest import Service
from tests.e2e.test_batches import client_and_browser


def test_an_offcut_put_in_by_hand_is_listed_then_scrapped(service: Service) -> None:
    with service.client("operator") as operator:
        added = operator.post(
            "/api/shop/remnants",
            json={"material": "steel-s235", "thickness_mm": 3, "size_mm": [600, 1500]},
        )
        assert added.status_code == 201, added.text
        offcut = added.json()
        assert offcut["size_mm"] == [1500, 600]  # length first
        assert offcut["source_batch"] is None and offcut["removed_at"] is None
        assert [r["id"] for r in operator.get("/api/shop/remnants").json()] == [offcut["id"]]

        scrapped = operator.post(f"/api/shop/remnants/{offcut['id']}/scrap")
        assert scrapped.status_code == 200, scrapped.text
        assert scrapped.json()["removed_at"] is not None
        assert operator.get("/api/shop/remnants").json() == []
        again = operator.post(f"/api/shop/remnants/{offcut['id']}/scrap")
        assert again.status_code == 422
        assert "no longer in stock: scrapped" in again.json()["detail"]
    with service.client("operator", shop="other") as elsewhere:
        assert elsewhere.get("/api/shop/remnants").json() == []
        assert elsewhere.post(f"/api/shop/remnants/{offcut['id']}/scrap").status_code == 404
    with service.client("maker") as maker:
        assert maker.get("/api/shop/remnants").status_code == 403


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            {"material": "pla", "thickness_mm": 2, "size_mm": [500, 500]},
            "stocks no sheet of 'pla' (accepted: abs, acrylic-cast,",
        ),
        (
            {"material": "steel-s235", "thickness_mm": 2.2, "size_mm": [500, 500]},
            "steel-s235 is stocked 0.8, 1, 1.2",
        ),
        (
            {"material": "steel-s235", "thickness_mm": 2, "size_mm": [500, 60]},
            "60 mm across is scrap; an off-cut in stock is at least 100 mm",
        ),
        (
            {"material": "steel-s235", "thickness_mm": 2, "size_mm": [3200, 1000]},
            "larger than every steel-s235 sheet (3000 x 1500, 2500 x 1250, 2000 x 1000 mm)",
        ),
        (
            {"material": "steel-s235", "thickness_mm": 2, "size_mm": [-5, 500]},
            "size_mm.0: Input should be greater than 0",
        ),
        (
            {"material": "steel-s235", "thickness_mm": 0, "size_mm": [500, 500]},
            "thickness_mm: Input should be greater than 0",
        ),
    ],
)
def test_a_bad_offcut_is_refused_with_the_reason(
    service: Service, body: dict[str, object], reason: str
) -> None:
    with service.client("operator", shop="other") as operator:
        refused = operator.post("/api/shop/remnants", json=body)
        assert refused.status_code == 422
        assert reason in refused.json()["detail"]
        assert operator.get("/api/shop/remnants").json() == []


def test_the_page_lists_offcuts_puts_one_in_and_scraps_it(service: Service) -> None:
    with client_and_browser(service) as (_, maker):
        assert maker.get("/shop/remnants").status_code == 403
    with client_and_browser(service, "operator") as (operator, browser):
        page = browser.get("/shop/remnants")
        assert page.status_code == 200 and "No off-cuts in stock" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {
            "csrf_token": token.group(1),
            "material": "birch-plywood",
            "thickness_mm": "6",
            "length_mm": "400",
            "width_mm": "900",
        }
        assert browser.post("/shop/remnants", data=form).status_code == 303
        listed = browser.get("/shop/remnants").text
        assert "birch-plywood" in listed and "put in by hand" in listed
        assert "900 \u00d7 400" in listed
        refused = browser.post("/shop/remnants", data={**form, "thickness_mm": "7"})
        assert refused.status_code == 422 and "birch-plywood is stocked" in refused.text
        (offcut,) = operator.get("/api/shop/remnants").json()
        scrap = f"/shop/remnants/{offcut['id']}/scrap"
        assert f'action="{scrap}"' in listed
        assert browser.post(scrap, data={"csrf_token": token.group(1)}).status_code == 303
        assert "No off-cuts in stock" in browser.get("/shop/remnants").text
