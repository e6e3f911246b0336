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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncManagedTransaction
from tqdm import tqdm

from graph import aggregates
from graph.change_records import record_import_change
from graph.driver import Database
from graph.model import LEVEL_ORDER, STAGE_ORDER, OrgKind
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
from graph.transfer.link_files import LINK_STEPS
from graph.transfer.node_files import NODE_STEPS
from graph.transfer.step import Step

BATCH_SIZE = 10_000
T = TypeVar("T")

ENSURE_STAGES: LiteralString = """
UNWIND $stages AS stage
MERGE (s:Stage {name: stage.name})
ON CREATE SET s.order = stage.order
"""


@dataclass
class FileCounts:
    """What importing one file did to the rows it holds."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


STEPS: dict[type[Row], Step] = NODE_STEPS | LINK_STEPS


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
