"""The process's change feed: one poller shared by every subscription.

The poller reads the outbox (graph/changes.py) every ORGGRAPH_CHANGES_POLL_SECONDS
and at once after a write of this process commits (`Database.on_commit`),
numbering the committed events first (the sequencer, which hands the events it
numbered straight to the poller that ran it), keeps
the newest events in a bounded ring, and wakes the subscriptions. Each one
reads from the ring from its own position, cut down to its caller's scope, so
a subscription costs no query once it is live, and writes made through any
other process or replica arrive within one poll: the service stays stateless.

A subscription after an older cursor catches up from Neo4j page by page. One
that falls behind the ring while live (a consumer slower than the writers) is
ended with SLOW_CONSUMER and resumes from its last cursor; memory never grows
with it. A caller's token expiring ends her subscriptions with TOKEN_EXPIRED.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from starlette.websockets import WebSocket

from graph.change_cursors import decode_change_cursor
from graph.changes import (
    ChangeEvent,
    feed_state,
    load_changes_after,
    page_of_changes,
    prune_changes,
    sequence_changes,
    visible,
)
from graph.driver import Database
from graph.errors import OrgGraphError
from service.metrics import SUBSCRIPTIONS

CLOSE_TOKEN_EXPIRED = 4403

log = logging.getLogger("orggraph.feed")

RING = 10_000  # events kept in memory for live subscriptions
CATCH_UP_PAGE = 500
PRUNE_EVERY = 3600.0  # seconds between retention passes
# Seconds between two sequencer rounds woken by this process's commits: each
# round is a write transaction on the writers' cores, so commits arriving
# within it are numbered together (delivery waits up to this much longer).
SEQUENCE_GAP = 0.05


class SlowConsumer(OrgGraphError):
    code = "SLOW_CONSUMER"


class TokenExpired(OrgGraphError):
    code = "TOKEN_EXPIRED"


class TooManySubscriptions(OrgGraphError):
    code = "TOO_MANY_SUBSCRIPTIONS"


class ChangeFeed:
    """The poller and its ring, started with the first subscription."""

    def __init__(self, db: Database, *, poll_seconds: float, keep_days: float, per_caller: int) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.keep_days = keep_days
        self.per_caller = per_caller
        self.head = 0
        self.key = ""
        self.ring: deque[ChangeEvent] = deque(maxlen=RING)
        self._wake = asyncio.Event()
        self._news = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None
        self._closing = False
        self.subscriptions = 0
        self._per_caller: dict[str, int] = {}

    def committed(self) -> None:
        """A write of this process committed: poll now."""
        self._wake.set()

    async def start(self) -> None:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._run())
        await asyncio.shield(self._started)

    async def close(self) -> None:
        """Shutdown: every subscription ends (its stream completes) and the poller stops."""
        self._closing = True
        self._news.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        assert self._started is not None
        last_prune = last_sequenced = 0.0
        woken = False
        while not self._closing:
            try:
                if not self._started.done():
                    state = await feed_state(self.db)
                    self.head, self.key = state.head, state.key
                    self._started.set_result(None)
                # Woken by a commit of this process: its event awaits a number,
                # so the sequencer runs and hands back what it numbered (one
                # write transaction, no read before or after it); at most once
                # per SEQUENCE_GAP, so a burst of commits is numbered together.
                numbered: list[ChangeEvent] = []
                if woken:
                    await asyncio.sleep(max(0.0, last_sequenced + SEQUENCE_GAP - time.monotonic()))
                    self._wake.clear()
                    last_sequenced = time.monotonic()
                    numbered = await sequence_changes(self.db)
                if numbered:
                    await self._take(numbered)
                else:
                    state = await feed_state(self.db)
                    if state.head > self.head:
                        await self._take(await load_changes_after(self.db, self.head, state.head))
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    last_prune = time.monotonic()
                    await prune_changes(self.db, self.keep_days)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # Neo4j away: keep polling, subscriptions wait
                log.warning("the change feed could not poll: %s", e)
                if not self._started.done():
                    self._started.set_exception(e)
                    self._started = None
                    self._task = None
                    return
            woken = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
                    woken = True
            self._wake.clear()

    async def _take(self, events: list[ChangeEvent]) -> None:
        """Put events numbered after the ring's head into the ring, reading
        first any numbered before them that the ring lacks (another process's
        sequencer numbered them), and wake the subscriptions."""
        head = self.head
        for event in events:
            if event.seq <= self.head:
                continue
            if event.seq > self.head + 1:
                self.ring.extend(await load_changes_after(self.db, self.head, event.seq - 1))
            self.ring.append(event)
            self.head = event.seq
        if self.head > head:
            self._announce()

    def _announce(self) -> None:
        news, self._news = self._news, asyncio.Event()
        news.set()

    async def stream(
        self, context: Any, after: str | None, *, under: str | None, types: frozenset[str] | None
    ) -> AsyncIterator[tuple[ChangeEvent, str]]:
        """The caller's events after `after` (from the next one when None), then
        live ones, each with the feed's cursor key."""
        await self.start()
        subject = context.access.subject
        if self._per_caller.get(subject, 0) >= self.per_caller:
            raise TooManySubscriptions(
                f"a caller may hold {self.per_caller} subscriptions at once "
                "(ORGGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER)"
            )
        position = self.head if after is None else decode_change_cursor(after, self.key)
        self.subscriptions += 1
        SUBSCRIPTIONS.inc()
        self._per_caller[subject] = self._per_caller.get(subject, 0) + 1
        try:
            async for found in self._follow(context, position, under, types):
                yield found
        except TokenExpired as e:
            socket = context.request
            if isinstance(socket, WebSocket):  # the whole connection ends, saying why
                with contextlib.suppress(Exception):
                    await socket.close(code=CLOSE_TOKEN_EXPIRED, reason=f"TOKEN_EXPIRED: {e}")
            raise
        finally:
            self.subscriptions -= 1
            SUBSCRIPTIONS.dec()
            self._per_caller[subject] -= 1
            if not self._per_caller[subject]:
                del self._per_caller[subject]

    async def _follow(
        self, context: Any, position: int, under: str | None, types: frozenset[str] | None
    ) -> AsyncIterator[tuple[ChangeEvent, str]]:
        access, db = context.access, context.loaders.db
        live = False
        while not self._closing:
            self._check_token(context)
            oldest = self.ring[0].seq if self.ring else self.head + 1
            if position < oldest - 1:
                if live:
                    raise SlowConsumer("the subscription fell behind the feed; resume from its last cursor")
                page = await page_of_changes(
                    db, position, CATCH_UP_PAGE, scope=access.scope, under=under, types=types
                )
                for event in page.events:
                    yield event, self.key
                position = page.end
                continue
            live = True
            news = self._news
            for event in list(self._after(position)):
                position = event.seq
                seen = visible(event, access.scope, types, under)
                if seen is not None:
                    yield seen, self.key
            if position >= self.head:
                await self._wait(news, context)

    def _after(self, position: int) -> list[ChangeEvent]:
        if not self.ring or self.ring[-1].seq <= position:
            return []
        # By number, not by offset: retention may have deleted events before
        # the poller read them, leaving the ring's numbers with a hole.
        start = bisect.bisect_right(self.ring, position, key=lambda e: e.seq)
        return [self.ring[i] for i in range(start, len(self.ring))]

    async def _wait(self, news: asyncio.Event, context: Any) -> None:
        timeout = self.poll_seconds * 10
        if context.expires is not None:
            timeout = max(0.0, min(timeout, context.expires - time.time()))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await news.wait()
        self._check_token(context)

    def _check_token(self, context: Any) -> None:
        if context.expires is not None and time.time() >= context.expires:
            raise TokenExpired("the token has expired")
