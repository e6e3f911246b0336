"""Coverage tallies: the coverage figures of every village, kept beside the
graph so that the coverage report, the dashboard and the organization lists
answer from a few hundred numbers instead of walking every household.

A **grid owner** (the village or community federation its grids are PART_OF)
carries its tally as properties, and each of its households its coverer count:

    o.tallyHouseholds, o.tallyCovered, o.tallyMultiply, o.tallyUncoveredCare
    o.tallyTags         households per HouseholdTag, in TALLY_TAGS order
    o.tallyCoverers     codes of the people covering any of its grids or households
    o.tallyOddCodes, o.tallyOddCounts   its households covered by nobody or by several
                        (by code, with their coverer counts): the report's pages
    o.tallyDay          the day the tally was counted for
    o.tallyFrom, o.tallyUntil   the days it holds for: [from, until), null = unbounded
    o.tallyVersion      TALLY_VERSION (another version is never read)
    h.tallyCoverers     distinct people covering household h (directly or via its grid)

The rule that keeps it exact: a tally counts on `tallyDay`, and the active
coverages of a village only change on a `since` or `until` of one of its
COVERS, so the tally is the answer for every day from the latest such date on
or before `tallyDay` (`tallyFrom`) to the earliest after it (`tallyUntil`).
A reader uses the tallies only when every grid owner of the subtree holds for
the day asked; otherwise (a coverage began or ended since the tally was
counted, another date, a tally missing) it runs the live query. Every write
that changes a village's coverage, households, tags or grids counts that
village again in the same transaction (`retally`), at its `tallyDay`;
`refresh` counts again, for today, every village whose tally does not hold
today (at start-up and hourly in the service), so "today" moving past an
`until` costs one village's count, not a wrong answer.

Tallies count every coverer; a caller whose scope leaves out someone covering
in the subtree must not count her, so readers use the tallies only when no
coverer listed in the subtree's tallies is outside the caller's scope.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from graph.access import CARE_TAG_LIST, person_in_scope
from graph.driver import Database
from graph.model import HouseholdTag

TALLY_VERSION = 1
TALLY_TAGS: tuple[str, ...] = tuple(t.value for t in HouseholdTag)
# Villages counted per write transaction by `rebuild` and `refresh`.
REBUILD_BATCH = 50


def _count_owner(day: LiteralString, imported: LiteralString) -> LiteralString:
    """Count organization `o` on the day `day` (a parameter, or a variable of
    `imported`, the variables the CALLs import). An organization without grids
    counts zero (it may have lost its grids to another village)."""
    active: LiteralString = "c.since <= " + day + " AND (c.until IS NULL OR c.until > " + day + ")"
    return (
        "CALL ("
        + imported
        + """) {
  OPTIONAL MATCH (o)<-[:PART_OF]-(g:Grid)
  WITH g, COLLECT { MATCH (g)<-[c:COVERS]-(p:Person) WHERE """
        + active
        + """ RETURN DISTINCT p.code AS code } AS viaGrid
  OPTIONAL MATCH (g)<-[:IN_GRID]-(h:Household)
  WITH viaGrid, h, COLLECT { MATCH (h)<-[c:COVERS]-(p:Person) WHERE """
        + active
        + """ RETURN DISTINCT p.code AS code } AS direct
  WITH viaGrid, h, direct, size(viaGrid) + size([x IN direct WHERE NOT x IN viaGrid]) AS n
  SET h.tallyCoverers = n
  WITH count(h) AS households,
       count(CASE WHEN h IS NOT NULL AND n > 0 THEN 1 END) AS covered,
       count(CASE WHEN h IS NOT NULL AND n > 1 THEN 1 END) AS multiply,
       count(CASE WHEN h IS NOT NULL AND n = 0 AND any(t IN coalesce(h.tags, []) WHERE t IN """
        + CARE_TAG_LIST
        + """) THEN 1 END) AS uncoveredCare,
       collect(h.tags) AS tagLists, collect(viaGrid + direct) AS codeLists,
       collect(CASE WHEN h IS NOT NULL AND n <> 1 THEN [h.code, n] END) AS odd
  WITH *, COLLECT { UNWIND odd AS x RETURN x ORDER BY x[0] } AS sorted
  RETURN households, covered, multiply, uncoveredCare,
         [x IN sorted | x[0]] AS oddCodes, [x IN sorted | x[1]] AS oddCounts,
         [t IN $tags | size([l IN tagLists WHERE t IN l])] AS tags,
         COLLECT { UNWIND codeLists AS l UNWIND l AS code WITH DISTINCT code RETURN code ORDER BY code }
           AS coverers
}
CALL ("""
        + imported
        + """) {
  OPTIONAL MATCH (o)<-[:PART_OF]-(:Grid)<-[:IN_GRID*0..1]-()<-[c:COVERS]-(:Person)
  UNWIND [c.since, c.until] AS b
  WITH b WHERE b IS NOT NULL
  RETURN max(CASE WHEN b <= """
        + day
        + " THEN b END) AS validFrom, min(CASE WHEN b > "
        + day
        + """ THEN b END) AS validUntil
}
SET o.tallyHouseholds = households, o.tallyCovered = covered, o.tallyMultiply = multiply,
    o.tallyUncoveredCare = uncoveredCare, o.tallyTags = tags, o.tallyCoverers = coverers,
    o.tallyOddCodes = oddCodes, o.tallyOddCounts = oddCounts,
    o.tallyDay = """
        + day
        + """, o.tallyFrom = validFrom, o.tallyUntil = validUntil, o.tallyVersion = $version
RETURN count(o) AS counted
"""
    )


# Organizations counted on $day, or when $day is null each on its own tally
# day (one never counted on $today): a write counts its villages again on the
# day they were counted for, so a tally moves to a new day only by `refresh`.
TALLY: LiteralString = (
    "UNWIND $ids AS oid\nMATCH (o:Organization {id: oid})\n"
    "WITH o, coalesce($day, o.tallyDay, $today) AS day\n" + _count_owner("day", "o, day")
)

# The grid owners of the grids and households a write touched (their villages).
OWNERS_OF: LiteralString = """
CALL () {
  UNWIND $grids AS gid
  MATCH (:Grid {id: gid})-[:PART_OF]->(o:Organization)
  RETURN o.id AS id
  UNION
  UNWIND $households AS hid
  MATCH (:Household {id: hid})-[:IN_GRID]->(:Grid)-[:PART_OF]->(o:Organization)
  RETURN o.id AS id
}
RETURN collect(DISTINCT id) AS ids
"""

# Every grid owner (and every organization holding a tally: it may have lost
# its grids) under $under, or in the whole graph, as `o`.
_OWNERS_UNDER_CALL: LiteralString = """
CALL () {
  MATCH (o:Organization)
  WHERE $under IS NULL AND (EXISTS { (o)<-[:PART_OF]-(:Grid) } OR o.tallyVersion IS NOT NULL)
  RETURN o
  UNION
  MATCH (:Organization {id: $under})(()<-[:PART_OF]-(:Organization)){0,12}(o:Organization)
  WHERE EXISTS { (o)<-[:PART_OF]-(:Grid) } OR o.tallyVersion IS NOT NULL
  RETURN o
}
"""
OWNERS_UNDER: LiteralString = _OWNERS_UNDER_CALL + "RETURN o.id AS id ORDER BY id\n"

# Owners whose tally does not hold on $day (or is missing, or of another version).
# `coalesce`: a village never tallied has no tallyVersion, and NOT of a null is null.
STALE: LiteralString = """
MATCH (o:Organization)
WHERE (EXISTS { (o)<-[:PART_OF]-(:Grid) } OR o.tallyVersion IS NOT NULL)
  AND NOT coalesce(o.tallyVersion = $version AND (o.tallyFrom IS NULL OR o.tallyFrom <= $day)
           AND (o.tallyUntil IS NULL OR $day < o.tallyUntil), false)
RETURN o.id AS id ORDER BY id
"""

# While an import writes (many transactions), its hold keeps readers live.
HOLD: LiteralString = "CREATE (:TallyHold {id: $id, since: datetime()})"
RELEASE: LiteralString = "MATCH (t:TallyHold {id: $id}) DELETE t"
RELEASE_ALL: LiteralString = "MATCH (t:TallyHold) DELETE t RETURN count(t) AS released"


def tally_params(day: dt.date | None) -> dict[str, Any]:
    """The parameters of TALLY besides $ids: the day (None: each village's own)."""
    return {"day": day, "today": dt.date.today(), "tags": list(TALLY_TAGS), "version": TALLY_VERSION}


async def retally(
    tx: AsyncManagedTransaction,
    *,
    grids: Sequence[str] = (),
    households: Sequence[str] = (),
    owners: Sequence[str] = (),
) -> None:
    """Inside a write transaction, after its changes: count again the villages
    of `grids`, `households` and `owners` (ids), each on its own tally day."""
    result = await tx.run(OWNERS_OF, {"grids": list(grids), "households": list(households)})
    record = await result.single()
    ids = sorted(set(record["ids"] if record else []) | set(owners))
    if ids:
        await (await tx.run(TALLY, tally_params(None) | {"ids": ids})).consume()


async def tally(db: Database, ids: Sequence[str], day: dt.date | None) -> int:
    """Count organizations `ids` on `day` (None: each on its own tally day),
    REBUILD_BATCH per write transaction."""
    for start in range(0, len(ids), REBUILD_BATCH):
        await db.write(TALLY, ids=list(ids[start : start + REBUILD_BATCH]), **tally_params(day))
    return len(ids)


async def rebuild(db: Database, day: dt.date | None, *, under: str | None = None) -> int:
    """Count every village (under organization id `under`, else everywhere) on
    `day` (None: each on its own tally day); the number of organizations
    counted. Run after a seed or an import."""
    ids = [r["id"] for r in await db.read(OWNERS_UNDER, under=under)]
    return await tally(db, ids, day)


async def release_holds(db: Database) -> int:
    """Lift every import's hold (one a crashed import left); how many there were."""
    return int((await db.write(RELEASE_ALL))[0]["released"])


async def refresh(db: Database, day: dt.date) -> int:
    """Count on `day` every village whose tally does not hold on `day`; the
    number counted (none when all hold: one cheap query)."""
    ids = [r["id"] for r in await db.read(STALE, day=day, version=TALLY_VERSION)]
    return await tally(db, ids, day)


@asynccontextmanager
async def held(db: Database) -> AsyncIterator[None]:
    """Readers answer live while the body runs (an import, written in many
    transactions, which counts its villages again at the end)."""
    hold = str(uuid.uuid4())
    await db.write(HOLD, id=hold)
    try:
        yield
    finally:
        await db.write(RELEASE, id=hold)


# --- for readers: the grid owners of `root`'s subtree, whether all their
# tallies hold on $on, and the codes of everyone covering there.

FRESH: LiteralString = (
    "o.tallyVersion = $tallyVersion AND (o.tallyFrom IS NULL OR o.tallyFrom <= $on)"
    " AND (o.tallyUntil IS NULL OR $on < o.tallyUntil)"
)


def owners_of(root: LiteralString) -> LiteralString:
    """A CALL binding `owners` (grid owners under `root`, itself included;
    PART_OF is a tree, so each organization is found once),
    `fresh` (every one's tally holds on $on), `coverCodes` (the distinct codes
    of their coverers, sorted) and `outside` (how many of them the caller's
    scope leaves out: 0 without a scope). `root` must be in the caller's scope
    (the queries test it first)."""
    return (
        "CALL ("
        + root
        + ") {\n  MATCH ("
        + root
        + """)(()<-[:PART_OF]-(:Organization)){0,12}(o:Organization)
  WITH collect(o) AS orgs
  WITH orgs, [o IN orgs WHERE o.tallyVersion IS NOT NULL OR EXISTS { (o)<-[:PART_OF]-(:Grid) }] AS owners
  WITH orgs, owners, size(owners) AS n, size([o IN owners WHERE """
        + FRESH
        + """]) AS fresh
  WITH orgs, owners, n = fresh AND NOT EXISTS { MATCH (:TallyHold) } AS fresh,
    COLLECT { UNWIND owners AS o UNWIND o.tallyCoverers AS code WITH DISTINCT code RETURN code ORDER BY code }
      AS coverCodes
"""
        + _OUTSIDE
        + """  RETURN owners, fresh, coverCodes, outside
}
"""
    )


# The coverers (`coverCodes`) outside the caller's scope, for a root in it. The
# scope is closed downward, so whoever holds or held a position in the root's
# subtree (`orgs`) is in it: found from the organizations' side, one walk
# (~48k db hits for the county's 5,894 coverers, against ~225k testing each
# coverer upward). Only the others (coverers from elsewhere, or living in
# the subtree without a position there) are tested one by one.
_OUTSIDE: LiteralString = (
    """  CALL (orgs, coverCodes) {
    WITH orgs, coverCodes WHERE $scope IS NOT NULL
    WITH coverCodes,
      COLLECT { UNWIND orgs AS o MATCH (o)<-[:HOLDS]-(x) RETURN DISTINCT x.code AS code } AS local
    UNWIND [c IN coverCodes WHERE NOT c IN local] AS code
    MATCH (p:Person {code: code})
    WHERE NOT """
    + person_in_scope("p")
    + """
    RETURN count(p) AS outside
    UNION ALL
    WITH orgs WHERE $scope IS NULL
    RETURN 0 AS outside
  }
"""
)


# Whether the tallies answer for every organization under $under (an id in
# the caller's scope) on $on, for this caller: the coverers outside the scope
# are found as the coverage report finds them (`owners_of`: from the subtree's
# side; the county's check 249k -> 60k db hits, a township's 14k -> 3k).
TALLIES_HOLD: LiteralString = (
    "MATCH (root:Organization {id: $under})\n"
    + owners_of("root")
    + "RETURN fresh AND outside = 0 AS usable\n"
)

# The same for the whole graph, for a caller without a scope (with one it is
# never asked: a scoped list has a root; it answers false then, failing closed).
TALLIES_HOLD_EVERYWHERE: LiteralString = (
    _OWNERS_UNDER_CALL
    + "WITH count(o) AS n, count(CASE WHEN "
    + FRESH
    + """ THEN 1 END) AS fresh
RETURN $scope IS NULL AND n = fresh AND NOT EXISTS { MATCH (:TallyHold) } AS usable
"""
)


async def tallies_hold(db: Database, root: str | None, on: dt.date) -> bool:
    """Whether the tallies answer, for the caller of `db`, about every
    organization under `root` (an id in the caller's scope; None: the whole
    graph) on `on`: every village's tally there holds on `on`, no import is
    writing, and nobody covering there is outside the caller's scope."""
    query = TALLIES_HOLD_EVERYWHERE if root is None else TALLIES_HOLD
    found = await db.read(query, under=root, on=on, **reader_params())
    return bool(found and found[0]["usable"])


# The households under $root from the tallies: a household count does not
# depend on the day, so any tally of this version will do.
HOUSEHOLDS_UNDER: LiteralString = """
MATCH (root:Organization {id: $root})
CALL (root) {
  MATCH (root)(()<-[:PART_OF]-(:Organization)){0,12}(o:Organization)
  WHERE EXISTS { (o)<-[:PART_OF]-(:Grid) } OR o.tallyVersion IS NOT NULL
  RETURN count(o) AS n, count(CASE WHEN o.tallyVersion = $tallyVersion THEN 1 END) AS kept,
    sum(o.tallyHouseholds) AS households
}
RETURN n = kept AND NOT EXISTS { MATCH (:TallyHold) } AS usable, households
"""


async def households_under(db: Database, root: str) -> int | None:
    """How many households the subtree of organization `root` (an id, in the
    caller's scope) holds, from the tallies; None when a tally is missing."""
    found = await db.read(HOUSEHOLDS_UNDER, root=root, **reader_params())
    return int(found[0]["households"]) if found and found[0]["usable"] else None


def reader_params() -> dict[str, Any]:
    """The parameters the reader fragments above take (besides $on)."""
    return {"tallyVersion": TALLY_VERSION}
