"""Quote latency, in process, over every design fixture: p50/p95 per file kind.

Each file is quoted REPEAT times (after one warm-up) at the default quantities with
the scale curve, exactly as `bespoke quote` does. As a baseline in the same process,
the file is also only parsed by its library (ezdxf / trimesh), so the figures can be
read as a ratio on a noisy machine. Goal: p95 <= 100 ms for files up to 1 MB.
Writes bench/results/quote.json.
"""

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ezdxf
import trimesh

from bespoke.catalog import load_catalog
from bespoke.costing.quote import quote_design
from bespoke.model import BespokeError

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "fixtures"
RESULTS = ROOT / "bench" / "results" / "quote.json"
REPEAT = 15
GOAL_P95_MS = 100.0
MAX_BYTES = 1_000_000


def design_files(scratch: Path) -> list[Path]:
    """Shared fixtures (when present), the bundled examples, and a ~1 MB generated mesh."""
    files = sorted(SHARED.glob("dxf/*.dxf")) + sorted(SHARED.glob("stl/*.stl"))
    files += sorted(SHARED.glob("stl/*.STL"))
    files += sorted((ROOT / "examples").glob("*.dxf")) + sorted((ROOT / "examples").glob("*.stl"))
    big = scratch / "icosphere-1mb.stl"
    trimesh.creation.icosphere(subdivisions=5, radius=40.0).export(big)  # 20,480 facets
    files.append(big)
    return [f for f in files if f.stat().st_size <= MAX_BYTES]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def parse_only(path: Path) -> Callable[[], object]:
    if path.suffix.lower() == ".dxf":
        return lambda: ezdxf.readfile(path)
    return lambda: trimesh.load(path, force="mesh")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    catalog = load_catalog()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for path in design_files(Path(scratch)):
            quote = lambda p=path: quote_design(p, catalog=catalog)  # noqa: E731
            try:
                quote()
            except BespokeError as error:
                print(f"{path.name}: not quotable ({error}); skipped")
                continue
            quote_ms = [timed(quote) for _ in range(REPEAT)]
            parse_ms = [timed(parse_only(path)) for _ in range(REPEAT)]
            rows.append(
                {
                    "file": path.name,
                    "kind": path.suffix.lower().lstrip("."),
                    "bytes": path.stat().st_size,
                    "quote_ms_median": round(statistics.median(quote_ms), 2),
                    "parse_ms_median": round(statistics.median(parse_ms), 2),
                    "samples_ms": [round(v, 2) for v in quote_ms],
                }
            )
            row = rows[-1]
            print(
                f"{path.name:40s} {row['bytes']:>9,d} B  quote {row['quote_ms_median']:7.1f} ms"
                f"  parse only {row['parse_ms_median']:7.1f} ms"
            )
    summary = {}
    for kind in sorted({r["kind"] for r in rows}):
        samples = [s for r in rows if r["kind"] == kind for s in r["samples_ms"]]
        parse = [r["parse_ms_median"] for r in rows if r["kind"] == kind]
        quote = [r["quote_ms_median"] for r in rows if r["kind"] == kind]
        summary[kind] = {
            "files": len(parse),
            "p50_ms": round(percentile(samples, 0.50), 2),
            "p95_ms": round(percentile(samples, 0.95), 2),
            "max_ms": round(max(samples), 2),
            "quote_to_parse_ratio_median": round(
                statistics.median(q / p for q, p in zip(quote, parse, strict=True)), 2
            ),
            "goal_p95_ms": GOAL_P95_MS,
            "meets_goal": percentile(samples, 0.95) <= GOAL_P95_MS,
        }
        print(
            f"{kind}: {summary[kind]['files']} files, p50 {summary[kind]['p50_ms']} ms,"
            f" p95 {summary[kind]['p95_ms']} ms (goal <= {GOAL_P95_MS:g}),"
            f" quote/parse x{summary[kind]['quote_to_parse_ratio_median']}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"repeat": REPEAT, "summary": summary, "files": rows}, indent=2))
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
