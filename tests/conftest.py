"""Shared test fixtures: where the shared reference material lives, and how to miss it.

The shared folder (`../shared/` beside the checkout) holds real design files made by
others. A user's clone does not have it: tests that need it skip with the reason. In
CI (`CI=true`) a missing folder, service or tool is a failure, not a skip.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers import ROOT
from tests.servers import (
    MosquittoServer,
    PostgresServer,
    mosquitto_available,
    postgres_available,
)

SHARED = Path(os.environ.get("BESPOKE_SHARED_DIR", ROOT.parent / "shared"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip the test with `reason` unless `condition` holds; in CI, fail instead."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real design files (`../shared/fixtures`)."""
    path = SHARED / "fixtures"
    require(path.is_dir(), f"shared reference fixtures not found at {path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a throwaway PostgreSQL cluster started once for the whole session."""
    reason = postgres_available()
    require(reason is None, reason or "")
    with PostgresServer() as server:
        yield server.url


@pytest.fixture
def mosquitto() -> Iterator[MosquittoServer]:
    """A Mosquitto broker of the test's own, with persistence, on a free port."""
    reason = mosquitto_available()
    require(reason is None, reason or "")
    with MosquittoServer() as server:
        yield server
