"""The part on the quote page in a real browser: a drawing with its DFM findings and open
chains marked where they are, and a mesh in 3-D, turned by WebGL and measured by two
clicks; the prices and their "Ready by" dates at a phone's width."""

import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import Service
from tests.e2e.test_browser import (
    DESKTOP,
    PHONE,
    Watched,
    browser,
    overflow,
    send_quote_form,
    shot,
    sign_in,
)

from bespoke.api.pages.part_view import mesh_view_built

pytestmark = pytest.mark.parametrize("service", ["sqlite"], indirect=True)
__all__ = ["browser"]

CUBE_MM = 20.0


def quote_file(page: Page, design: Path, material: str, thickness: str = "") -> None:
    """Quote a design file from the quote form."""
    page.goto("/quote")
    page.set_input_files("#file", design)
    page.select_option("#material", material)
    page.fill("#thickness", thickness)
    send_quote_form(page)


def test_the_part_is_shown_with_its_findings_marked_and_measured_in_3d(
    service: Service, browser: Browser, shared_fixtures: Path
) -> None:
    """A drawing with a 0.35 mm hole and open chains: each is marked on the drawing and
    lit up from the list; a 20 mm cube turns in 3-D and two clicks on it measure a
    distance no longer than its diagonal; a phone still sees the dates prices are ready."""
    maker, _ = service.user("maker")
    watched = Watched(browser, service, DESKTOP)
    try:
        page = watched.page
        page.goto("/quote")
        sign_in(page, maker.email)

        # the drawing, its findings marked where they are
        quote_file(page, shared_fixtures / "dxf" / "d2g_pumpenteile.dxf", "steel-s235", "1")
        expect(page).to_have_title(re.compile(r"d2g_pumpenteile\.dxf"))
        drawing = page.locator("svg.drawing")
        expect(drawing.locator("path.hole").first).to_be_visible()
        expect(drawing.locator("path.open").first).to_be_attached()
        hole = page.locator("button.mark-item", has_text="hole or slot: 0.35 mm")
        expect(hole).to_contain_text("Fiber laser cutting (3 kW) needs at least 1 mm")
        expect(page.locator("button.mark-item", has_text="Open chain").first).to_be_visible()
        mark_id = hole.get_attribute("data-mark")
        mark = page.locator(f"#{mark_id}")
        hole.hover()
        expect(mark).to_have_class(re.compile(r"\blit\b"))
        home = drawing.get_attribute("viewBox")
        hole.click()
        expect(drawing).not_to_have_attribute("viewBox", home or "")
        mark.focus()
        expect(hole).to_have_class(re.compile(r"\blit\b"))
        shot(page, "30-quote-drawing-marked")
        drawing_quote = page.url
        page.get_by_role("button", name="Whole part").click()
        expect(drawing).to_have_attribute("viewBox", home or "")

        # the cube, in 3-D
        quote_file(page, shared_fixtures / "stl" / "trimesh_20mm-xyz-cube.stl", "pla")
        view = page.locator("figure[data-mesh-view]")
        if not mesh_view_built():
            expect(view.locator("img.preview")).to_be_visible()
            expect(view).to_contain_text("no 3-D view installed")
            pytest.fail("the 3-D view's script is not built: run scripts/setup")
        expect(view).to_have_attribute("data-state", "drawn")
        canvas = view.locator("canvas")
        assert _drawn_share(canvas.screenshot()) > 0.05, "the canvas shows only its background"
        page.get_by_role("button", name="Measure").click()
        box = canvas.bounding_box()
        assert box is not None
        centre_x, centre_y = box["width"] / 2, box["height"] / 2
        canvas.click(position={"x": centre_x - 30, "y": centre_y - 10})
        canvas.click(position={"x": centre_x + 30, "y": centre_y + 25})
        distance = view.locator("[data-role=distance]")
        expect(distance).to_contain_text(re.compile(r"Distance: [\d.]+ mm"))
        measured = float(distance.get_attribute("data-mm") or "nan")
        assert 1.0 < measured <= CUBE_MM * math.sqrt(3) + 0.01, measured
        shot(page, "31-quote-mesh-measured")
        cube_quote = page.url
    finally:
        watched.close()
    assert not watched.problems, watched.problems

    phone = Watched(browser, service, PHONE)
    try:
        page = phone.page
        page.goto(cube_quote)
        sign_in(page, maker.email)
        expect(page.locator("figure[data-mesh-view]")).to_have_attribute("data-state", "drawn")
        ready = page.get_by_role("columnheader", name="Ready by")
        expect(page.locator("td.ready time").first).to_be_visible()
        edge = ready.bounding_box()
        assert edge is not None and edge["x"] + edge["width"] <= PHONE["width"], edge
        shot(page, "32-phone-quote-mesh")
        assert overflow(page) == 0
        page.goto(drawing_quote)
        expect(page.locator("button.mark-item").first).to_be_visible()
        shot(page, "33-phone-quote-drawing")
        assert overflow(page) == 0
    finally:
        phone.close()
    assert not phone.problems, phone.problems


def _drawn_share(png: bytes) -> float:
    """The share of a picture's pixels that differ from its corner (the background)."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    drawn = np.any(pixels != pixels[2, 2], axis=-1)
    return float(drawn.mean())
