"""The REST API fuzzed with schemathesis: requests generated from the service's own OpenAPI
document, valid and invalid, sent to a real server, and every answer checked.

An answer is a finding when it is a server error (5xx), a status the document does not
declare for the operation, an error that is not a problem document, or an answer after
which the server closes the connection. Used by the tests (a few hundred requests) and by
`bench/fuzz_api.py` (thousands).
"""

import contextlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode

PROBLEM = "application/problem+json"
SKIPPED = {
    ("DELETE", "/api/session"),
    ("DELETE", "/api/tokens/{token_id}"),
    ("GET", "/api/floor/stream"),
}
"""Signing out or revoking a token may revoke the token the fuzzer signs in with; the
floor's live stream does not end (tests/e2e/test_floor_api.py reads it)."""


@dataclass(frozen=True)
class Finding:
    """One answer that breaks a rule: which rule, and the request that got it."""

    operation: str
    status: int
    rule: str
    request: str


@dataclass
class FuzzReport:
    """What a fuzzing run sent and what came back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    def rules_broken(self) -> Counter[str]:
        return Counter(f.rule for f in self.findings)


def fuzz(
    base_url: str,
    tokens: Iterable[str],
    *,
    examples: int,
    random_seed: int = 0,
    report: FuzzReport | None = None,
) -> FuzzReport:
    """Fuzz every operation of the service at `base_url` with up to `examples` valid and
    `examples` invalid requests, signed in with each of `tokens` in turn."""
    report = report or FuzzReport()
    started = time.perf_counter()
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    with requests.Session() as session:
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            for operation in operations:
                if (operation.method.upper(), operation.path) in SKIPPED:
                    continue
                for mode in GenerationMode:
                    _fuzz_operation(operation, mode, session, base_url, headers, examples,
                                    random_seed, report)  # fmt: skip
    report.seconds += time.perf_counter() - started
    return report


def _fuzz_operation(
    operation: APIOperation,
    mode: GenerationMode,
    session: requests.Session,
    base_url: str,
    headers: dict[str, str],
    examples: int,
    random_seed: int,
    report: FuzzReport,
) -> None:
    documented = {int(s) for s in operation.definition.raw.get("responses", {}) if s.isdigit()}

    @seed(random_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=120)
        report.requests += 1
        report.statuses[response.status_code] += 1
        for rule in _broken(response, documented):
            report.findings.append(
                Finding(operation.label, response.status_code, rule, _described(case))
            )

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid: no input
        send()


def _broken(response: schemathesis.Response, documented: set[int]) -> list[str]:
    """The rules an answer breaks (its headers have lower-case names and lists of values)."""
    status = response.status_code
    content_type = response.headers.get("content-type", [""])[0]
    connection = response.headers.get("connection", [""])[0]
    rules = []
    if status >= 500:
        rules.append("server error")
    if status not in documented:
        rules.append("undocumented status")
    if status >= 400 and content_type != PROBLEM:
        rules.append("error not a problem document")
    if connection.lower() == "close":
        rules.append("connection closed")
    return rules


def _described(case: Case) -> str:
    body = repr(case.body)[:300] if case.body is not None and not _unset(case.body) else ""
    query = f"?{case.query}" if case.query else ""
    return f"{case.method} {case.formatted_path}{query} {body}".strip()


def _unset(value: object) -> bool:
    return type(value).__name__ == "NotSet"
