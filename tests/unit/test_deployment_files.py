"""The compose file and the image run real Bespoke commands with real options."""

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from bespoke.cli import app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def commands() -> list[list[str]]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    found = [s["command"] for s in compose["services"].values() if "command" in s]
    image = re.search(r"^CMD (.+)$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    assert image is not None
    return [*found, json.loads(image.group(1))]


def test_every_command_and_option_exists() -> None:
    runner = CliRunner()
    listed = commands()
    assert {c[1] for c in listed} >= {"serve", "worker", "migrate"}
    for command in listed:
        assert command[0] == "bespoke"
        shown = runner.invoke(app, [command[1], "--help"], terminal_width=200)
        assert shown.exit_code == 0, (command, shown.output)
        for option in (word for word in command[2:] if word.startswith("--")):
            assert option in shown.output, (command, option)


def test_web_and_workers_share_the_database_and_data_folder() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    settings = [services[name]["environment"] for name in ("migrate", "web", "worker")]
    assert all(s == settings[0] for s in settings)
    assert settings[0]["BESPOKE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert all("data:/data" in services[n]["volumes"] for n in ("web", "worker"))
