"""Work orders on the floor: what operators do at a machine or bench, what a work order
has booked so far, and the printable traveller that goes with the parts.

A work order is one scheduled operation, or one batch of many orders' parts under one
set-up, on one machine or bench. Its `WorkOrderLedger` holds the facts that persist; a
`FloorEvent` is one thing an operator did. `bespoke.execution.work_orders.applied` turns
a ledger and an event into the next ledger, or refuses the event.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from bespoke.model.bounds import MAX_QUANTITY, Quantity, WithoutNul
from bespoke.model.errors import InputError

MAX_NOTE = 2_000
"""Characters in an operator's note on one event."""


class WorkOrderStatus(StrEnum):
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


CLOSED = frozenset({WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED})
"""Statuses after which a work order accepts nothing."""


_NEVER_STARTED = frozenset({WorkOrderStatus.READY, WorkOrderStatus.CANCELLED})
_START_SAYS = "one once started (running, paused, done), none before (ready, cancelled)"
_CLOSE_SAYS = "one once closed (done, cancelled), none before"


class PauseReason(StrEnum):
    """Why a running work order stops for a while."""

    SETUP = "setup"
    """Setting up or adjusting the machine, fixtures or program."""
    MATERIAL = "material"
    """Waiting for material or parts."""
    TOOLING = "tooling"
    """Changing or waiting for a tool."""
    BREAKDOWN = "breakdown"
    """The machine failed."""
    MAINTENANCE = "maintenance"
    """Planned maintenance or cleaning."""
    QUALITY = "quality"
    """Held for an inspection or a quality question."""
    BREAK = "break"
    """The operator's break."""
    SHIFT_END = "shift_end"
    """The shift ended."""
    OTHER = "other"


class ScrapReason(StrEnum):
    """Why a part made is not good."""

    DIMENSION = "dimension"
    """Out of tolerance."""
    SURFACE = "surface"
    """Scratches, burrs, burns, print defects."""
    MATERIAL = "material"
    """Faulty stock."""
    MACHINE = "machine"
    """A machine fault during the run."""
    SETUP = "setup"
    """Set-up parts and first-off trials."""
    PROGRAM = "program"
    """A wrong program or nest."""
    HANDLING = "handling"
    """Damaged after making: dropped, bent, mixed up."""
    OTHER = "other"


class FloorAction(StrEnum):
    """What an operator does to a work order."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    BOOK = "book"
    """Book good and scrap parts made so far (partial completion)."""
    FINISH = "finish"
    """Close the work order, booking the last parts with it."""
    CANCEL = "cancel"
    """Give up a work order that has not started."""


Count = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Note = Annotated[str, Field(max_length=MAX_NOTE), WithoutNul]

_BOOKS = frozenset({FloorAction.BOOK, FloorAction.FINISH})


class FloorEvent(BaseModel):
    """One thing an operator did to a work order at `at`: each action carries what it needs
    and nothing it does not (a start its quantity, a pause its reason, scrap its reason)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: FloorAction
    at: AwareDatetime
    quantity: Quantity | None = Field(default=None, description="Parts started (start only)")
    good: Count = 0
    scrap: Count = 0
    scrap_reason: ScrapReason | None = None
    pause_reason: PauseReason | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _carries_what_its_action_needs(self) -> Self:
        action = self.action
        if (action is FloorAction.START) != (self.quantity is not None):
            raise ValueError(f"quantity: a start gives the quantity started, a {action} none")
        if (action is FloorAction.PAUSE) != (self.pause_reason is not None):
            raise ValueError(
                f"pause_reason: a pause gives one ({', '.join(PauseReason)}), a {action} none"
            )
        if action not in _BOOKS and self.good + self.scrap:
            raise ValueError(f"good, scrap: only book and finish book parts, not {action}")
        if action is FloorAction.BOOK and not self.good + self.scrap:
            raise ValueError("good, scrap: a booking books at least one part, good or scrap")
        if (self.scrap > 0) != (self.scrap_reason is not None):
            raise ValueError(
                "scrap_reason: scrap gives its reason "
                f"({', '.join(ScrapReason)}), and no scrap none"
            )
        return self


class WorkOrderLedger(BaseModel):
    """What one work order has done so far: its status, the parts started and booked, and
    its time, running and paused, in seconds from its first start to its last event.

    `running_s + paused_s` equals `last_event_at - first_start_at` (to the microsecond):
    booked time is wall time.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    planned: Quantity
    status: WorkOrderStatus = WorkOrderStatus.READY
    started: Count = 0
    good: Count = 0
    scrap: Count = 0
    scrap_by_reason: dict[ScrapReason, Count] = Field(default_factory=dict)
    first_start_at: AwareDatetime | None = None
    last_event_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    running_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    paused_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    pauses: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _counts_add_up(self) -> Self:
        if not self.good + self.scrap <= self.started <= self.planned:
            raise ValueError(
                f"good + scrap ({self.good} + {self.scrap}) <= started ({self.started})"
                f" <= planned ({self.planned}) does not hold"
            )
        if sum(self.scrap_by_reason.values()) != self.scrap:
            raise ValueError(f"scrap_by_reason does not add up to scrap ({self.scrap})")
        if (self.first_start_at is None) != (self.status in _NEVER_STARTED):
            raise ValueError(f"first_start_at: a {self.status} work order has {_START_SAYS}")
        if (self.closed_at is None) != self.open:
            raise ValueError(f"closed_at: a {self.status} work order has {_CLOSE_SAYS}")
        return self

    @property
    def booked(self) -> int:
        """Parts booked, good or scrap."""
        return self.good + self.scrap

    @property
    def shortfall(self) -> int:
        """Good parts still missing from the planned quantity."""
        return max(self.planned - self.good, 0)

    @property
    def open(self) -> bool:
        """Whether the work order still accepts events (not done, not cancelled)."""
        return self.status not in CLOSED


MAX_TITLE = 120
"""Characters in a traveller's title or shop name."""
MAX_URL = 500
"""Characters in the URL a traveller's QR code opens."""
MAX_STEPS = 100
"""Steps on one traveller."""
MAX_PICTURES = 4
"""Pictures (drawings, nest sheets) on one traveller."""
MAX_PICTURE_BYTES = 4_000_000
"""Size of one picture's PNG file."""
MAX_PICTURE_SIDE = 6_000
"""Pixels along either side of one picture."""
MAX_INSTRUCTIONS = 4_000
"""Characters of instructions for one step."""
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE), WithoutNul]
Name = Annotated[str, Field(max_length=MAX_TITLE), WithoutNul]


class TravellerStep(BaseModel):
    """One operation of the work a traveller goes with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1, le=10_000)
    operation: Title
    machine: Name = ""
    family: Name = Field(default="", description="The set-up family")
    quantity: Quantity
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    instructions: Annotated[str, Field(max_length=MAX_INSTRUCTIONS), WithoutNul] = ""


class TravellerPicture(BaseModel):
    """A drawing or nest sheet printed on a page of its own, as a PNG file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    caption: Name = ""
    png: bytes

    @field_validator("png")
    @classmethod
    def _bounded_png(cls, png: bytes) -> bytes:
        if len(png) > MAX_PICTURE_BYTES:
            raise InputError(
                f"picture: {len(png):,} bytes; a picture is a PNG of at most"
                f" {MAX_PICTURE_BYTES:,} bytes",
                path="pictures",
            )
        if len(png) < 24 or not png.startswith(PNG_SIGNATURE):
            raise InputError("picture: not a PNG file; pictures are PNG files", path="pictures")
        width, height = int.from_bytes(png[16:20]), int.from_bytes(png[20:24])
        if not (1 <= width <= MAX_PICTURE_SIDE and 1 <= height <= MAX_PICTURE_SIDE):
            raise InputError(
                f"picture: {width} x {height} pixels; each side is 1 to"
                f" {MAX_PICTURE_SIDE:,} pixels",
                path="pictures",
            )
        return png


class Traveller(BaseModel):
    """The paper that goes with an order's or a batch's parts through the shop: its steps,
    a QR code opening `url` (the terminal page of its work), and its pictures.

    Too many pictures, or one too large, is refused with an `InputError`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: Title = Field(description='"Order 12", "Batch B-3"')
    shop: Name
    url: str = Field(max_length=MAX_URL, pattern=r"^https?://\S+$")
    made_at: AwareDatetime
    steps: list[TravellerStep] = Field(min_length=1, max_length=MAX_STEPS)
    pictures: list[TravellerPicture] = Field(default_factory=list)

    @field_validator("pictures", mode="before")
    @classmethod
    def _few_pictures(cls, pictures: object) -> object:
        if isinstance(pictures, list | tuple) and len(pictures) > MAX_PICTURES:
            raise InputError(
                f"pictures: {len(pictures)} given; a traveller has at most {MAX_PICTURES}",
                path="pictures",
            )
        return pictures
