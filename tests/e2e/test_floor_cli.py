"""`bespoke floor` as a user runs it: a real recording replayed through an SHDR adapter
into the store, then the machines' states, their OEE and the readings compacted."""

import re
from pathlib import Path

import pytest
from tests.e2e.test_cli import run

from bespoke.services.environment import Settings, open_environment
from bespoke.services.shop.shops import ensure_shop

MILL = "mill-vmc-3axis"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("floor-cli")
    ensure_shop(open_environment(Settings(data_dir=folder)), "main", "Main workshop")
    return folder


def test_a_recording_replayed_shows_in_states_oee_and_compaction(
    data_dir: Path, shared_fixtures: Path, tmp_path: Path
) -> None:
    mtconnect = shared_fixtures / "mtconnect"
    lines = (mtconnect / "cppagent_demo_okuma_shdr.txt").read_text(encoding="utf-8").splitlines()
    recording = tmp_path / "okuma.txt"
    recording.write_text("\n".join(lines[:3000]) + "\n", encoding="utf-8")
    probe = mtconnect / "cppagent_demo_Devices.xml"
    played = run(
        "floor", "replay", recording, "--machine", MILL, "--probe", probe,
        "--device", "OKUMA", "--data-dir", data_dir,
    )  # fmt: skip
    assert played.returncode == 0, played.stderr
    found = re.search(r"3000 lines played: (\d+) observations kept", played.stdout)
    assert found and int(found.group(1)) > 1000, played.stdout

    states = run("floor", "states", "--data-dir", data_dir)
    assert states.returncode == 0, states.stderr
    mill = next(line for line in states.stdout.splitlines() if MILL in line)
    assert re.search(r"running|idle|stopped", mill), mill
    assert "2022-08-08" in mill

    oee = run("floor", "oee", "--day", "2022-08-08", "--data-dir", data_dir)
    assert oee.returncode == 0, oee.stderr
    assert "2022-08-08 for 1 day, whole days (UTC)" in oee.stdout
    assert re.search(r"\bshop\b", oee.stdout)

    compacted = run("floor", "compact", "--keep-days", "7", "--data-dir", data_dir)
    assert compacted.returncode == 0, compacted.stderr
    rolled = re.search(r"(\d+) readings before .* rolled into (\d+) hourly rows", compacted.stdout)
    assert rolled and int(rolled.group(1)) == int(found.group(1)), compacted.stdout
    assert int(rolled.group(2)) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oee", "--day", "2026-02-30"], "--day: '2026-02-30' is not a date"),
        (["oee", "--days", "40"], "days: 40 is not a whole number from 1 to 31"),
        (["oee", "--shift", "night"], "shift: 'night' is not a shift of the shop"),
        (["compact", "--keep-days", "0"], "keep_days: 0 is not a whole number"),
        (["states", "--shop", "nowhere"], "no shop 'nowhere' (known: main)"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_1(
    data_dir: Path, args: list[str], message: str
) -> None:
    done = run("floor", *args, "--data-dir", data_dir)
    assert done.returncode == 1, done.stdout
    assert message in " ".join(done.stderr.split())
