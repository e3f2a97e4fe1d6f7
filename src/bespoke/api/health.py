"""`GET /health/live` (the process answers) and `GET /health/ready` (the database answers
at the newest schema, and what the service starts with has started), unauthenticated
and outside the API's documented operations. What has not started yet is in the app's
`state.not_started`, by name, with why."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bespoke.api.problems import problem
from bespoke.services.health import database_problem

router = APIRouter(prefix="/health", include_in_schema=False)


@router.get("/live")
async def live() -> JSONResponse:
    return JSONResponse({"status": "live"})


@router.get("/ready")
def ready(request: Request) -> Response:
    waiting = dict(request.app.state.not_started)
    database = database_problem(request.app.state.env)
    if database is not None:
        waiting["database"] = database
    if not waiting:
        return JSONResponse({"status": "ready"})
    return problem(
        503,
        "Service Unavailable",
        "; ".join(f"{name}: {why}" for name, why in waiting.items()),
        not_ready=waiting,
    )
