"""`/health/ready`: whether a load balancer should send this replica requests.

Ready means able to answer in time, so it is 503 when
- Neo4j does not answer a trivial query within `READY_WITHIN` (1 s): the
  check never hangs, even on a paused database or a half-open connection;
- the service is warming up: after start-up, and again after every failed
  check (Neo4j may have restarted with a cold page cache), constraints are
  applied, the whole graph is read once (graph/warmup.py) and the screens'
  common reads are answered once (the app's `rehearse`: Neo4j plans and
  compiles them, the JVM warms up); the check waits for that within its
  second and otherwise answers `warming`;
- the process is draining before it stops (service/shutdown.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from graph.driver import Database
from graph.errors import DatabaseUnavailable, OrgGraphError
from graph.warmup import warm_up
from service.shutdown import DRAIN

log = logging.getLogger("orggraph.readiness")

READY_WITHIN = 1.0
# How long the warm-up may read; a county takes seconds.
WARM_UP_TIMEOUT = 300.0


class Readiness:
    """The state behind `/health/ready` for one worker process."""

    def __init__(
        self,
        db: Callable[[], Database],
        prepare: Callable[[], Awaitable[None]],
        rehearse: Callable[[], Awaitable[None]],
    ) -> None:
        self._db = db
        self._prepare = prepare  # what must run once before serving (constraints)
        self._rehearse = rehearse  # the API's common reads, answered once
        self.warm = False
        self._warming: asyncio.Task[None] | None = None

    async def check(self) -> tuple[int, dict[str, str]]:
        """The HTTP status and body of the check, within about READY_WITHIN."""
        if DRAIN.draining:
            return 503, {"status": "draining"}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_WITHIN
        try:
            async with asyncio.timeout(READY_WITHIN):
                await self._db().ping()
        except (TimeoutError, DatabaseUnavailable) as e:
            self.warm = False
            reason = str(e) or f"Neo4j did not answer within {READY_WITHIN:g}s"
            return 503, {"status": "unavailable", "reason": reason}
        if loop.time() >= deadline:
            # The timeout cancels the ping; a cancellation absorbed on the way
            # (e.g. while the driver gives up a connection) returns it without
            # an error: it still did not answer in time.
            self.warm = False
            return 503, {"status": "unavailable", "reason": f"Neo4j did not answer within {READY_WITHIN:g}s"}
        if not self.warm:
            task = self.start_warming()
            await asyncio.wait({task}, timeout=max(0.0, deadline - loop.time()))
            if not self.warm:
                return 503, {"status": "warming", "reason": "reading the graph into Neo4j's page cache"}
        return 200, {"status": "ready"}

    def start_warming(self) -> asyncio.Task[None]:
        """Start the warm-up unless one is under way."""
        if self._warming is None or self._warming.done():
            self._warming = asyncio.create_task(self._warm())
        return self._warming

    async def _warm(self) -> None:
        started = asyncio.get_running_loop().time()
        try:
            await self._prepare()
            await warm_up(self._db().with_timeout(WARM_UP_TIMEOUT))
            await self._rehearse()
        except OrgGraphError as e:
            log.warning("warm-up failed (%s); the next readiness check tries again", e)
            return
        self.warm = True
        log.info("Neo4j warmed up in %.1fs", asyncio.get_running_loop().time() - started)
