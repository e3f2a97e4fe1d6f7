"""The control charts of the features a work order's parts were measured on: each
feature's latest measurements (on every work order) as individuals and moving-range
charts, the run rules they break, and the process's capability against the tolerance."""

from pydantic import BaseModel

from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.model.quality import Capability, SubgroupCharts, Violation
from bespoke.quality.capability import individuals_capability
from bespoke.quality.run_rules import violations
from bespoke.quality.spc import individuals_chart
from bespoke.services.environment import Environment
from bespoke.services.quality.measurements import CHARTED, CHECK, RULES
from bespoke.services.shop.shops import staff_shop

ASSUMPTIONS = (
    "Cp and Cpk use the short-term sigma (moving range / d2), Pp and Ppk the overall sample"
    " standard deviation. They mean what they claim only when the measurements are"
    " independent, the process is in statistical control (no run rule broken) and its values"
    " are normally distributed; none of this is tested."
)


class FeatureChart(BaseModel):
    """One feature's chart: its latest measurements in time order, the rules they break,
    and its capability (None, with the reason, while it cannot be computed)."""

    feature_key: str
    feature: str
    lower_mm: float
    upper_mm: float
    values_mm: list[float]
    charts: SubgroupCharts | None
    violations: list[Violation]
    capability: Capability | None
    capability_note: str


def feature_charts(env: Environment, who: Account, work_order_id: int) -> list[FeatureChart]:
    """The chart of each feature measured on the work order's parts."""
    shop_id = staff_shop(who, CHECK)
    with env.uow() as uow:
        row = uow.work_orders.get(shop_id, work_order_id)
        keys = sorted({m.feature_key for m in uow.quality.of_work_order(row.id)})
        histories = [list(reversed(uow.quality.latest(shop_id, k, CHARTED))) for k in keys]
    charted = []
    for key, history in zip(keys, histories, strict=True):
        values = [m.value_mm for m in history]
        last = history[-1]
        charts = individuals_chart(values) if len(values) >= 2 else None
        capability, note = None, ASSUMPTIONS
        try:
            capability = individuals_capability(values, last.lower_mm, last.upper_mm)
        except InputError as error:
            note = f"not computed: {error}"
        charted.append(
            FeatureChart(
                feature_key=key,
                feature=last.feature,
                lower_mm=last.lower_mm,
                upper_mm=last.upper_mm,
                values_mm=values,
                charts=charts,
                violations=violations(charts.location, RULES) if charts else [],
                capability=capability,
                capability_note=note,
            )
        )
    return charted
