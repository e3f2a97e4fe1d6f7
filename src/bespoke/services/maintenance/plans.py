"""A shop's maintenance plans and what comes due: each plan checked against the calendar,
its machine's meter or its observations; each occurrence due becomes one maintenance order
(its key makes it one only, however often or late the check runs)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError

from bespoke.maintenance import due_now, recorded
from bespoke.model.accounts import Account
from bespoke.model.errors import InputError
from bespoke.model.maintenance import (
    ConditionTrigger,
    Due,
    MaintenancePlan,
    Meter,
    MeterReading,
    MeterState,
    PlanProgress,
    UsageTrigger,
)
from bespoke.model.monitoring import Observation, Signal
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import shop_catalog, staff_shop
from bespoke.store import UnitOfWork, now
from bespoke.store.tables import MaintenanceOrderRow, MaintenancePlanRow, MeterReadingRow

MAINTAIN = "keep the shop's machines"
MAX_PLANS = 1_000
FIRST_LOOK_BACK = timedelta(days=1)
"""A condition plan's first check weighs the last day's readings: a condition already there
when the plan is made counts."""
MAX_READINGS = 10_000
"""Latest readings of a meter folded into its state, and observations weighed at once."""


class PlanView(BaseModel):
    id: int
    active: bool
    plan: MaintenancePlan


def plan_view(row: MaintenancePlanRow) -> PlanView:
    return PlanView(id=row.id, active=row.active, plan=MaintenancePlan.model_validate(row.document))


def maintenance_plans(env: Environment, who: Account) -> list[PlanView]:
    with env.uow() as uow:
        return [plan_view(r) for r in uow.maintenance.plans(staff_shop(who, MAINTAIN))]


def add_plan(env: Environment, who: Account, body: dict[str, Any]) -> PlanView:
    """Add a plan for one of the shop's machines; refused whole when it is not valid."""
    shop_id = staff_shop(who, MAINTAIN)
    moment = now()
    with env.uow() as uow:
        if len(uow.maintenance.plans(shop_id)) >= MAX_PLANS:
            raise InputError(f"plans: a shop has at most {MAX_PLANS}")
        plan = _valid_plan({**body, "id": "new"})
        machines = shop_catalog(uow, shop_id).machines
        if plan.machine not in machines:
            raise InputError(
                f"machine: {plan.machine!r} is not one of the shop's"
                f" ({', '.join(sorted(machines))})",
                path="machine",
            )
        row = MaintenancePlanRow(
            shop_id=shop_id,
            machine=plan.machine,
            title=plan.title,
            document={},
            state={},
            active=True,
            created_at=moment,
            updated_at=moment,
        )
        uow.session.add(row)
        uow.flush()
        row.document = plan.model_copy(update={"id": f"p{row.id}"}).model_dump(mode="json")
        uow.audit.record(moment, who, "add", "maintenance_plan", row.id, machine=plan.machine)
        uow.commit()
        return plan_view(row)


def _valid_plan(body: dict[str, Any]) -> MaintenancePlan:
    try:
        return MaintenancePlan.model_validate(body)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise InputError(f"{where}: {message}", path=where) from None


def record_meter(
    env: Environment, who: Account, machine: str, meter: Meter, value: float, reset: bool = False
) -> MeterState:
    """Keep a reading of a machine's meter; a reading lower than the last one is refused
    unless it says the meter was reset."""
    shop_id = staff_shop(who, MAINTAIN)
    moment = datetime.now(UTC)
    with env.uow() as uow:
        if machine not in shop_catalog(uow, shop_id).machines:
            raise InputError(f"machine: {machine!r} is not one of the shop's", path="machine")
        try:
            reading = MeterReading(
                machine=machine, meter=meter, value=value, at=moment, reset=reset
            )
        except ValidationError as error:
            raise InputError(f"value: {error.errors()[0]['msg']}", path="value") from None
        state = recorded(meter_state(uow, shop_id, machine, meter), reading)
        uow.session.add(
            MeterReadingRow(
                shop_id=shop_id,
                machine=machine,
                meter=meter,
                value=value,
                reset=reset,
                at=moment.replace(tzinfo=None),
            )
        )
        uow.commit()
        return state


def meter_state(uow: UnitOfWork, shop_id: int, machine: str, meter: str) -> MeterState | None:
    """A machine's meter as its readings so far tell it."""
    state = None
    for row in uow.maintenance.readings(shop_id, machine, meter, MAX_READINGS):
        reading = MeterReading(
            machine=row.machine,
            meter=Meter(row.meter),
            value=row.value,
            at=row.at.replace(tzinfo=UTC),
            reset=row.reset,
        )
        state = recorded(state, reading)
    return state


def check_due(env: Environment, shop_id: int, moment: datetime | None = None) -> int:
    """Check every active plan of the shop; keep an order for each occurrence due and not
    kept before. How many orders were made."""
    at = moment or datetime.now(UTC)
    made = 0
    with env.uow() as uow:
        for row in uow.maintenance.plans(shop_id, active_only=True):
            plan = MaintenancePlan.model_validate(row.document)
            progress = PlanProgress.model_validate(row.state or {})
            checked = due_now(
                plan,
                progress,
                at,
                meter=_meter_of(uow, shop_id, plan),
                observations=_observations_of(uow, shop_id, plan, progress, at),
            )
            for due in checked.dues:
                if uow.maintenance.order_by_key(shop_id, due.key) is None:
                    uow.session.add(_order(shop_id, row.id, plan, due, at))
                    made += 1
            row.state = checked.progress.model_dump(mode="json")
        uow.commit()
    return made


def _meter_of(uow: UnitOfWork, shop_id: int, plan: MaintenancePlan) -> MeterState | None:
    if not isinstance(plan.trigger, UsageTrigger):
        return None
    return meter_state(uow, shop_id, plan.machine, plan.trigger.meter)


def _observations_of(
    uow: UnitOfWork, shop_id: int, plan: MaintenancePlan, progress: PlanProgress, at: datetime
) -> list[Observation]:
    trigger = plan.trigger
    if not isinstance(trigger, ConditionTrigger):
        return []
    window = trigger.trend.window_s if trigger.trend is not None else 0.0
    start = progress.seen_through or at - FIRST_LOOK_BACK
    since = start - timedelta(seconds=window + trigger.hold_s)
    since_naive = since.astimezone(UTC).replace(tzinfo=None)
    rows = uow.observations.of_item(shop_id, plan.machine, trigger.item, since_naive, MAX_READINGS)
    return [
        Observation(
            machine=r.machine,
            item=r.item,
            signal=Signal(r.signal),
            value=r.number if r.number is not None else r.text,
            at=r.at.replace(tzinfo=UTC),
        )
        for r in rows
    ]


def _order(
    shop_id: int, plan_id: int, plan: MaintenancePlan, due: Due, at: datetime
) -> MaintenanceOrderRow:
    moment = at.astimezone(UTC).replace(tzinfo=None)
    return MaintenanceOrderRow(
        shop_id=shop_id,
        plan_id=plan_id,
        key=due.key,
        kind="planned",
        machine=plan.machine,
        title=plan.title,
        status="open",
        due_at=_naive(due.due_at),
        window_start=_naive(due.window.earliest),
        window_end=_naive(due.window.latest),
        duration_s=due.duration_s,
        checklist=[{"task": task, "done": False} for task in plan.tasks],
        parts=[p.model_dump(mode="json") for p in plan.parts],
        parts_used=[],
        created_at=moment,
        updated_at=moment,
    )


def _naive(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment is not None else None
