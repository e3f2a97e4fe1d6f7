"""Request parameters shared by the routes."""

from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2**31 - 1
"""The largest id an integer column holds on every backend (PostgreSQL's `integer`)."""

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row's id")]
"""A stored row's id in a path: out of the database's range it is a 422, not a 500."""
