"""The one small interface every machine adapter speaks: a feed runs until told to stop,
hands batches of normalised observations to a sink, and counts what it refused."""

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bespoke.model.monitoring import Observation

log = logging.getLogger("bespoke.feeds")

Sink = Callable[[Sequence[Observation]], None]
"""Where a feed delivers observations: it returns once they are kept (a feed that can,
acknowledges its source only then)."""


@dataclass
class FeedStats:
    """What a feed received, delivered, and refused by reason."""

    received: int = 0
    delivered: int = 0
    rejected: Counter[str] = field(default_factory=Counter)

    def reject(self, reason: str, detail: str = "") -> None:
        """Count a refused message under `reason` and log it with `detail` (bounded)."""
        self.rejected[reason] += 1
        log.warning("feed refused a message: %s %s", reason, detail[:200])

    @property
    def refused(self) -> int:
        return sum(self.rejected.values())


class Feed(Protocol):
    """A source of one shop's machine observations (an MQTT subscription, an MTConnect
    agent or SHDR stream, a printer's API)."""

    stats: FeedStats

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Deliver observations to `sink` until `stop` is set; never raise for bad input
        (count it in `stats`), only for a source that cannot be reached at all."""
        ...


@dataclass(frozen=True)
class MachineNames:
    """How a source names the shop's machines: native name (an MTConnect device, an MQTT
    topic segment, a printer) -> the shop catalog's machine id. An unmapped name is the
    machine id itself when `known` holds it; anything else is refused."""

    known: frozenset[str]
    native: Mapping[str, str] = field(default_factory=dict)

    def machine(self, name: str) -> str | None:
        """The shop's machine called `name` by the source, or None when there is none."""
        mapped = self.native.get(name, name)
        return mapped if mapped in self.known else None
