"""Helpers for mutation tests: global ids of the reference village, calling a
mutation that must fail, and a fingerprint of the whole graph to show that a
refused write left nothing behind."""

from __future__ import annotations

from typing import Any

from schema.relay import to_global_id
from tests.conftest import GraphQLClient
from tests.graphs import rid
from tests.helpers import RolledBackDatabase

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS props, coalesce(a.code, a.name) AS a, coalesce(b.code, b.name) AS b
"""


def gid(type_name: str, code: str) -> str:
    """The global id of a node of the reference village, by code."""
    return to_global_id(type_name, rid(code))


async def fingerprint(db: RolledBackDatabase) -> list[str]:
    """Every node and relationship with its properties, as sorted text."""
    nodes = [f"{sorted(r['labels'])} {sorted(r['props'].items())}" for r in await db.execute(NODES)]
    rels = [
        f"{r['a']} -{r['type']} {sorted(r['props'].items())}-> {r['b']}"
        for r in await db.execute(RELATIONSHIPS)
    ]
    return sorted(nodes) + sorted(rels)


async def refused(api: GraphQLClient, query: str, code: str, **variables: Any) -> dict[str, Any]:
    """Run a mutation that must fail with `code` and change nothing; its error."""
    before = await fingerprint(api.db)
    body = await api.query(query, **variables)
    assert "errors" in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code, error
    assert await fingerprint(api.db) == before, "a refused mutation changed the graph"
    result: dict[str, Any] = error
    return result
