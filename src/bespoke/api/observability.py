"""Every request watched: its id (`X-Request-ID`, taken when well formed, else made),
echoed in the answer and carried by the log lines written meanwhile; its access line;
its latency by route template and status class, and the requests in flight."""

import logging
import re
import time
import uuid

from prometheus_client import Gauge, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bespoke.api.logs import REQUEST_ID

HEADER = "X-Request-ID"
WELL_FORMED = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
access = logging.getLogger("bespoke.access")


def request_id(asked: str | None) -> str:
    """The caller's id when it is 1 to 128 letters, digits or `._:=+/-`, else a new one."""
    if asked is not None and WELL_FORMED.fullmatch(asked):
        return asked
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The template of the route that answered (`/api/tasks/{task_id}`, a mount's
    `/static/{path}`), or `unmatched`: a label with few values, never the raw path.

    A route of an included router knows its template without the router's prefix; the
    prefix is the start of the path before the part the route's pattern matches (the
    routers' prefixes are plain words: `/api`, `/health`)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    pattern = getattr(route, "path_regex", None)
    if not isinstance(template, str) or not isinstance(pattern, re.Pattern):
        return "unmatched"
    path: str = scope["path"]
    for at in (i for i, char in enumerate(path) if char == "/"):
        if pattern.match(path[at:]):
            return path[:at] + template
    return template


class Observability:
    """Gives each request its id, times it into `latency` (method, route, status class),
    counts it in `in_flight` and writes its access line."""

    def __init__(self, app: ASGIApp, latency: Histogram, in_flight: Gauge) -> None:
        self.app = app
        self.latency = latency
        self.in_flight = in_flight

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(Headers(scope=scope).get(HEADER))
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500
        recorded = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = rid
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                recorded = True  # before the caller has it all: counted once answered
                self._record(scope, status, time.perf_counter() - started)
            await send(message)

        self.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.in_flight.dec()
            if not recorded:
                self._record(scope, status, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in METHODS else "other"
        route = route_of(scope)
        self.latency.labels(method, route, f"{status // 100}xx").observe(seconds)
        duration_ms = round(seconds * 1000, 1)
        fields = {"method": method, "route": route, "status": status, "duration_ms": duration_ms}
        access.info("%s %s %d %.1f ms", method, scope["path"], status, duration_ms, extra=fields)
