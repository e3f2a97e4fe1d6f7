"""The REST API fuzzed from its own OpenAPI document on a real server (a few hundred
requests per backend; `bench/fuzz_api.py` sends thousands): no server error, no status
the document does not declare, every error a problem document, no dropped connection."""

import uuid

from tests.e2e.conftest import Service
from tests.e2e.test_api_flow import order, quote, upload
from tests.fuzzing import fuzz


def test_fuzzed_requests_get_only_documented_answers(service: Service) -> None:
    with service.client("maker") as maker:
        offer = quote(maker, upload(maker)["id"], quantities=[1, 10])
        assert order(maker, offer["id"], 10, uuid.uuid4().hex).status_code == 201
    # the operator's shop has no open orders: a fuzzed schedule ends at once
    tokens = [service.user("maker")[1], service.user("operator", shop="other")[1]]
    report = fuzz(service.url, tokens, examples=3, random_seed=14)
    assert report.requests > 300
    assert report.findings == [], "\n".join(map(str, report.findings))
    assert {200, 201, 404, 422} <= set(report.statuses)
    assert report.statuses[401] < report.requests / 10  # the fuzzer stayed signed in
