"""The database's work, not only the answer's size: a lineage costs what it
returns, analytic fields cost what they read, a request has a deadline after
which its database work is cancelled, and a client's error costs the log one
line."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from graph.access import Grant
from schema.relay import to_global_id
from tests.conftest import CallerClient

# --- item 10: a client error is one log line ------------------------------------------------------

CANDIDATES = """query Candidates($under: ID!) {
  pipelineCandidates(under: $under, stage: PARTY_ACTIVIST) { totalCount } }"""


async def test_client_errors_are_logged_as_one_line_without_traceback(
    api_as: CallerClient, caplog: pytest.LogCaptureFixture
) -> None:
    viewer = await api_as("C", Grant.VIEWER)
    caplog.set_level(logging.INFO)
    cases: list[tuple[str, dict[str, Any], str]] = [
        (CANDIDATES, {"under": to_global_id("Organization", "nowhere")}, "NOT_FOUND"),
        # A 750 KB id: the answer quotes it, the log does not.
        (CANDIDATES, {"under": "x" * 750_000}, "BAD_USER_INPUT"),
        ("query Broken { nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("mutation Write { endPosition(positionId: \"x\", until: \"2024-01-01\") { position { id } } }", {},
         "FORBIDDEN"),
    ]  # fmt: skip
    for query, variables, code in cases:
        caplog.clear()
        response = await viewer.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"X-Request-Id": "req-7"}
        )
        assert response.json()["errors"][0]["extensions"]["code"] == code
        # Everything the service logged (not the test's HTTP client nor the driver's chatter).
        [record] = [r for r in caplog.records if r.name != "httpx" and not r.name.startswith("neo4j")]
        operation = query.split()[1].split("(")[0]
        assert record.getMessage() == f"client error {code} (request req-7, operation '{operation}')"
        assert record.levelno == logging.INFO
        assert record.exc_info is None
        assert len(record.getMessage()) < 100
