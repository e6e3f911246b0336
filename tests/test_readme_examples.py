"""Every ```graphql block of the README runs without errors against the default
demo county, so the documentation's examples stay true."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from graph.driver import Database
from graph.seed import seed, wipe
from service.app import create_app

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLES = re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture(scope="module")
async def demo(database: Database) -> AsyncIterator[Database]:
    await wipe(database)
    await seed(database, "small")
    yield database
    await wipe(database)


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
async def test_readme_example_runs(demo: Database, example: str) -> None:
    app = create_app(db=demo)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        body = (await http.post("/graphql", json={"query": example})).json()
    assert "errors" not in body, body["errors"]
    data = body["data"]
    # Each example names something that exists in the demo: no top-level nulls.
    assert all(value is not None for value in data.values()), data
