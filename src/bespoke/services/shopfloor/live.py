"""The floor's live updates: an in-process hub that hands each shop's updates (machine
states, state spans, work order moves) to that shop's subscribers, the server-sent event
streams. Publishing never waits: each subscriber has a bounded queue, and a subscriber
that does not keep up loses its oldest updates (and is told it lost some)."""

import asyncio
import contextlib
import logging
import threading
from collections import deque
from dataclasses import dataclass

from pydantic import BaseModel

log = logging.getLogger("bespoke.floor")

QUEUE_LIMIT = 500
"""Updates waiting for one subscriber; beyond it the oldest go."""
MAX_SUBSCRIBERS = 200
"""Streams open at once in one process."""


class HubFullError(Exception):
    """No more subscribers are taken now."""


@dataclass(frozen=True)
class Update:
    """One update: its kind (`state`, `span`, `work`) and its JSON."""

    kind: str
    data: str


class Subscription:
    """One subscriber's updates of one shop, waited for in its event loop."""

    def __init__(self, shop_id: int, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.shop_id = shop_id
        self._loop = loop
        self._items: deque[Update] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._ready = asyncio.Event()
        self._waking = False
        self._lost = 0
        self.lost_in_all = 0

    def offer(self, update: Update) -> bool:
        """Queue `update` from any thread, losing the oldest when full; False when the
        subscriber's loop is gone."""
        with self._lock:
            if len(self._items) == self._items.maxlen:
                self._lost += 1
                self.lost_in_all += 1
            self._items.append(update)
            if self._waking:
                return True
            self._waking = True
        try:
            self._loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed
            return False
        return True

    def _wake(self) -> None:
        with self._lock:
            self._waking = False
        self._ready.set()

    async def next(self, timeout: float) -> tuple[list[Update], bool]:
        """The updates queued, waiting up to `timeout` seconds for one (none: the time
        passed), and whether some were lost since the last call."""
        if not self._items:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        with self._lock:
            items, lost = list(self._items), self._lost > 0
            self._items.clear()
            self._lost = 0
        self._ready.clear()
        return items, lost


class LiveHub:
    """Subscribers by shop; `publish` from any thread, `subscribe` in an event loop."""

    def __init__(self, limit: int = QUEUE_LIMIT, max_subscribers: int = MAX_SUBSCRIBERS) -> None:
        self._limit = limit
        self._max = max_subscribers
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[Subscription]] = {}

    def subscribe(self, shop_id: int) -> Subscription:
        """A new subscription to the shop's updates, in the running event loop;
        HubFullError when `max_subscribers` are open."""
        subscription = Subscription(shop_id, asyncio.get_running_loop(), self._limit)
        with self._lock:
            if self.subscribers() >= self._max:
                raise HubFullError(f"{self._max} live streams are open; try again later")
            self._subscribers.setdefault(shop_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.get(subscription.shop_id, set()).discard(subscription)

    def subscribers(self, shop_id: int | None = None) -> int:
        if shop_id is not None:
            return len(self._subscribers.get(shop_id, ()))
        return sum(len(s) for s in self._subscribers.values())

    def publish(self, shop_id: int, kind: str, data: BaseModel) -> None:
        """Hand `data` (as JSON) to every subscriber of the shop; never waits."""
        with self._lock:
            subscribers = list(self._subscribers.get(shop_id, ()))
        if not subscribers:
            return
        update = Update(kind, data.model_dump_json())
        for subscription in subscribers:
            if not subscription.offer(update):
                log.info("live stream of shop %s dropped: its loop is closed", shop_id)
                self.unsubscribe(subscription)
