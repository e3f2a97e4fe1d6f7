"""Pure pieces of the service: order flow, calendars, settings, error paths, blobs."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from bespoke.api.problems import error_path, status_of
from bespoke.model.batching import BatchDocument
from bespoke.model.calendar import Calendar, Shift
from bespoke.model.errors import (
    ConflictError,
    ExpiredError,
    InputError,
    NotFoundError,
    TooLargeError,
    UnsupportedTypeError,
)
from bespoke.model.orders import OrderStatus, next_statuses
from bespoke.model.scheduling import ScheduleDocument, ScheduledTask
from bespoke.products.spec import SpecError
from bespoke.services.environment import MEGABYTE, Settings
from bespoke.store import BlobStore


def test_orders_move_one_step_and_cancel_only_before_production() -> None:
    assert next_statuses(OrderStatus.PLACED) == [OrderStatus.PLANNED, OrderStatus.CANCELLED]
    assert next_statuses(OrderStatus.IN_PRODUCTION) == [OrderStatus.DONE]
    assert next_statuses(OrderStatus.SHIPPED) == []
    assert next_statuses(OrderStatus.CANCELLED) == []


def test_kept_schedules_and_batches_read_back_as_stored_before_their_schema_version() -> None:
    cut = {"job": "7", "task": "order-7/cut", "machine": "laser", "start": 0, "end": 60}
    schedule = {"objective": "both", "tasks": [{**cut, "order_id": 7}], "lower_bound": None}
    kept = ScheduleDocument.model_validate(schedule)
    assert kept.schema_version == 1
    assert kept.tasks[0].placed() == ScheduledTask(**cut)
    assert (kept.tasks[0].batch, kept.tasks[0].orders) == (None, [])
    assert ScheduleDocument.model_validate(kept.model_dump(mode="json")) == kept
    work = {"order": "7", "task": "order-7/cut", "family": "laser:steel", "process": "laser"}
    batch = {"currency": "EUR", "setup_s": 600, "works": [{**work, "setup_s": 600, "run_s": 90}]}
    stored = BatchDocument.model_validate({**batch, "nest": None})
    assert (stored.schema_version, stored.works[0].run_s, stored.nest) == (1, 90, None)
    assert BatchDocument.model_validate(stored.model_dump(mode="json")) == stored


def test_calendar_defaults_to_a_forty_hour_week_and_checks_shifts() -> None:
    assert Calendar().hours_per_week() == 40
    with pytest.raises(ValidationError, match="ends after it starts"):
        Shift.model_validate({"days": ["mon"], "start": "17:00", "end": "09:00"})
    with pytest.raises(ValidationError):
        Shift.model_validate({"days": ["someday"], "start": "08:00", "end": "09:00"})


def test_errors_map_to_http_statuses_and_name_their_field() -> None:
    assert status_of(NotFoundError("quote 3 not found"))[0] == 404
    assert status_of(ExpiredError("x"))[0] == 410
    assert status_of(TooLargeError("x"))[0] == 413
    assert status_of(UnsupportedTypeError("x"))[0] == 415
    assert status_of(ConflictError("x"))[0] == 409
    assert status_of(InputError("x"))[0] == 422
    assert error_path(InputError("quantity: 7 was not quoted")) == "quantity"
    assert error_path(InputError("something odd happened")) == ""
    assert error_path(SpecError("spec", "parts[0].material", "unknown")) == "parts[0].material"


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BESPOKE_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("BESPOKE_DATA_DIR", "/srv/bespoke")
    settings = Settings.from_environment()
    assert settings.max_upload_bytes == 5 * MEGABYTE
    assert settings.url() == "sqlite:////srv/bespoke/bespoke.sqlite3"
    monkeypatch.setenv("BESPOKE_MAX_UPLOAD_MB", "lots")
    with pytest.raises(InputError, match="BESPOKE_MAX_UPLOAD_MB: 'lots' is not a positive"):
        Settings.from_environment()
    monkeypatch.setenv("BESPOKE_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("BESPOKE_LOG_FORMAT", "xml")
    with pytest.raises(InputError, match="BESPOKE_LOG_FORMAT: 'xml' is not one of text, json"):
        Settings.from_environment()


def test_blobs_are_stored_once_by_content(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    digest = blobs.put(b"drawing")
    assert blobs.put(b"drawing") == digest
    assert blobs.get(digest) == b"drawing"
    assert blobs.path(digest).relative_to(tmp_path).parts == (digest[:2], digest[2:])
    assert len(list(tmp_path.rglob("*"))) == 2  # one folder, one file
