"""The Neo4j driver's exceptions translated into OrgGraph's error tree
(`graph.errors`), here and nowhere else: an unreachable or busy database is
DATABASE_UNAVAILABLE, a broken constraint CONFLICT, a query stopped at its
timeout DEADLINE_PASSED or DATABASE_UNAVAILABLE.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import neo4j
from neo4j import exceptions as neo4j_errors

from graph.deadline import DeadlinePassed, deadline_passed
from graph.errors import Conflict, DatabaseUnavailable, OrgGraphError

# Logged as graph.driver: the database's errors are reported under one name.
log = logging.getLogger("graph.driver")

# Neo4j stopped the transaction at its timeout: while it ran, or while it
# waited for a lock another transaction held.
STOPPED_BY_TIMEOUT = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.LockClientStopped",
    }
)


# Two workers applying the constraints at once: one's IF NOT EXISTS lost the race.
SCHEMA_RACE = "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists"


@asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """Turn the driver's exceptions into OrgGraph's error tree."""
    try:
        yield
    except OrgGraphError:
        raise
    except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as e:
        log.warning("Neo4j unavailable: %s", e)
        raise DatabaseUnavailable("the graph database is unavailable; try again shortly") from e
    except neo4j_errors.AuthError as e:
        log.error("Neo4j refused our credentials: %s", e)
        raise DatabaseUnavailable("the graph database refused the service's credentials") from e
    except neo4j_errors.TransientError as e:
        raise DatabaseUnavailable("the graph database is busy; try again shortly") from e
    except neo4j_errors.ConstraintError as e:
        raise Conflict(_constraint_message(e)) from e
    except neo4j_errors.Neo4jError as e:
        if e.code in STOPPED_BY_TIMEOUT:
            if deadline_passed():
                raise DeadlinePassed() from e
            raise DatabaseUnavailable("the query took too long and was stopped") from e
        if e.code == SCHEMA_RACE:
            raise Conflict("another process created that index or constraint at the same time") from e
        log.exception("unexpected Neo4j error")
        raise OrgGraphError("the graph database could not answer") from e
    except neo4j_errors.DriverError as e:
        log.exception("unexpected Neo4j driver error")
        raise DatabaseUnavailable("the graph database connection failed") from e


def _constraint_message(e: neo4j.exceptions.Neo4jError) -> str:
    message = e.message or ""
    if "already exists" in message:
        return "an object with that id or code already exists"
    return "the change breaks a constraint of the graph"
