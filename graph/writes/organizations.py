"""Creating and changing organizations, and where they sit in the tree (PART_OF).

Placement follows `graph.rules.placement_problem`: a federation is one level below
its parent federation; committees, councils and teams sit under a federation.
Changing an organization's kind, level or parent is checked against its new
parent and against everything below it (child organizations and grids). The new
parent is never the organization itself nor one of its descendants (a cycle of
PART_OF would cut it and its subtree off every scope), and the parent it
leaves must be inside the caller's scope (a scope root cannot move itself).
"""

from __future__ import annotations

from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph import rows
from graph.audit import Ref, check_side_effects
from graph.driver import Database
from graph.errors import Conflict, NotFound
from graph.model import Level, Organization, OrgKind
from graph.pinyin import pinyin_properties
from graph.rules import grid_owner_problem, placement_problem
from graph.writes.common import code_taken, lock_organization, new_id, run

CREATE_CONTEXT: LiteralString = """
OPTIONAL MATCH (taken:Organization {code: $code})
OPTIONAL MATCH (parent:Organization {id: $parentId})
RETURN taken IS NOT NULL AS taken, parent {.kind, .level} AS parent
"""

CREATE_ORGANIZATION: LiteralString = """
CREATE (o:Organization {id: $id, code: $code, name: $name, kind: $kind, level: $level,
                        pinyin: $pinyin, pinyinKeys: $pinyinKeys})
WITH o
CALL (o) {
  MATCH (p:Organization {id: $parentId})
  CREATE (o)-[:PART_OF]->(p)
}
RETURN o {.id, .code, .name, .kind, .level} AS organization
"""

UPDATE_CONTEXT: LiteralString = """
MATCH (o:Organization {id: $id})
OPTIONAL MATCH (wanted:Organization {id: $parentId})
RETURN wanted {.code, .kind, .level} AS wanted,
       EXISTS { (wanted)-[:PART_OF*0..]->(o) } AS withinItself,
       COLLECT { MATCH (o)-[:PART_OF]->(p:Organization) WHERE p <> wanted RETURN p.id } AS leaving,
       COLLECT { MATCH (o)-[:PART_OF]->(p:Organization) RETURN p {.kind, .level} } AS parents,
       COLLECT { MATCH (o)<-[:PART_OF]-(c:Organization) RETURN c {.code, .kind, .level} ORDER BY c.code }
         AS children,
       COUNT { (o)<-[:PART_OF]-(:Grid) } AS grids
"""

UPDATE_ORGANIZATION: LiteralString = """
MATCH (o:Organization {id: $id})
SET o.name = $name, o.kind = $kind, o.level = $level, o.pinyin = $pinyin, o.pinyinKeys = $pinyinKeys
WITH o
CALL (o) {
  MATCH (o)-[old:PART_OF]->(p:Organization)
  WHERE $parentId IS NOT NULL AND p.id <> $parentId
  DELETE old
}
CALL (o) {
  MATCH (p:Organization {id: $parentId})
  WHERE NOT EXISTS { (o)-[:PART_OF]->(p) }
  CREATE (o)-[:PART_OF]->(p)
}
RETURN o {.id, .code, .name, .kind, .level} AS organization
"""


async def create_organization(
    db: Database, *, code: str, name: str, kind: OrgKind, level: Level, parent_id: str | None
) -> Organization:
    """A new organization, under `parent_id` (None: a root federation)."""

    async def work(tx: AsyncManagedTransaction) -> Organization:
        [context] = await run(tx, CREATE_CONTEXT, code=code, parentId=parent_id)
        if parent_id is not None and context["parent"] is None:
            raise NotFound("input.parentId: no organization has that id")
        if context["taken"]:
            raise code_taken(code)
        parent = context["parent"]
        problem = placement_problem(kind, level, _kind_level(parent) if parent else None)
        if problem:
            raise Conflict(f"input.parentId: {problem}")
        [created] = await run(
            tx,
            CREATE_ORGANIZATION,
            id=new_id(),
            code=code,
            name=name,
            kind=kind,
            level=level,
            parentId=parent_id,
            **pinyin_properties(name),
        )
        return rows.organization(created["organization"])

    return await db.write_transaction(work)


async def update_organization(
    db: Database,
    id: str,
    *,
    name: str | None,
    kind: OrgKind | None,
    level: Level | None,
    parent_id: str | None,
) -> Organization:
    """Change an organization's name, kind, level or parent (None: unchanged)."""

    async def work(tx: AsyncManagedTransaction) -> Organization:
        locked = await lock_organization(tx, id)
        if locked is None:
            raise NotFound("id: no organization has that id")
        current = rows.organization(locked["organization"])
        [context] = await run(tx, UPDATE_CONTEXT, id=id, parentId=parent_id)
        if parent_id is not None and context["wanted"] is None:
            raise NotFound("input.parentId: no organization has that id")
        if parent_id is not None:
            leaving = [Ref("Organization", old, "id") for old in context["leaving"]]
            await check_side_effects(tx, db.trail, leaving)
            if context["withinItself"]:
                raise Conflict(
                    f"input.parentId: {context['wanted']['code']} is {current.code} itself or lies "
                    f"below it; an organization cannot sit under itself"
                )
        new_kind, new_level = kind or current.kind, level or current.level
        parents = [context["wanted"]] if parent_id is not None else context["parents"]
        problem = placement_problem(new_kind, new_level, _kind_level(parents[0]) if parents else None)
        if problem:
            raise Conflict(f"{current.code}: {problem}")
        for child in context["children"]:
            problem = placement_problem(OrgKind[child["kind"]], Level[child["level"]], (new_kind, new_level))
            if problem:
                raise Conflict(f"{current.code} would no longer fit its child {child['code']}: {problem}")
        if context["grids"] and (problem := grid_owner_problem(new_kind, new_level)):
            raise Conflict(f"{current.code} has grids, and {problem}")
        [updated] = await run(
            tx,
            UPDATE_ORGANIZATION,
            id=id,
            name=name or current.name,
            kind=new_kind,
            level=new_level,
            parentId=parent_id,
            **pinyin_properties(name or current.name),
        )
        return rows.organization(updated["organization"])

    return await db.write_transaction(work)


def _kind_level(row: rows.Row) -> tuple[OrgKind, Level]:
    return OrgKind[row["kind"]], Level[row["level"]]
