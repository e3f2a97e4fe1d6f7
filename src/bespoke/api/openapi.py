"""The OpenAPI document, with every error a route may answer declared as what it is: a
problem document (`application/problem+json`, RFC 9457)."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field

from bespoke.api.problems import MEDIA_TYPE


class FieldProblem(BaseModel):
    """What is wrong with one field or key."""

    path: str = Field(description="The field or key path, e.g. body.quantities.0")
    reason: str


class Problem(BaseModel):
    """An error: its status, a title, a one-line detail and the fields it is about."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = Field(default_factory=list)


DESCRIPTIONS = {
    400: "The body could not be parsed (a broken multipart or form body)",
    401: "Not signed in: no session cookie or API token, or one unknown, revoked or expired",
    403: "Signed in, but the role does not allow it, or the CSRF token is missing or wrong",
    404: "No such item, or not one the caller may see (the two look alike)",
    409: "Clashes with what is stored: a duplicate, or a state that has moved on",
    410: "An offer past its validity",
    413: "The body or the uploaded file is over its size limit",
    415: "A file of a kind Bespoke does not read (accepted: .dxf, .stl)",
    422: "Invalid input or work that cannot be done: each field's path and the reason",
    429: "Too many attempts: try again after the seconds in Retry-After",
    500: "The server failed to answer; nothing was saved",
    503: "Too busy now: try again after the seconds in Retry-After",
}
PUBLIC = {("get", "/api/health"), ("post", "/api/session"), ("get", "/api/me")}
"""Operations anyone may call without signing in (each declares its own refusals)."""


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that may answer these errors besides the usual ones."""
    return {status: {"description": DESCRIPTIONS[status]} for status in statuses}


def files(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that answers a file of one of these media types."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "The file", "content": {m: binary for m in media_types}}}


def install(app: FastAPI) -> None:
    """Serve the app's OpenAPI document with its problem responses declared."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                routes=app.routes,
            )
            declare_problems(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def declare_problems(schema: dict[str, Any]) -> None:
    """Declare on each operation the errors it may answer, each as a problem document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, path, operation):
                response = responses.setdefault(str(status), {})
                response["description"] = DESCRIPTIONS[status]
                response["content"] = {
                    MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def _statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    declared = {int(s) for s in operation.get("responses", {}) if s.isdigit() and int(s) >= 400}
    statuses = declared | {422, 500}
    if (method, path) not in PUBLIC:
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    body = operation.get("requestBody", {}).get("content", {})
    if body:
        statuses |= {400, 413}
    if "multipart/form-data" in body:
        statuses.add(415)
    return statuses
