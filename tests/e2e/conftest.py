"""The service over real HTTP, on SQLite and on a real PostgreSQL server.

`service` is one running server per backend (a fresh database each); `client(role)`
makes a user of that role and returns an HTTP client signed in with an API token.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.servers import LiveService, fresh_postgres_database

from bespoke.model.accounts import Account
from bespoke.services.accounts.tokens import create_token
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Environment, Settings
from bespoke.services.shop.shops import ensure_shop

PASSWORD = "correct horse battery"


@dataclass
class Service:
    url: str
    env: Environment
    backend: str

    def user(self, role: str = "maker", shop: str = "main") -> tuple[Account, str]:
        """A new user (unique email) and an API token for them."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        who = create_user(self.env, email, PASSWORD, role=role, shop_slug=shop)
        return who, create_token(self.env, who, "tests")[0]

    def client(self, role: str = "maker", shop: str = "main") -> httpx.Client:
        who, token = self.user(role, shop)
        client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        client.account = who  # type: ignore[attr-defined]
        return client


@contextmanager
def running_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, **settings: Any
) -> Iterator[Service]:
    """A running service on the backend `request.param` with a fresh database, the shops
    'main' and 'other', and `settings` over the tests' defaults."""
    data_dir = tmp_path_factory.mktemp(f"service-{request.param}")
    url = None
    if request.param == "postgresql":
        url = fresh_postgres_database(request.getfixturevalue("postgres_url"))
    settings = {"max_upload_bytes": 2 * 1024 * 1024, **settings}
    with LiveService(Settings(data_dir=data_dir, database_url=url, **settings)) as live:
        ensure_shop(live.env, "main", "Main workshop")
        ensure_shop(live.env, "other", "Another workshop")
        yield Service(live.url, live.env, request.param)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """A running service with a fresh database of each backend and a shop 'main'."""
    with running_service(request, tmp_path_factory) as running:
        yield running


@pytest.fixture
def maker(service: Service) -> Iterator[httpx.Client]:
    with service.client("maker") as client:
        yield client


MakeClient = Callable[[str], httpx.Client]
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
