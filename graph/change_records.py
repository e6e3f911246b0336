"""Recording a change event (graph.changes) in the writing transaction itself:
which objects a write created, changed or removed (`changed_objects`), where
each sits (the codes of the organizations above it), and the `(:Change:Unsequenced)`
node, written last (`record_change`; an import batch's by code,
`record_import_change`). A mutation's audit record shares the statement
(graph/audit.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph import tracing

if TYPE_CHECKING:  # graph.driver imports this module
    from graph.audit import Ref

# The kinds of object an event names, by the type of the record a write
# returned (graph.model); a mutation's named objects carry their type already.
TRACKED_TYPES = frozenset(
    {"Organization", "Person", "Grid", "Household", "Position", "Coverage", "Commitment", "Visit", "Meeting"}
)
CREATED, CHANGED, REMOVED = "CREATED", "CHANGED", "REMOVED"


def changed_objects(
    refs: Sequence[Ref], result: Any, *, touched: Sequence[Ref] = (), default: str = CREATED
) -> list[tuple[str, str, str]]:
    """(type, raw id, change) of the objects a write named (`refs`, changed),
    touched as side effects (changed) and returned (`default`, created, when
    not named)."""
    found: dict[str, tuple[str, str, str]] = {}
    for ref in [*refs, *touched]:
        found.setdefault(ref.id, (ref.type, ref.id, CHANGED))
    for type_name, raw_id in _typed_ids(result):
        found.setdefault(raw_id, (type_name, raw_id, default))
    return list(found.values())


def _typed_ids(value: Any) -> Iterable[tuple[str, str]]:
    """(type, id) of the graph.model records (of TRACKED_TYPES) within `value`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name, raw_id = type(value).__name__, getattr(value, "id", None)
        if name in TRACKED_TYPES and isinstance(raw_id, str):
            yield name, raw_id
        for f in dataclasses.fields(value):
            yield from _typed_ids(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _typed_ids(v)


# Where each object of an event sits, found in the writing transaction: each
# object by its type and id (a removed one is not found and is placed under the
# organizations of the event's other objects), then the organizations above it
# by the edges that lead upward, walked once per node (a visit's cadre and
# household are also named beside it: one walk each, not two). It leaves
# `placed` (per object, in order: obj, found, codes) and `within` (every code,
# once). A mutation's audit record reads the same placement (graph/audit.py):
# the two records are one statement.
PLACE_OBJECTS: LiteralString = """
UNWIND range(0, size($objects) - 1) AS i
WITH i, $objects[i] AS obj
OPTIONAL CALL (obj) {
  MATCH (x:Organization {id: obj.id}) WHERE obj.type = 'Organization' RETURN x
  UNION
  MATCH (x:Grid {id: obj.id}) WHERE obj.type = 'Grid' RETURN x
  UNION
  MATCH (x:Household {id: obj.id}) WHERE obj.type = 'Household' RETURN x
  UNION
  MATCH (x:Person {id: obj.id}) WHERE obj.type = 'Person' RETURN x
  UNION
  MATCH (x:Meeting {id: obj.id}) WHERE obj.type = 'Meeting' RETURN x
  UNION
  MATCH (:Person)-[:HOLDS {id: obj.id}]->(x:Organization) WHERE obj.type = 'Position' RETURN x
  UNION
  MATCH (p:Person)-[:COVERS {id: obj.id}]->(t) WHERE obj.type = 'Coverage' UNWIND [p, t] AS x RETURN x
  UNION
  MATCH (p:Person)-[:VISITED {id: obj.id}]->(h) WHERE obj.type = 'Visit' UNWIND [p, h] AS x RETURN x
  UNION
  MATCH (x:Person)-[:COMMITTED]->(:Commitment {id: obj.id}) WHERE obj.type = 'Commitment' RETURN x
}
WITH i, obj, collect(x) AS xs
ORDER BY i
WITH collect({obj: obj, xs: xs}) AS rows
CALL (rows) {
  UNWIND rows AS row
  UNWIND row.xs AS x
  WITH DISTINCT x
  RETURN collect({x: x, codes: COLLECT {
    MATCH (x)-[:HOLDS|LIVES_IN|IN_GRID|PART_OF|HELD_BY*0..16]->(o:Organization)
    RETURN DISTINCT o.code
  }}) AS reached
}
WITH [row IN rows | {obj: row.obj, found: size(row.xs) > 0, codes: reduce(w = [], r IN reached |
        CASE WHEN r.x IN row.xs THEN w + [c IN r.codes WHERE NOT c IN w] ELSE w END)}] AS placed
WITH placed, reduce(w = [], p IN placed | w + [c IN p.codes WHERE NOT c IN w]) AS within
"""

# The (:Change:Unsequenced) node of the placed objects (none when there are
# none), written last. It touches no shared node, so concurrent writers take no
# common lock; `created` (the server's clock at this last write, before the
# commit) orders the event for the sequencer.
CREATE_CHANGE: LiteralString = """
FOREACH (_ IN CASE WHEN size(placed) > 0 THEN [1] ELSE [] END |
  CREATE (:Change:Unsequenced {
    created: datetime.realtime(), at: datetime(), operation: $operation, within: within,
    types: [p IN placed | p.obj.type], ids: [p IN placed | p.obj.id],
    changes: [p IN placed | CASE WHEN p.found THEN p.obj.change ELSE 'REMOVED' END],
    under: [p IN placed |
            '|' + reduce(u = '', c IN CASE WHEN p.found THEN p.codes ELSE within END | u + c + '|')]
  })
)
"""

RECORD_CHANGE: LiteralString = PLACE_OBJECTS + CREATE_CHANGE + "RETURN size(placed) AS recorded"


def listed_objects(objects: Sequence[tuple[str, str, str]], refs: Iterable[str] = ()) -> list[dict[str, Any]]:
    """The `$objects` parameter of PLACE_OBJECTS: each object's type, id and
    change, and whether the mutation named it (`ref`, for its audit record)."""
    named = set(refs)
    return [{"type": t, "id": i, "change": c, "ref": i in named} for t, i, c in objects]


async def record_change(
    tx: AsyncManagedTransaction, operation: str, objects: Sequence[tuple[str, str, str]]
) -> bool:
    """Record the change event of the transaction `tx` as its last write
    (nothing when it changed nothing trackable), still without its sequence
    number: `sequence_changes` gives it one once it is committed."""
    if not objects:
        return False
    await tracing.run(tx, RECORD_CHANGE, {"operation": operation, "objects": listed_objects(objects)})
    return True


# An import names its objects by code; the event needs their ids.
IDS_OF_CODES: LiteralString = """
UNWIND $objects AS obj
CALL (obj) {
  MATCH (x:Organization {code: obj.code}) WHERE obj.type = 'Organization' RETURN x.id AS id
  UNION
  MATCH (x:Grid {code: obj.code}) WHERE obj.type = 'Grid' RETURN x.id AS id
  UNION
  MATCH (x:Household {code: obj.code}) WHERE obj.type = 'Household' RETURN x.id AS id
  UNION
  MATCH (x:Person {code: obj.code}) WHERE obj.type = 'Person' RETURN x.id AS id
}
RETURN obj.type AS type, id, obj.change AS change
"""


async def record_import_change(tx: AsyncManagedTransaction, objects: Sequence[tuple[str, str, str]]) -> None:
    """The change event of an import batch, whose rows name objects by
    (type, code, change)."""
    listed = [{"type": t, "code": c, "change": ch} for t, c, ch in objects]
    result = await tracing.run(tx, IDS_OF_CODES, {"objects": listed})
    found = {(r["type"], r["id"]): r["change"] for r in result}
    await record_change(tx, "import", [(t, i, ch) for (t, i), ch in found.items()])
