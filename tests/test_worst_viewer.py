"""The heaviest requests a county VIEWER can send within the operation limits
(bench/worst_viewer.py) are accepted by the limits and answered before the
request deadline on the demo county; docs/access.md has their figures on the
county-scale seed."""

from __future__ import annotations

from typing import Any

import httpx

from bench.worst_viewer import ENDS, candidates, far_ends
from graph.access import Access, Grant
from graph.driver import Database
from service.app import create_app
from service.settings import Settings
from tests.graphs import TODAY

COUNTY = "QX"


async def test_a_viewer_s_worst_requests_finish_before_the_deadline(demo: Database) -> None:
    settings = Settings(mode="development", request_timeout=10.0)
    viewer = Access("viewer", COUNTY, frozenset({Grant.VIEWER}))
    app = create_app(settings, db=demo, today=lambda: TODAY, caller=viewer)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:

        async def ask(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            response = await http.post("/graphql", json={"query": query, "variables": variables})
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            return body

        county_id, near, far = far_ends((await ask(ENDS, {"code": COUNTY}))["data"])
        for name, (query, variables) in candidates(COUNTY, county_id, near, far).items():
            body = await ask(query, variables)
            # Neither refused by a limit nor stopped by the deadline.
            assert "errors" not in body, (name, body["errors"][:2])
