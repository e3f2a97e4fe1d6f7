"""The service's logs: lines for people by default, one JSON object per line with
`BESPOKE_LOG_FORMAT=json`; every line written while a request is served carries its id."""

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served (set by `api/observability.Observability`)."""
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, the request's id, an
    access line's method, route, status and duration_ms, and a traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            entry["request_id"] = request_id
        entry |= {name: record.__dict__[name] for name in ACCESS_FIELDS if name in record.__dict__}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def log_config(log_format: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` of the service (given to uvicorn, which applies it
    in each server process): lines on standard error from WARNING as text, or, as JSON
    for a log collector, Bespoke's own from INFO with an access line per request."""
    json_lines = log_format == "json"
    formatter = {"()": JsonFormatter} if json_lines else {"format": TEXT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {"bespoke": {"level": "INFO" if json_lines else "WARNING"}},
    }
