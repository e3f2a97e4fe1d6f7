"""The floor's machines: what each is doing, a machine's state timeline, the shop's KPIs,
where the machines' data comes from, and the live stream of changes (server-sent events).
For the shop's operators and admins."""

import time
from collections.abc import AsyncIterator, Mapping
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from bespoke.api.openapi import problems
from bespoke.api.security import Env, api_caller
from bespoke.model.accounts import Account
from bespoke.services.shop.shops import staff_shop
from bespoke.services.shopfloor import feed_settings, kpis, machines
from bespoke.services.shopfloor.live import HubFullError, LiveHub, Subscription
from bespoke.services.shopfloor.monitoring import MachineLive, floor_monitor

router = APIRouter(tags=["floor"])
Caller = Annotated[Account, Depends(api_caller)]
MachineId = Annotated[str, Path(min_length=1, max_length=64)]

HEARTBEAT_S = 15.0
"""A comment line at least this often keeps the stream open through proxies."""
STREAM_S = 30 * 60.0
"""A stream ends after this long; the browser's EventSource comes back by itself."""
RETRY_MS = 3_000
STREAM_MEDIA = "text/event-stream"


@router.get("/floor/machines")
def list_machines(env: Env, who: Caller) -> list[machines.MachineView]:
    """Every machine of the shop: its state and since when, active alarms, parts counted,
    and the work order under way on it with its progress."""
    return machines.floor_machines(env, who)


@router.get("/floor/machines/{machine}/timeline", responses=problems(404))
def get_timeline(
    machine: MachineId,
    env: Env,
    who: Caller,
    start: Annotated[datetime | None, Query(description="Default: 24 hours before end")] = None,
    end: Annotated[datetime | None, Query(description="Default: now")] = None,
) -> machines.Timeline:
    """The machine's state spans over [start, end) (at most 31 days; times without a zone
    are UTC) and the seconds it spent in each state."""
    return machines.machine_timeline(env, who, machine, start, end)


@router.get("/floor/kpis")
def get_kpis(
    env: Env,
    who: Caller,
    day: Annotated[date | None, Query(description="First day, YYYY-MM-DD; default today")] = None,
    days: Annotated[int, Query(ge=1, le=kpis.MAX_DAYS)] = 1,
    shift: Annotated[
        str | None, Query(max_length=40, description="One shift of each day, e.g. 07:00-15:00")
    ] = None,
) -> kpis.FloorKpis:
    """Availability, effectiveness, quality ratio and OEE (ISO 22400-2) of each machine and
    of all of them, with their time elements; on-time delivery, work in progress and lead
    times of the shop's orders over the same days."""
    return kpis.floor_kpis(env, who, day, days, shift)


@router.get("/floor/feeds")
def get_feeds(env: Env, who: Caller) -> list[feed_settings.FeedSettings]:
    """Where the machines' data comes from."""
    return feed_settings.feeds_of(env, who)


@router.put("/floor/feeds")
def put_feeds(
    env: Env,
    who: Caller,
    feeds: Annotated[
        list[dict[str, Any]],
        Body(max_length=feed_settings.MAX_FEEDS, description="kind mqtt, shdr, agent, moonraker"),
    ],
) -> list[feed_settings.FeedSettings]:
    """Replace the shop's feeds; the server watches them from its next start."""
    return feed_settings.set_feeds(env, who, feeds)


@router.get(
    "/floor/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-sent events",
            "content": {
                STREAM_MEDIA: {
                    "schema": {
                        "type": "string",
                        "description": "event: state|span|work|resync, data: one JSON object",
                    }
                }
            },
        },
        **problems(503),
    },
)
async def stream(env: Env, who: Caller) -> StreamingResponse:
    """Server-sent events of the shop's floor: `state` (a machine's state, as in
    /floor/machines without its work order) for every machine at first and at each change,
    `span` (a state span opened or closed), `work` (a work order moved, with its
    progress), `resync` (updates were lost: read /floor/machines again); a comment line
    every 15 s without news. A stream ends after 30 minutes (the browser reconnects)."""
    shop_id = staff_shop(who, machines.WATCH)
    monitor = floor_monitor(env)
    try:
        subscription = monitor.hub.subscribe(shop_id)
    except HubFullError as error:
        raise HTTPException(503, str(error), {"Retry-After": "30"}) from None
    try:
        current = await run_in_threadpool(monitor.live, shop_id)
    except BaseException:
        monitor.hub.unsubscribe(subscription)
        raise
    return StreamingResponse(
        _events(monitor.hub, subscription, current),
        media_type=STREAM_MEDIA,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    hub: LiveHub, subscription: Subscription, current: Mapping[str, MachineLive]
) -> AsyncIterator[str]:
    try:
        yield f"retry: {RETRY_MS}\n\n"
        for live in current.values():
            yield _event("state", live.model_dump_json())
        deadline = time.monotonic() + STREAM_S
        while time.monotonic() < deadline:
            updates, lost = await subscription.next(HEARTBEAT_S)
            if lost:
                yield _event("resync", "{}")
            if not updates and not lost:
                yield ": heartbeat\n\n"
            for update in updates:
                yield _event(update.kind, update.data)
    finally:
        hub.unsubscribe(subscription)


def _event(kind: str, data: str) -> str:
    return f"event: {kind}\ndata: {data}\n\n"
