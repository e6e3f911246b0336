"""A subscription from GraphiQL, as the README shows it: in a real browser
(headless Debian Chromium through Playwright), GraphiQL served by OrgGraph
opens its WebSocket (graphql-transport-ws) signed in with the link's token,
runs `subscription { changes … }`, and a change committed over HTTP appears in
its result pane with the changed person's global id."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from graph.access import Grant
from graph.driver import Connection, Database
from service.auth import mint
from tests.browser import LiveServer, chromium, demo_server, graphql, screenshot

SECRET = "graphiql-subscription-secret-0123456789"
ADMIN = mint(org="QX", roles=[Grant.ADMIN], subject="graphiql-admin", key=SECRET)
SUBSCRIPTION = "subscription Live { changes { cursor operation objects { type id change } } }"
RENAME = """mutation Rename($id: ID!, $name: String!) {
  updatePerson(id: $id, input: {name: $name}) { person { id name } } }"""


@pytest.fixture(scope="module")
def server(demo: Database, neo4j_connection: Connection) -> Iterator[LiveServer]:
    with demo_server(neo4j_connection, SECRET, graphiql=True) as live:
        yield live


def post(server: LiveServer, query: str, **variables: Any) -> dict[str, Any]:
    return graphql(server, ADMIN, query, **variables)


def test_graphiql_shows_a_change_as_it_commits(server: LiveServer) -> None:
    [person] = post(server, "{ people(first: 1) { nodes { id name } } }")["data"]["people"]["nodes"]
    url = f"{server.url}/graphql?q={urllib.parse.quote(SUBSCRIPTION)}#token={ADMIN}"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 800})
        page.goto(url)
        page.wait_for_selector(".graphiql-execute-button", timeout=60_000)
        page.wait_for_timeout(1_000)  # the editor has the link's document and headers
        page.click(".graphiql-execute-button")
        page.wait_for_timeout(2_000)  # subscribed over the WebSocket
        assert "changes" not in page.inner_text(".graphiql-response")  # nothing yet
        # The same name again: a committed change (an event), and the demo left as it was.
        renamed = post(server, RENAME, id=person["id"], name=person["name"])
        assert renamed["data"]["updatePerson"]["person"] == person
        deadline = time.monotonic() + 30
        while "Rename/updatePerson" not in page.inner_text(".graphiql-response"):
            assert time.monotonic() < deadline, page.inner_text(".graphiql-response")
            page.wait_for_timeout(200)
        shown = page.inner_text(".graphiql-response")
        assert person["id"] in shown and '"CHANGED"' in shown
        screenshot(page, "graphiql-subscription")
