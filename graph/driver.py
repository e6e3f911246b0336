"""The Neo4j driver's lifecycle and the two ways the rest of `graph/` runs Cypher:
`Database.read` in a read transaction and `Database.write` in a write
transaction, so a `neo4j://` routing URI spreads reads over a cluster unchanged.
Driver exceptions are translated into `graph.errors` by `graph.driver_errors`.

A request works through `Database.for_caller`: a view sharing the pool that adds
the caller's `$scope` and `$reveal` (graph.access) to every query, notes
unmasked personal data it reads, and wraps each write transaction in the
mutation's scope check and audit event (graph.audit).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

import neo4j
from neo4j import (
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    NotificationMinimumSeverity,
    Query,
    Record,
    RoutingControl,
)
from neo4j import exceptions as neo4j_errors

from graph import idempotency
from graph.access import Access
from graph.audit import Trail, check_scope, record_reads_early, record_write
from graph.change_records import CHANGED, changed_objects, record_change
from graph.deadline import timeout_within
from graph.driver_errors import translated_errors
from graph.errors import DatabaseUnavailable
from graph.probe import Probe, Quiet
from graph.tracing import Target, current_target, statement
from graph.tracing import run as run_statement

log = logging.getLogger(__name__)
T = TypeVar("T")

# Connections per process (the driver's default); the metrics report it.
POOL_SIZE = 100
# How much longer than the query timeout the service waits for Neo4j's answer
# before it gives up on a database that does not answer at all (paused, a
# half-open connection): Neo4j stops a slow query itself at the query timeout.
ANSWER_GRACE = 2.0


@dataclass(frozen=True)
class Connection:
    """Where and how to reach Neo4j."""

    uri: str
    user: str
    password: str
    database: str | None = None


class _Pool:
    """What a Database and its caller views share: the driver, a query count and
    the rows waiting for a grouped write (`write_grouped`)."""

    def __init__(self) -> None:
        self.driver: AsyncDriver | None = None
        self.queries = 0
        self.probe: Probe = Quiet()
        self.groups: dict[str, _Group] = {}
        # Called after a transaction that recorded a change event commits (the
        # change feed's poller wakes early: service/feed.py).
        self.on_commit: Callable[[], None] | None = None


class _Group:
    """Rows for one `UNWIND $rows` statement: those waiting, and the task
    writing earlier ones, if one is under way."""

    def __init__(self) -> None:
        self.waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self.writing: asyncio.Task[None] | None = None


class _Causal:
    """One request's bookmarks: after it writes, its later reads wait for that
    write on whichever cluster member serves them (read your own writes). Kept
    per request, so requests never wait for each other's writes."""

    def __init__(self) -> None:
        self.bookmarks: neo4j.Bookmarks | None = None


class Database:
    """One driver (one connection pool) per process, shared by all requests.
    Used directly it has unrestricted access (the CLI, imports, start-up);
    requests use `for_caller`."""

    def __init__(
        self,
        connection: Connection,
        *,
        query_timeout: float = 30.0,
        retry_time: float = 3.0,
    ) -> None:
        self.connection = connection
        self.target = Target.of(connection.uri, connection.database)
        self.query_timeout = query_timeout
        self._retry_time = retry_time
        self._pool = _Pool()
        self.access = Access.everything()
        self.trail: Trail | None = None
        self._causal = _Causal()
        self._in_request = False

    def for_caller(self, access: Access, trail: Trail | None = None) -> Database:
        """A view of this database for one request's caller, sharing the pool
        (and, when made from a caller's view, that request's bookmarks)."""
        view = copy.copy(self)
        view.access = access
        view.trail = trail
        if not self._in_request:
            view._causal = _Causal()
            view._in_request = True
        return view

    def with_timeout(self, seconds: float) -> Database:
        """A view of this database (the same pool) whose transactions may run `seconds`."""
        view = copy.copy(self)
        view.query_timeout = seconds
        return view

    @property
    def answer_bound(self) -> float:
        """Seconds a transaction may wait for Neo4j in all (connection, locks,
        retries, answer) before it fails with SERVICE_UNAVAILABLE."""
        return self.query_timeout + ANSWER_GRACE

    def instrument(self, probe: Probe) -> None:
        """Report query times, pool use and audit groups to `probe`."""
        self._pool.probe = probe

    @property
    def queries(self) -> int:
        """Round trips made through this database and its views; tests use it to
        show that a nested query's cost does not grow with its result."""
        return self._pool.queries

    @queries.setter
    def queries(self, value: int) -> None:
        self._pool.queries = value

    @property
    def _driver(self) -> AsyncDriver:
        """The driver (a connection pool), created on first use."""
        if self._pool.driver is None:
            self._pool.driver = AsyncGraphDatabase.driver(
                self.connection.uri,
                auth=(self.connection.user, self.connection.password),
                # Bounded waits: opening a connection, and waiting for a free one.
                connection_timeout=3.0,
                connection_acquisition_timeout=min(5.0, self.answer_bound),
                max_connection_pool_size=POOL_SIZE,
                max_transaction_retry_time=self._retry_time,
                # Notifications (e.g. "label does not exist yet" on an empty graph) are
                # advice for humans writing Cypher, not for a running service.
                notifications_min_severity=NotificationMinimumSeverity.OFF,
            )
        return self._pool.driver

    async def close(self) -> None:
        if self._pool.driver is not None:
            await self._pool.driver.close()
            self._pool.driver = None

    async def read(self, cypher: LiteralString, **params: Any) -> list[Record]:
        """Run one query in a read transaction and return all its records."""
        with statement(cypher, self.target) as traced:
            records = await self._run(cypher, {**params, **self.access.cypher_params}, RoutingControl.READ)
            traced.rows(len(records))
        if self.trail is not None:
            self.trail.saw(records)
            # Its READ event's commit overlaps the rest of the request (the
            # answer still leaves only once it is on record: record_reads).
            record_reads_early(self, self.trail)
        return records

    async def write(self, cypher: LiteralString, **params: Any) -> list[Record]:
        """Run one query in its own write transaction."""
        params = {**params, **self.access.cypher_params}
        if self.trail is None:
            with statement(cypher, self.target) as traced:
                records = await self._run(cypher, params, RoutingControl.WRITE)
                traced.rows(len(records))
                return records

        async def work(tx: AsyncManagedTransaction) -> list[Record]:
            return await run_statement(tx, cypher, params)

        return await self.write_transaction(work)

    async def write_grouped(self, cypher: LiteralString, row: dict[str, Any]) -> None:
        """Write one row with `cypher` (which takes `UNWIND $rows AS row`) and
        return once it is committed, or raise the transaction's error. Rows
        arriving while a transaction is writing earlier ones go together in the
        next (group commit): under concurrency one commit, the expensive part
        of a small write, serves many requests; alone, a row is written at once."""
        group = self._pool.groups.setdefault(cypher, _Group())
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        group.waiting.append((row, done))
        if group.writing is None:
            group.writing = asyncio.create_task(self._write_group(cypher, group))
        await asyncio.shield(done)

    async def _write_group(self, cypher: LiteralString, group: _Group) -> None:
        try:
            while group.waiting:
                batch, group.waiting = group.waiting, []
                try:
                    # Traced under the request whose row started the group.
                    with statement(cypher, self.target, **{"db.operation.batch.size": len(batch)}):
                        await self._write_once(cypher, {"rows": [row for row, _ in batch]})
                except Exception as e:  # each waiter gets the transaction's error
                    for _, done in batch:
                        done.set_exception(e)
                else:
                    self._pool.probe.audit_group(len(batch))
                    for _, done in batch:
                        done.set_result(None)
        finally:
            group.writing = None

    async def write_transaction(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Run `work` in one write transaction: all of its statements land, or none.
        In a request, the transaction first checks the mutation's objects are in
        the caller's scope and ends by writing its audit event. Every write
        transaction's last write is its change event (graph.changes)."""
        trail = self.trail
        # Its statements' spans name this database's server (graph.tracing.run).
        target = current_target.set(self.target)
        try:
            if trail is None:
                return await self.write_recorded(_recorded(work))
            return await self.write_recorded(self._guarded(work, trail))
        finally:
            current_target.reset(target)

    def _guarded(
        self, work: Callable[[AsyncManagedTransaction], Awaitable[T]], trail: Trail
    ) -> Callable[[AsyncManagedTransaction], Awaitable[T]]:
        """`work` between the scope check and, last, the audit event and the
        change event (one statement; the idempotency key before them)."""

        async def guarded(tx: AsyncManagedTransaction) -> T:
            trail.side_effects = []  # a retried transaction finds them afresh
            claim = trail.claim
            if claim is not None:
                # A retry of a mutation already committed: its first result, nothing written.
                replayed = await idempotency.replay(tx, claim, trail.access.subject, trail.step)
                if replayed is not None:
                    done: T = replayed.value
                    return done
            await check_scope(tx, trail)
            result = await work(tx)
            if claim is not None:
                await idempotency.remember(tx, claim, trail.access.subject, trail.step, result)
            # The audit record and the change event, in one statement, last.
            changed = changed_objects(trail.refs, result, touched=trail.side_effects)
            await record_write(tx, trail, result, changed)
            return result

        return guarded

    async def write_recorded(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Run `work`, which ends by recording a change event, in one write
        transaction, and tell the change feed once it is committed."""
        done = await self._execute_write(work)
        if self._pool.on_commit is not None:
            self._pool.on_commit()
        return done

    async def write_bookkeeping(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        """Run `work` in one write transaction of OrgGraph's own bookkeeping (the
        change feed's counter and sequencer, made or run on behalf of whoever
        reads the feed first): no scope check, audit or change event."""
        return await self._execute_write(work)

    def on_commit(self, callback: Callable[[], None] | None) -> None:
        """Call `callback` after each committed transaction that recorded a change."""
        self._pool.on_commit = callback

    async def _execute_write(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        self.queries += 1
        # Neo4j's own timeout, which also ends a wait for another transaction's
        # locks; cut to the time the request has left (a mutation ends with it).
        if getattr(work, "timeout", None) is None:
            work = neo4j.unit_of_work(timeout=timeout_within(self.query_timeout))(work)
        async with translated_errors(), self._watched("write"), self._session(neo4j.WRITE_ACCESS) as session:
            done = await session.execute_write(work)
            self._causal.bookmarks = await session.last_bookmarks()
            return done

    @asynccontextmanager
    async def _watched(self, kind: str) -> AsyncIterator[None]:
        """One transaction's connection, bounded by `answer_bound` and reported to
        the probe. Cancelling the driver mid-answer makes it drop that connection."""
        probe = self._pool.probe
        started = time.perf_counter()
        outcome = "error"
        probe.connections(+1)
        try:
            async with asyncio.timeout(self.answer_bound):
                yield
            outcome = "ok"
        except TimeoutError as e:
            outcome = "timeout"
            log.warning("Neo4j did not answer within %.1fs", self.answer_bound)
            raise DatabaseUnavailable(
                f"the graph database did not answer within {self.answer_bound:g}s; try again shortly"
            ) from e
        finally:
            probe.connections(-1)
            probe.query(kind, time.perf_counter() - started, outcome)

    def _session(self, mode: str) -> neo4j.AsyncSession:
        return self._driver.session(
            database=self.connection.database,
            default_access_mode=mode,
            bookmarks=self._causal.bookmarks,
        )

    async def ping(self) -> None:
        """Raise DatabaseUnavailable unless Neo4j answers a trivial query."""
        await self.read("RETURN 1")

    async def _run(
        self, cypher: LiteralString, params: dict[str, Any], routing: RoutingControl
    ) -> list[Record]:
        """One query in its own transaction. A read is an auto-commit transaction
        in a read session: one round trip where a managed one (BEGIN, RUN,
        COMMIT) takes two, ~1.5 ms apart on loopback. The driver retries only
        managed transactions, so a read is retried here (it changes nothing); a
        write stays a managed transaction with the driver's own retries."""
        timeout = timeout_within(self.query_timeout)
        if routing is RoutingControl.WRITE:

            @neo4j.unit_of_work(timeout=timeout)
            async def work(tx: AsyncManagedTransaction) -> list[Record]:
                result = await tx.run(cypher, params)
                return (await result.to_eager_result()).records

            return await self._execute_write(work)
        self.queries += 1
        query = Query(cypher, timeout=timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._retry_time
        delay = 0.05
        async with translated_errors(), self._watched("read"):
            while True:
                try:
                    async with self._session(neo4j.READ_ACCESS) as session:
                        result = await session.run(query, params)
                        return (await result.to_eager_result()).records
                except (neo4j_errors.SessionExpired, neo4j_errors.ServiceUnavailable,
                        neo4j_errors.TransientError) as e:  # fmt: skip
                    if not e.is_retryable() or loop.time() + delay > deadline:
                        raise
                    await asyncio.sleep(delay)
                    delay *= 2

    async def _write_once(self, cypher: LiteralString, params: dict[str, Any]) -> None:
        """One write in an auto-commit transaction (one round trip), not retried:
        for rows that must not be written twice, whose writers fail cleanly."""
        self.queries += 1
        async with translated_errors(), self._watched("write"), self._session(neo4j.WRITE_ACCESS) as session:
            result = await session.run(Query(cypher, timeout=self.query_timeout), params)
            await result.consume()
            self._causal.bookmarks = await session.last_bookmarks()


def _recorded(
    work: Callable[[AsyncManagedTransaction], Awaitable[T]],
) -> Callable[[AsyncManagedTransaction], Awaitable[T]]:
    """`work` outside a request (import, term-change jobs, CLI), then its change event."""

    async def recorded(tx: AsyncManagedTransaction) -> T:
        result = await work(tx)
        await record_change(tx, "orggraph", changed_objects([], result, default=CHANGED))
        return result

    return recorded
