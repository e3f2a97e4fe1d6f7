"""Quality: a work order's inspection plan and its measurements (entered, or a gauge's CSV
file), and nonconformances with their disposition and corrective and preventive actions."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, File, UploadFile

from bespoke.api.openapi import problems
from bespoke.api.rest.work import read_upload
from bespoke.api.security import Env, api_caller
from bespoke.model.accounts import Account
from bespoke.model.bounds import RowId
from bespoke.services.quality import charts, measurements, nonconformances
from bespoke.services.quality.measurements import MAX_CSV_BYTES, MAX_ENTRIES

router = APIRouter(tags=["quality"])
Caller = Annotated[Account, Depends(api_caller)]
NC = nonconformances.NonconformanceView


@router.get("/floor/work-orders/{work_order_id}/inspection", responses=problems(404))
def get_inspection(
    work_order_id: RowId, env: Env, who: Caller
) -> list[measurements.PartInspection]:
    """What to measure on each order's part the work order makes: features with their
    nominal size, tolerance (ISO 2768-1) and gauge, the first article, and the ISO 2859-1
    sample of a batch."""
    return measurements.inspections(env, who, work_order_id)


@router.post(
    "/floor/work-orders/{work_order_id}/measurements",
    status_code=201,
    responses=problems(404, 422),
)
def add_measurements(
    work_order_id: RowId,
    env: Env,
    who: Caller,
    entries: Annotated[
        list[measurements.MeasurementEntry], Body(max_length=MAX_ENTRIES, min_length=1)
    ],
) -> measurements.Recorded:
    """Keep measurements of the work order's parts (all or none): each checked against
    its tolerance, a part out of tolerance opens a nonconformance, and a chart that breaks
    a run rule alerts the floor."""
    return measurements.record(env, who, work_order_id, entries)


@router.post(
    "/floor/work-orders/{work_order_id}/measurements.csv",
    status_code=201,
    responses=problems(404, 413, 422),
)
async def import_measurements(
    work_order_id: RowId,
    env: Env,
    who: Caller,
    file: Annotated[
        UploadFile, File(description="CSV: feature, value[, unit, order_id, part_number]")
    ],
) -> measurements.Recorded:
    """Measurements from a gauge's CSV file."""
    content = await read_upload(file, MAX_CSV_BYTES)
    return measurements.import_csv(env, who, work_order_id, content)


@router.get("/floor/work-orders/{work_order_id}/charts", responses=problems(404))
def get_charts(work_order_id: RowId, env: Env, who: Caller) -> list[charts.FeatureChart]:
    """The control chart of each feature measured on the work order's parts: its latest
    measurements as individuals and moving-range charts, the Western Electric and Nelson
    rules they break, and Cp, Cpk, Pp and Ppk against its tolerance, assumptions stated."""
    return charts.feature_charts(env, who, work_order_id)


@router.get("/quality/nonconformances")
def list_nonconformances(env: Env, who: Caller, everything: bool = False) -> list[NC]:
    """The shop's nonconformances still open (`everything`: closed ones too), newest first."""
    return nonconformances.shop_nonconformances(env, who, not everything)


@router.get("/quality/nonconformances/{nc_id}", responses=problems(404))
def get_nonconformance(nc_id: RowId, env: Env, who: Caller) -> NC:
    return nonconformances.nonconformance(env, who, nc_id)


@router.post("/quality/nonconformances/{nc_id}/disposition", responses=problems(404, 409))
def set_disposition(
    nc_id: RowId, body: nonconformances.DispositionRequest, env: Env, who: Caller
) -> NC:
    """Rework, scrap, use as is or return to the supplier, with its cost; reworked,
    scrapped and returned parts are made again by the next schedule."""
    return nonconformances.set_disposition(env, who, nc_id, body)


@router.post("/quality/nonconformances/{nc_id}/actions", responses=problems(404, 409))
def add_action(nc_id: RowId, body: nonconformances.ActionRequest, env: Env, who: Caller) -> NC:
    """A corrective or preventive action."""
    return nonconformances.add_action(env, who, nc_id, body)


@router.post(
    "/quality/nonconformances/{nc_id}/actions/{index}/check", responses=problems(404, 409, 422)
)
def check_action(
    nc_id: RowId, index: int, body: nonconformances.CheckRequest, env: Env, who: Caller
) -> NC:
    """Whether an action worked: its effectiveness check, without which it stays open."""
    return nonconformances.check_action(env, who, nc_id, index, body)


@router.post("/quality/nonconformances/{nc_id}/close", responses=problems(404, 409))
def close_nonconformance(nc_id: RowId, env: Env, who: Caller) -> NC:
    """Close it: it needs its disposition and every action checked effective."""
    return nonconformances.close(env, who, nc_id)
