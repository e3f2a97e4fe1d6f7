"""A recording of a machine's SHDR stream played into the store as the machine would send
it: through an SHDR adapter on this host (`ShdrReplayServer`) and the feed that reads one
(`ShdrFeed`), kept by the floor monitor like any feed's."""

from collections.abc import Callable, Sequence

from pydantic import BaseModel

from bespoke.adapters.mtconnect import Device, ShdrFeed, ShdrReplayServer
from bespoke.adapters.mtconnect.shdr import parse_shdr
from bespoke.model.errors import InputError
from bespoke.services.environment import Environment
from bespoke.services.shopfloor.monitoring import floor_monitor
from bespoke.services.shopfloor.watching import watch

MAX_LINES = 2_000_000
WAIT_S = 0.2


class Replayed(BaseModel):
    """What a replay kept and refused."""

    lines: int
    kept: int
    refused: dict[str, int]


def replay(
    env: Environment,
    shop_id: int,
    lines: Sequence[str],
    device: Device,
    machine: str,
    speed: float | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> Replayed:
    """Play `lines` (SHDR of `device`) as the shop's `machine` at `speed` times their pace
    (None: as fast as they go), until the feed delivered all of them; `progress` hears
    (delivered, expected) now and then."""
    if len(lines) > MAX_LINES:
        raise InputError(f"recording: {len(lines)} lines; at most {MAX_LINES}", path="recording")
    if machine not in floor_monitor(env).live(shop_id):
        raise InputError(f"machine: {machine!r} is not one of the shop's machines", path="machine")
    expected = len(parse_shdr(lines, device, machine)[0])
    with ShdrReplayServer(lines, speed) as server:
        feed = ShdrFeed("127.0.0.1", server.port, device, machine)
        running = watch(env, shop_id, feed)
        try:
            while feed.stats.delivered < expected and running.thread is not None:
                progress(feed.stats.delivered, expected)
                if not running.thread.is_alive() or running.stop_event.wait(WAIT_S):
                    break
        finally:
            running.stop()
    progress(feed.stats.delivered, expected)
    return Replayed(lines=len(lines), kept=feed.stats.delivered, refused=dict(feed.stats.rejected))
