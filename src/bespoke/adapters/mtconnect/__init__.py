"""MTConnect: machines' data from agents (HTTP documents) and adapters (SHDR streams),
as normalised observations through the `Feed` interface; and replay servers that play
real recordings as an adapter or an agent would."""

from bespoke.adapters.mtconnect.agent import AgentFeed
from bespoke.adapters.mtconnect.agent_replay import AgentReplayServer
from bespoke.adapters.mtconnect.devices import Category, DataItem, Device, Probe, parse_probe
from bespoke.adapters.mtconnect.documents import DocumentError
from bespoke.adapters.mtconnect.replay import ShdrReplayServer
from bespoke.adapters.mtconnect.shdr import ShdrParser, parse_shdr
from bespoke.adapters.mtconnect.shdr_feed import ShdrFeed
from bespoke.adapters.mtconnect.sources import SourceUnreachableError
from bespoke.adapters.mtconnect.streams import AgentError, Streams, parse_streams

__all__ = [
    "AgentError",
    "AgentFeed",
    "AgentReplayServer",
    "Category",
    "DataItem",
    "Device",
    "DocumentError",
    "Probe",
    "ShdrFeed",
    "ShdrParser",
    "ShdrReplayServer",
    "SourceUnreachableError",
    "Streams",
    "parse_probe",
    "parse_shdr",
    "parse_streams",
]
