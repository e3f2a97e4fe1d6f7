"""An error nothing else answers: a 500 problem document (a page for pages) on a
connection the server keeps open; and the OpenAPI document declares every error."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.e2e.conftest import PASSWORD
from tests.servers import LiveService

from bespoke.api.problems import MEDIA_TYPE
from bespoke.services.accounts.tokens import create_token
from bespoke.services.accounts.users import create_user
from bespoke.services.environment import Settings
from bespoke.services.shop.shops import ensure_shop


def _fails() -> None:
    raise RuntimeError("a fault nothing answers")


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A running service with a route that fails in the API and one in the pages."""
    live = LiveService(Settings(data_dir=Path(tmp_path_factory.mktemp("failing"))))
    live.app.add_api_route("/api/failing", _fails, include_in_schema=False)
    live.app.add_api_route("/failing", _fails, include_in_schema=False)
    with live:
        ensure_shop(live.env, "main", "Main workshop")
        who = create_user(live.env, "maker@example.com", PASSWORD, shop_slug="main")
        yield live.url, create_token(live.env, who, "tests")[0]


def test_an_unanswered_error_is_a_problem_document_on_a_kept_connection(
    failing: tuple[str, str],
) -> None:
    url, token = failing
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        answers = [client.get("/api/failing"), client.get("/api/me"), client.get("/api/failing")]
        assert [a.status_code for a in answers] == [500, 200, 500]
        for answer in answers[::2]:
            assert answer.headers["content-type"] == MEDIA_TYPE
            assert answer.headers.get("connection") != "close"
            assert answer.json()["title"] == "Server error"
            assert "nothing was saved" in answer.json()["detail"]
            assert "RuntimeError" not in answer.text
        page = client.get("/failing")
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        assert "nothing was saved" in page.text


def test_every_operation_declares_its_errors_as_problem_documents(
    failing: tuple[str, str],
) -> None:
    document = httpx.get(f"{failing[0]}/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"422", "500"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if path != "/api/health" and (method, path) != ("post", "/api/session"):
                assert "401" in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400:
                    content = response["content"]
                    assert list(content) == [MEDIA_TYPE], (method, path, status)
    upload = document["paths"]["/api/designs"]["post"]["responses"]
    assert {"413", "415"} <= set(upload)
    assert {"409", "410"} <= set(document["paths"]["/api/orders"]["post"]["responses"])
