"""`bespoke user create`, the demo seed and `bespoke serve` on the embedded database."""

import functools
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from tests.helpers import ROOT
from tests.servers import free_port
from typer.testing import CliRunner

from bespoke.cli import app
from bespoke.services.accounts.tokens import token_holder
from bespoke.services.accounts.users import authenticate
from bespoke.services.demo import (
    LOGINS,
    RECORDING,
    MissingExampleError,
    check_examples,
    seed_demo,
)
from bespoke.services.environment import Settings, open_environment
from bespoke.store.tables import DesignRow, OrderRow, QuoteRow, UserRow

runner = CliRunner()
DEMO_TIMEOUT_S = 180


def test_user_create_with_a_token(tmp_path: Path) -> None:
    args = ["user", "create", "op@example.com", "--role", "operator", "--data-dir", str(tmp_path)]
    result = runner.invoke(app, [*args, "--password", "long enough", "--token"])
    assert result.exit_code == 0, result.output
    assert "user op@example.com created (operator" in result.output
    token = result.output.split("API token (shown once): ")[1].split()[0]
    env = open_environment(Settings(data_dir=tmp_path))
    who = token_holder(env, token).account
    assert who.email == "op@example.com"
    assert authenticate(env, "op@example.com", "long enough") == who
    assert authenticate(env, "op@example.com", "wrong password") is None

    again = runner.invoke(app, [*args, "--password", "long enough"])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_user_create_refuses_bad_input(tmp_path: Path) -> None:
    base = ["user", "create", "--data-dir", str(tmp_path), "--password"]
    cases = {
        ("someone", "long enough"): "not an email address",
        ("a@example.com", "short"): "too short",
    }
    for (email, password), message in cases.items():
        result = runner.invoke(app, [*base, password, email])
        assert result.exit_code == 1
        assert message in result.output
    role = runner.invoke(app, [*base, "long enough", "b@example.com", "--role", "boss"])
    assert "unknown role 'boss' (accepted: maker, operator, admin)" in role.output


def test_demo_seed_is_complete_and_runs_once(tmp_path: Path) -> None:
    env = open_environment(Settings(data_dir=tmp_path))
    seed_demo(env, ROOT / "examples")
    seed_demo(env, ROOT / "examples")

    def count(table: type) -> int:
        with env.uow() as uow:
            return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)

    assert count(UserRow) == len(LOGINS)
    assert count(DesignRow) == 8  # six of the first maker's, two of the second's
    assert count(QuoteRow) == 9  # the designs and the desk organiser
    assert count(OrderRow) == 6
    with env.uow() as uow:
        schedule = uow.schedules.latest(1)
        assert schedule is not None
        batches = {b.family: b for b in uow.batches.of_schedule(schedule.id)}
        shared = batches["fiber-laser:steel-s235:2"]  # the two makers' steel parts
        orders = [uow.session.get(OrderRow, m.order_id) for m in shared.members]
        assert len({o.owner_id for o in orders if o is not None}) == 2
    for login in LOGINS:
        assert authenticate(env, login.email, login.password) is not None


def test_check_examples_names_each_missing_one(tmp_path: Path) -> None:
    (tmp_path / "wall-bracket.dxf").symlink_to(ROOT / "examples" / "wall-bracket.dxf")
    with pytest.raises(MissingExampleError) as raised:
        check_examples(tmp_path)
    message = str(raised.value)
    assert "products/desk-organiser.yaml" in message and "machines/okuma-shdr.txt" in message
    assert "wall-bracket.dxf" not in message
    check_examples(ROOT / "examples")  # the repository's are the package's


def test_serve_runs_the_demo_from_any_folder(tmp_path: Path) -> None:
    """Started outside the repository, the service answers at once, says the demo is being
    prepared, and fills in the designs, orders and schedule in the background; the recorded
    machine's replay moves its tile on the floor."""
    port = free_port()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = [str(Path(sys.executable).with_name("bespoke")), "serve", "--demo"]
    command += ["--data-dir", "data", "--port", str(port)]
    server = subprocess.Popen(
        command,
        cwd=elsewhere,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "BESPOKE_DATABASE_URL": "", "PYTHONPATH": str(ROOT / "src")},
    )
    login = LOGINS[0]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as browser:
            first = until(server, lambda: browser.get("/login"), "the sign-in page")
            assert 'class="preparing"' in first.text  # the preparation waits for the service
            form = {"email": login.email, "password": login.password}
            assert browser.post("/login", data=form).status_code == 303
            orders = until(
                server,
                lambda: browser.get("/orders"),
                "the demo's orders",
                lambda page: 'class="preparing"' not in page.text,
            )
            for name in ("wall-bracket.dxf", "cable-clip.stl", "Desk organiser"):
                assert name in orders.text
        operator = next(x for x in LOGINS if x.role == "operator")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as floor:
            form = {"email": operator.email, "password": operator.password}
            assert floor.post("/login", data=form).status_code == 303
            tiles = functools.partial(floor.get, "/api/floor/machines")
            seen = until(server, tiles, "the recorded machine", lambda a: _heard(a) is not None)
            heard = _heard(seen) or ""
            until(server, tiles, "its tile moving", lambda a: (_heard(a) or "") > heard)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"Bespoke at http://127.0.0.1:{port}/" in output
    assert f"{login.email} / {login.password}" in output
    env = open_environment(Settings(data_dir=elsewhere / "data"))
    with env.uow() as uow:
        assert uow.schedules.latest(1) is not None
        assert uow.work_orders.of_shop(1, ["running"])


def _heard(answer: httpx.Response) -> str | None:
    """When the demo's recorded machine last said something, as its tile shows."""
    tile = next(m for m in answer.json() if m["machine"] == RECORDING[3])
    return tile["last_at"]  # type: ignore[no-any-return]


def until(
    server: "subprocess.Popen[str]",
    ask: Callable[[], httpx.Response],
    what: str,
    done: Callable[[httpx.Response], bool] = lambda _: True,
) -> httpx.Response:
    """The first answer of 200 to `ask` that is `done`, asked while the server runs."""
    deadline = time.monotonic() + DEMO_TIMEOUT_S
    while True:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        assert time.monotonic() < deadline, f"{what}: not there in {DEMO_TIMEOUT_S} s"
        try:
            answer = ask()
            if answer.status_code == 200 and done(answer):
                return answer
        except httpx.TransportError:
            pass
        time.sleep(0.2)
