"""A real normalized client cache against a live OrgGraph: Apollo Client 4's
InMemoryCache (tests/clients/cache_board.mjs on Node) fetches a village board
on two dates (before and after the 2021 term change, 换届) and its whole
history, then reads each date's board back from the cache alone. The cache
keeps one entry per Position id, so it shows the server's answers only because
every Position field depends on the term and the field's own arguments
(`active(on:)`), never on the list's `activeOn`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from graph.driver import Connection, Database
from service.app import create_app
from service.settings import Settings
from tests.browser import LiveServer

CLIENTS = Path(__file__).resolve().parent / "clients"
BEFORE, AFTER = "2018-01-01", "2022-01-01"


def through_apollo(url: str, code: str) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "node is missing"
    assert (CLIENTS / "node_modules" / "@apollo" / "client").is_dir(), "run `make install` (tests/clients)"
    done = subprocess.run(
        [node, str(CLIENTS / "cache_board.mjs"), url, code, BEFORE, AFTER],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def terms(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data["organization"]["positions"]["edges"]]


def test_apollo_s_cache_shows_the_server_s_board_for_each_date(
    demo: Database, neo4j_connection: Connection
) -> None:
    # The server thread opens its own driver (a driver belongs to one event loop).
    settings = Settings(
        neo4j_uri=neo4j_connection.uri,
        neo4j_user=neo4j_connection.user,
        neo4j_password=neo4j_connection.password,
    )
    with LiveServer(create_app(settings)) as server:
        seen = through_apollo(f"{server.url}/graphql", "QX-T01-V01")

    before, after = seen["network"][BEFORE], seen["network"][AFTER]
    # The server's answers: the outgoing board in 2018, the new one in 2022, all
    # active on their own date; the outgoing terms have ended by today.
    assert len(terms(before)) >= 7 and all(t["active"] for t in terms(before))
    assert len(terms(after)) >= 7 and all(t["active"] for t in terms(after))
    assert not {t["id"] for t in terms(before)} & {t["id"] for t in terms(after)}
    history = {t["id"]: t for t in terms(seen["history"])}
    assert {t["id"] for t in terms(before)} <= set(history)
    assert not any(history[t["id"]]["active"] for t in terms(before))
    # Read back from the cache alone, after the history: each date as the server said.
    assert seen["cached"][BEFORE] == before
    assert seen["cached"][AFTER] == after
