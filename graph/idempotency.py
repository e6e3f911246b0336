"""Idempotent mutations: a retried request does not write twice.

A client that saw a mutation fail (SERVICE_UNAVAILABLE, a timeout, a dropped
connection) cannot tell whether it was committed. It may send the request again
with the same `Idempotency-Key` header (service/idempotency.py turns it into a
`Claim`). Each mutation of the request then writes, in its own transaction, an
`(:IdempotencyKey)` node holding the caller, the key, which mutation of the
request it was (its response key), a fingerprint of the request, and the
mutation's result (the records `graph.writes` returned). A retry finds the node
in its transaction and returns the stored result instead of writing again, so
the answer is built from the same objects as the first one. The same key with
another request body is CONFLICT; a key older than its lifetime counts as
unused (expired nodes are deleted a few at a time by later keyed writes).

Concurrent requests with one key are serialized by the MERGE on the key's
unique id: the second waits for the first transaction and then replays it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import importlib
from dataclasses import dataclass
from typing import Any, LiteralString

import orjson
from neo4j import AsyncManagedTransaction

from graph.errors import Conflict
from graph.tracing import run as statement

KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    """A request's idempotency key, its fingerprint, and how long the key is kept."""

    key: str
    fingerprint: str
    hours: float = 24.0


@dataclass(frozen=True)
class Replay:
    """The result a mutation returned when the key was first used."""

    value: Any


# Takes the key's lock (the unique constraint's index entry) before anything else.
CLAIM_KEY: LiteralString = """
MERGE (k:IdempotencyKey {id: $id})
RETURN k.fingerprint AS fingerprint, k.result AS result,
       k.expires IS NOT NULL AND k.expires < datetime() AS expired
"""

REMEMBER: LiteralString = """
MATCH (k:IdempotencyKey {id: $id})
SET k.caller = $caller, k.key = $key, k.step = $step, k.fingerprint = $fingerprint,
    k.result = $result, k.at = datetime(), k.expires = datetime() + duration({seconds: $seconds})
"""

PURGE_EXPIRED: LiteralString = """
MATCH (k:IdempotencyKey) WHERE k.expires < datetime() AND k.id <> $id
WITH k LIMIT 50
DELETE k
"""


def key_id(caller: str, key: str, step: str) -> str:
    """The node id of a key: the caller's, for one mutation (response key) of the request."""
    return hashlib.sha256("\x00".join((caller, key, step)).encode()).hexdigest()


async def replay(tx: AsyncManagedTransaction, claim: Claim, caller: str, step: str) -> Replay | None:
    """The stored result of this key, or None when the mutation is to run (and
    is then remembered by `remember` in the same transaction)."""
    [found] = await statement(tx, CLAIM_KEY, {"id": key_id(caller, claim.key, step)})
    if found["fingerprint"] is None or found["expired"]:
        return None
    if found["fingerprint"] != claim.fingerprint:
        raise Conflict(
            "this Idempotency-Key was already used for a different request; use a new key for a new request"
        )
    return Replay(decode(found["result"]))


async def remember(tx: AsyncManagedTransaction, claim: Claim, caller: str, step: str, value: Any) -> None:
    """Store the key with the mutation's result, in the mutation's transaction."""
    id = key_id(caller, claim.key, step)
    await statement(
        tx,
        REMEMBER,
        {
            "id": id,
            "caller": caller,
            "key": claim.key,
            "step": step,
            "fingerprint": claim.fingerprint,
            "result": encode(value),
            "seconds": round(claim.hours * 3600),
        },
    )
    await statement(tx, PURGE_EXPIRED, {"id": id})


# --- the stored result: graph/ records as JSON, rebuilt as the same classes ----------


def encode(value: Any) -> str:
    """A write's result (graph.model records, enums, dates, tuples) as JSON text."""
    return orjson.dumps(_tagged(value)).decode()


def decode(text: str) -> Any:
    return _untagged(orjson.loads(text))


def _tagged(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, enum.Enum):
        return {"$enum": _name(type(value)), "value": value.value}
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _tagged(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$record": _name(type(value)), "fields": fields}
    if isinstance(value, tuple):
        return {"$tuple": [_tagged(v) for v in value]}
    if isinstance(value, list):
        return [_tagged(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$map": {k: _tagged(v) for k, v in value.items()}}
    raise TypeError(f"cannot store a {type(value).__name__} as a mutation's result")


def _untagged(value: Any) -> Any:
    if isinstance(value, list):
        return [_untagged(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$enum" in value:
        return _class(value["$enum"])(value["value"])
    if "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if "$record" in value:
        return _class(value["$record"])(**{k: _untagged(v) for k, v in value["fields"].items()})
    if "$tuple" in value:
        return tuple(_untagged(v) for v in value["$tuple"])
    return {k: _untagged(v) for k, v in value["$map"].items()}


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _class(name: str) -> Any:
    """Only OrgGraph's own records and enums (classes defined in graph/) are rebuilt."""
    module, _, qualname = name.partition(":")
    if not module.startswith("graph.") or "." in qualname:
        raise ValueError(f"not a record of graph/: {name}")
    cls = getattr(importlib.import_module(module), qualname)
    if not (isinstance(cls, type) and (dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum))):
        raise ValueError(f"not a record of graph/: {name}")
    return cls
