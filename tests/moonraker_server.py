"""A stand-in for Moonraker (a Klipper printer's API server) over real HTTP, for tests.

It answers ``GET /printer/objects/query?...`` and ``GET /server/info`` in the shapes of
Moonraker's documentation (docs/external_api/printer.md, server.md, printer_objects.md):
``{"result": ...}`` on success, ``{"error": {"code": ..., "message": ...}}`` otherwise,
and only the printer objects asked for. What it answers is a script: each objects query
takes the next step (a `Printer` state, or a raw `Answer`), and the last step stays.
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from tests.servers import free_port


@dataclass(frozen=True)
class Printer:
    """A printer's state as Klipper reports it."""

    klippy: str = "ready"
    klippy_message: str = "Printer is ready"
    state: str = "standby"
    filename: str = ""
    print_duration: float = 0.0
    total_duration: float = 0.0
    filament_used: float = 0.0
    progress: float = 0.0
    message: str = ""

    def objects(self) -> dict[str, dict[str, object]]:
        return {
            "webhooks": {"state": self.klippy, "state_message": self.klippy_message},
            "print_stats": {
                "filename": self.filename,
                "total_duration": self.total_duration,
                "print_duration": self.print_duration,
                "filament_used": self.filament_used,
                "state": self.state,
                "message": self.message,
                "info": {"total_layer": None, "current_layer": None},
            },
            "virtual_sdcard": {
                "file_path": f"/home/pi/printer_data/gcodes/{self.filename}"
                if self.filename
                else None,
                "progress": self.progress,
                "is_active": self.state == "printing",
                "file_position": 0,
                "file_size": 0,
            },
        }


@dataclass(frozen=True)
class Answer:
    """A raw answer: a status and a body."""

    status: int
    body: bytes


KLIPPY_DISCONNECTED = Answer(
    503, json.dumps({"error": {"code": 503, "message": "Klippy Host not connected"}}).encode()
)

Step = Printer | Answer


@dataclass
class _Script:
    steps: list[Step]
    queries: int = 0
    server_info_queries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next(self) -> Step:
        with self.lock:
            step = self.steps[min(self.queries, len(self.steps) - 1)]
            self.queries += 1
            return step


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: tests read the feed's logs, not the printer's."""

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        script = self.server.script
        if url.path == "/server/info":
            with script.lock:
                script.server_info_queries += 1
            self._send(200, {"result": SERVER_INFO})
        elif url.path == "/printer/objects/query":
            step = script.next()
            if isinstance(step, Answer):
                self._send_raw(step.status, step.body)
                return
            asked = [part.split("=")[0] for part in url.query.split("&") if part]
            status = {name: value for name, value in step.objects().items() if name in asked}
            self._send(200, {"result": {"eventtime": 578243.57 + script.queries, "status": status}})
        else:
            self._send(404, {"error": {"code": 404, "message": "Not Found"}})

    def _send(self, status: int, document: object) -> None:
        self._send_raw(status, json.dumps(document).encode())

    def _send_raw(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


SERVER_INFO = {
    "klippy_connected": True,
    "klippy_state": "ready",
    "components": ["database", "file_manager", "klippy_apis", "machine", "history"],
    "failed_components": [],
    "registered_directories": ["config", "gcodes"],
    "warnings": [],
    "websocket_count": 0,
    "moonraker_version": "v0.9.3-1-gtest",
    "api_version": [1, 5, 0],
    "api_version_string": "1.5.0",
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, script: _Script) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.script = script


class MoonrakerServer:
    """`with MoonrakerServer([Printer(...), ...]) as printer:` serves `printer.url`."""

    def __init__(self, steps: list[Step], port: int | None = None) -> None:
        if not steps:
            raise ValueError("a script needs at least one step")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._script = _Script(list(steps))
        self._server = _Server(self.port, self._script)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def queries(self) -> int:
        """Objects queries answered so far."""
        with self._script.lock:
            return self._script.queries

    @property
    def server_info_queries(self) -> int:
        with self._script.lock:
            return self._script.server_info_queries

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=30)
