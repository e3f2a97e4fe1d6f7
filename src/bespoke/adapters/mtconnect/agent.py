"""A feed from an MTConnect agent over HTTP: /probe for the devices, /current for where
things stand, then /sample?from=<next>&count=<count> again and again, tracking sequence
numbers so that nothing is delivered twice.

When the agent's buffer has moved past the next sequence wanted (its firstSequence is
beyond it, or it answers OUT_OF_RANGE), the observations in between are lost: the feed
counts a "gap" and starts again from /current. When the agent's instanceId changes it was
restarted: the feed probes again and starts again from /current (`restarts` counts them).
"""

import http.client
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence

from bespoke.adapters.feeds import FeedStats, MachineNames, Sink
from bespoke.adapters.mtconnect.devices import Device, parse_probe
from bespoke.adapters.mtconnect.documents import MAX_DOCUMENT, DocumentError
from bespoke.adapters.mtconnect.readings import Refusals
from bespoke.adapters.mtconnect.sources import SourceUnreachableError
from bespoke.adapters.mtconnect.streams import (
    AgentError,
    StreamEntry,
    Streams,
    observations,
    parse_streams,
)

log = logging.getLogger("bespoke.feeds.mtconnect")

MAX_COUNT = 100_000


class AgentFeed:
    """Observations of the machines an MTConnect agent at `url` serves (the address the
    agent's requests follow: http://host:5000 or http://host:5000/DeviceName), polled
    every `poll_s` seconds, `count` observations a request at most. Devices are the
    shop's machines by name or uuid through `machines`."""

    def __init__(
        self,
        url: str,
        machines: MachineNames,
        poll_s: float = 1.0,
        count: int = 1000,
        *,
        timeout_s: float = 10.0,
        retry_s: float = 5.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"agent url {url[:100]!r}: http:// or https://")
        if not 0 < poll_s <= 3600 or not 0 < retry_s <= 3600:
            raise ValueError("poll_s and retry_s: seconds from 0 to 3600")
        if not 1 <= count <= MAX_COUNT:
            raise ValueError(f"count {count}: from 1 to {MAX_COUNT}")
        self.url = url.rstrip("/")
        self.machines = machines
        self.poll_s = poll_s
        self.count = count
        self.timeout_s = timeout_s
        self.retry_s = retry_s
        self.stats = FeedStats()
        self.restarts = 0
        """Agent restarts seen (a new instanceId)."""
        self.next_sequence: int | None = None
        """The next sequence number wanted; None until synchronised from /current."""
        self._refusals = Refusals(self.stats)
        self._devices: Sequence[Device] | None = None
        self._instance: int | None = None

    def run(self, sink: Sink, stop: threading.Event) -> None:
        """Deliver until `stop` is set; raises `SourceUnreachableError` only when the agent
        cannot be reached at the start."""
        try:
            self._probe()
        except (OSError, http.client.HTTPException) as error:
            raise SourceUnreachableError(f"MTConnect agent {self.url}: {error}") from error
        except DocumentError as error:
            self._refusals.refuse("malformed document", f"probe: {error}")
        while not stop.is_set():
            try:
                more = self._step(sink)
            except (OSError, http.client.HTTPException) as error:
                log.warning("MTConnect agent %s: %s; trying again", self.url, error)
                stop.wait(self.retry_s)
                continue
            except DocumentError as error:
                self._refusals.refuse("malformed document", str(error))
                more = False
            if not more:
                stop.wait(self.poll_s)

    def _step(self, sink: Sink) -> bool:
        """One request; True when more is waiting at once."""
        if self._devices is None:
            self._probe()
            return True
        if self.next_sequence is None:
            return self._synchronise(sink, None)
        answer = self._streams(f"sample?from={self.next_sequence}&count={self.count}")
        if isinstance(answer, AgentError):
            if self._restarted(answer.instance_id):
                return True
            if "OUT_OF_RANGE" in answer.codes:
                return self._synchronise(sink, self.next_sequence)
            self._refusals.refuse("agent error", str(answer))
            return False
        if self._restarted(answer.header.instance_id):
            return True
        if answer.header.first_sequence > self.next_sequence:
            return self._synchronise(sink, self.next_sequence)
        wanted = self.next_sequence
        self._deliver(sink, answer, [entry for entry in answer.entries if entry.sequence >= wanted])
        self.next_sequence = max(answer.header.next_sequence, wanted)
        return len(answer.entries) >= self.count

    def _synchronise(self, sink: Sink, wanted: int | None) -> bool:
        """Start again from /current; a gap when the buffer has moved past `wanted`."""
        answer = self._streams("current")
        if isinstance(answer, AgentError):
            if not self._restarted(answer.instance_id):
                self._refusals.refuse("agent error", str(answer))
            return False
        if self._restarted(answer.header.instance_id):
            return True
        first = answer.header.first_sequence
        if wanted is not None and first > wanted:
            self._refusals.refuse("gap", f"sequences {wanted} to {first - 1} lost")
        self._deliver(sink, answer, list(answer.entries))
        self.next_sequence = answer.header.next_sequence
        return True

    def _restarted(self, instance: int | None) -> bool:
        if instance is None or instance == self._instance:
            return False
        if self._instance is not None:
            self.restarts += 1
            log.warning("MTConnect agent %s restarted (instance %s)", self.url, instance)
        self._instance = instance
        self._devices = None
        self.next_sequence = None
        return True

    def _probe(self) -> None:
        status, body = self._get("probe")
        probe = parse_probe(body)
        self._devices = probe.devices
        self._instance = probe.instance_id if probe.instance_id is not None else self._instance
        self.next_sequence = None
        log.info("MTConnect agent %s (HTTP %d): %d devices", self.url, status, len(probe.devices))

    def _deliver(self, sink: Sink, answer: Streams, entries: list[StreamEntry]) -> None:
        for reason, detail in answer.problems:
            self._refusals.refuse(reason, detail)
        found = observations(entries, self._devices or (), self._machine, self._refusals)
        if found:
            sink([observation for _, observation in found])
            self.stats.delivered += len(found)

    def _machine(self, device: Device) -> str | None:
        machine = self.machines.machine(device.name)
        if machine is None and device.uuid:
            machine = self.machines.machine(device.uuid)
        return machine

    def _streams(self, request: str) -> Streams | AgentError:
        status, body = self._get(request)
        try:
            return parse_streams(body)
        except AgentError as error:
            return error
        except DocumentError as error:
            raise DocumentError(f"{request} (HTTP {status}): {error}") from None

    def _get(self, request: str) -> tuple[int, bytes]:
        """The status and body of a GET of `request`; an error status still has its body
        (an MTConnectError document)."""
        url = f"{self.url}/{request}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                return int(response.status), _bounded(response.read(MAX_DOCUMENT + 1))
        except urllib.error.HTTPError as error:
            with error:
                return int(error.code), _bounded(error.read(MAX_DOCUMENT + 1))


def _bounded(body: bytes) -> bytes:
    if len(body) > MAX_DOCUMENT:
        raise DocumentError(f"answer longer than {MAX_DOCUMENT} bytes")
    return body
