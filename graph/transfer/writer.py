"""Writing a validated folder: batched `UNWIND $rows` upserts, idempotent.

Every row is first compared with what the database holds under the row's
identity (a code for nodes; for relationships (person, organization, role,
since) for positions, (person, grid or household, role, since) for coverage,
(guide, executive, since) for guidance, (mentor, mentee, since) for mentoring and
(person, stage) for milestones). Rows that are new are created, rows that differ
are updated (a row describes its object whole: an empty cell clears the value),
and rows that match are not written at all, so importing the same folder twice
changes nothing the second time. Each batch is its own transaction; an import
that stopped half way is finished by running it again.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncManagedTransaction
from tqdm import tqdm

from graph import aggregates
from graph.changes import record_import_change
from graph.driver import Database
from graph.model import LEVEL_ORDER, STAGE_ORDER, OrgKind
from graph.pinyin import pinyin_properties
from graph.transfer.formats import (
    CoverageRow,
    Folder,
    GridRow,
    GuidanceRow,
    HouseholdRow,
    MentorshipRow,
    MilestoneRow,
    OrganizationRow,
    PersonRow,
    PositionRow,
    Row,
)

BATCH_SIZE = 10_000
T = TypeVar("T")

ENSURE_STAGES: LiteralString = """
UNWIND $stages AS stage
MERGE (s:Stage {name: stage.name})
ON CREATE SET s.order = stage.order
"""

# Every lookup by code is forced to be an index seek (USING INDEX SEEK). Plans
# are cached, and one made while a label was still (nearly) empty, at the start
# of an import into an empty database, scans every node of the label per row
# once the label has grown: a plan like that made a 1,400-row file take 13 s.
#
# Node rows: new ones are created (the code's uniqueness constraint refuses a
# duplicate), changed ones updated; either way the one relationship a row names
# (parent, grid, household) is created, or re-pointed when it changed.
ORGANIZATION_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Organization {code: row.code}) USING INDEX SEEK n:Organization(code)
RETURN collect({i: row.i, state: {name: n.name, kind: n.kind, level: n.level,
  link: head(COLLECT { MATCH (n)-[:PART_OF]->(p:Organization) RETURN p.code ORDER BY p.code })}}) AS found
"""
_ORGANIZATION_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (p:Organization {code: row.link}) USING INDEX SEEK p:Organization(code)
CREATE (n)-[:PART_OF]->(p)
"""
ORGANIZATION_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Organization {id: row.id, code: row.code, name: row.name, kind: row.kind, level: row.level,
  pinyin: row.pinyin, pinyinKeys: row.pinyinKeys})
WITH n, row
"""
    + _ORGANIZATION_LINK
)
ORGANIZATION_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Organization {code: row.code}) USING INDEX SEEK n:Organization(code)
SET n.name = row.name, n.kind = row.kind, n.level = row.level, n.pinyin = row.pinyin,
  n.pinyinKeys = row.pinyinKeys
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:PART_OF]->(:Organization) DELETE old }
"""
    + _ORGANIZATION_LINK
)

GRID_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Grid {code: row.code}) USING INDEX SEEK n:Grid(code)
RETURN collect({i: row.i, state: {name: n.name,
  link: head(COLLECT { MATCH (n)-[:PART_OF]->(o:Organization) RETURN o.code ORDER BY o.code })}}) AS found
"""
_GRID_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (o:Organization {code: row.link}) USING INDEX SEEK o:Organization(code)
CREATE (n)-[:PART_OF]->(o)
"""
GRID_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Grid {id: row.id, code: row.code, name: row.name})
WITH n, row
"""
    + _GRID_LINK
)
GRID_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Grid {code: row.code}) USING INDEX SEEK n:Grid(code)
SET n.name = row.name
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:PART_OF]->(:Organization) DELETE old }
"""
    + _GRID_LINK
)

HOUSEHOLD_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Household {code: row.code}) USING INDEX SEEK n:Household(code)
RETURN collect({i: row.i, state: {address: n.address, tags: coalesce(n.tags, []),
  link: head(COLLECT { MATCH (n)-[:IN_GRID]->(g:Grid) RETURN g.code ORDER BY g.code })}}) AS found
"""
_HOUSEHOLD_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (g:Grid {code: row.link}) USING INDEX SEEK g:Grid(code)
CREATE (n)-[:IN_GRID]->(g)
"""
HOUSEHOLD_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Household {id: row.id, code: row.code, address: row.address, tags: row.tags})
WITH n, row
"""
    + _HOUSEHOLD_LINK
)
HOUSEHOLD_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Household {code: row.code}) USING INDEX SEEK n:Household(code)
SET n.address = row.address, n.tags = row.tags
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:IN_GRID]->(:Grid) DELETE old }
"""
    + _HOUSEHOLD_LINK
)

PERSON_STATE: LiteralString = """
UNWIND $rows AS row
MATCH (n:Person {code: row.code}) USING INDEX SEEK n:Person(code)
RETURN collect({i: row.i, state: {name: n.name, gender: n.gender, birthDate: n.birthDate,
  education: n.education, politicalStatus: n.politicalStatus, phone: n.phone,
  link: head(COLLECT { MATCH (n)-[:LIVES_IN]->(h:Household) RETURN h.code ORDER BY h.code })}}) AS found
"""
_PERSON_LINK: LiteralString = """
WITH n, row WHERE row.link IS NOT NULL
MATCH (h:Household {code: row.link}) USING INDEX SEEK h:Household(code)
CREATE (n)-[:LIVES_IN]->(h)
"""
PERSON_CREATE: LiteralString = (
    """
UNWIND $rows AS row
CREATE (n:Person {id: row.id, code: row.code, name: row.name, gender: row.gender, birthDate: row.birthDate,
  education: row.education, politicalStatus: row.politicalStatus, phone: row.phone,
  pinyin: row.pinyin, pinyinKeys: row.pinyinKeys})
WITH n, row
"""
    + _PERSON_LINK
)
PERSON_UPDATE: LiteralString = (
    """
UNWIND $rows AS row
MATCH (n:Person {code: row.code}) USING INDEX SEEK n:Person(code)
SET n.name = row.name, n.gender = row.gender, n.birthDate = row.birthDate, n.education = row.education,
    n.politicalStatus = row.politicalStatus, n.phone = row.phone, n.pinyin = row.pinyin,
    n.pinyinKeys = row.pinyinKeys
WITH n, row WHERE row.relink
CALL (n) { MATCH (n)-[old:LIVES_IN]->(:Household) DELETE old }
"""
    + _PERSON_LINK
)

# A relationship row is found by seeking both its nodes by code and expanding
# between them. New rows are created, changed rows updated.
POSITION_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person})-[h:HOLDS]->(o:Organization {code: row.organization})
USING INDEX SEEK p:Person(code)
USING INDEX SEEK o:Organization(code)
WHERE h.role = row.role AND h.since = row.since
"""
POSITION_STATE: LiteralString = (
    POSITION_MATCH + "RETURN collect({i: row.i, state: {until: h.until}}) AS found"
)
POSITION_UPDATE: LiteralString = POSITION_MATCH + "SET h.until = row.until"
POSITION_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person}) USING INDEX SEEK p:Person(code)
MATCH (o:Organization {code: row.organization}) USING INDEX SEEK o:Organization(code)
CREATE (p)-[:HOLDS {id: row.id, role: row.role, since: row.since, until: row.until}]->(o)
"""

_COVERED: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person}) USING INDEX SEEK p:Person(code)
OPTIONAL MATCH (g:Grid {code: row.grid}) USING INDEX SEEK g:Grid(code)
OPTIONAL MATCH (h:Household {code: row.household}) USING INDEX SEEK h:Household(code)
WITH p, row, coalesce(g, h) AS t
"""
COVERAGE_MATCH: LiteralString = (
    _COVERED
    + """MATCH (p)-[c:COVERS]->(t)
WHERE c.role = row.role AND c.since = row.since
"""
)
COVERAGE_STATE: LiteralString = (
    COVERAGE_MATCH + "RETURN collect({i: row.i, state: {until: c.until}}) AS found"
)
COVERAGE_UPDATE: LiteralString = COVERAGE_MATCH + "SET c.until = row.until"
COVERAGE_CREATE: LiteralString = (
    _COVERED + "CREATE (p)-[:COVERS {id: row.id, role: row.role, since: row.since, until: row.until}]->(t)"
)

GUIDANCE_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.guide})-[r:GUIDES]->(b:Person {code: row.executive})
USING INDEX SEEK a:Person(code)
USING INDEX SEEK b:Person(code)
WHERE r.since = row.since
"""
GUIDANCE_STATE: LiteralString = (
    GUIDANCE_MATCH + "RETURN collect({i: row.i, state: {until: r.until}}) AS found"
)
GUIDANCE_UPDATE: LiteralString = GUIDANCE_MATCH + "SET r.until = row.until"
GUIDANCE_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.guide}) USING INDEX SEEK a:Person(code)
MATCH (b:Person {code: row.executive}) USING INDEX SEEK b:Person(code)
CREATE (a)-[:GUIDES {since: row.since, until: row.until}]->(b)
"""

MENTORSHIP_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.mentor})-[r:MENTORS]->(b:Person {code: row.mentee})
USING INDEX SEEK a:Person(code)
USING INDEX SEEK b:Person(code)
WHERE r.since = row.since
"""
MENTORSHIP_STATE: LiteralString = (
    MENTORSHIP_MATCH + "RETURN collect({i: row.i, state: {until: r.until}}) AS found"
)
MENTORSHIP_UPDATE: LiteralString = MENTORSHIP_MATCH + "SET r.until = row.until"
MENTORSHIP_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {code: row.mentor}) USING INDEX SEEK a:Person(code)
MATCH (b:Person {code: row.mentee}) USING INDEX SEEK b:Person(code)
CREATE (a)-[:MENTORS {since: row.since, until: row.until}]->(b)
"""

MILESTONE_MATCH: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person})-[r:REACHED]->(s:Stage {name: row.stage})
USING INDEX SEEK p:Person(code)
USING INDEX SEEK s:Stage(name)
"""
MILESTONE_STATE: LiteralString = MILESTONE_MATCH + "RETURN collect({i: row.i, state: {on: r.on}}) AS found"
MILESTONE_UPDATE: LiteralString = MILESTONE_MATCH + "SET r.on = row.on"
MILESTONE_CREATE: LiteralString = """
UNWIND $rows AS row
MATCH (p:Person {code: row.person}) USING INDEX SEEK p:Person(code)
MATCH (s:Stage {name: row.stage}) USING INDEX SEEK s:Stage(name)
CREATE (p)-[:REACHED {on: row.on}]->(s)
"""


@dataclass
class FileCounts:
    """What importing one file did to the rows it holds."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Step:
    """How one file is written: reading the current state of its rows by their
    identity (`keys`), then writing new rows with `create` and changed ones with
    `update`. A node file's rows also name one relationship (`link`: the parent,
    grid, household), which `update` re-points when `relink` is set."""

    state: LiteralString
    create: LiteralString
    update: LiteralString
    keys: tuple[str, ...]
    fields: tuple[str, ...]  # what the state holds, compared with the row
    params: Callable[[Any], dict[str, Any]]


def _node(row: OrganizationRow | GridRow | HouseholdRow | PersonRow) -> dict[str, Any]:
    return {"code": row.code, "id": str(uuid.uuid4())}


def _name(value: object) -> str | None:
    return None if value is None else str(value)


STEPS: dict[type[Row], Step] = {
    OrganizationRow: Step(
        ORGANIZATION_STATE,
        ORGANIZATION_CREATE,
        ORGANIZATION_UPDATE,
        ("code",),
        ("name", "kind", "level", "link"),
        lambda r: (
            _node(r)
            | {"name": r.name, "kind": r.kind.name, "level": r.level.name, "link": r.parent}
            | pinyin_properties(r.name)
        ),
    ),
    GridRow: Step(
        GRID_STATE,
        GRID_CREATE,
        GRID_UPDATE,
        ("code",),
        ("name", "link"),
        lambda r: _node(r) | {"name": r.name, "link": r.organization},
    ),
    HouseholdRow: Step(
        HOUSEHOLD_STATE,
        HOUSEHOLD_CREATE,
        HOUSEHOLD_UPDATE,
        ("code",),
        ("address", "tags", "link"),
        lambda r: _node(r) | {"address": r.address, "tags": [t.name for t in r.tags], "link": r.grid},
    ),
    PersonRow: Step(
        PERSON_STATE,
        PERSON_CREATE,
        PERSON_UPDATE,
        ("code",),
        ("name", "gender", "birthDate", "education", "politicalStatus", "phone", "link"),
        lambda r: (
            _node(r)
            | {
                "name": r.name,
                "gender": _name(r.gender),
                "birthDate": r.birth_date,
                "education": _name(r.education),
                "politicalStatus": _name(r.political_status),
                "phone": r.phone,
                "link": r.household,
            }
            | pinyin_properties(r.name)
        ),
    ),
    PositionRow: Step(
        POSITION_STATE,
        POSITION_CREATE,
        POSITION_UPDATE,
        ("person", "organization", "role", "since"),
        ("until",),
        lambda r: {
            "person": r.person,
            "organization": r.organization,
            "role": r.role.name,
            "since": r.since,
            "until": r.until,
            "id": str(uuid.uuid4()),
        },
    ),
    CoverageRow: Step(
        COVERAGE_STATE,
        COVERAGE_CREATE,
        COVERAGE_UPDATE,
        ("person", "grid", "household", "role", "since"),
        ("until",),
        lambda r: {
            "person": r.person,
            "grid": r.grid,
            "household": r.household,
            "role": r.role.name,
            "since": r.since,
            "until": r.until,
            "id": str(uuid.uuid4()),
        },
    ),
    GuidanceRow: Step(
        GUIDANCE_STATE,
        GUIDANCE_CREATE,
        GUIDANCE_UPDATE,
        ("guide", "executive", "since"),
        ("until",),
        lambda r: {"guide": r.guide, "executive": r.executive, "since": r.since, "until": r.until},
    ),
    MentorshipRow: Step(
        MENTORSHIP_STATE,
        MENTORSHIP_CREATE,
        MENTORSHIP_UPDATE,
        ("mentor", "mentee", "since"),
        ("until",),
        lambda r: {"mentor": r.mentor, "mentee": r.mentee, "since": r.since, "until": r.until},
    ),
    MilestoneRow: Step(
        MILESTONE_STATE,
        MILESTONE_CREATE,
        MILESTONE_UPDATE,
        ("person", "stage"),
        ("on",),
        lambda r: {"person": r.person, "stage": r.stage.name, "on": r.on},
    ),
}


def _native(value: Any) -> Any:
    """A state value from Neo4j as Python compares it (dates; tags as sorted)."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, list):
        return sorted(value)
    return value


def _batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _parents_first(row: OrganizationRow) -> tuple[int, bool]:
    """Organizations in an order that puts every parent before its children: a
    federation is a level below its parent, the others sit under a federation at
    its level (or are UNITs, the lowest level)."""
    return LEVEL_ORDER.index(row.level), row.kind is not OrgKind.FEDERATION


async def write_folder(
    db: Database, folder: Folder, *, batch_size: int = BATCH_SIZE, progress: bool = False
) -> dict[str, FileCounts]:
    """Write a validated folder, file by file, in batches; what each file did."""
    await db.write(ENSURE_STAGES, stages=[{"name": s.name, "order": o} for s, o in STAGE_ORDER.items()])
    counts: dict[str, FileCounts] = {}
    # Readers answer coverage live while the batches land; then every village is counted again.
    async with aggregates.held(db):
        with tqdm(
            total=folder.rows, unit="row", unit_scale=True, file=sys.stderr, disable=not progress, leave=False
        ) as bar:
            ordered = replace(folder, organizations=sorted(folder.organizations, key=_parents_first))
            for fmt, rows in ordered.files():
                bar.set_description(fmt.name)
                counts[fmt.name] = await _write_file(db, rows, batch_size, bar)
        await aggregates.rebuild(db, None)
    return counts


async def _write_file(db: Database, rows: Sequence[Row], batch_size: int, bar: tqdm) -> FileCounts:
    counts = FileCounts()
    for batch in _batches(rows, batch_size):
        step = STEPS[type(batch[0])]
        params = [step.params(row) for row in batch]
        keys = [{k: p[k] for k in step.keys} | {"i": i} for i, p in enumerate(params)]
        [found] = await db.read(step.state, rows=keys)
        current = {r["i"]: {k: _native(v) for k, v in r["state"].items()} for r in found["found"]}
        new: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for i, wanted in enumerate(params):
            have = current.get(i)
            want = {k: _native(wanted[k]) for k in step.fields}
            if have == want:
                continue
            relink = "link" in want and (have or {}).get("link") != want["link"]
            (new if have is None else changed).append(wanted | {"relink": relink})
        counts.created += len(new)
        counts.updated += len(changed)
        counts.unchanged += len(batch) - len(new) - len(changed)
        if new or changed:
            await _write_batch(db, step, type(batch[0]), new, changed)
        bar.update(len(batch))
    return counts


# What an import batch's change event names, by the file: the objects a node
# file's rows are (by code), and the people (and organization) a relationship
# file's rows connect.
_NAMED: dict[type[Row], tuple[tuple[str, str], ...]] = {
    OrganizationRow: (("Organization", "code"),),
    GridRow: (("Grid", "code"),),
    HouseholdRow: (("Household", "code"),),
    PersonRow: (("Person", "code"),),
    PositionRow: (("Person", "person"), ("Organization", "organization")),
    CoverageRow: (("Person", "person"),),
    GuidanceRow: (("Person", "guide"), ("Person", "executive")),
    MentorshipRow: (("Person", "mentor"), ("Person", "mentee")),
    MilestoneRow: (("Person", "person"),),
}


async def _write_batch(
    db: Database, step: Step, kind: type[Row], new: list[dict[str, Any]], changed: list[dict[str, Any]]
) -> None:
    """One batch's new and changed rows and its change event, in one transaction."""
    named = _NAMED[kind]
    node_file = named[0][1] == "code"
    objects = [
        (type_name, row[key], change)
        for rows, change in ((new, "CREATED" if node_file else "CHANGED"), (changed, "CHANGED"))
        for row in rows
        for type_name, key in named
        if row.get(key)
    ]

    async def work(tx: AsyncManagedTransaction) -> None:
        for statement, group in ((step.create, new), (step.update, changed)):
            if group:
                await (await tx.run(statement, {"rows": group})).consume()
        await record_import_change(tx, objects)

    await db.write_recorded(work)
