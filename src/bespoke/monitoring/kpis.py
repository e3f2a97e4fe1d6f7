"""Equipment KPIs to ISO 22400-2:2014 (Automation systems and integration - Key performance
indicators for manufacturing operations management - Part 2: Definitions and descriptions).

The standard's time elements and quantities, for one work unit (a machine) over one period:

- PBT, planned busy time: planned operation time (POT) minus planned down time;
- APT, actual production time: the time the unit is producing, value-adding only;
- ADET, actual unit delay time: malfunction-caused interruptions, minor stoppages and
  other unplanned time that extends an order's processing;
- ASUT, actual unit setup time; AUPT, actual unit processing time = APT + ASUT;
  AUBT, actual unit busy time, the unit used for orders = APT + ASUT + ADET;
- PQ, produced quantity; GQ, good quantity (meets the quality requirements); SQ, scrap
  quantity; RQ, rework quantity;
- PRI, planned run time per item (called PRU, planned runtime per unit, in some
  renderings): the scheduled time for one unit.

And its KPIs, each a ratio of them: availability = APT / PBT; effectiveness =
PRI x PQ / APT (above 1 when parts come faster than planned); quality ratio = GQ / PQ;
OEE index = availability x effectiveness x quality ratio; utilisation efficiency =
APT / AUBT; technical efficiency = APT / (APT + ADET); setup rate = ASUT / AUPT; scrap
ratio = SQ / PQ. Utilisation (not an ISO 22400-2 KPI) is APT over the period's calendar
time: the share of all the time the machine produced.

A KPI whose denominator is 0 is None. Several machines or periods roll up by summing
their time elements and quantities and taking the ratios of the sums, never by averaging
ratios: a machine planned for 2 hours weighs a fifth of one planned for 10."""

from collections.abc import Iterable
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_SECONDS = 1e11
"""Longest time element kept: some thousands of years, room for any roll-up."""
MAX_QUANTITY = 10**12


Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS)]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]


class KpiInput(BaseModel):
    """ISO 22400-2 time elements (seconds) and quantities of one machine over one period,
    or their sums over many. APT is time within PBT, PBT time within the period."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    period: Seconds = 0.0
    """Calendar time of the period."""
    pbt: Seconds = 0.0
    apt: Seconds = 0.0
    adet: Seconds = 0.0
    asut: Seconds = 0.0
    pri: Seconds = 0.0
    """Planned run time per item; for several products, their mean weighted by PQ."""
    pq: Quantity = 0
    gq: Quantity = 0
    sq: Quantity = 0
    rq: Quantity = 0

    @model_validator(mode="after")
    def _elements_nest(self) -> "KpiInput":
        if self.apt > self.pbt:
            raise ValueError(
                f"APT ({self.apt} s) exceeds PBT ({self.pbt} s): actual production time "
                "is counted within planned busy time"
            )
        if self.pbt > self.period:
            raise ValueError(
                f"PBT ({self.pbt} s) exceeds the period ({self.period} s): planned busy "
                "time is counted within the period"
            )
        if self.gq + self.sq + self.rq > self.pq:
            raise ValueError(
                f"good ({self.gq}), scrap ({self.sq}) and rework ({self.rq}) quantities "
                f"add up to more than the produced quantity ({self.pq})"
            )
        return self

    @property
    def aupt(self) -> float:
        return self.apt + self.asut

    @property
    def aubt(self) -> float:
        return self.apt + self.asut + self.adet


class Kpis(BaseModel):
    """ISO 22400-2 KPIs as fractions (0.85, not 85 %); None where the denominator is 0."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    availability: float | None
    effectiveness: float | None
    quality_ratio: float | None
    oee_index: float | None
    utilisation_efficiency: float | None
    technical_efficiency: float | None
    setup_rate: float | None
    scrap_ratio: float | None
    utilisation: float | None


def kpis(elements: KpiInput) -> Kpis:
    """The KPIs of one machine and period (or of a roll-up's sums)."""
    availability = _ratio(elements.apt, elements.pbt)
    effectiveness = _ratio(elements.pri * elements.pq, elements.apt)
    quality = _ratio(elements.gq, elements.pq)
    oee = (
        None
        if availability is None or effectiveness is None or quality is None
        else availability * effectiveness * quality
    )
    return Kpis(
        availability=availability,
        effectiveness=effectiveness,
        quality_ratio=quality,
        oee_index=oee,
        utilisation_efficiency=_ratio(elements.apt, elements.aubt),
        technical_efficiency=_ratio(elements.apt, elements.apt + elements.adet),
        setup_rate=_ratio(elements.asut, elements.aupt),
        scrap_ratio=_ratio(elements.sq, elements.pq),
        utilisation=_ratio(elements.apt, elements.period),
    )


def summed(inputs: Iterable[KpiInput]) -> KpiInput:
    """The time elements and quantities of many machines or periods added up; PRI becomes
    their mean weighted by PQ, so that PRI x PQ is the sum of each's PRI x PQ."""
    items = list(inputs)
    pq = sum(i.pq for i in items)
    planned_run = sum(i.pri * i.pq for i in items)
    return KpiInput(
        period=sum(i.period for i in items),
        pbt=sum(i.pbt for i in items),
        apt=sum(i.apt for i in items),
        adet=sum(i.adet for i in items),
        asut=sum(i.asut for i in items),
        pri=planned_run / pq if pq else 0.0,
        pq=pq,
        gq=sum(i.gq for i in items),
        sq=sum(i.sq for i in items),
        rq=sum(i.rq for i in items),
    )


def rolled_up(inputs: Iterable[KpiInput]) -> Kpis:
    """The KPIs of many machines (or periods) together: ratios of the summed elements,
    weighted by their own denominators, never an average of each one's ratios."""
    return kpis(summed(inputs))


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator <= 0 else max(numerator, 0.0) / denominator
