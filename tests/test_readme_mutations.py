"""The documentation's mutation examples (docs/api.md) (```graphql mutation blocks, which
test_readme_examples leaves alone because they change the data) run in order,
without errors, against the default demo county loaded in a rolled-back
transaction, and do what the README says."""

from __future__ import annotations

from typing import Any

import httpx

from graph.seed import load
from graph.seed_data import generate
from service.app import create_app
from tests import documentation
from tests.helpers import RolledBackDatabase

MUTATIONS = documentation.blocks("graphql mutation")


async def test_readme_mutations_run_against_the_demo(db: RolledBackDatabase) -> None:
    assert len(MUTATIONS) == 3
    await load(db, generate("small"))
    app = create_app(db=db)
    answers: list[dict[str, Any]] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        for example in MUTATIONS:
            body = (await http.post("/graphql", json={"query": example})).json()
            assert "errors" not in body, body["errors"]
            assert all(value is not None for value in body["data"].values()), body["data"]
            answers.append(body["data"])
    change = answers[0]["holdTermChange"]
    assert change["organization"] == {"name": "郭园村妇联"}
    assert len(change["ended"]) == 9 and {p["until"] for p in change["ended"]} == {"2026-04-10"}
    assert [(p["role"], p["person"]["name"]) for p in change["started"]][:2] == [
        ("CHAIR", "邱丹桂"), ("VICE_CHAIR", "李怡凤"),
    ]  # fmt: skip
    visit = answers[1]["recordVisit"]["visit"]
    assert visit["visitor"] == {"name": "郑金晶", "visits": {"totalCount": 1}}
    assert answers[1]["recordMilestone"]["person"]["currentStage"] == "DEVELOPMENT_TARGET"
    commitment = answers[2]["makeCommitment"]["commitment"]
    assert commitment["status"] == "OPEN" and commitment["person"]["commitmentCompletionRate"] == 0.0
