"""How long the `bespoke` command takes, as a whole process, from start to exit.

Three commands, each run once to warm the file cache and then RUNS times: `python -c
pass` with the same interpreter (the floor), `bespoke --help`, and `bespoke quote` of a
small example drawing (the whole quote, printed as a table). Median wall time, and
median CPU time (user + system), which others' work on a shared machine disturbs less.
Also records the load average, whether the installed packages have their bytecode
compiled (without it, and with PYTHONDONTWRITEBYTECODE set, every start compiles them
again) and how many modules `import bespoke.cli` loads. Goals: `--help` under 0.3 s,
the quote under 1 s. Writes bench/results/cli_start.json.

    python bench/cli_start.py [--runs 7]
"""

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "cli_start.json"
BESPOKE = Path(sys.executable).with_name("bespoke")
DRAWING = ROOT / "examples" / "sign-plate.dxf"
GOALS_S = {"help": 0.3, "quote": 1.0}


def commands() -> dict[str, list[str]]:
    """The measured commands by name."""
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "help": [str(BESPOKE), "--help"],
        "quote": [str(BESPOKE), "quote", str(DRAWING.relative_to(ROOT))],
    }


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of `command` from start to exit, run in the repository with
    its output thrown away; a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def bytecode_compiled(module: str) -> bool:
    """Whether `module` has a compiled bytecode file next to its source."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return False
    return Path(importlib.util.cache_from_source(spec.origin)).exists()


def modules_loaded_by(statement: str) -> int:
    """How many modules a fresh interpreter holds after running `statement`."""
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; {statement}; print(len(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command")
    runs = parser.parse_args().runs
    rows = {}
    for name, command in commands().items():
        timed(command)  # warm-up
        walls, cpus = zip(*(timed(command) for _ in range(runs)), strict=True)
        median, cpu = statistics.median(walls), statistics.median(cpus)
        rows[name] = {
            "median_s": round(median, 3),
            "cpu_median_s": round(cpu, 3),
            "samples_s": [round(s, 3) for s in walls],
        }
        goal = GOALS_S.get(name)
        if goal is not None:
            rows[name] |= {"goal_s": goal, "meets_goal": median < goal}
        print(
            f"{name:16s} median {median:6.3f} s"
            + (f" (goal < {goal:g} s)" if goal is not None else "")
            + f"  min {min(walls):.3f}, max {max(walls):.3f}; CPU {cpu:.3f} s"
        )
    setting = {
        "packages_bytecode_compiled": all(map(bytecode_compiled, ("typer", "pydantic", "ezdxf"))),
        "PYTHONDONTWRITEBYTECODE": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
        "modules_after_import_bespoke_cli": modules_loaded_by("import bespoke.cli"),
        "modules_after_python_start": modules_loaded_by("pass"),
    }
    for key, value in setting.items():
        print(f"{key}: {value}")
    load = os.getloadavg()[0]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "runs": runs,
        "drawing": DRAWING.name,
        "load_average_1min": round(load, 2),
        "cpus": os.cpu_count(),
        "commands": rows,
        **setting,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
