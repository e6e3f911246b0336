"""What the write modules share: running Cypher inside a write transaction, new
ids, the row-level lock a read-then-write rule takes, and input checks."""

from __future__ import annotations

import uuid
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction, Record

from graph.errors import BadInput, Conflict
from graph.rules import code_problem, phone_problem
from graph.tracing import run as statement

# Reading and then writing in one transaction is only safe when concurrent
# writers of the same object wait for each other: setting (and removing) a
# scratch property takes the node's write lock until the transaction ends.
LOCK_PEOPLE: LiteralString = """
UNWIND $ids AS id
MATCH (p:Person {id: id})
SET p._lock = true
REMOVE p._lock
RETURN p.id AS id
"""


async def run(tx: AsyncManagedTransaction, cypher: LiteralString, **params: Any) -> list[Record]:
    """Run one statement in `tx` and return all its records."""
    return await statement(tx, cypher, params)


async def lock_people(tx: AsyncManagedTransaction, *ids: str) -> None:
    """Take the write lock of each person (missing ids are skipped)."""
    await run(tx, LOCK_PEOPLE, ids=sorted(set(ids)))


def new_id() -> str:
    """A fresh id for a node or relationship."""
    return str(uuid.uuid4())


def code(value: str, *, argument: str) -> str:
    """A valid code (surrounding spaces dropped), or BadInput naming `argument`."""
    value = value.strip()
    problem = code_problem(value)
    if problem:
        raise BadInput(f"{argument}: {problem}", argument=argument)
    return value


def code_taken(code: str) -> Conflict:
    """The one answer to a create whose code an object of that kind already has.
    Codes are unique across the whole graph, so the holder may lie outside the
    caller's scope: the answer is the same whether she may see it or not, and
    says neither what nor where it is."""
    return Conflict(f"input.code: the code {code} is not available")


def text(value: str, *, argument: str, max_length: int) -> str:
    """Non-blank text of at most `max_length` characters, trimmed."""
    value = value.strip()
    if not value:
        raise BadInput(f"{argument} must not be empty", argument=argument)
    if len(value) > max_length:
        raise BadInput(f"{argument} is longer than {max_length} characters", argument=argument)
    return value


def optional_text(value: str | None, *, argument: str, max_length: int) -> str | None:
    """Like `text`, but None or blank means no value."""
    if value is None or not value.strip():
        return None
    return text(value, argument=argument, max_length=max_length)


def phone(value: str | None, *, argument: str) -> str | None:
    """A phone number, trimmed; None or blank means none."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    problem = phone_problem(value)
    if problem:
        raise BadInput(f"{argument}: {problem}", argument=argument)
    return value


LOCK_ORGANIZATION: LiteralString = """
MATCH (o:Organization {id: $id})
SET o._lock = true
REMOVE o._lock
RETURN o {.id, .code, .name, .kind, .level} AS organization
"""


async def lock_organization(tx: AsyncManagedTransaction, id: str) -> Record | None:
    """Take the organization's write lock; its record (`organization`), or None
    when no organization has that id."""
    found = await run(tx, LOCK_ORGANIZATION, id=id)
    return found[0] if found else None
