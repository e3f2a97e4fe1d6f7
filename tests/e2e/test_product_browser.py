"""A product configured through its generated form in a real browser (Chromium): an
example picked, a value past its limit held by the browser and refused by the server
with the option named and what was typed kept, fixed in inches, planned; the plan's
pictures, bought items and downloads; back to the form with the spec and the options
kept. At a desktop's and a phone's width, with screenshots."""

import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import Service
from tests.e2e.test_browser import (
    DESKTOP,
    PHONE,
    PLAN_TIMEOUT_MS,
    Watched,
    browser,
    overflow,
    shot,
    sign_in,
)

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser"]  # the fixture used here


def test_a_product_is_configured_by_its_form_planned_and_its_form_kept(
    service: Service, browser: Browser
) -> None:
    maker, _ = service.user("maker")
    watched = Watched(browser, service, DESKTOP)
    try:
        page = watched.page
        page.goto("/products")
        sign_in(page, maker.email)
        page.goto("/products")
        expect(page.get_by_role("heading", name="Plan a product")).to_be_visible()
        shot(page, "p1-products")

        # an example's options: a value past its limit is held by the browser ...
        page.get_by_role("link", name="Shelf bracket set").click()
        expect(page.get_by_role("heading", name="Shelf bracket set")).to_be_visible()
        expect(page.get_by_label("Depth", exact=False).first).to_have_value("200")
        shot(page, "p2-product-form")
        page.fill("#option-depth", "400")
        page.fill("#option-brackets", "4")
        page.fill("#quantities", "1, 10")
        assert page.locator("#option-depth").evaluate("input => input.validity.rangeOverflow")

        # ... and, sent anyway, refused by the server with the option named and kept
        page.locator("#product-options").evaluate("form => { form.noValidate = true; }")
        page.get_by_role("button", name="Plan it").click(no_wait_after=True)
        expect(page.get_by_role("alert")).to_contain_text(
            "Depth: 400 mm is above the maximum 350 mm", timeout=PLAN_TIMEOUT_MS
        )
        expect(page.locator("#option-depth")).to_have_value("400")
        expect(page.locator("#option-brackets")).to_have_value("4")
        expect(page.locator("#quantities")).to_have_value("1, 10")
        shot(page, "p3-option-refused")

        # fixed in inches (the limits follow the unit), and planned
        page.select_option("select[name='unit.depth']", "in")
        expect(page.locator("#option-depth")).to_have_attribute("max", "13.7795")
        page.fill("#option-depth", "10")
        with page.expect_navigation(url=re.compile(r"/quotes/\d+$"), timeout=PLAN_TIMEOUT_MS):
            page.get_by_role("button", name="Plan it").click(no_wait_after=True)
        plan_url = page.url
        expect(page).to_have_title(re.compile("^Plan of Shelf bracket set"))
        expect(page.get_by_label("Options")).to_contain_text("Depth: 254 mm")
        picture = page.locator("#part-bracket img.preview")
        expect(picture).to_be_visible()
        picture.evaluate("img => img.decode()")
        assert picture.evaluate("img => img.naturalWidth") > 0
        expect(page.locator("#bought-items")).to_contain_text("Screw 5 x 50 mm, zinc")
        expect(page.locator("#bought-items")).to_contain_text("8 pieces")
        shot(page, "p4-product-plan")
        archive = download(page, "Drawings and meshes (ZIP)")
        with zipfile.ZipFile(archive) as parts:
            assert parts.namelist() == ["bracket.dxf"]
        report = download(page, "The plan as one file (HTML)")
        assert "Shelf bracket set" in report.read_text(encoding="utf-8")

        # back to the form: the spec and the options as planned
        page.get_by_role("link", name="Back to the product form").click()
        expect(page.locator("#option-depth")).to_have_value("10")
        expect(page.locator("select[name='unit.depth']")).to_have_value("in")
        expect(page.locator("#option-brackets")).to_have_value("4")
        expect(page.locator("#spec_text")).to_have_value(re.compile("name: Shelf bracket set"))
        shot(page, "p5-back-to-the-form")
        form_url = page.url
    finally:
        watched.close()
    refusal = "status of 422 (Unprocessable Entity) (" + service.url + "/products/plan)"
    problems = [p for p in watched.problems if not p.endswith(refusal)]
    assert len(problems) == len(watched.problems) - 1, "the refusal, and nothing else"
    assert not problems, problems

    phone = Watched(browser, service, PHONE)
    try:
        page = phone.page
        page.goto(plan_url)
        sign_in(page, maker.email)
        page.goto(plan_url)
        expect(page.locator("#bought-items")).to_be_visible()
        assert overflow(page) == 0, "the plan scrolls sideways on a phone"
        shot(page, "p6-product-plan-phone")
        page.goto(form_url)
        expect(page.locator("#option-depth")).to_have_value("10")
        assert overflow(page) == 0, "the form scrolls sideways on a phone"
        shot(page, "p7-product-form-phone")
    finally:
        phone.close()
    assert not phone.problems, phone.problems


def download(page: Page, link: str) -> Path:
    """Follow a download link; the file the browser saved."""
    with page.expect_download() as started:
        page.get_by_role("link", name=link).click()
    return started.value.path()
