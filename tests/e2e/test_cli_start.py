"""The `bespoke` command loads only what the command it runs needs (bench/cli_start.py
times it; these tests keep the heavy libraries out of the start)."""

import json
import subprocess
import sys

import pytest
from tests.helpers import ROOT

RUN_AND_LIST_MODULES = """
import contextlib, io, json, sys
from bespoke.cli import app
sys.argv = ["bespoke", *json.loads(sys.argv[1])]
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    app()
print(json.dumps(sorted(sys.modules)))
"""
SERVICE_AND_SOLVERS = [
    "alembic",
    "fastapi",
    "jinja2",
    "matplotlib",
    "ortools",
    "spyrrow",
    "sqlalchemy",
    "trimesh",
    "uvicorn",
]
READERS_AND_MODEL = ["bespoke.model", "ezdxf", "numpy", "scipy", "shapely", "yaml"]
"""Also for a command's help Typer loads pydantic (it knows pydantic types), not our model."""


def modules_after(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after running `bespoke` with `args`."""
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def loaded(modules: set[str], names: list[str]) -> list[str]:
    """Which of the modules or packages `names` are among `modules`."""
    return [name for name in names if name in modules]


@pytest.mark.parametrize("args", [[], ["--help"], ["quote", "--help"]])
def test_help_loads_no_library_of_the_work(args: list[str]) -> None:
    assert loaded(modules_after(*args), [*SERVICE_AND_SOLVERS, *READERS_AND_MODEL]) == []


def test_quoting_a_drawing_loads_no_service_solver_or_mesh_library() -> None:
    modules = modules_after("quote", "examples/wall-bracket.dxf")
    assert "bespoke.geometry.dxf" in modules
    assert loaded(modules, [*SERVICE_AND_SOLVERS, "scipy.integrate"]) == []
