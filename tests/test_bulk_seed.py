"""`orggraph seed --bulk` (graph/bulk_seed.py) writes exactly what the Bolt seed
writes.

One throw-away Neo4j (port ORGGRAPH_TEST_NEO4J_PORT + 30) is seeded through
Bolt (`graph.seed`) and everything observable is taken down: every node and
relationship with its properties (relationships by their ends' ids), the
constraints and indexes, `orggraph export`'s files, a pinyin search and the
county's coverage report. The same instance is then bulk-seeded with --force
(the offline importer replaces its database) and must give the same. Refusals:
a database holding data without --force (running or stopped), --bulk with
NEO4J_URI set, and --name without --bulk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from graph import launcher
from graph.bulk_seed import bulk_seed
from graph.coverage import coverage_report
from graph.driver import Database
from graph.model import PageArgs
from graph.pinyin import pinyin_properties
from graph.search import SearchArgs, search
from graph.seed import NotEmpty, SeedSummary, seed
from graph.seed_data import generate
from graph.transfer.exporter import export_folder
from service.cli import main as cli
from tests.conftest import TEST_PORT

SCALE = "small"
INSTANCE = launcher.Instance(
    name=f"bulk-{TEST_PORT}", port=TEST_PORT + 30, password="orggraph-test", pagecache_mb=64, heap_mb=512
)
NODES = """
MATCH (n) RETURN labels(n) AS labels, properties(n) AS props
"""
RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS props, labels(a) AS aLabels, coalesce(a.id, a.name) AS a,
       labels(b) AS bLabels, coalesce(b.id, b.name) AS b
"""
SCHEMA = """
SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, options, state
RETURN name, type, entityType, labelsOrTypes, properties, options.indexConfig AS config, state
"""
TYPES = """
MATCH (p:Person) WITH p LIMIT 1 MATCH (h:Household) WHERE h.tags = [] WITH p, h LIMIT 1
RETURN valueType(p.birthDate) AS birthDate, valueType(h.tags) AS emptyTags
"""


def query(cypher: str) -> list[dict[str, Any]]:
    c = INSTANCE.connection
    with GraphDatabase.driver(c.uri, auth=(c.user, c.password)) as driver:
        return [r.data() for r in driver.execute_query(cypher).records]  # type: ignore[arg-type]


def observed(folder: Path) -> dict[str, Any]:
    """Everything the two seeds must agree on, read from the running instance."""
    data = generate(SCALE)
    person = data.persons[0]
    county = next(o for o in data.organizations if o["level"] == "COUNTY" and o["kind"] == "FEDERATION")
    spelled = str(pinyin_properties(person["name"])["pinyin"]).replace(" ", "")

    async def read() -> dict[str, Any]:
        db = Database(INSTANCE.connection, query_timeout=300)
        try:
            exported = await export_folder(db, folder)
            found = await search(db, SearchArgs(spelled, None, ()), PageArgs(first=50, total=True))
            report = await coverage_report(db, county["id"], dt.date.today())
        finally:
            await db.close()
        return {
            "export": {p.name: p.read_bytes() for p in sorted(folder.iterdir())},
            "exported rows": exported.files,
            "search": (found.total, [hit for _, hit in found.items]),
            "person found": any(getattr(hit, "id", None) == person["id"] for _, hit in found.items),
            "coverage": report.summary,
        }

    return {
        "nodes": sorted(f"{sorted(r['labels'])} {sorted(r['props'].items())}" for r in query(NODES)),
        "relationships": sorted(
            f"{r['aLabels']} {r['a']} -{r['type']} {sorted(r['props'].items())}-> {r['bLabels']} {r['b']}"
            for r in query(RELATIONSHIPS)
        ),
        "schema": sorted(str(r) for r in query(SCHEMA)),
        "types": query(TYPES),
        **asyncio.run(read()),
    }


def bolt_seed() -> SeedSummary:
    async def run() -> SeedSummary:
        db = Database(INSTANCE.connection, query_timeout=300)
        try:
            return await seed(db, SCALE)
        finally:
            await db.close()

    return asyncio.run(run())


@pytest.mark.slow
def test_bulk_seed_gives_the_store_the_bolt_seed_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launcher.start(INSTANCE, fresh=True)
    try:
        bolt = bolt_seed()
        before = observed(tmp_path / "bolt")
        assert before["person found"] and before["search"][0] > 0
        assert before["coverage"].households > 0 and before["coverage"].covered > 0
        assert before["types"] == [{"birthDate": "DATE NOT NULL", "emptyTags": "LIST<NOTHING> NOT NULL"}]

        with pytest.raises(NotEmpty, match="--force"):
            asyncio.run(bulk_seed(INSTANCE, SCALE))
        assert asyncio.run(bulk_seed(INSTANCE, SCALE, if_empty=True)).skipped
        bulk = asyncio.run(bulk_seed(INSTANCE, SCALE, force=True))
        print(f"\n{bulk.format()}")
        assert (bulk.rows, bulk.nodes, bulk.relationships) == (bolt.rows, bolt.nodes, bolt.relationships)
        assert set(bulk.phases) == {"generate+CSV", "import", "start", "empty tags", "indexes", "tallies"}

        after = observed(tmp_path / "bulk")
        for what in before:
            assert after[what] == before[what], what

        # The CLI refuses a store holding data without --force, and says why.
        monkeypatch.delenv("NEO4J_URI", raising=False)
        monkeypatch.setenv("ORGGRAPH_NEO4J_PORT", str(INSTANCE.port))
        monkeypatch.setenv("NEO4J_PASSWORD", INSTANCE.password)
        assert cli.main(["seed", "--bulk", "--name", INSTANCE.name, "--scale", "tiny", "--quiet"]) == 1
        assert query("MATCH (p:Person) RETURN count(p) AS n") == [{"n": bolt.nodes["Person"]}]

        # A stopped instance is started to be asked, and stopped again when refused.
        launcher.stop(INSTANCE)
        with pytest.raises(NotEmpty):
            asyncio.run(bulk_seed(INSTANCE, "tiny"))
        assert launcher.running_pid(INSTANCE) is None
    finally:
        launcher.stop(INSTANCE)


def test_bulk_seed_refuses_a_server_given_by_neo4j_uri(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    assert cli.main(["seed", "--bulk", "--scale", "tiny"]) == 1
    err = capsys.readouterr().err
    assert "--bulk writes the store of the project's own Neo4j" in err and "NEO4J_URI is set" in err
    monkeypatch.delenv("NEO4J_URI")
    assert cli.main(["seed", "--name", "other", "--scale", "tiny"]) == 1
    assert "without --bulk it means nothing" in capsys.readouterr().err
