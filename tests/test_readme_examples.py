"""Every ```graphql block of the README and docs/ runs without errors against the default
demo county, so the documentation's examples stay true. Examples that declare
required variables get them the way a user would: ids looked up first."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from graph.driver import Database
from service.app import create_app
from tests import documentation

EXAMPLES = documentation.blocks("graphql")

# Lookups giving the variables of examples that require them, by operation name.
VARIABLES = {
    "Connection": (
        '{ a: person(code: "P0000067") { id } b: organization(code: "QX") { chairs: positions(role: CHAIR) '
        "{ nodes { person { id } } } } }",
        lambda d: {"from": d["a"]["id"], "to": d["b"]["chairs"]["nodes"][0]["person"]["id"]},
    ),
}


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
async def test_readme_example_runs(demo: Database, example: str) -> None:
    app = create_app(db=demo)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:

        async def run(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            body: dict[str, Any] = (
                await http.post("/graphql", json={"query": query, "variables": variables})
            ).json()
            assert "errors" not in body, body["errors"]
            return body

        variables: dict[str, Any] = {}
        name = re.match(r"\s*query (\w+)\(\$\w+: \w+!", example)
        if name:
            lookup, pick = VARIABLES[name.group(1)]
            variables = pick((await run(lookup, {}))["data"])
        data = (await run(example, variables))["data"]
    # Each example names something that exists in the demo: no top-level nulls.
    assert all(value is not None for value in data.values()), data
