"""Errors as RFC 9457 problem documents (`application/problem+json`): status, title,
detail, and `errors` with the field path and the reason of each."""

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bespoke.model.errors import (
    BespokeError,
    ConflictError,
    ExpiredError,
    NotFoundError,
    PermissionDeniedError,
    TooLargeError,
    UnavailableError,
    UnsupportedTypeError,
)

MEDIA_TYPE = "application/problem+json"
STATUS: list[tuple[type[BespokeError], int, str]] = [
    (NotFoundError, 404, "Not found"),
    (PermissionDeniedError, 403, "Not allowed"),
    (ExpiredError, 410, "Expired"),
    (TooLargeError, 413, "Too large"),
    (UnsupportedTypeError, 415, "Unsupported file type"),
    (ConflictError, 409, "Conflict"),
    (UnavailableError, 503, "Unavailable"),
    (BespokeError, 422, "Cannot be processed"),
]
_FIELD = re.compile(r"^([A-Za-z_][\w.\[\]-]*): ")
log = logging.getLogger(__name__)


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return JSONResponse(
        {**body, **extra}, status_code=status, media_type=MEDIA_TYPE, headers=headers
    )


def status_of(error: BespokeError) -> tuple[int, str]:
    return next((status, title) for kind, status, title in STATUS if isinstance(error, kind))


def error_path(error: BespokeError) -> str:
    """The field or key path an error is about, from the error or its message."""
    path = getattr(error, "path", None)
    if isinstance(path, str) and path:
        return path
    match = _FIELD.match(str(error))
    return match.group(1) if match else ""


def bespoke_problem(error: BespokeError) -> JSONResponse:
    status, title = status_of(error)
    extra = {"order_id": error.order_id} if hasattr(error, "order_id") else {}
    return problem(
        status, title, str(error), [{"path": error_path(error), "reason": str(error)}], **extra
    )


PageError = Callable[[Request, int, str, str], Response]


def install(app: FastAPI, page_error: PageError) -> None:
    """Answer every error of the API as a problem document, and of a page as a page."""

    async def on_bespoke(request: Request, error: Exception) -> Response:
        assert isinstance(error, BespokeError)
        if is_page(request):
            status, title = status_of(error)
            return page_error(request, status, title, str(error))
        return bespoke_problem(error)

    async def on_validation(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = _field_errors(error.errors())
        detail = "; ".join(f"{e['path']}: {e['reason']}" for e in errors)
        return problem(422, "Invalid request", detail, errors)

    async def on_invalid(request: Request, error: Exception) -> Response:
        assert isinstance(error, ValidationError)
        if is_page(request):
            return page_error(request, 422, "Invalid request", invalid_input(error))
        errors = _field_errors(error.errors())
        return problem(422, "Invalid request", invalid_input(error), errors)

    async def on_http(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if is_page(request):
            status = error.status_code
            return page_error(request, status, _title(status), str(error.detail))
        return problem(
            error.status_code, _title(error.status_code), str(error.detail), headers=error.headers
        )

    async def on_database(request: Request, error: Exception) -> Response:
        if isinstance(error, DataError):  # a value given that the database cannot hold
            status, title = 422, "Cannot be stored"
            detail = f"{_first_line(error.orig)}; nothing was saved"
        else:
            log.error("database error: %s", error)
            status, title = 500, "Database error"
            detail = "the database refused the change; nothing was saved. Try again later."
        if is_page(request):
            return page_error(request, status, title, detail)
        return problem(status, title, detail)

    app.add_exception_handler(BespokeError, on_bespoke)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_invalid)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(SQLAlchemyError, on_database)


class ServerErrors:
    """The last line: an error nothing else answered is logged with its trace and answered
    as a 500 problem document (a page for pages), and the connection stays open."""

    def __init__(self, app: ASGIApp, page_error: PageError) -> None:
        self.app, self.page_error = app, page_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if not started:
                await self._answer(Request(scope))(scope, receive, send)

    def _answer(self, request: Request) -> Response:
        detail = "the server failed to answer this request; nothing was saved. Try again later."
        if is_page(request):
            try:
                return self.page_error(request, 500, "Server error", detail)
            except Exception:
                log.exception("the error page failed too")
        return problem(500, "Server error", detail)


def _first_line(error: BaseException | None) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else "a value the database cannot store"


def invalid_input(error: ValidationError) -> str:
    """A validation error in one line: each field's path and what is wrong with it."""
    return "; ".join(f"{e['path']}: {e['reason']}" for e in _field_errors(error.errors()))


def _field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    return [{"path": ".".join(str(p) for p in e["loc"]), "reason": str(e["msg"])} for e in errors]


def is_page(request: Request) -> bool:
    """A request for a page (answered in HTML), not for the API."""
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/openapi.json", "/docs"))


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
