"""Bespoke's prices against what real services publish.

A calibration set compiled from public price rules: each point names its source, when
it was published or read, what the public price includes, and the part it prices. The
part is drawn exactly as a file (a DXF plate, an STL box), quoted by the default shop
with the bundled catalog, and compared: ratio Bespoke / public per point, geometric
mean per process, share of points within +-25 %. Both sides apply an order minimum of
their own (Pololu $25, the shop's minimum order), so the line price before the order
minimum is compared. Points marked `floor` are at-cost prices of maker spaces and
universities: the default shop must stay above them.

Goal: geometric mean per process between 0.8 and 1.25, and at least 80 % of the price
points within +-25 %; every floor kept. Writes bench/results/prices.json.

    python bench/prices.py
"""

import json
import math
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ezdxf
import trimesh

from bespoke.costing.quote import quote_design

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "prices.json"
USD_PER_GBP = 1.27
USD_PER_EUR = 1.08
CURRENCIES = "USD per GBP 1.27, per EUR 1.08: approximate 2024-2025 averages (assumed)"
MM_PER_IN = 25.4
MM2_PER_FT2 = 304.8**2


@dataclass(frozen=True)
class Plate:
    """A rectangular plate with round holes, drawn as a DXF in mm."""

    width: float
    height: float
    holes: tuple[float, ...] = ()

    @property
    def cut_mm(self) -> float:
        return 2 * (self.width + self.height) + sum(math.pi * d for d in self.holes)

    @property
    def area_mm2(self) -> float:
        return self.width * self.height

    def write(self, path: Path) -> None:
        doc = ezdxf.new("R2010")  # type: ignore[attr-defined]
        doc.header["$INSUNITS"] = 4
        msp = doc.modelspace()
        w, h = self.width, self.height
        msp.add_lwpolyline([(0, 0), (w, 0), (w, h), (0, h)], close=True)
        for i, d in enumerate(self.holes):
            x = w * (i + 1) / (len(self.holes) + 1)
            msp.add_circle((x, h / 2), d / 2)
        doc.saveas(path)


@dataclass(frozen=True)
class Box:
    """A solid box, written as an STL in mm."""

    x: float
    y: float
    z: float

    @property
    def volume_cm3(self) -> float:
        return self.x * self.y * self.z / 1000

    def write(self, path: Path) -> None:
        trimesh.creation.box((self.x, self.y, self.z)).export(path)


@dataclass(frozen=True)
class Point:
    """A public price of one part at one quantity, per part, in USD."""

    name: str
    process: str
    material: str
    part: Plate | Box
    quantity: int
    public_usd: float
    source: str
    when: str
    includes: str
    kind: Literal["price", "floor"] = "price"
    thickness_mm: float | None = None


def pololu(part: Plate, quantity: int, per_inch: float, per_ft2: float) -> float:
    """Pololu's rule: cut length and material by the square foot, at least $3 for a unique
    part and $1 for each copy (https://www.pololu.com/docs/0J24/2 and /3)."""
    each = part.cut_mm / MM_PER_IN * per_inch + part.area_mm2 / MM2_PER_FT2 * per_ft2
    total = max(each, 3.0) + (quantity - 1) * max(each, 1.0)
    return total / quantity


def sls_3dpeople(box: Box) -> float:
    """3D People SLS: (X+1)(Y+1)(Z+1) mm x GBP 0.00011 (https://3dpeople.uk/sls-pricing)."""
    return (box.x + 1) * (box.y + 1) * (box.z + 1) * 0.00011 * USD_PER_GBP


def fdm_3dopendesign(eur: float) -> float:
    return eur * USD_PER_EUR


def formlab_school_pla(box: Box, hours: float, infill: float = 0.15) -> float:
    """School-of-arts FabLab, at cost: PLA EUR 0.032/g x 2 under 100 g, + EUR 0.75/h."""
    grams = box.volume_cm3 * 1.24 * infill
    multiplier = 2 if grams < 100 else 1.5 if grams < 500 else 1.25
    return (grams * 0.032 * multiplier + hours * 0.75) * USD_PER_EUR


POLOLU = "https://www.pololu.com/docs/0J24/2 and /0J24/3"
POLOLU_INCLUDES = "cutting by the inch and material by the square foot; $25 order minimum apart"
SMALL_PLATE = Plate(100, 60, (6, 6, 6, 6))
PANEL = Plate(300, 200, (100,))
BRACKET = Plate(150, 40, (8, 8))
OPEN_DESIGN = "https://3dopendesign.com/docs/en/pricing/how-pricing-works"
OPEN_DESIGN_INCLUDES = "print and material for PLA by bounding box; delivery apart"
PEOPLE = "https://3dpeople.uk/sls-pricing"
PEOPLE_INCLUDES = "PA12 SLS part, bounding-box rule, standard finish; delivery apart"
CUBE_20 = Box(27.14, 27.14, 27.14)
PROCESSES = {"powder bed": ("sls", "mjf")}
"""A process kind compared as a whole: the shop's cheapest way of that kind."""

POINTS: list[Point] = [
    *(
        Point(
            f"acrylic 3 mm {part.width:g}x{part.height:g} x{q}",
            "co2-laser",
            "acrylic-cast",
            part,
            q,
            pololu(part, q, 0.15, 5.0),
            POLOLU,
            "read 2026",
            POLOLU_INCLUDES,
            thickness_mm=3,
        )
        for part in (SMALL_PLATE, PANEL, BRACKET)
        for q in (1, 10)
    ),
    *(
        Point(
            f"PLA box {box.x / 10:g}x{box.y / 10:g}x{box.z / 10:g} cm",
            "fdm",
            "pla",
            box,
            1,
            fdm_3dopendesign(eur),
            OPEN_DESIGN,
            "read 2026",
            OPEN_DESIGN_INCLUDES,
        )
        for box, eur in (
            (Box(50, 50, 30), 2.47),
            (Box(80, 80, 120), 25.31),
            (Box(120, 80, 50), 15.82),
            (Box(200, 150, 150), 148.30),
        )
    ),
    *(
        Point(
            f"PA12 {name}",
            "powder bed",
            "pa12",
            box,
            1,
            sls_3dpeople(box),
            PEOPLE,
            "read 2026",
            PEOPLE_INCLUDES,
        )
        for name, box in (
            ("20 cm³ cube", CUBE_20),
            ("block 60x40x20", Box(60, 40, 20)),
            ("plate 100x100x10", Box(100, 100, 10)),
            ("box 80x60x40", Box(80, 60, 40)),
        )
    ),
    Point(
        "PA12 10 mm cube (minimum price per part)",
        "powder bed",
        "pa12",
        Box(10, 10, 10),
        1,
        5.00,
        "https://www.shapeways.com/forum/t/pricing-transparency-update.98708/",
        "2019 forum post, read 2026",
        "Versatile Plastic natural white minimum price per part",
    ),
    Point(
        "steel 2.5 mm blank 3x5 in, two holes x1000",
        "fiber-laser",
        "steel-s235",
        Plate(127, 76.2, (10, 10)),
        1000,
        1.50,
        "http://www.griffin-ind.com/stamping-vs-laser-plasma/",
        "undated, read 2026",
        "laser-cut blank each, material included, at volume",
        thickness_mm=2.5,
    ),
    Point(
        "steel 2.5 mm blank 3x5 in, two holes x5000 stamped",
        "stamping",
        "steel-s235",
        Plate(127, 76.2, (10, 10)),
        5000,
        0.40 + 4000 / 5000,
        "http://www.griffin-ind.com/stamping-vs-laser-plasma/",
        "undated, read 2026",
        "stamped blank $0.40 each plus the $4,000 blanking die over 5,000",
        thickness_mm=2.5,
    ),
    Point(
        "PLA box 5x5x3 cm at a FabLab (at cost)",
        "fdm",
        "pla",
        Box(50, 50, 30),
        1,
        formlab_school_pla(Box(50, 50, 30), hours=1.5),
        "http://www.formlab.schoolofarts.be/instructions/doku.php?id=how_much_does_fdm_printing_cost",
        "2023 revision, read 2026",
        "filament at cost x2 under 100 g + EUR 0.75 per machine hour (1.5 h assumed)",
        kind="floor",
    ),
    Point(
        "PLA print under 10 h at a university lab (at cost)",
        "fdm",
        "pla",
        Box(50, 50, 30),
        1,
        6.00,
        "https://www.arch.ttu.edu/3dprinter/newjob.asp",
        "undated, read 2026",
        "student price of any print under 10 h",
        kind="floor",
    ),
]


def quoted(point: Point, folder: Path) -> dict[str, Any]:
    """The default shop's quote of the point's part: unit price before the order minimum."""
    suffix = ".dxf" if isinstance(point.part, Plate) else ".stl"
    path = folder / f"{abs(hash(point.name))}{suffix}"
    point.part.write(path)
    ways = [
        quote_design(
            path,
            material=point.material,
            thickness_mm=point.thickness_mm,
            quantities=[point.quantity],
            process=process,
        )
        for process in PROCESSES.get(point.process, (point.process,))
    ]
    prices = [q.options[0].prices[0] for q in ways if q.options]
    if not prices:
        reasons = [f.message for q in ways for o in q.rejected for f in o.findings]
        raise SystemExit(f"{point.name}: {point.process} cannot make it: {reasons}")
    price = min(prices, key=lambda p: p.total_price)
    listed = float(price.breakdown.total - price.breakdown.minimum_order)
    return {
        "bespoke_unit_usd": round(listed / point.quantity, 2),
        "breakdown": {k: float(v) for k, v in price.breakdown.model_dump().items()},
        "lead_time_days": price.lead_time_days,
        "made_by": price.process_id,
    }


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for point in POINTS:
            got = quoted(point, Path(tmp))
            ratio = got["bespoke_unit_usd"] / point.public_usd
            rows.append(
                {
                    "name": point.name,
                    "process": point.process,
                    "kind": point.kind,
                    "quantity": point.quantity,
                    "public_unit_usd": round(point.public_usd, 2),
                    **got,
                    "ratio": round(ratio, 3),
                    "source": point.source,
                    "when": point.when,
                    "includes": point.includes,
                }
            )
            print(
                f"{point.kind:5} {point.process:12} {point.name:48} public {point.public_usd:8.2f}"
                f"  bespoke {got['bespoke_unit_usd']:8.2f}  ratio {ratio:5.2f}"
            )
    prices = [r for r in rows if r["kind"] == "price"]
    by_process: dict[str, list[float]] = defaultdict(list)
    for row in prices:
        by_process[row["process"]].append(row["ratio"])
    means = {p: math.exp(sum(map(math.log, r)) / len(r)) for p, r in by_process.items()}
    within = sum(0.75 <= r["ratio"] <= 1.25 for r in prices) / len(prices)
    floors = [r for r in rows if r["kind"] == "floor"]
    floors_kept = all(r["ratio"] >= 1.0 for r in floors)
    means_met = all(0.8 <= m <= 1.25 for m in means.values())
    print()
    for process, mean in sorted(means.items()):
        print(f"geometric mean {process:12} {mean:5.2f}  ({len(by_process[process])} points)")
    print(f"within +-25 %: {within:.0%} of {len(prices)} (goal 80 %)")
    print(f"floors kept: {floors_kept} ({len(floors)} floors)")
    goal_met = means_met and within >= 0.8 and floors_kept
    print(f"goal met: {goal_met}")
    RESULTS.write_text(
        json.dumps(
            {
                "goal": "geometric mean per process 0.8-1.25, >= 80 % of points within"
                " +-25 %, every floor kept",
                "goal_met": goal_met,
                "geometric_mean_by_process": {k: round(v, 3) for k, v in means.items()},
                "share_within_25_percent": round(within, 3),
                "floors_kept": floors_kept,
                "currencies": CURRENCIES,
                "points": rows,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
