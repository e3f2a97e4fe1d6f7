"""`bespoke serve` as a process of its own for the floor's benches: on a data directory the
bench prepared, a free port, stopped again at the end of a `with` block. Users and tokens
are made through the services beforehand (the server is not running then)."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bespoke.services.accounts.tokens import create_token
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Environment

BESPOKE = Path(sys.executable).with_name("bespoke")
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0
PASSWORD = "bench-floor-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def user_token(env: Environment, email: str, role: str, shop: str) -> str:
    """A new user of `shop` with `role`, and an API token for them."""
    who = create_user(env, email, PASSWORD, role=role, shop_slug=shop)
    return create_token(env, who, "bench")[0]


@contextmanager
def serving(data_dir: Path, workers: int = 1) -> Iterator[tuple[str, int]]:
    """`bespoke serve` on `data_dir` until the block ends; its base URL and pid."""
    port = free_port()
    log_path = data_dir / f"serve-{port}.log"
    command = [str(BESPOKE), "serve", "--data-dir", str(data_dir), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    env = {k: v for k, v in os.environ.items() if k != "BESPOKE_DATABASE_URL"}
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_healthy(server, url, log_path)
            yield url, server.pid
        finally:
            server.terminate()
            try:
                server.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # its own session: it and its workers
                server.wait()


def wait_healthy(server: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited ({server.returncode}):\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).text == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(
        f"server not healthy after {START_TIMEOUT_S:g} s:\n{log.read_text()[-2000:]}"
    )


def server_log(data_dir: Path) -> str:
    """The tail of the servers' logs in `data_dir` (for a report of what went wrong)."""
    return "".join(p.read_text(errors="replace")[-2000:] for p in sorted(data_dir.glob("serve-*")))
