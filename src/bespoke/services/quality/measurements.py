"""Parts checked on the floor: each work order's inspection plan from its parts' drawings
(ISO 2768 general tolerances, first article, ISO 2859-1 sampling), measurements entered on
the terminal or imported from a gauge's CSV file, each feature charted (individuals and
moving range, Western Electric and Nelson rules) with an alert to the floor when it goes
out of control, and a nonconformance opened for a part out of tolerance."""

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field, ValidationError

from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.model.events import QualityAlert
from bespoke.model.quality import InspectionPlan, Measurement, Rule, Violation
from bespoke.model.wording import plural
from bespoke.quality.inspection import check, inspection_plan
from bespoke.quality.run_rules import WESTERN_ELECTRIC, violations
from bespoke.quality.spc import individuals_chart
from bespoke.services.environment import Environment
from bespoke.services.quoting.designs import stored_geometry
from bespoke.services.shop.shops import shop_catalog, staff_shop
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import MeasurementRow, NonconformanceRow, WorkOrderRow

CHECK = "check parts on the floor"
TOLERANCE_CLASS = "m"
"""The ISO 2768-1 class of features without a tolerance of their own."""
RULES = (*WESTERN_ELECTRIC, Rule.N3, Rule.N4, Rule.N7, Rule.N8)
"""The Western Electric rules, and the Nelson rules they do not already hold (a trend, a
saw-tooth, too little spread, a mixture)."""
CHARTED = 100
"""Latest measurements of a feature charted together."""
MAX_ENTRIES = 1_000
MAX_CSV_BYTES = 1_000_000


class PartInspection(BaseModel):
    """What to measure on one order's part of a work order, and how many."""

    order_id: int
    part: str
    design_id: int
    plan: InspectionPlan


class MeasurementEntry(BaseModel):
    """One feature of one part as measured."""

    order_id: int | None = Field(default=None, description="Whose part; the only one if left out")
    feature: str = Field(min_length=1, max_length=120)
    value: float
    unit: str = Field(default="mm", max_length=16)
    part_number: int = Field(default=1, ge=1, le=1_000_000)


class MeasuredView(BaseModel):
    id: int
    order_id: int | None
    feature: str
    value_mm: float
    lower_mm: float
    upper_mm: float
    passed: bool
    part_number: int


class Recorded(BaseModel):
    """Measurements kept, the chart rules they broke, the nonconformances they opened."""

    measurements: list[MeasuredView]
    alerts: list[str]
    nonconformances: list[int]


def inspections(env: Environment, who: Account, work_order_id: int) -> list[PartInspection]:
    """The inspection plan of each order's part a work order makes (those quoted from a
    drawing or mesh)."""
    shop_id = staff_shop(who, CHECK)
    with env.uow() as uow:
        row = uow.work_orders.get(shop_id, work_order_id)
        return _inspections(uow, row)


def _inspections(uow: UnitOfWork, row: WorkOrderRow) -> list[PartInspection]:
    catalog = shop_catalog(uow, row.shop_id)
    process = catalog.processes.get(row.process)
    holds = getattr(process, "tolerance", None)  # hand work holds no tolerance of its own
    plans = []
    for order_id, quantity in _made_for(row).items():
        order = uow.orders.by_id(order_id)
        quote = uow.quotes.by_id(order.quote_id)
        if quote.design_id is None:
            continue
        design = uow.designs.by_id(quote.design_id)
        plan = inspection_plan(
            stored_geometry(design),
            quantity,
            tolerance=TOLERANCE_CLASS,
            process_holds=holds,
            thickness_mm=quote.request.get("thickness_mm"),
            aql=catalog.shop.inspection_aql,
        )
        plans.append(
            PartInspection(order_id=order_id, part=design.filename, design_id=design.id, plan=plan)
        )
    return plans


def _made_for(row: WorkOrderRow) -> dict[int, int]:
    """Each order's parts the work order makes."""
    if row.batch is None and row.order_id is not None:
        return {row.order_id: row.quantity}
    made: dict[int, int] = {}
    for share in row.per_order.values():
        made[int(share["order"])] = made.get(int(share["order"]), 0) + int(share["planned"])
    return made


def record(
    env: Environment, who: Account, work_order_id: int, entries: Sequence[MeasurementEntry]
) -> Recorded:
    """Keep measurements of a work order's parts, all or none: each is checked against
    its feature's tolerance; a part out of tolerance opens (or adds to) a nonconformance;
    each feature's chart is checked against the run rules, and a new violation alerts the
    floor."""
    shop_id = staff_shop(who, CHECK)
    if not entries:
        raise InputError("measurements: give at least one", path="measurements")
    if len(entries) > MAX_ENTRIES:
        raise InputError(f"measurements: at most {MAX_ENTRIES} at once", path="measurements")
    moment = now()
    with env.uow() as uow:
        row = uow.work_orders.get(shop_id, work_order_id)
        plans = {p.order_id: p for p in _inspections(uow, row)}
        if not plans:
            raise InputError(
                f"work order {row.id} makes no part quoted from a drawing: nothing to measure"
            )
        kept = [_measured(row, plans, entry, who, moment) for entry in entries]
        for measured in kept:
            uow.session.add(measured)
        uow.flush()
        opened = _nonconformances(uow, row, [m for m in kept if not m.passed], who, moment)
        alerts = _alerts(env, uow, row, {m.feature_key for m in kept}, {m.id for m in kept})
        uow.commit()
        return Recorded(
            measurements=[_view(m) for m in kept], alerts=alerts, nonconformances=opened
        )


def import_csv(env: Environment, who: Account, work_order_id: int, content: bytes) -> Recorded:
    """Measurements from a gauge's CSV file: a header with `feature` and `value`, and
    optionally `unit` (mm by default), `order_id` and `part_number`."""
    if len(content) > MAX_CSV_BYTES:
        raise InputError(f"file: at most {MAX_CSV_BYTES // 1000} kB", path="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("file: a CSV file in UTF-8 is accepted", path="file") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"feature", "value"} <= set(reader.fieldnames):
        raise InputError("file: the CSV header names `feature` and `value`", path="file")
    entries = []
    for number, line in enumerate(reader, start=2):
        if number > MAX_ENTRIES + 1:
            raise InputError(f"file: at most {MAX_ENTRIES} measurements", path="file")
        fields = {k: v for k, v in line.items() if k and v not in (None, "")}
        try:
            entries.append(MeasurementEntry.model_validate(fields))
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise InputError(f"line {number}: {where}: {problem['msg']}", path="file") from None
    return record(env, who, work_order_id, entries)


def _measured(
    row: WorkOrderRow,
    plans: dict[int, PartInspection],
    entry: MeasurementEntry,
    who: Account,
    moment: datetime,
) -> MeasurementRow:
    order_id = entry.order_id if entry.order_id is not None else _only(plans)
    inspection = plans.get(order_id)
    if inspection is None:
        accepted = ", ".join(str(o) for o in sorted(plans))
        raise InputError(f"order_id: {order_id} is not made here (orders: {accepted})")
    features = {f.name: f for f in inspection.plan.features}
    feature = features.get(entry.feature)
    if feature is None:
        raise InputError(
            f"feature: {entry.feature!r} is not in the plan (features: {', '.join(features)})",
            path="feature",
        )
    try:
        measurement = Measurement(value=entry.value, unit=entry.unit)
    except ValidationError:
        raise InputError(
            f"{entry.feature}: {entry.value} {entry.unit!r} is not a length (units: mm, µm, inch)",
            path="unit",
        ) from None
    checked = check(measurement, feature)
    return MeasurementRow(
        shop_id=row.shop_id,
        work_order_id=row.id,
        order_id=order_id,
        machine=row.machine,
        feature_key=f"design-{inspection.design_id}/{feature.name}"[:160],
        feature=feature.name,
        nominal_mm=feature.nominal_mm,
        lower_mm=feature.nominal_mm - feature.tolerance_mm,
        upper_mm=feature.nominal_mm + feature.tolerance_mm,
        value_mm=checked.value_mm,
        part_number=entry.part_number,
        passed=checked.passed,
        actor_id=who.id,
        at=moment,
    )


def _only(plans: dict[int, PartInspection]) -> int:
    if len(plans) != 1:
        accepted = ", ".join(str(o) for o in sorted(plans))
        raise InputError(f"order_id: say whose part was measured (orders: {accepted})")
    return next(iter(plans))


def _nonconformances(
    uow: UnitOfWork,
    row: WorkOrderRow,
    failed: Sequence[MeasurementRow],
    who: Account,
    moment: datetime,
) -> list[int]:
    """Open a nonconformance per feature out of tolerance (or add the parts to the one
    open for it on this work order)."""
    opened: dict[str, NonconformanceRow] = {}
    for measured in failed:
        key = measured.feature_key
        nc = opened.get(key) or uow.quality.open_nonconformance(row.id, key)
        if nc is None:
            nc = NonconformanceRow(
                shop_id=row.shop_id,
                work_order_id=row.id,
                order_id=measured.order_id,
                machine=row.machine,
                feature_key=key,
                description=(
                    f"{measured.feature} measured {measured.value_mm:g} mm, outside"
                    f" {measured.lower_mm:g} to {measured.upper_mm:g} mm"
                ),
                quantity=0,
                status="open",
                actions=[],
                opened_by=who.id,
                created_at=moment,
                updated_at=moment,
            )
            uow.session.add(nc)
        nc.quantity += 1
        nc.updated_at = moment
        opened[key] = nc
    uow.flush()
    return sorted(nc.id for nc in opened.values())


def _alerts(
    env: Environment, uow: UnitOfWork, row: WorkOrderRow, keys: set[str], new: set[int]
) -> list[str]:
    """Check each feature's latest measurements against the run rules; alert the floor
    of a violation that a new measurement completes."""
    alerts = []
    for key in sorted(keys):
        history = list(reversed(uow.quality.latest(row.shop_id, key, CHARTED)))
        if len(history) < 2:
            continue
        chart = individuals_chart([m.value_mm for m in history]).location
        fresh = [v for v in violations(chart, RULES) if history[v.at].id in new]
        for violation in fresh:
            alerts.append(_alert_text(history[-1], violation))
            env.bus.publish(
                uow,
                None,
                QualityAlert(
                    at=history[violation.at].at,
                    shop_id=row.shop_id,
                    machine=row.machine,
                    work_order_id=row.id,
                    feature=history[-1].feature,
                    rule=violation.rule,
                    message=alerts[-1],
                ),
            )
    return alerts


def _alert_text(measured: MeasurementRow, violation: Violation) -> str:
    return (
        f"{measured.feature} on {measured.machine}: rule {violation.rule} ({violation.side}),"
        f" {plural(len(violation.points), 'point')} out of control"
    )


def _view(row: MeasurementRow) -> MeasuredView:
    return MeasuredView(
        id=row.id,
        order_id=row.order_id,
        feature=row.feature,
        value_mm=row.value_mm,
        lower_mm=row.lower_mm,
        upper_mm=row.upper_mm,
        passed=row.passed,
        part_number=row.part_number,
    )
