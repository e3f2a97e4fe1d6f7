"""Feeds run: each in a daemon thread that hands its batches to the floor monitor until it
is told to stop, started again after a pause when its source cannot be reached. The
server watches every shop's feeds and compacts old readings now and then."""

import fcntl
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bespoke.adapters.feeds import Feed, MachineNames
from bespoke.model.errors import BespokeError
from bespoke.model.monitoring import Observation
from bespoke.services.environment import Environment
from bespoke.services.maintenance.plans import check_due
from bespoke.services.shop.shops import shop_catalog
from bespoke.services.shopfloor.feed_settings import feed_of, shop_feeds
from bespoke.services.shopfloor.monitoring import floor_monitor
from bespoke.services.shopfloor.retention import compact

log = logging.getLogger("bespoke.floor")

FIRST_RETRY_S = 2.0
LAST_RETRY_S = 60.0
"""A feed whose source fails is started again after 2 s, then twice as long, up to 60 s."""
COMPACT_EVERY_S = 3_600.0
KEEP_DAYS = 7


@dataclass
class Watch:
    """A feed running in its thread; `stop` ends it."""

    shop_id: int
    feed: Feed
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    failures: int = 0

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout)


def watch(env: Environment, shop_id: int, feed: Feed) -> Watch:
    """Run `feed` in a daemon thread, keeping what it delivers for shop `shop_id`."""
    monitor = floor_monitor(env)
    running = Watch(shop_id, feed)

    def sink(observations: Sequence[Observation]) -> None:
        monitor.keep(shop_id, observations)

    def run() -> None:
        delay = FIRST_RETRY_S
        while not running.stop_event.is_set():
            try:
                feed.run(sink, running.stop_event)
            except Exception:
                running.failures += 1
                log.exception("shop %s: feed %s failed; again in %g s", shop_id, feed, delay)
                running.stop_event.wait(delay)
                delay = min(delay * 2, LAST_RETRY_S)
            else:
                delay = FIRST_RETRY_S
                if not running.stop_event.is_set():
                    running.stop_event.wait(delay)

    running.thread = threading.Thread(target=run, name=f"feed-{shop_id}", daemon=True)
    running.thread.start()
    return running


@dataclass
class FloorWatch:
    """What a server runs for the floor: the shops' feeds and the compaction timer."""

    watches: list[Watch] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    timer: threading.Thread | None = None
    lock_file: IO[bytes] | None = None

    def stop(self) -> None:
        self.stop_event.set()
        for running in self.watches:
            running.stop()
        if self.timer is not None:
            self.timer.join(10.0)
        if self.lock_file is not None:
            self.lock_file.close()


def watch_floor(env: Environment) -> FloorWatch:
    """Watch the feeds of every shop and care for the floor every hour, in the one
    server process that holds the data folder's floor lock (other processes of the same
    server watch nothing, so that no reading is kept twice)."""
    floor_monitor(env)  # follows work orders from now on, for the live streams
    lock_file = _floor_lock(env.settings.data_dir / "floor.lock")
    if lock_file is None:
        log.info("another process watches the floor")
        return FloorWatch()
    floor = FloorWatch(lock_file=lock_file)
    with env.uow() as uow:
        shops = [(row.id, row.slug) for row in uow.shops.all()]
    for shop_id, slug in shops:
        floor.watches += _shop_watches(env, shop_id, slug)
    if env.queue is None:  # with a job queue, its workers care for the floor every hour
        floor.timer = threading.Thread(
            target=_compact_now_and_then,
            args=(env, floor.stop_event),
            name="floor-compaction",
            daemon=True,
        )
        floor.timer.start()
    return floor


def _shop_watches(env: Environment, shop_id: int, slug: str) -> list[Watch]:
    try:
        with env.uow() as uow:
            settings = shop_feeds(uow, shop_id)
            machines = frozenset(shop_catalog(uow, shop_id).machines)
    except BespokeError as error:
        log.error("shop %s: feeds not watched: %s", slug, error)
        return []
    watches = []
    for setting in settings:
        try:
            feed = feed_of(setting, MachineNames(machines), slug)
        except (BespokeError, ValueError) as error:
            log.error("shop %s: feed %s not watched: %s", slug, setting.kind, error)
            continue
        watches.append(watch(env, shop_id, feed))
    return watches


def _compact_now_and_then(env: Environment, stop: threading.Event) -> None:
    """`care_for_floor` every hour until stopped."""
    while not stop.wait(COMPACT_EVERY_S):
        care_for_floor(env)


def care_for_floor(env: Environment) -> None:
    """Each shop's old readings rolled up, its maintenance plans checked for what has come
    due (an order each, once), and its machines' failure risk read by the kept model."""
    from bespoke.services.maintenance.risk import check_risk, kept_model  # scikit-learn: late

    model = kept_model(env)
    with env.uow() as uow:
        shops = [row.id for row in uow.shops.all()]
    for shop_id in shops:
        try:
            compact(env, shop_id, KEEP_DAYS)
            check_due(env, shop_id)
            if model is not None:
                check_risk(env, shop_id, model)
        except Exception:
            log.exception("shop %s: compaction or maintenance check failed", shop_id)


def _floor_lock(path: Path) -> IO[bytes] | None:
    """The open lock file when this process got the lock, None when another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle
