"""A quote: the plan for one design and its prices by quantity."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bespoke.model.bounds import MAX_INFILL, MIN_INFILL
from bespoke.model.catalog import LeadTier
from bespoke.model.costing import PriceBreak, ScaleCurve
from bespoke.model.geometry import Frozen
from bespoke.model.planning import Part, ProcessOption


class ChoiceFields(BaseModel):
    """What a maker may choose beyond the design, material and finish: the fields, shared
    by the kept choices and the requests that carry them."""

    infill: float | None = Field(
        default=None,
        ge=MIN_INFILL,
        le=MAX_INFILL,
        description="Share of a printed part's inside that is filled (FDM); "
        "None: the process default",
    )
    lead_tier: LeadTier = Field(
        default="standard", description="economy (slower, cheaper), standard or expedite"
    )
    own_material: bool = Field(
        default=False, description="The customer supplies the material: it is not charged"
    )

    def choices(self) -> "QuoteChoices":
        return QuoteChoices.model_validate(self.model_dump(include=set(ChoiceFields.model_fields)))


class QuoteChoices(ChoiceFields):
    """The maker's choices a quote was made with."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ProcessQuote(Frozen):
    """A feasible way to make the part and its prices."""

    option: ProcessOption
    prices: list[PriceBreak]


class Quote(Frozen):
    """Everything a maker needs to decide: how it can be made, why not otherwise, at what price."""

    design: str = Field(description="File name of the design")
    design_kind: Literal["dxf", "stl"]
    part: Part
    currency: str
    quantities: list[int]
    options: list[ProcessQuote] = Field(
        description="Feasible ways, cheapest first at the first qty"
    )
    rejected: list[ProcessOption] = Field(description="Processes that cannot make it, and why")
    best: list[PriceBreak] = Field(description="The cheapest way at each quantity")
    curve: ScaleCurve | None
    choices: QuoteChoices = Field(default_factory=QuoteChoices)

    @property
    def makeable(self) -> bool:
        return bool(self.options)
