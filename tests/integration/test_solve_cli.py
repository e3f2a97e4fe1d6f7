"""`bespoke solve` on the public benchmark files and on broken ones; `bespoke schedule`."""

import json
from pathlib import Path

import pytest
from tests.conftest import SHARED, require
from tests.helpers import ROOT
from typer.testing import CliRunner

from bespoke.cli import app
from bespoke.model.scheduling import Schedule, ScheduledTask
from bespoke.scheduling.checker import violations
from bespoke.scheduling.fjs import read_fjs

runner = CliRunner()
BENCHMARKS = SHARED / "benchmarks"


@pytest.fixture(scope="module")
def mk01() -> Path:
    path = BENCHMARKS / "fjsp" / "brandimarte" / "mk01.fjs"
    require(path.is_file(), f"benchmark instances not found at {BENCHMARKS}")
    return path


def test_solve_prints_the_documented_json(mk01: Path, tmp_path: Path) -> None:
    chart = tmp_path / "mk01.png"
    result = runner.invoke(
        app,
        ["solve", str(mk01), "--time-limit", "5", "--seed", "3", "--json", "--gantt", str(chart)],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    operations = document["operations"]
    assert document["makespan"] == max(o["end"] for o in operations) >= 40
    assert set(operations[0]) == {"job", "op", "machine", "start", "end"}
    assert (operations[0]["job"], operations[0]["op"]) == (0, 0)
    assert {o["machine"] for o in operations} <= set(range(1, 7))
    problem = read_fjs(mk01)
    schedule = Schedule(
        tasks=[
            ScheduledTask(
                job=str(o["job"]),
                task=f"{o['job']}.{o['op']}",
                machine=str(o["machine"]),
                start=o["start"],
                end=o["end"],
            )
            for o in operations
        ],
        makespan=document["makespan"],
        status=document["status"],
    )
    assert violations(problem, schedule) == []
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_solve_refuses_a_malformed_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.fjs"
    broken.write_text("2 2 1\n1 1 1 5\n1 1 3 4\n")
    result = runner.invoke(app, ["solve", str(broken), "--time-limit", "1"])
    assert result.exit_code == 1
    assert "line 3: token '3' should be a machine of job 1 operation 0 (1..2)" in result.output
    missing = runner.invoke(app, ["solve", str(tmp_path / "none.fjs")])
    assert missing.exit_code == 1 and "cannot be read" in missing.output
    zero = runner.invoke(app, ["solve", str(broken), "--time-limit", "0"])
    assert zero.exit_code == 1 and "--time-limit" in zero.output


def test_schedule_the_demo_shop(tmp_path: Path) -> None:
    from bespoke.services.demo import seed_demo
    from bespoke.services.environment import Settings, open_environment

    env = open_environment(Settings(data_dir=tmp_path))
    seed_demo(env, ROOT / "examples")
    chart = tmp_path / "shop.png"
    result = runner.invoke(
        app, ["schedule", "--data-dir", str(tmp_path), "--time-limit", "3", "--gantt", str(chart)]
    )
    assert result.exit_code == 0, result.output
    assert "operations of 6 orders" in result.output, result.output
    assert "fiber-laser:steel-s235:2: 2 orders" in result.output  # two makers, one sheet
    assert chart.is_file()
    with env.uow() as uow:
        assert {o.status for o in uow.orders.open_in_shop(1, ["scheduled"])}
    nothing = runner.invoke(app, ["schedule", "--data-dir", str(tmp_path / "empty")])
    assert nothing.exit_code == 1
