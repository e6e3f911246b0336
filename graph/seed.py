"""`orggraph seed`: loads the deterministic demo county (`graph.seed_data`) into an
empty Neo4j.

Loading applies the constraints, then writes every node list and relationship
list with one parameterized `UNWIND $rows` statement per batch, each batch in its
own write transaction, nodes before relationships. A database that already holds
an organization graph is refused (`NotEmpty`), skipped (`if_empty`) or wiped
first (`force`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import sys
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, LiteralString

from tqdm import tqdm

from graph import aggregates
from graph.constraints import LOOKUPS, STATEMENTS, apply_constraints, has_constraints
from graph.driver import Database
from graph.errors import BadInput, Conflict
from graph.pinyin import pinyin_properties, with_pinyin
from graph.seed_data import DEFAULT_SEED, SCALES, Dataset, Row, generate_part, parts_of

BATCH_SIZE = 10_000
WIPE_BATCH_SIZE = 10_000

CREATE_STAGES: LiteralString = """
UNWIND $rows AS row
MERGE (s:Stage {name: row.name})
SET s.order = row.order
"""
CREATE_ORGANIZATIONS: LiteralString = """
UNWIND $rows AS row
CREATE (:Organization {id: row.id, code: row.code, name: row.name, kind: row.kind, level: row.level,
                       pinyin: row.pinyin, pinyinKeys: row.pinyinKeys})
"""
CREATE_GRIDS: LiteralString = """
UNWIND $rows AS row
CREATE (:Grid {id: row.id, code: row.code, name: row.name})
"""
CREATE_HOUSEHOLDS: LiteralString = """
UNWIND $rows AS row
CREATE (:Household {id: row.id, code: row.code, address: row.address, tags: row.tags})
"""
CREATE_PERSONS: LiteralString = """
UNWIND $rows AS row
CREATE (:Person {
  id: row.id, code: row.code, name: row.name, gender: row.gender, birthDate: row.birthDate,
  education: row.education, politicalStatus: row.politicalStatus, phone: row.phone,
  pinyin: row.pinyin, pinyinKeys: row.pinyinKeys
})
"""
CREATE_ORG_PART_OF: LiteralString = """
UNWIND $rows AS row
MATCH (a:Organization {id: row.a})
MATCH (b:Organization {id: row.b})
CREATE (a)-[:PART_OF]->(b)
"""
CREATE_GRID_PART_OF: LiteralString = """
UNWIND $rows AS row
MATCH (a:Grid {id: row.a})
MATCH (b:Organization {id: row.b})
CREATE (a)-[:PART_OF]->(b)
"""
CREATE_IN_GRID: LiteralString = """
UNWIND $rows AS row
MATCH (a:Household {id: row.a})
MATCH (b:Grid {id: row.b})
CREATE (a)-[:IN_GRID]->(b)
"""
CREATE_LIVES_IN: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Household {id: row.b})
CREATE (a)-[:LIVES_IN]->(b)
"""
CREATE_HOLDS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Organization {id: row.b})
CREATE (a)-[:HOLDS {id: row.id, role: row.role, since: row.since, until: row.until}]->(b)
"""
CREATE_COVERS_GRID: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Grid {id: row.b})
CREATE (a)-[:COVERS {id: row.id, role: row.role, since: row.since, until: row.until}]->(b)
"""
CREATE_COVERS_HOUSEHOLD: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Household {id: row.b})
CREATE (a)-[:COVERS {id: row.id, role: row.role, since: row.since, until: row.until}]->(b)
"""
CREATE_GUIDES: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Person {id: row.b})
CREATE (a)-[:GUIDES {since: row.since, until: row.until}]->(b)
"""
CREATE_MENTORS: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Person {id: row.b})
CREATE (a)-[:MENTORS {since: row.since, until: row.until}]->(b)
"""
CREATE_REACHED: LiteralString = """
UNWIND $rows AS row
MATCH (a:Person {id: row.a})
MATCH (b:Stage {name: row.b})
CREATE (a)-[:REACHED {on: row.on}]->(b)
"""

# (what is written, the statement, the rows), in loading order: nodes before the
# relationships that need them, and everything else before people, whose pinyin
# is computed beside the load (`Prepared`).
STEPS: tuple[tuple[str, LiteralString, Callable[[Dataset], list[Row]]], ...] = (
    ("Stage", CREATE_STAGES, lambda d: d.stages),
    ("Organization", CREATE_ORGANIZATIONS, lambda d: _named(d.organizations)),
    ("Grid", CREATE_GRIDS, lambda d: d.grids),
    ("Household", CREATE_HOUSEHOLDS, lambda d: d.households),
    ("PART_OF", CREATE_ORG_PART_OF, lambda d: d.org_part_of),
    ("PART_OF", CREATE_GRID_PART_OF, lambda d: d.grid_part_of),
    ("IN_GRID", CREATE_IN_GRID, lambda d: d.in_grid),
    ("Person", CREATE_PERSONS, lambda d: _named(d.persons)),
    ("LIVES_IN", CREATE_LIVES_IN, lambda d: d.lives_in),
    ("HOLDS", CREATE_HOLDS, lambda d: d.holds),
    ("COVERS", CREATE_COVERS_GRID, lambda d: d.covers_grid),
    ("COVERS", CREATE_COVERS_HOUSEHOLD, lambda d: d.covers_household),
    ("GUIDES", CREATE_GUIDES, lambda d: d.guides),
    ("MENTORS", CREATE_MENTORS, lambda d: d.mentors),
    ("REACHED", CREATE_REACHED, lambda d: d.reached),
)


def _named(rows: list[Row]) -> list[Row]:
    """Rows with their pinyin, computed here unless `Prepared` already did."""
    return rows if not rows or "pinyinKeys" in rows[0] else with_pinyin(rows)


NODE_LABELS = ("Organization", "Person", "Grid", "Household", "Stage")
RELATIONSHIP_TYPES = ("PART_OF", "IN_GRID", "LIVES_IN", "HOLDS", "COVERS", "GUIDES", "MENTORS", "REACHED")

HAS_DATA: LiteralString = """
RETURN EXISTS { (:Organization) } OR EXISTS { (:Person) } OR EXISTS { (:Household) } OR EXISTS { (:Grid) }
  AS present
"""
WIPE_BATCH: LiteralString = """
MATCH (n)
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS deleted
"""
COUNTS: LiteralString = """
RETURN {
  Organization: COUNT { (:Organization) }, Person: COUNT { (:Person) }, Grid: COUNT { (:Grid) },
  Household: COUNT { (:Household) }, Stage: COUNT { (:Stage) }
} AS nodes, {
  PART_OF: COUNT { ()-[:PART_OF]->() }, IN_GRID: COUNT { ()-[:IN_GRID]->() },
  LIVES_IN: COUNT { ()-[:LIVES_IN]->() }, HOLDS: COUNT { ()-[:HOLDS]->() },
  COVERS: COUNT { ()-[:COVERS]->() }, GUIDES: COUNT { ()-[:GUIDES]->() },
  MENTORS: COUNT { ()-[:MENTORS]->() }, REACHED: COUNT { ()-[:REACHED]->() }
} AS relationships
"""


class NotEmpty(Conflict):
    """The database already holds an organization graph."""


@dataclass(frozen=True)
class SeedSummary:
    """What a seeding did: counts per label and relationship type as found in the
    database afterwards, and how long it took: `generate_seconds` until the first
    part was generated, `load_seconds` from then until every row was written and
    every index built (later parts are generated meanwhile), of which
    `index_seconds` building the indexes left until after the load. `skipped`
    when `if_empty` found data and nothing was written. `phases`: seconds per
    step of a bulk seed (`graph.bulk_seed`), whose generation is not
    overlapped with the load."""

    scale: str
    seed: int
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    generate_seconds: float = 0.0
    load_seconds: float = 0.0
    skipped: bool = False
    index_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.load_seconds if self.load_seconds > 0 else 0.0

    @property
    def total_seconds(self) -> float:
        return self.generate_seconds + self.load_seconds

    def format(self) -> str:
        if self.skipped:
            return "the database already holds data; left it as it is (--if-empty)"
        nodes = ", ".join(f"{k} {v:,}" for k, v in self.nodes.items())
        rels = ", ".join(f"{k} {v:,}" for k, v in self.relationships.items())
        indexes = f", indexes built after it in {self.index_seconds:.1f} s" if self.index_seconds else ""
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items())
        phases = f"\n  phases: {phases}" if phases else ""
        generated = "generated as CSV" if self.phases else "first part generated"
        return (
            f"seeded scale {self.scale}, seed {self.seed}: {self.rows:,} rows loaded in "
            f"{self.load_seconds:.1f} s ({self.rows_per_second:,.0f} rows/s{indexes}; {generated} "
            f"in {self.generate_seconds:.1f} s; {self.rows / max(self.total_seconds, 1e-9):,.0f} rows/s "
            f"in all)\n  nodes: {nodes}\n  relationships: {rels}{phases}"
        )


def check_arguments(scale: str, *, force: bool, if_empty: bool) -> None:
    """BadInput for an unknown scale, or for `force` with `if_empty`."""
    if scale not in SCALES:
        raise BadInput(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}", argument="scale")
    if force and if_empty:
        raise BadInput("force and if_empty exclude each other", argument="force")


def not_empty() -> NotEmpty:
    """The refusal to seed a database that already holds an organization graph."""
    return NotEmpty(
        "the database already holds an organization graph; "
        "use --force to replace it or --if-empty to leave it"
    )


async def seed(
    db: Database,
    scale: str = "small",
    seed: int = DEFAULT_SEED,
    *,
    force: bool = False,
    if_empty: bool = False,
    progress: bool = False,
) -> SeedSummary:
    """Generate the demo county (or city) at `scale` from `seed` and load it.

    Raises NotEmpty when the database already holds data, unless `if_empty`
    (then nothing is written and the summary says `skipped`) or `force` (then
    everything is deleted first). BadInput for an unknown scale. On a database
    without constraints only the id lookups are created before the load and
    the other constraints and indexes after it."""
    check_arguments(scale, force=force, if_empty=if_empty)
    if await has_data(db):
        if if_empty:
            return SeedSummary(scale, seed, skipped=True)
        if not force:
            raise not_empty()
        await wipe(db)
    fresh = not await has_constraints(db)
    await apply_constraints(db, LOOKUPS if fresh else STATEMENTS)
    started = time.perf_counter()
    rows = 0
    first_ready = started
    with Prepared(scale, seed) as parts:
        async for i, part in parts:
            if i == 0:
                first_ready = time.perf_counter()
            await load(db, part, progress=progress, pinyin=parts.pinyin)
            rows += part.rows
    indexed = time.perf_counter()
    if fresh:
        await apply_constraints(db)
    built = time.perf_counter()
    await aggregates.rebuild(db, dt.date.today())  # the coverage tallies (graph/aggregates.py)
    loaded = time.perf_counter()
    nodes, relationships = await counts(db)
    return SeedSummary(
        scale,
        seed,
        nodes,
        relationships,
        rows,
        first_ready - started,
        loaded - first_ready,
        index_seconds=built - indexed if fresh else 0.0,
    )


# Scales generated in this process: a worker costs more than it saves there.
INLINE_SCALES = ("tiny", "small")
PINYIN_CHUNK = 50_000


class Prepared:
    """The parts of a scale (`graph.seed_data.generate_part`), each generated in
    a worker process while the one before it loads, and its people's pinyin
    computed there too while its other rows load: of the 2-core machine's
    seeding time about a third is Python generating rows and pinyin, which then
    runs beside Neo4j instead of before it. Small scales are generated inline."""

    def __init__(self, scale: str, seed: int) -> None:
        self.scale, self.seed = scale, seed
        self.parts = parts_of(scale)
        self.pool: ProcessPoolExecutor | None = None
        self.pinyin: list[asyncio.Future[list[tuple[str | None, str | None]]]] = []

    def __enter__(self) -> Prepared:
        if self.scale not in INLINE_SCALES:
            self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    async def __aiter__(self) -> AsyncIterator[tuple[int, Dataset]]:
        if self.pool is None:
            for i in range(self.parts):
                self.pinyin = []
                yield i, generate_part(self.scale, self.seed, i)
            return
        loop = asyncio.get_running_loop()
        # One part is generated here: sending a whole county back through the
        # worker's pipe costs more than generating it. Several parts: the next
        # one is generated in the worker while this one loads.
        pending: asyncio.Future[Dataset] = loop.create_future()
        if self.parts == 1:
            pending.set_result(generate_part(self.scale, self.seed, 0))
        else:
            pending = loop.run_in_executor(self.pool, generate_part, self.scale, self.seed, 0)
        for i in range(self.parts):
            part = await pending
            names = [r["name"] for r in part.persons]
            self.pinyin = [
                loop.run_in_executor(self.pool, pinyin_of, names[k : k + PINYIN_CHUNK])
                for k in range(0, len(names), PINYIN_CHUNK)
            ]
            if i + 1 < self.parts:
                pending = loop.run_in_executor(self.pool, generate_part, self.scale, self.seed, i + 1)
            yield i, part


def pinyin_of(names: list[str]) -> list[tuple[str | None, str | None]]:
    """(pinyin, pinyinKeys) of each name (run in the worker)."""
    return [(p["pinyin"], p["pinyinKeys"]) for p in map(pinyin_properties, names)]


async def load(
    db: Database,
    dataset: Dataset,
    *,
    progress: bool = False,
    batch_size: int = BATCH_SIZE,
    pinyin: list[asyncio.Future[list[tuple[str | None, str | None]]]] | None = None,
) -> None:
    """Write the dataset: each batch of rows in its own write transaction, with a
    progress bar on stderr when `progress`. `pinyin`, when given, is the people's
    pinyin being computed elsewhere, in order. Expects the dataset's nodes not
    to exist yet."""
    with tqdm(
        total=dataset.rows, unit="row", unit_scale=True, file=sys.stderr, disable=not progress, leave=False
    ) as bar:
        for what, statement, rows_of in STEPS:
            if what == "Person" and pinyin:
                found = [pair for chunk in await asyncio.gather(*pinyin) for pair in chunk]
                for row, (sort_key, keys) in zip(dataset.persons, found, strict=True):
                    row["pinyin"], row["pinyinKeys"] = sort_key, keys
            rows = rows_of(dataset)
            bar.set_description(what)
            for start in range(0, len(rows), batch_size):
                batch = rows[start : start + batch_size]
                await db.write(statement, rows=batch)
                bar.update(len(batch))


async def has_data(db: Database) -> bool:
    """Whether organizations, people, grids or households exist."""
    records = await db.read(HAS_DATA)
    return bool(records[0]["present"])


async def wipe(db: Database, batch_size: int = WIPE_BATCH_SIZE) -> int:
    """Delete every node and relationship, a batch per transaction (constraints
    and indexes stay). Returns how many nodes were deleted."""
    total = 0
    while True:
        records = await db.write(WIPE_BATCH, batch=batch_size)
        deleted: int = records[0]["deleted"]
        total += deleted
        if deleted == 0:
            return total


async def counts(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per label and relationships per type, as the seed writes them."""
    records = await db.read(COUNTS)
    nodes: dict[str, Any] = records[0]["nodes"]
    relationships: dict[str, Any] = records[0]["relationships"]
    return {k: nodes[k] for k in NODE_LABELS}, {k: relationships[k] for k in RELATIONSHIP_TYPES}
