"""Every request watched: its id (`X-Request-ID`, taken when well formed, else made),
echoed in the answer and carried by the log lines written meanwhile; its access line;
its latency by route template and status class, and the requests in flight."""

import logging
import re
import time
import uuid

from prometheus_client import Gauge, Histogram
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Mount
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
    """The template of the route that answered (`/api/quotes/{quote_id}`), a mount's path,
    or `unmatched`: a label with few values, never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "unmatched"
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


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
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        started = time.perf_counter()
        self.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.in_flight.dec()
            seconds = time.perf_counter() - started
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_of(scope)
            self.latency.labels(method, route, f"{status // 100}xx").observe(seconds)
            duration_ms = round(seconds * 1000, 1)
            access.info(
                "%s %s %d %.1f ms",
                method,
                scope["path"],
                status,
                duration_ms,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": duration_ms,
                },
            )
            REQUEST_ID.reset(token)
