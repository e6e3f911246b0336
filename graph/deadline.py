"""The deadline of the request being served, as the database layer keeps it.

service/deadline.py sets it when a request arrives (ORGGRAPH_REQUEST_TIMEOUT
from then). Every query of the request is sent with a Neo4j transaction
timeout of at most the time left, so when the deadline passes Neo4j itself
stops and rolls back whatever the request is still running, and any query the
request would start afterwards is refused without reaching Neo4j.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

from graph.errors import DatabaseUnavailable

# The event loop's time by which the request must be answered; None outside a
# request (the CLI, imports) and with no deadline configured.
deadline: ContextVar[float | None] = ContextVar("orggraph_deadline", default=None)

# A Neo4j timeout fires when the server next checks; one reported this close to
# the deadline is the deadline's.
_SLACK = 0.05


class DeadlinePassed(DatabaseUnavailable):
    """The request ran out of time: its database work was stopped."""

    def __init__(self) -> None:
        super().__init__("the request took longer than its deadline and was stopped")

    def extensions(self) -> dict[str, object]:
        return {"reason": "TIMEOUT"}


def _left() -> float | None:
    until = deadline.get()
    return None if until is None else until - asyncio.get_running_loop().time()


def time_left() -> float | None:
    """The time the request has left (DeadlinePassed if none), None outside a
    request or without a deadline."""
    left = _left()
    if left is not None and left <= 0:
        raise DeadlinePassed()
    return left


def timeout_within(query_timeout: float) -> float:
    """The transaction timeout for a query started now: the configured one, cut
    to the time the request has left; DeadlinePassed if none is left."""
    left = time_left()
    return query_timeout if left is None else min(query_timeout, left)


def deadline_passed() -> bool:
    """Whether a timeout reported now is the request's deadline."""
    left = _left()
    return left is not None and left <= _SLACK
