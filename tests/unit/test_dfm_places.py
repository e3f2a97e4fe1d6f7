"""Where DFM findings and open chains are on a real drawing: a hole too small for a process
is found at the hole's centre in the coordinates its drawing is drawn in, an open chain's
gap between its two ends, and findings kept before they had a place still read."""

import json
import math
from pathlib import Path

from tests.helpers import ROOT

from bespoke.catalog import load_catalog
from bespoke.geometry._drawn import MAX_DRAWN_POINTS
from bespoke.geometry.dxf import read_dxf, read_dxf_drawing
from bespoke.model import Part
from bespoke.model.quote_document import QuoteDocument
from bespoke.planning.part import plan_part

PUMP_PARTS = "dxf/d2g_pumpenteile.dxf"
"""Pump parts on one sheet: a 0.35 mm hole among 30, and three open chains."""


def test_a_hole_too_small_is_found_at_its_centre_as_drawn(shared_fixtures: Path) -> None:
    path = shared_fixtures / PUMP_PARTS
    sheet = read_dxf(path)
    part = Part(name="pump", material_id="steel-s235", thickness_mm=1.0, sheet=sheet)
    (laser,) = plan_part(part, load_catalog(), ["fiber-laser"])
    (hole,) = [f for f in laser.findings if f.feature == "smallest hole or slot"]
    assert hole.size_mm == 0.35 and hole.at_mm is not None

    drawn = read_dxf_drawing(path, sheet.units)
    holes = [p.points for p in drawn.paths if p.kind == "hole"]
    around = [ring for ring in holes if all(math.dist(hole.at_mm, p) < 0.35 for p in ring)]
    assert len(around) == 1, "the finding's place is the small hole's centre in the drawing"
    assert max(math.dist(hole.at_mm, p) for p in around[0]) > 0.15


def test_an_open_chain_is_marked_between_its_ends(shared_fixtures: Path) -> None:
    path = shared_fixtures / PUMP_PARTS
    sheet = read_dxf(path)
    drawn = read_dxf_drawing(path, sheet.units)
    assert len(drawn.loose_ends) == sheet.open_chains == 3
    gap = next(e for e in drawn.loose_ends if e.size_mm == 60)
    assert gap.at_mm == (53.0, 109.0)
    assert "(23.00, 109.00) and (83.00, 109.00)" in gap.message
    assert sum(p.kind == "open" for p in drawn.paths) >= 3
    assert sum(len(p.points) for p in drawn.paths) <= MAX_DRAWN_POINTS


def test_findings_kept_before_they_had_a_place_still_read() -> None:
    kept = ROOT / "tests" / "fixtures" / "documents" / "part-quote-not-makeable.json"
    document = QuoteDocument.model_validate(json.loads(kept.read_text()))
    findings = [f for o in document.rejected for f in o.findings]
    assert findings and all(f.at_mm is None and f.size_mm is None for f in findings)
