"""Real servers for tests, each on a free port chosen at run time.

`PostgresServer` makes a throwaway PostgreSQL cluster in a temporary directory and
removes it again when stopped. As root it runs the PostgreSQL programs as the
`postgres` user (initdb refuses root) through `runuser`. `MosquittoServer` runs an MQTT
broker with its persistence in a temporary directory, and restarts it keeping it.
"""

import atexit
import dataclasses
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from bespoke.services.environment import Settings
    from bespoke.services.workers import WorkerPool

POSTGRES_LIB = Path("/usr/lib/postgresql")
POSTGRES_USER = "postgres"
TIMEOUT = 60  # seconds for any one PostgreSQL command
MOSQUITTO = Path("/usr/sbin/mosquitto")
MOSQUITTO_QUEUE = 200_000  # messages the broker holds for a client that is away


def _runuser() -> str | None:
    """`runuser`, also where a PATH without the sbin folders would miss it."""
    return shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())


def postgres_bin() -> Path | None:
    """The directory with `initdb` and `pg_ctl`: the newest Debian version, else PATH."""
    candidates = sorted(POSTGRES_LIB.glob("*/bin"), key=_version_key, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def _as_root() -> bool:
    return os.geteuid() == 0


def postgres_available() -> str | None:
    """None when a throwaway PostgreSQL cluster can be started here, else the reason."""
    if postgres_bin() is None:
        return f"PostgreSQL binaries (initdb, pg_ctl) not found in {POSTGRES_LIB}/*/bin or PATH"
    if _as_root():
        if _runuser() is None:
            return "running as root, and runuser (to run PostgreSQL as postgres) is missing"
        try:
            pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            return f"running as root, and there is no {POSTGRES_USER!r} user to run PostgreSQL"
    return None


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1; use `with PostgresServer() as pg:`."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.port: int | None = None
        self._bin = postgres_bin()

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `postgres` database as the `postgres` superuser."""
        if self.port is None:
            raise RuntimeError("PostgreSQL server is not started")
        return f"postgresql+psycopg://{POSTGRES_USER}@127.0.0.1:{self.port}/postgres"

    @property
    def _data(self) -> Path:
        assert self.directory is not None
        return self.directory / "data"

    def _run(self, program: str, *args: str) -> None:
        """Run a PostgreSQL program (as `postgres` when root); RuntimeError on failure."""
        assert self._bin is not None and self.directory is not None
        command = [str(self._bin / program), *args]
        if _as_root():
            command = [str(_runuser()), "-u", POSTGRES_USER, "--", *command]
        try:
            done = subprocess.run(
                command,
                cwd=self.directory,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(f"timed out after {TIMEOUT} s: {' '.join(command)}") from error
        if done.returncode != 0:
            raise RuntimeError(
                f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr.strip()}"
            )

    def start(self) -> Self:
        """Create the cluster and start it on a free port."""
        if self._bin is None:
            raise RuntimeError(postgres_available() or "PostgreSQL binaries not found")
        if self.directory is not None:
            raise RuntimeError("PostgreSQL server already started")
        self.directory = Path(tempfile.mkdtemp(prefix="bespoke-pg-"))
        try:
            if _as_root():
                shutil.chown(self.directory, user=POSTGRES_USER, group=POSTGRES_USER)
            self._run(
                "initdb",
                *("-D", str(self._data), "-U", POSTGRES_USER, "--auth=trust"),
                *("--no-sync", "--locale=C", "--encoding=UTF8"),
            )
            self._start_on_free_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_on_free_port(self, attempts: int = 3) -> None:
        """Start the server, trying a new port if another process took the chosen one."""
        assert self.directory is not None
        log = self.directory / "server.log"
        for attempt in range(1, attempts + 1):
            port = free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {self.directory} -c fsync=off"
            try:
                self._run(
                    "pg_ctl", "-D", str(self._data), "-l", str(log), "-w", "-o", options, "start"
                )
            except RuntimeError as error:
                if attempt == attempts:
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise RuntimeError(f"{error}\nserver log:\n{tail}") from None
                continue
            self.port = port
            return

    def stop(self) -> None:
        """Stop the server at once and remove its directory; safe to call twice."""
        if self.directory is None:
            return
        try:
            if (self._data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self._data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
            self.port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def mosquitto_bin() -> Path | None:
    """The Mosquitto broker: Debian's, else the one on PATH."""
    if MOSQUITTO.is_file():
        return MOSQUITTO
    on_path = shutil.which("mosquitto", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    return Path(on_path) if on_path else None


def mosquitto_available() -> str | None:
    """None when a Mosquitto broker can be started here, else the reason."""
    if mosquitto_bin() is None:
        return f"the Mosquitto broker is not installed ({MOSQUITTO} nor on PATH)"
    return None


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class MosquittoServer:
    """An MQTT broker on 127.0.0.1 with persistence on (QoS 1 messages and persistent
    sessions survive `restart`); use `with MosquittoServer() as broker:`."""

    def __init__(self) -> None:
        self.directory: Path | None = None
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._bin = mosquitto_bin()

    @property
    def _log(self) -> Path:
        assert self.directory is not None
        return self.directory / "mosquitto.log"

    def _config(self, port: int) -> Path:
        assert self.directory is not None
        config = self.directory / "mosquitto.conf"
        config.write_text(
            f"listener {port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {self.directory}/\n"
            f"max_queued_messages {MOSQUITTO_QUEUE}\n"
            # As root the broker would switch to the `mosquitto` user: stay who we are.
            f"user {pwd.getpwuid(os.geteuid()).pw_name}\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
        )
        return config

    def start(self) -> Self:
        """Start the broker on a free port (a new one, or the same after `stop_broker`)."""
        if self._bin is None:
            raise RuntimeError(mosquitto_available() or "Mosquitto not found")
        if self._process is not None:
            raise RuntimeError("Mosquitto already running")
        if self.directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix="bespoke-mqtt-"))
        try:
            self._start_on_a_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_on_a_port(self, attempts: int = 3) -> None:
        """Start on `self.port` when set (a restart), else on a free port, trying a new
        one if another process took it."""
        assert self._bin is not None
        for attempt in range(1, attempts + 1):
            port = self.port or free_port()
            with self._log.open("ab") as log:
                process = subprocess.Popen(
                    [str(self._bin), "-c", str(self._config(port))],
                    stdout=log,
                    stderr=log,
                    stdin=subprocess.DEVNULL,
                )
            deadline = time.monotonic() + TIMEOUT
            while process.poll() is None and time.monotonic() < deadline:
                if _accepts(port):
                    self._process, self.port = process, port
                    return
                time.sleep(0.02)
            process.kill()
            process.wait()
            if attempt == attempts or self.port is not None:
                tail = self._log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"Mosquitto did not start on port {port}; log:\n{tail}")

    def stop_broker(self) -> None:
        """Stop the broker as a service stops (it saves its persistence), keeping its
        directory and port for `start` to bring it back."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop the broker and start it again on the same port with what it saved."""
        self.stop_broker()
        self.start()

    def stop(self) -> None:
        """Stop the broker and remove its directory; safe to call twice."""
        self.stop_broker()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None
        self.port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def fresh_postgres_database(server_url: str) -> str:
    """The URL of a new, empty database on the server at `server_url`."""
    from sqlalchemy import create_engine, text

    name = f"bespoke_{uuid.uuid4().hex[:10]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


_workers: "WorkerPool | None" = None


def shared_workers() -> "WorkerPool":
    """One pool of worker processes for every test server, started once."""
    global _workers
    if _workers is None:
        from bespoke.services.workers import WorkerPool

        _workers = WorkerPool(2)
        atexit.register(_workers.shutdown)
    return _workers


class LiveService:
    """The Bespoke web service served by uvicorn in a thread, on a free port; its heavy
    work goes to the tests' shared worker processes, and on PostgreSQL its background
    tasks go through the job queue to a queue worker of its own, in a thread. Its database
    is migrated first unless `migrate` is False."""

    def __init__(self, settings: "Settings", *, migrate: bool = True) -> None:
        import uvicorn

        from bespoke.api.app import create_app

        self.app = create_app(settings, migrate=migrate, workers=shared_workers())
        self.env = self.app.state.env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._stop_worker = threading.Event()
        self._worker: threading.Thread | None = None
        if self.env.queue is not None:
            self._worker = threading.Thread(
                target=self.env.queue.work,
                args=(dataclasses.replace(self.env, workers=shared_workers()), 2),
                kwargs={"name": f"tests-{self.port}", "stop": self._stop_worker},
                daemon=True,
            )

    def __enter__(self) -> Self:
        if self._worker is not None:
            self._worker.start()
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"the service did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        if self._worker is not None:
            self._stop_worker.set()
            self._worker.join(timeout=30)
