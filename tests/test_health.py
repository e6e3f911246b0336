"""Neo4j outages: errors say SERVICE_UNAVAILABLE, /health/ready says 503 while
/health/live stays 200, and the service recovers by itself when Neo4j is back.

This test runs a Neo4j of its own, because it stops and restarts it.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from graph import launcher
from service.app import create_app
from service.settings import Settings
from tests.conftest import TEST_PORT

QUERY = {"query": "{ organizations { totalCount } }"}


@pytest.mark.slow
async def test_outage_and_recovery() -> None:
    instance = launcher.Instance(
        name=f"health-{TEST_PORT}",
        port=TEST_PORT + 100,
        password="orggraph-test",
        pagecache_mb=64,
        heap_mb=512,
    )
    launcher.stop(instance)
    settings = Settings(neo4j_uri=instance.connection.uri, neo4j_password=instance.password)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

            async def expect_down() -> None:
                assert (await http.get("/health/live")).status_code == 200
                ready = await http.get("/health/ready")
                assert ready.status_code == 503
                assert ready.json()["status"] == "unavailable"
                body = (await http.post("/graphql", json=QUERY)).json()
                assert body["data"] is None
                assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"

            async def expect_up() -> None:
                # Ready once the warm-up (constraints, the page cache) is done.
                for _ in range(150):
                    ready = await http.get("/health/ready")
                    if ready.status_code == 200:
                        break
                    assert ready.json()["status"] in ("warming", "unavailable")
                    await asyncio.sleep(0.2)
                assert ready.json() == {"status": "ready"}
                body = (await http.post("/graphql", json=QUERY)).json()
                assert body == {"data": {"organizations": {"totalCount": 0}}}

            await expect_down()  # never started
            await asyncio.to_thread(launcher.start, instance, fresh=True)
            await expect_up()
            await asyncio.to_thread(launcher.stop, instance)
            await expect_down()
            await asyncio.to_thread(launcher.start, instance)
            await expect_up()  # same app, same driver: it reconnected by itself
    finally:
        await app.state.service.db.close()
        launcher.stop(instance)
