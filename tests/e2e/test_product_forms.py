"""Products by form over HTTP: the options form generated from an example's parameters, a
bad option refused before any task with the option named and what was typed kept, nothing
stored for it; the plan's way back to its form; and what a plan made: its parts as real
DXF drawings and STL meshes in one ZIP archive, their pictures and the HTML plan."""

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import ezdxf
import httpx
import pytest
import trimesh
import yaml
from tests.e2e.conftest import EXAMPLES, PASSWORD, Service
from tests.e2e.test_hostile_input import refused
from tests.e2e.test_schedule_api import finished

from bespoke.store.tables import ProductRow, QuoteRow, TaskRunRow


def count(service: Service, table: type) -> int:
    with service.env.uow() as uow:
        return uow.session.query(table).count()


@pytest.fixture
def browser(service: Service) -> Iterator[httpx.Client]:
    """A maker signed in with a session cookie, as a browser is."""
    who, _ = service.user("maker")
    with httpx.Client(base_url=service.url, timeout=60) as client:
        client.post("/login", data={"email": who.email, "password": PASSWORD})
        yield client


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_the_form_refuses_a_bad_option_before_any_task_and_keeps_the_spec_on_the_way_back(
    service: Service, browser: httpx.Client
) -> None:
    spec = (EXAMPLES / "products" / "shelf-bracket-set.yaml").read_text()
    start = browser.get("/products")
    assert 'href="/products/examples/shelf-bracket-set"' in start.text
    form = browser.get("/products/examples/shelf-bracket-set")
    assert form.status_code == 200, form.text
    assert "<title>Options of Shelf bracket set · Bespoke</title>" in form.text
    depth = re.search(r'<input type="number" id="option-depth"[^>]*>', form.text, re.S)
    assert depth, form.text
    for attribute in ('step="any"', 'min="120"', 'max="350"', 'data-max-mm="350"'):
        assert attribute in depth.group(0)
    assert 'name="unit.depth"' in form.text and "shelf depth · from 120 mm to 350 mm" in form.text
    assert re.search(r'id="option-brackets"[^>]*step="1"', form.text)
    fields = {
        "csrf_token": csrf(form),
        "spec_text": spec,
        "option.depth": "400",
        "unit.depth": "mm",
        "option.drop": "150",
        "unit.drop": "mm",
        "option.brackets": "4",
        "quantities": "1, 10",
    }
    before = [count(service, t) for t in (ProductRow, TaskRunRow, QuoteRow)]
    bad = browser.post("/products/plan", data=fields)
    assert bad.status_code == 422, bad.text
    assert "Depth: 400 mm is above the maximum 350 mm" in bad.text
    assert "--set" not in bad.text
    assert 'value="400"' in bad.text and 'value="1, 10"' in bad.text
    assert 'id="option-brackets" name="option.brackets" value="4"' in bad.text
    assert [count(service, t) for t in (ProductRow, TaskRunRow, QuoteRow)] == before

    planned = browser.post(
        "/products/plan", data=fields | {"option.depth": "10", "unit.depth": "in"}
    )
    assert planned.status_code == 303, planned.text
    task_id = planned.headers["location"].removeprefix("/tasks/")
    task_page = browser.get(f"/tasks/{task_id}")
    back = re.search(
        r'href="(/products/(\d+)\?task=[\w-]+)">Back to the product form', task_page.text
    )
    assert back, task_page.text
    again = browser.get(back.group(1))
    assert (
        'value="10"' in again.text and '<option value="in" data-mm="25.4" selected>' in again.text
    )
    assert 'value="1, 10"' in again.text

    job = finished(browser, {"id": task_id, "status": "queued"})
    assert job["status"] == "done", job
    plan = browser.get(f"/quotes/{job['quote_id']}")
    assert "<title>Plan of Shelf bracket set · Bespoke</title>" in plan.text
    assert "Depth: <strong>254 mm</strong>" in plan.text
    assert "Screw 5 x 50 mm, zinc" in plan.text and "8 pieces" in plan.text
    assert f"/api/quotes/{job['quote_id']}/parts/bracket.png" in plan.text
    form_again = f"/products/{back.group(2)}?quote={job['quote_id']}"
    assert f'href="{form_again}">Back to the product form' in plan.text
    assert 'value="10"' in browser.get(form_again).text
    listed = browser.get("/products")
    assert f'<a href="/quotes/{job["quote_id"]}">Shelf bracket set</a>' in listed.text

    products = count(service, ProductRow)
    planned = browser.post("/products/plan", data=fields | {"option.depth": "300"})
    assert planned.status_code == 303, planned.text
    assert count(service, ProductRow) == products, "the same spec is the same product"

    upload = {"csrf_token": fields["csrf_token"], "action": "options"}
    as_json = json.dumps(yaml.safe_load(spec)).encode()
    shown = browser.post("/products/spec", data=upload, files={"file": ("set.json", as_json)})
    assert shown.status_code == 200 and 'id="option-depth"' in shown.text
    wrong = browser.post("/products/spec", data=upload, files={"file": ("set.txt", b"x")})
    assert wrong.status_code == 422 and "spec file: set.txt is not a product spec" in wrong.text


def test_a_plan_s_parts_come_as_real_drawings_and_meshes_in_one_archive(
    service: Service, maker: httpx.Client, tmp_path: Path
) -> None:
    spec = (EXAMPLES / "products" / "table-lamp.yaml").read_text()
    product = maker.post("/api/products", json={"spec_yaml": spec}).json()
    tasks = count(service, TaskRunRow)
    bad = maker.post(product["plans_url"], json={"settings": {"shade_height": "2 m"}})
    refused(bad, 422, "settings.shade_height", "Shade height: 2000 mm is above the maximum")
    assert count(service, TaskRunRow) == tasks

    job = finished(maker, maker.post(product["plans_url"], json={"quantities": [1]}).json())
    assert job["status"] == "done", job
    plan = f"/api/quotes/{job['quote_id']}"
    archive = maker.get(f"{plan}/parts.zip")
    assert archive.status_code == 200, archive.text
    assert archive.headers["content-type"] == "application/zip"
    assert 'filename="table-lamp-parts.zip"' in archive.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as parts:
        assert sorted(parts.namelist()) == ["base.stl", "shade-panel.dxf"]
        parts.extractall(tmp_path)
    drawing = ezdxf.readfile(tmp_path / "shade-panel.dxf")
    assert len(drawing.modelspace().query("CIRCLE")) > 0
    mesh = trimesh.load(tmp_path / "base.stl", force="mesh")
    assert isinstance(mesh, trimesh.Trimesh) and mesh.is_watertight and mesh.volume > 0

    assert maker.get(f"{plan}/parts/base.png").content[:4] == b"\x89PNG"
    report = maker.get(f"{plan}/plan.html")
    assert report.headers["content-type"].startswith("text/html")
    assert "<title>Process plan: Table lamp</title>" in report.text
    assert "data:image/png;base64," in report.text
    refused(maker.get(f"{plan}/parts/lamp.png"), 404, "no part 'lamp'")
