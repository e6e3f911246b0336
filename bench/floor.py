"""The floor: per shape, the fewest Cypher round trips (one) through the async
Python driver that produce the same JSON as OrgGraph's GraphQL answer.

Each function builds the whole answer in Neo4j (nested COLLECT subqueries, map
projections, dates as strings) and leaves Python only what Cypher cannot do
(base64 cursors) and the `orjson.dumps`. Orders, filters and page sizes follow
`graph/` exactly (role rank, `code` keysets, "active on" = since <= day < until),
so `bench.check` can compare the answers byte for byte once parsed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString

import orjson
from neo4j import READ_ACCESS, AsyncDriver, AsyncGraphDatabase, Query

from bench.common import AS_OF
from bench.queries import LINEAGE_DEPTH, Params
from graph.access import grids_if_scoped, household_in_scope_near, org_in_scope, person_in_scope
from graph.audit import CREATE_EVENTS
from graph.driver import Connection
from graph.people import ROLE_RANK
from schema.relay import encode_cursor

NESTED: LiteralString = """
MATCH (c:Organization {code: $code})
RETURN c {
  .code, .name,
  children: {nodes: COLLECT {
    MATCH (c)<-[:PART_OF]-(t:Organization)
    WHERE t.kind = 'FEDERATION' AND t.level = 'TOWNSHIP'
    WITH t ORDER BY t.code LIMIT $townships
    RETURN t {
      .code, .name,
      children: {nodes: COLLECT {
        MATCH (t)<-[:PART_OF]-(v:Organization)
        WHERE v.kind = 'FEDERATION' AND v.level = 'VILLAGE'
        WITH v ORDER BY v.code LIMIT $first
        RETURN v {
          .code, .name,
          positions: {nodes: COLLECT {
            MATCH (v)<-[h:HOLDS]-(p:Person)
            WHERE h.since <= $on AND (h.until IS NULL OR h.until > $on)
            WITH h, p ORDER BY $rank[h.role] + '|' + p.code + '|' + h.id LIMIT $first
            OPTIONAL MATCH (p)-[:LIVES_IN]->(home:Household)
            RETURN {
              role: h.role, since: toString(h.since), until: toString(h.until),
              person: p {
                .code, .name, birthDate: toString(p.birthDate), .education, .politicalStatus,
                household: CASE WHEN home IS NULL THEN null
                           ELSE home {.code, .address, tags: coalesce(home.tags, [])} END
              }
            }
          }}
        }
      }}
    }
  }}
} AS organization
"""

COVERAGE: LiteralString = """
MATCH (root:Organization {code: $code})
CALL (root) {
  MATCH (root)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(g:Grid)
  WITH DISTINCT g
  WITH g, COLLECT {
    MATCH (g)<-[c:COVERS]-(p:Person) WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on)
    RETURN DISTINCT p
  } AS viaGrid
  MATCH (g)<-[:IN_GRID]-(h:Household)
  WITH h, size(viaGrid) + COUNT {
    MATCH (h)<-[c:COVERS]-(p:Person)
    WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on) AND NOT p IN viaGrid
    RETURN DISTINCT p
  } AS coverers
  ORDER BY h.code
  RETURN count(h) AS households,
         count(CASE WHEN coverers > 0 THEN 1 END) AS covered,
         count(CASE WHEN coverers > 1 THEN 1 END) AS multiply,
         collect(CASE WHEN coverers = 0 THEN h {.code, .address, tags: coalesce(h.tags, [])} END)[..$first]
           AS uncovered,
         collect(CASE WHEN coverers > 1 THEN h {.code, .address, tags: coalesce(h.tags, [])} END)[..$first]
           AS multiplyCovered
}
CALL (root) {
  MATCH (root)<-[:PART_OF*0..12]-(:Organization)<-[:PART_OF]-(g:Grid)
  OPTIONAL MATCH (g)<-[:IN_GRID]-(h:Household)
  WITH collect(DISTINCT g) + collect(DISTINCT h) AS places
  UNWIND places AS place
  MATCH (place)<-[c:COVERS]-(p:Person)
  WHERE c.since <= $on AND (c.until IS NULL OR c.until > $on)
  WITH p, collect(DISTINCT place) AS covered
  ORDER BY p.code
  RETURN count(p) AS members, collect({
    person: p {.code, .name},
    grids: COLLECT { UNWIND covered AS x WITH x WHERE x:Grid WITH x ORDER BY x.code RETURN x {.code, .name} },
    households: COLLECT { UNWIND covered AS x WITH x WHERE x:Household WITH x ORDER BY x.code
                            RETURN x {.code, .address} },
    householdsReached: COUNT { UNWIND covered AS x MATCH (x)<-[:IN_GRID*0..1]-(h:Household) RETURN DISTINCT h }
  })[..$first] AS memberPage
}
RETURN root {
  .code, .name,
  coverage: {
    householdCount: households, coveredCount: covered, uncoveredCount: households - covered,
    coverageRatio: CASE WHEN households = 0 THEN 0.0 ELSE toFloat(covered) / households END,
    members: {totalCount: members, nodes: memberPage},
    uncovered: {totalCount: households - covered, nodes: uncovered},
    multiplyCovered: {totalCount: multiply, nodes: multiplyCovered}
  }
} AS organization
"""

PEOPLE: LiteralString = """
MATCH (p:Person) WHERE p.code > $after
WITH p ORDER BY p.code LIMIT $limit
RETURN p {.code, .name, .gender, birthDate: toString(p.birthDate), .education, .politicalStatus} AS node
"""


# The analytics issue's funnel (graph/analytics/funnel.py), as one query: each
# milestone reached by `to` of a person in the subtree (holding a position in it
# or living in it), whether she reached the next Party-path stage by `to`, and
# the days between.
FUNNEL: LiteralString = """
MATCH (root:Organization {code: $code})
CALL (root) {
  MATCH (p:Person)-[r:REACHED]->(s:Stage)
  WHERE r.on <= $to AND (
    EXISTS { (p)-[:HOLDS]->(:Organization)-[:PART_OF*0..12]->(root) }
    OR EXISTS { (p)-[:LIVES_IN]->(:Household)-[:IN_GRID]->(:Grid)-[:PART_OF]->(:Organization)
                -[:PART_OF*0..12]->(root) })
  OPTIONAL MATCH (p)-[r2:REACHED]->(:Stage {name: $next[s.name]})
  WHERE r2.on <= $to
  WITH s, r, r2, CASE WHEN r2 IS NULL THEN null ELSE duration.inDays(r.on, r2.on).days END AS days
  WITH s.name AS stage, count(r) AS reached, count(r2) AS advanced,
       percentileDisc(days, 0.5) AS medianDays, percentileDisc(days, 0.9) AS p90Days
  RETURN collect({stage: stage, reached: reached, advanced: advanced, medianDays: medianDays,
                  p90Days: p90Days}) AS flows
}
RETURN root {.code, .name} AS organization, flows
"""
STAGES = ("VILLAGE_SISTER", "PARTY_ACTIVIST", "DEVELOPMENT_TARGET", "PROBATIONARY_MEMBER", "PARTY_MEMBER",
          "REPRESENTATIVE", "RESERVE_CADRE", "VILLAGE_COMMITTEE")  # fmt: skip
NEXT_STAGE = dict(itertools.pairwise(STAGES[:5]))  # the Party path


def _lineage_cypher(depth: int, *, scoped: bool = False) -> LiteralString:
    """person { mentees(history: true) { since until person { ... } } }, `depth` levels.
    Each level has its own variables: a nested COLLECT sees the outer ones.
    `scoped`: the person and each mentee tested for the caller's scope."""
    body: LiteralString = ".code, .name"
    for level in range(depth, 0, -1):
        # Only literals are concatenated: the names come from the fixed tables below.
        me, other, rel = _PEOPLE[level - 1], _PEOPLE[level], _RELS[level]
        test: LiteralString = " WHERE " + person_in_scope(other) if scoped else ""
        body = (
            ".code, .name, mentees: COLLECT { MATCH (" + me + ")-[" + rel + ":MENTORS]->(" + other
            + ":Person)" + test + " WITH " + rel + ", " + other + " ORDER BY " + other + ".code RETURN {since: toString("
            + rel + ".since), until: toString(" + rel + ".until), person: " + other + " {" + body + "}} }"
        )  # fmt: skip
    root: LiteralString = " WHERE " + person_in_scope("p0") if scoped else ""
    return "MATCH (p0:Person {code: $code})" + root + " RETURN p0 {" + body + "} AS person"


_PEOPLE: tuple[LiteralString, ...] = ("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8")
_RELS: tuple[LiteralString, ...] = ("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8")
LINEAGE: LiteralString = _lineage_cypher(LINEAGE_DEPTH)
LINEAGE_SCOPED: LiteralString = _lineage_cypher(LINEAGE_DEPTH, scoped=True)


# --- the floor with the guarantee kept -------------------------------------------------
# The same statements with the least scope testing an answer for a scoped caller
# needs (graph.access's fragments; $scope is the caller's root): the root looked
# up in scope, and a test on each edge that leaves the subtree, no more. What
# OrgGraph cannot beat on a shape while it keeps the guarantee (bench.dbhits).

NESTED_SCOPED: LiteralString = (
    NESTED.replace(
        "MATCH (c:Organization {code: $code})\n",
        "MATCH (c:Organization {code: $code}) WHERE " + org_in_scope("c") + "\n",
    )
    .replace(
        "WITH v ORDER BY v.code LIMIT $first\n",
        "WITH v ORDER BY v.code LIMIT $first\n        WITH v, " + grids_if_scoped("v") + " AS vgrids\n",
    )
    .replace(
        "OPTIONAL MATCH (p)-[:LIVES_IN]->(home:Household)\n",
        "OPTIONAL MATCH (p)-[:LIVES_IN]->(home:Household) WHERE "
        + household_in_scope_near("home", "vgrids")
        + "\n",
    )
)

# In code order, each person tested until the page is full.
PEOPLE_SCOPED: LiteralString = (
    "MATCH (p:Person) WHERE p.code > $after WITH p ORDER BY p.code WITH p WHERE "
    + person_in_scope("p")
    + """ WITH p LIMIT $limit
RETURN p {.code, .name, .gender, birthDate: toString(p.birthDate), .education, .politicalStatus} AS node
"""
)


class Floor:
    """One driver (one connection pool) and a function per shape returning the
    answer's JSON bytes."""

    def __init__(self, connection: Connection) -> None:
        self.driver: AsyncDriver = AsyncGraphDatabase.driver(
            connection.uri, auth=(connection.user, connection.password)
        )
        self.database = connection.database

    async def close(self) -> None:
        await self.driver.close()

    async def _rows(self, cypher: LiteralString, **params: Any) -> list[Any]:
        # An auto-commit read: one round trip (a managed transaction takes two),
        # as OrgGraph's own reads (graph.driver.Database._run).
        async with self.driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
            result = await session.run(Query(cypher), params)
            return (await result.to_eager_result()).records

    async def _write(self, cypher: LiteralString, **params: Any) -> None:
        """An auto-commit write (bench.dbhits: an audit event beside the floor's read)."""
        async with self.driver.session(database=self.database) as session:
            result = await session.run(Query(cypher), params)
            await result.consume()

    async def _audited(self, scope: str, answer: Any) -> None:
        """The guarded floor's READ event: the codes of the people and households
        in `answer` (as many as OrgGraph's event lists ids), committed before
        the answer leaves. One commit a request (no group commit)."""
        codes: list[str] = []
        _codes(answer, codes)
        event = {"actor": "floor", "scope": scope, "roles": ["EDITOR"], "operation": "floor", "kind": "READ",
                 "ids": codes}  # fmt: skip
        await self._write(CREATE_EVENTS, rows=[event])

    async def nested(
        self, code: str, on: dt.date, first: int, townships: int | None = None, *, scope: str | None = None
    ) -> bytes:
        params = {"code": code, "on": on, "first": first, "townships": townships or first, "rank": ROLE_RANK}
        if scope is None:
            rows = await self._rows(NESTED, **params)
        else:
            rows = await self._rows(NESTED_SCOPED, **params, scope=scope, reveal=True)
        answer = rows[0]["organization"] if rows else None
        if scope is not None:
            await self._audited(scope, answer)
        return orjson.dumps({"data": {"organization": answer}})

    async def coverage(self, code: str, on: dt.date, first: int = 20) -> bytes:
        rows = await self._rows(COVERAGE, code=code, on=on, first=first)
        return orjson.dumps({"data": {"organization": rows[0]["organization"] if rows else None}})

    async def people(self, after: str | None, first: int = 50, *, scope: str | None = None) -> bytes:
        if scope is None:
            rows = await self._rows(PEOPLE, after=after or "", limit=first + 1)
        else:
            rows = await self._rows(
                PEOPLE_SCOPED, after=after or "", limit=first + 1, scope=scope, reveal=True
            )
        nodes = [r["node"] for r in rows[:first]]
        if scope is not None:
            await self._audited(scope, nodes)
        page_info = {
            "hasNextPage": len(rows) > first,
            "endCursor": encode_cursor(nodes[-1]["code"]) if nodes else None,
        }
        return orjson.dumps({"data": {"people": {"pageInfo": page_info, "nodes": nodes}}})

    async def funnel(self, code: str, to: dt.date) -> bytes:
        rows = await self._rows(FUNNEL, code=code, to=to, next=NEXT_STAGE)
        if not rows:
            return orjson.dumps({"data": {"pipelineFunnel": None}})
        flows = {f["stage"]: f for f in rows[0]["flows"]}
        stages = []
        for name in STAGES:
            f = flows.get(name, {})
            reached, advanced, following = f.get("reached", 0), f.get("advanced", 0), NEXT_STAGE.get(name)
            stages.append(
                {
                    "stage": name,
                    "nextStage": following,
                    "reached": reached,
                    "advanced": advanced,
                    "conversion": (advanced / reached if reached else 0.0) if following else None,
                    "medianDays": f.get("medianDays"),
                    "p90Days": f.get("p90Days"),
                }
            )
        answer = {"organization": rows[0]["organization"], "stages": stages}
        return orjson.dumps({"data": {"pipelineFunnel": answer}})

    async def lineage(self, code: str, *, scope: str | None = None) -> bytes:
        # Codes and names only: nothing personal, no READ event.
        if scope is None:
            rows = await self._rows(LINEAGE, code=code)
        else:
            rows = await self._rows(LINEAGE_SCOPED, code=code, scope=scope, reveal=True)
        return orjson.dumps({"data": {"person": rows[0]["person"] if rows else None}})

    def for_shape(self, shape: str, p: Params) -> Callable[[], Awaitable[bytes]] | None:
        """A no-argument coroutine function answering `shape`, or None (no floor)."""
        calls: dict[str, Callable[[], Awaitable[bytes]]] = {
            "county-nested": lambda: self.nested(p.county, AS_OF, 100),
            "screen-nested": lambda: self.nested(p.county, AS_OF, 20),
            "coverage": lambda: self.coverage(p.township, AS_OF),
            "people-first": lambda: self.people(None),
            "people-deep": lambda: self.people(p.deep_after_code),
            "pipeline-funnel": lambda: self.funnel(p.county, AS_OF),
            "lineage": lambda: self.lineage(p.lineage_root),
        }
        return calls.get(shape)

    def for_shape_guarded(self, shape: str, p: Params) -> Callable[[], Awaitable[bytes]] | None:
        """The same with the guarantee kept, for the bench's caller (an EDITOR of
        the county): scope tests on the edges leaving the subtree and the READ
        event committed before the answer leaves. None where OrgGraph already
        costs Neo4j no more than the floor (coverage, funnel)."""
        calls: dict[str, Callable[[], Awaitable[bytes]]] = {
            "county-nested": lambda: self.nested(p.county, AS_OF, 100, scope=p.county),
            "screen-nested": lambda: self.nested(p.county, AS_OF, 20, scope=p.county),
            "people-first": lambda: self.people(None, scope=p.county),
            "people-deep": lambda: self.people(p.deep_after_code, scope=p.county),
            "lineage": lambda: self.lineage(p.lineage_root, scope=p.county),
        }
        return calls.get(shape)


def _codes(value: Any, into: list[str]) -> None:
    """The codes of the people and households in a floor answer (maps with a
    birth date or an address)."""
    if isinstance(value, dict):
        if "code" in value and ("birthDate" in value or "address" in value):
            into.append(value["code"])
        for v in value.values():
            _codes(v, into)
    elif isinstance(value, list):
        for v in value:
            _codes(v, into)
