"""Hostile strings in every String and ID argument, sent by a VIEWER of 西村 (C-T1-V2).

The arguments are read from the schema itself: every String or ID argument of a
Query or Mutation field, and every String or ID field of the input objects they
take, so an argument added later is covered without a new test.

- Hostile values (Cypher and GraphQL syntax, `$scope`, backslashes, odd
  unicode, a null byte, a very long string, a code from outside her scope), in
  every slot, raw and (for an ID) wrapped as a well-formed global id: each is
  answered exactly like a harmless value that matches nothing, or refused as
  BAD_USER_INPUT; never an internal error, never a change to the graph, never
  anything from outside her scope or unmasked. Every mutation is FORBIDDEN
  whatever its arguments hold.
- Every object of the world, in every query slot that can name it: hers come
  back masked, the others are answered exactly as ids or codes that do not exist.
- `_entities`, the federation gateway's entry point, keeps to her scope too.

`add_scope_fixtures` gives the village world personal data inside her scope and
links that lead out of it (tests/test_fuzz.py uses it too):

    C-T1-V2 西村妇联    P09 CHAIR (phone 13900000009, born 1975-08-15)
    │                  P11 VOLUNTEER since 2022-01-01 (phone 13700000011, born 1992-11-30)
    │                  meeting M1 2024-03-08 attended by P09, P11 and P01 (东村's chair)
    └── grid G4        P09 LEAD
        ├── H11  西村2组15号; P11 lives here; P09 visited it; P01 ASSIST covers it
        └── H12  西村3组8号; HARDSHIP_WOMAN, LOW_INCOME, MODEL_FAMILY; P01 visited it

    and, leading out of her scope: P09 was EXECUTIVE of 东村 (C-T1-V1) 2016-04-01 to
    2021-04-01, covers 东村's H02 and visited it; P01 mentors P09; P09 mentors P11;
    P09 made a 2024 commitment.

In her scope: the organization C-T1-V2, grid G4, households H11 and H12, people
P09 and P11, and the positions, coverage, visit, commitment and meeting listed in
IN_SCOPE. Everything else of the world must be as invisible to her as if it did
not exist.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, LiteralString

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    Lexer,
    Source,
    TokenKind,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_required_argument,
    is_required_input_field,
)

from graph import aggregates
from graph.access import CARE_TAGS, Access, Grant
from graph.changes import ENSURE_COUNTER
from schema.build import schema
from schema.relay import to_global_id
from service.app import create_app
from tests.conftest import GraphQLClient
from tests.graphs import TODAY
from tests.helpers import RolledBackDatabase

SCOPE = "C-T1-V2"
KNOWN_CODES = frozenset({"BAD_USER_INPUT", "NOT_FOUND", "FORBIDDEN", "CONFLICT", "GRAPHQL_VALIDATION_FAILED"})

# The raw ids of everything in her scope (nodes, and relationships that have an id).
VALID_IDS: dict[str, str] = {
    "Organization": "id-C-T1-V2",
    "Person": "id-P09",
    "Grid": "id-C-T1-V2-G4",
    "Household": "id-C-T1-V2-H11",
    "Position": "pos-P09-C-T1-V2-CHAIR-2021-04-01",
    "Coverage": "cov-P09-C-T1-V2-G4-2021-05-01",
    "Commitment": "cm-P09-2024",
    "Meeting": "mt-C-T1-V2-1",
    "Visit": "vis-P09-H11",
}
IN_SCOPE = frozenset(
    {*VALID_IDS.values(), "id-C-T1-V2-H12", "id-P11", "pos-P11-C-T1-V2-VOLUNTEER-2022-01-01"}
)
# Exact birth dates and the unmasked forms of her scope's personal data.
BIRTH_DATES = frozenset({"1975-08-15", "1992-11-30"})
PHONE = re.compile(r"\d{11}")
ADDRESS_PAST_GROUP = re.compile(r"组[^*]")  # masked, an address stops at 组 with ***

SCOPE_FIXTURES: LiteralString = """
MATCH (v2:Organization {id: 'id-C-T1-V2'}), (v1:Organization {id: 'id-C-T1-V1'})
MATCH (h11:Household {id: 'id-C-T1-V2-H11'}), (h12:Household {id: 'id-C-T1-V2-H12'})
MATCH (h02:Household {id: 'id-C-T1-V1-H02'})
MATCH (p09:Person {id: 'id-P09'}), (p01:Person {id: 'id-P01'})
SET p09.phone = '13900000009', p09.birthDate = date('1975-08-15'), p09.education = 'SENIOR_HIGH',
    h11.address = '西村2组15号',
    h12.address = '西村3组8号', h12.tags = ['HARDSHIP_WOMAN', 'LOW_INCOME', 'MODEL_FAMILY']
CREATE (p11:Person {id: 'id-P11', code: 'P11', name: '钱慧', gender: 'FEMALE',
                    birthDate: date('1992-11-30'), phone: '13700000011'})
CREATE (p11)-[:LIVES_IN]->(h11)
CREATE (p11)-[:HOLDS {id: 'pos-P11-C-T1-V2-VOLUNTEER-2022-01-01', role: 'VOLUNTEER',
                      since: date('2022-01-01')}]->(v2)
CREATE (p09)-[:HOLDS {id: 'pos-P09-C-T1-V1-EXECUTIVE-2016-04-01', role: 'EXECUTIVE',
                      since: date('2016-04-01'), until: date('2021-04-01')}]->(v1)
CREATE (p09)-[:COVERS {id: 'cov-P09-C-T1-V1-H02-2022-01-01', role: 'ASSIST', since: date('2022-01-01')}]->(h02)
CREATE (p01)-[:COVERS {id: 'cov-P01-C-T1-V2-H11-2022-01-01', role: 'ASSIST', since: date('2022-01-01')}]->(h11)
CREATE (p01)-[:MENTORS {since: date('2021-06-01')}]->(p09)
CREATE (p09)-[:MENTORS {since: date('2022-02-01')}]->(p11)
CREATE (p09)-[:VISITED {id: 'vis-P09-H11', on: date('2024-02-01'), purpose: '访三情', note: '家中有老人'}]->(h11)
CREATE (p09)-[:VISITED {id: 'vis-P09-H02', on: date('2024-02-02'), purpose: '四必访'}]->(h02)
CREATE (p01)-[:VISITED {id: 'vis-P01-H12', on: date('2024-02-03'), purpose: '四必访'}]->(h12)
CREATE (p09)-[:COMMITTED]->(:Commitment {id: 'cm-P09-2024', year: 2024, text: '每月走访困难户',
                                          status: 'OPEN'})
CREATE (m:Meeting {id: 'mt-C-T1-V2-1', on: date('2024-03-08'), topic: '村规民约', form: 'DELIBERATION',
                   place: '西村会议室'})-[:HELD_BY]->(v2)
CREATE (p09)-[:ATTENDED]->(m), (p11)-[:ATTENDED]->(m), (p01)-[:ATTENDED]->(m)
WITH p11
MERGE (s:Stage {name: 'VILLAGE_SISTER'})
CREATE (p11)-[:REACHED {on: date('2022-01-01')}]->(s)
"""

# Global-id type of each kind of node and of relationships that have an id.
GLOBAL_TYPES = {
    "Organization": "Organization", "Person": "Person", "Grid": "Grid", "Household": "Household",
    "Commitment": "Commitment", "Meeting": "Meeting",
    "HOLDS": "Position", "COVERS": "Coverage", "VISITED": "Visit",
}  # fmt: skip
IDENTIFIED: LiteralString = """
MATCH (n) WHERE n.id IS NOT NULL
RETURN labels(n)[0] AS kind, n.id AS id, n.code AS code, n.name AS name
UNION ALL
MATCH ()-[r]->() WHERE r.id IS NOT NULL
RETURN type(r) AS kind, r.id AS id, null AS code, null AS name
"""
SNAPSHOT: LiteralString = """
CALL () { MATCH (n) RETURN collect([labels(n), properties(n)]) AS nodes }
CALL () { MATCH (a)-[r]->(b) RETURN collect([a.id, type(r), properties(r), b.id]) AS relationships }
RETURN nodes, relationships
"""


@asynccontextmanager
async def client_as(world: RolledBackDatabase, access: Access) -> AsyncIterator[GraphQLClient]:
    """A client of the app over the world, made as `access` (as if her token had
    been checked)."""
    app = create_app(db=world, today=lambda: TODAY, caller=access)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield GraphQLClient(http, world)


VIEWER = Access("injector", SCOPE, frozenset({Grant.VIEWER}))


async def add_scope_fixtures(db: RolledBackDatabase) -> None:
    """Personal data in C-T1-V2 and links out of it (the module docstring's graph)."""
    await db.execute(SCOPE_FIXTURES)
    await aggregates.rebuild(db, TODAY)  # written with raw Cypher: the coverage tallies counted again


@dataclass(frozen=True)
class Known:
    """An object of the world with an id: its global-id type, raw id, code, name."""

    kind: str
    id: str
    code: str | None
    name: str | None

    @property
    def global_id(self) -> str:
        return to_global_id(self.kind, self.id)

    @property
    def inside(self) -> bool:
        return self.id in IN_SCOPE


async def known_objects(db: RolledBackDatabase) -> list[Known]:
    return sorted(
        (Known(GLOBAL_TYPES[r["kind"]], r["id"], r["code"], r["name"]) for r in await db.execute(IDENTIFIED)),
        key=lambda k: (k.kind, k.id),
    )


async def outside_scope(db: RolledBackDatabase) -> dict[str, str]:
    """Every string that names something outside C-T1-V2 (raw id, global id, code,
    name), with what it names."""
    named: dict[str, str] = {}
    for known in await known_objects(db):
        if not known.inside:
            what = f"{known.kind} {known.id}"
            for value in (known.id, known.global_id, known.code, known.name):
                if value is not None:
                    named[value] = what
    return named


async def graph_snapshot(db: RolledBackDatabase) -> tuple[int, int, list[Any]]:
    """Node and relationship counts (as the issue asks), and every property, in a
    comparable form. The change feed's counter is made first: a reader's first
    `changes` query makes it (graph/changes.py `feed_state`), not as her write."""
    await db.execute(ENSURE_COUNTER)
    [counts] = await db.execute("MATCH (n) RETURN count(n) AS n, COUNT { ()-[]->() } AS r")
    [everything] = await db.execute(SNAPSHOT)
    flat = sorted(repr(x) for x in [*everything["nodes"], *everything["relationships"]])
    return counts["n"], counts["r"], flat


def leaks(data: Any, outside: Mapping[str, str]) -> list[str]:
    """What a VIEWER of C-T1-V2 must never see in `data`: an 11-digit phone, an exact
    birth date or age, a care tag, an address going on after its group (组), or
    anything naming an object outside her scope."""
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                at = f"{path}.{key}"
                # hypothesis-graphql aliases a field as <field>_<Type> where types clash
                field = key if key.startswith("_") else key.split("_", 1)[0]
                if field in ("birthDate", "age") and item is not None:
                    found.append(f"{at} = {item!r}: exact birth date or age")
                if field == "tags" and isinstance(item, list) and set(item) & set(CARE_TAGS):
                    found.append(f"{at} = {item!r}: care tag")
                if field == "address" and isinstance(item, str) and ADDRESS_PAST_GROUP.search(item):
                    found.append(f"{at} = {item!r}: address past 组")
                walk(item, at)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")
        elif isinstance(value, str):
            if PHONE.search(value):
                found.append(f"{path} = {value!r}: unmasked phone")
            if value in BIRTH_DATES:
                found.append(f"{path} = {value!r}: exact birth date")
            if value in outside:
                found.append(f"{path} = {value!r}: {outside[value]} is outside {SCOPE}")

    walk(data, "data")
    return found


# --- the arguments, read from the schema

GRAPHQL = schema._schema
HARMLESS = "zz-nothing-9"
HOSTILE: tuple[str, ...] = (
    "x' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    "'}) MATCH (n) DETACH DELETE n //",
    "') RETURN 1 UNION MATCH (p:Person) RETURN p.phone //",
    "` MATCH (n) RETURN n //",
    "$scope",
    "\\",
    "C-T1-V2\\' OR \\'1\\'=\\'1",
    "C-T1-V2\x00C-T1-V1",
    "西村妇联\u202e🙂\u0301ｃ－Ｔ１",
    "{code: 'C-T1-V1'}",
    "}",
    ".*",
    "A" * 20_000,
    "C-T1-V1",  # and a code from outside her scope (the next test tries every one)
)
# A raw ID that is no global id stops at the id decoder: these few suffice there.
UNDECODABLE = (HOSTILE[0], HOSTILE[8], HOSTILE[13])
# Values that may legitimately match (every name contains ""): only checked for
# errors, leaks and changes, not compared with HARMLESS.
EDGE = ("", "   ")

# The node type an ID argument names, by the argument's name without Id/Ids; an
# `id` argument names what its field returns (or its payload carries).
ID_ARGUMENTS = {
    "parent": "Organization", "under": "Organization", "organization": "Organization",
    "grid": "Grid", "household": "Household", "person": "Person", "position": "Position",
    "coverage": "Coverage", "guide": "Person", "executive": "Person", "mentor": "Person",
    "mentee": "Person", "visitor": "Person", "attendee": "Person", "from": "Person", "to": "Person",
}  # fmt: skip
# What the compiled read path (schema/compiled.py) covers: an organization and
# below it children, positions, their holders and households.
ORG_VIEW = """{ id code name kind level
  children { totalCount nodes { code positions { nodes { role person { code phone birthDate age } } } } }
  positions(history: true) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
    id role since until active
    person { id code name gender birthDate birthYear education politicalStatus phone age
      household { id code address tags } } } } } }"""
# Fields (type, name) left out of generated selections.
Skip = frozenset[tuple[str, str]]
# Below the service's operation limits (15 aliases, 1,000 tokens).
ALIAS_BUDGET = 12
TOKEN_BUDGET = 800
SCALARS: dict[str, Any] = {"String": "x", "Date": "2024-06-01", "Int": 2024, "Float": 0.5, "Boolean": False}


@dataclass(frozen=True)
class Slot:
    """One String or ID argument: `path` is the argument, then input-object fields."""

    root: str
    field: str
    path: tuple[str, ...]
    scalar: str

    @property
    def name(self) -> str:
        return f"{self.root}.{self.field}({'.'.join(self.path)})"

    @property
    def definition(self) -> GraphQLField:
        root = GRAPHQL.get_type(self.root)
        assert isinstance(root, GraphQLObjectType)
        field: GraphQLField = root.fields[self.field]
        return field


def slots() -> list[Slot]:
    """Every String and ID argument of Query and Mutation (federation's _fields aside)."""
    found: list[Slot] = []
    for root in (GRAPHQL.query_type, GRAPHQL.mutation_type):
        assert root is not None
        for name, field in root.fields.items():
            if name.startswith("_"):
                continue
            for argument, arg in field.args.items():
                found.extend(_slots_in(root.name, name, (argument,), arg.type))
    return found


def _slots_in(root: str, field: str, path: tuple[str, ...], type_: GraphQLInputType) -> Iterator[Slot]:
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType) and named.name in ("String", "ID"):
        yield Slot(root, field, path, named.name)
    elif isinstance(named, GraphQLInputObjectType):
        for name, input_field in named.fields.items():
            yield from _slots_in(root, field, (*path, name), input_field.type)


def id_type(field: GraphQLField, name: str) -> str:
    stem = name.removesuffix("Ids").removesuffix("Id")
    if stem in ID_ARGUMENTS:
        return ID_ARGUMENTS[stem]
    returned = get_named_type(field.type)
    names = [returned.name]
    if isinstance(returned, GraphQLObjectType):
        names += [get_named_type(carried.type).name for carried in returned.fields.values()]
    return next((str(n) for n in names if n in VALID_IDS), "Organization")


def variants(slot: Slot, value: str) -> list[str]:
    """The forms a value takes in a slot: as it is and, for an ID, also wrapped as
    a well-formed global id of the type the argument names, so it reaches the
    database rather than the id decoder."""
    if slot.scalar == "String":
        return [value]
    return [value, to_global_id(id_type(slot.definition, slot.path[-1]), value)]


def fill(
    field: GraphQLField, type_: GraphQLInputType, name: str, rest: tuple[str, ...] | None, value: Any
) -> Any:
    """A value for `type_`: `value` where `rest` (the slot's remaining path) ends,
    otherwise a valid value in her scope (rest None)."""
    if isinstance(type_, GraphQLNonNull):
        return fill(field, type_.of_type, name, rest, value)
    if isinstance(type_, GraphQLList):
        return [fill(field, type_.of_type, name, rest, value)]
    if rest == ():
        return value
    if isinstance(type_, GraphQLInputObjectType):
        built = {}
        for key, input_field in type_.fields.items():
            if rest and rest[0] == key:
                built[key] = fill(field, input_field.type, key, rest[1:], value)
            elif is_required_input_field(input_field):
                built[key] = fill(field, input_field.type, key, None, value)
        return built
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    if type_.name == "ID":
        kind = id_type(field, name)
        return to_global_id(kind, VALID_IDS[kind])
    return SCALARS[type_.name]


def selection(type_: GraphQLOutputType, depth: int = 2, skip: Skip = frozenset()) -> str:
    """Every field without required arguments (and not in `skip`), `depth`
    objects deep. Inside the fragments of an abstract type, a field whose type
    differs between the types is aliased `<field>_<Type>` (as hypothesis-graphql
    does)."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if is_abstract_type(named):
        possible = GRAPHQL.get_possible_types(named)
        types_of: dict[str, set[str]] = {}
        for t in possible:
            for name, field in t.fields.items():
                types_of.setdefault(name, set()).add(str(field.type))
        fragments = [
            f"... on {t.name} {{ {' '.join(_fields(t, depth, {n for n, ts in types_of.items() if len(ts) > 1}, skip))} }}"
            for t in possible
        ]
        return "{ __typename " + " ".join(fragments) + " }"
    assert isinstance(named, GraphQLObjectType)
    return "{ " + " ".join(_fields(named, depth, set(), skip)) + " }"


def _fields(type_: GraphQLObjectType, depth: int, conflicting: set[str], skip: Skip) -> Iterator[str]:
    yield "__typename"
    for name, field in type_.fields.items():
        if (
            name.startswith("_")
            or (type_.name, name) in skip
            or any(is_required_argument(a) for a in field.args.values())
        ):
            continue
        alias = f"{name}_{type_.name}: " if name in conflicting else ""
        if is_leaf_type(get_named_type(field.type)):
            yield alias + name
        elif depth > 0:
            yield f"{alias}{name} {selection(field.type, depth - 1, skip)}"


def document(
    slot: Slot, values: Mapping[str, Any], depth: int, skip: Skip = frozenset()
) -> tuple[str, dict[str, Any]]:
    """One operation calling the slot's field once per alias, with `values[alias]` in the slot."""
    field = slot.definition
    definitions: list[str] = []
    calls: list[str] = []
    variables: dict[str, Any] = {}
    for alias, value in values.items():
        arguments = []
        for argument, arg in field.args.items():
            if argument != slot.path[0] and not is_required_argument(arg):
                continue
            rest = slot.path[1:] if argument == slot.path[0] else None
            variable = f"{alias}_{argument}"
            variables[variable] = fill(field, arg.type, argument, rest, value)
            definitions.append(f"${variable}: {arg.type}")
            arguments.append(f"{argument}: ${variable}")
        calls.append(f"{alias}: {slot.field}({', '.join(arguments)}) {selection(field.type, depth, skip)}")
    operation = "query" if slot.root == "Query" else "mutation"
    return f"{operation} Hostile({', '.join(definitions)}) {{ {' '.join(calls)} }}", variables


def tokens(text: str) -> int:
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def batches(
    slot: Slot, values: Mapping[str, Any], skip: Skip, deepest: int
) -> Iterator[tuple[dict[str, Any], int]]:
    """The calls packed into operations within the service's limits (aliases,
    tokens), with the depth their selection gets: queries `deepest` objects deep
    where that fits, a mutation's payload (refused anyway) just its type.

    Concurrent root fields that cannot be null are sent one per operation: when
    one fails, GraphQL nulls the whole answer and cancels the others mid-query."""
    depth = deepest if slot.root == "Query" else 0
    while depth > 0 and tokens(document(slot, dict(list(values.items())[:1]), depth, skip)[0]) > TOKEN_BUDGET:
        depth -= 1
    alone = slot.root == "Query" and isinstance(slot.definition.type, GraphQLNonNull)
    batch: dict[str, Any] = {}
    for alias, value in values.items():
        wider = {**batch, alias: value}
        if batch and (
            alone or len(wider) > ALIAS_BUDGET or tokens(document(slot, wider, depth, skip)[0]) > TOKEN_BUDGET
        ):
            yield batch, depth
            wider = {alias: value}
        batch = wider
    yield batch, depth


async def refused_fields(client: GraphQLClient) -> Skip:
    """The fields of her scope's objects a VIEWER is refused (aggregates). A
    refused field that cannot be null nulls the object holding it, so generated
    selections leave these out to let the rest of the object come back."""
    refused: set[tuple[str, str]] = set()
    for kind in ("Organization", "Person", "Grid", "Household"):
        type_ = GRAPHQL.get_type(kind)
        assert isinstance(type_, GraphQLObjectType)
        for name, field in type_.fields.items():
            if name.startswith("_") or any(is_required_argument(a) for a in field.args.values()):
                continue
            text = f"query($id: ID!) {{ node(id: $id) {{ ... on {kind} {{ {name} {selection(field.type, 0)} }} }} }}"
            body = await client.query(text, id=to_global_id(kind, VALID_IDS[kind]))
            if any((e.get("extensions") or {}).get("code") == "FORBIDDEN" for e in body.get("errors") or []):
                refused.add((kind, name))
    return frozenset(refused)


@dataclass
class Answers:
    """Each alias's answer and error codes, gathered over the operations sent."""

    data: dict[str, Any]
    codes: dict[str, set[str]]
    problems: list[str]


async def ask(
    client: GraphQLClient, slot: Slot, values: Mapping[str, Any], skip: Skip, deepest: int = 2
) -> Answers:
    """Send the slot's calls; an alias that a failing sibling kept from running
    (a mutation after a refused one) is asked again on its own."""
    answers = Answers({}, {}, [])
    pending = list(batches(slot, values, skip, deepest))
    while pending:
        batch, depth = pending.pop()
        text, variables = document(slot, batch, depth, skip)
        try:
            response = await client.http.post("/graphql", json={"query": text, "variables": variables})
        except (Exception, asyncio.CancelledError) as e:  # the app itself failed: a server's 500
            answers.problems.append(f"request crashed with {type(e).__name__}: {text[:300]}")
            continue
        if response.status_code != 200:
            answers.problems.append(f"HTTP {response.status_code}: {response.text[:300]}")
            continue
        body = response.json()
        data = body.get("data") or {}
        codes: dict[str, set[str]] = {alias: set() for alias in batch}
        for error in body.get("errors") or []:
            code = error.get("extensions", {}).get("code", "<none>")
            # An error without a path refused the whole operation.
            for alias in [error["path"][0]] if error.get("path") else batch:
                codes[alias].add(code)
        unanswered = {a: batch[a] for a in batch if data.get(a) is None and not codes[a]}
        if unanswered and len(batch) > 1:
            pending.extend((({a: v}, depth) for a, v in unanswered.items()))
        for alias in batch:
            if alias not in unanswered or len(batch) == 1:
                answers.data[alias] = data.get(alias)
                answers.codes[alias] = codes[alias]
    return answers


# --- the tests


def test_every_string_and_id_argument_is_found() -> None:
    """The enumeration reaches the arguments and input fields that matter."""
    names = {s.name for s in slots()}
    assert {
        "Query.organization(code)", "Query.people(nameContains)", "Query.connection(fromId)",
        "Mutation.createPerson(input.phone)", "Mutation.holdTermChange(slate.personId)",
        "Mutation.recordMeeting(attendeeIds)", "Mutation.updateHousehold(input.address)",
    } <= names  # fmt: skip
    assert len(names) >= 70


async def test_hostile_strings_are_inert_for_a_scoped_viewer(
    world: RolledBackDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    # Thousands of refusals: strawberry would log each one with its traceback.
    caplog.set_level(logging.CRITICAL, logger="strawberry.execution")
    await add_scope_fixtures(world)
    outside = await outside_scope(world)
    before = await graph_snapshot(world)
    problems: list[str] = []
    async with client_as(world, VIEWER) as client:
        problems = await try_every_slot(client, outside, await refused_fields(client))
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} problems)"
    assert await graph_snapshot(world) == before


async def try_every_slot(client: GraphQLClient, outside: Mapping[str, str], skip: Skip) -> list[str]:
    """Every hostile value in every slot; what went wrong, if anything."""
    problems: list[str] = []
    for slot in slots():
        for form in range(2 if slot.scalar == "ID" else 1):
            hostile = HOSTILE if slot.scalar == "String" or form == 1 else UNDECODABLE
            tried = {f"h{i}": value for i, value in enumerate(hostile)}
            if slot.scalar == "String":
                tried |= {f"e{i}": value for i, value in enumerate(EDGE)}
            values = {alias: variants(slot, value)[form] for alias, value in tried.items()}
            # One level deep: these values match nothing; the next test follows real objects deeper.
            answers = await ask(client, slot, {"harmless": variants(slot, HARMLESS)[form], **values}, skip, 1)
            where = f"{slot.name}{' as a global id' if form else ''}"
            problems.extend(f"{where}: {p}" for p in answers.problems)
            problems.extend(f"{where}: {leak}" for leak in leaks(answers.data, outside))
            harmless = (answers.data.get("harmless"), answers.codes.get("harmless"))
            for alias, value in tried.items():
                answer, codes = answers.data.get(alias), answers.codes.get(alias, set())
                said = f"{where} {value[:40]!r}: answered {answer!r} {sorted(codes)}"
                if codes - KNOWN_CODES:
                    problems.append(f"{said}: unknown error code")
                elif slot.root == "Mutation":
                    if answer is not None or codes != {"FORBIDDEN"}:
                        problems.append(f"{said}: a VIEWER's mutation must be FORBIDDEN")
                elif (
                    alias.startswith("h")
                    and (answer, codes) != harmless
                    and not (answer is None and codes == {"BAD_USER_INPUT"})
                ):
                    problems.append(f"{said}, unlike a value that matches nothing: {harmless}")
    return problems


async def test_every_object_she_can_name_is_hers_or_absent(
    world: RolledBackDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    """Every String and ID argument of every query, given each object of the world
    of the kind it names (global ids; codes and names): what is in her scope comes
    back masked, what is outside is answered exactly as an id or code that does
    not exist."""
    caplog.set_level(logging.CRITICAL, logger="strawberry.execution")
    await add_scope_fixtures(world)
    outside = await outside_scope(world)
    known = await known_objects(world)
    problems: list[str] = []
    seen: list[str] = []
    async with client_as(world, VIEWER) as client:
        skip = await refused_fields(client)
        assert ("Organization", "stats") in skip  # aggregates are for ANALYST and above
        for slot in slots():
            name = slot.path[-1]
            if slot.root != "Query" or name == "after":
                continue
            field = slot.definition
            if slot.scalar == "ID":
                kind = id_type(field, name)
                returned = get_named_type(field.type)
                kinds = (
                    {t.name for t in GRAPHQL.get_possible_types(returned)}
                    if is_abstract_type(returned)
                    else {kind}
                )
                named = {k.global_id: k for k in known if k.kind in kinds}
            else:
                kind = id_type(field, "id")
                named = {
                    text: k
                    for k in known
                    if k.kind == kind
                    for text in (k.code, k.name)
                    if text is not None
                    and {"code": text == k.code, "nameContains": text == k.name}.get(name, True)
                }
            tried = {f"k{i}": text for i, text in enumerate(named)}
            answers = await ask(client, slot, {"harmless": variants(slot, HARMLESS)[-1], **tried}, skip)
            seen.append(json.dumps(answers.data, ensure_ascii=False))
            problems.extend(f"{slot.name}: {p}" for p in answers.problems)
            problems.extend(f"{slot.name}: {leak}" for leak in leaks(answers.data, outside))
            harmless = (answers.data.get("harmless"), answers.codes.get("harmless"))
            for alias, text in tried.items():
                answer, codes = answers.data.get(alias), answers.codes.get(alias, set())
                if codes - KNOWN_CODES:
                    problems.append(f"{slot.name} {text}: error codes {sorted(codes)}")
                # A free-text search for an outside object's code or name legitimately
                # finds what in her scope contains that text (C-T1 in C-T1-V2); then
                # only the leak check above applies.
                found_inside = name == "text" and any(
                    text.lower() in (t or "").lower() for k in known if k.inside for t in (k.code, k.name)
                )
                if not named[text].inside and not found_inside and (answer, codes) != harmless:
                    problems.append(
                        f"{slot.name} {text} ({named[text].kind} {named[text].id}, outside her scope): "
                        f"answered {answer!r} {sorted(codes)}, unlike one that does not exist: {harmless}"
                    )
        # The nested organization view the compiled read path answers in one query.
        for k in known:
            if k.kind == "Organization":
                for argument, value in (("code", k.code), ("id", k.global_id)):
                    body = await client.query(
                        f"query($v: {'ID' if argument == 'id' else 'String'}) {{ organization({argument}: $v) {ORG_VIEW} }}",
                        v=value,
                    )
                    seen.append(json.dumps(body, ensure_ascii=False))
                    problems.extend(
                        f"organization({argument}: {value}) view: {leak}" for leak in leaks(body, outside)
                    )
                    if not k.inside and body != {"data": {"organization": None}}:
                        problems.append(f"organization({argument}: {value}) view: answered {body}")
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} problems)"
    # Her scope's personal data was reached, masked.
    everything_seen = "".join(seen)
    for masked in ("139****0009", "137****0011", "西村2组***", "西村3组***", '"tags": ["MODEL_FAMILY"]'):
        assert masked in everything_seen, masked


# Every edge that leads up or sideways from her scope's objects, followed with
# history on, from each of them: what lies at the far end outside her scope must
# be cut off (absent from lists, null where single).
EDGES = {
    "person's positions, household, coverage": """{ person(code: "P09") {
        positions(history: true) { role organization { code name } }
        household { code grid { code organization { code } } members { code } }
        covers(history: true) { person { code } grid { code } household { code address tags } } } }""",
    "person's guidance, mentoring, lineage": """{ person(code: "P09") {
        guides(history: true) { person { code } } guidedBy(history: true) { person { code } }
        mentors(history: true) { person { code name } } mentees(history: true) { person { code } }
        lineage(depth: 10) { mentors { person { code } branches { person { code } } }
                             mentees { person { code } branches { person { code } } } } } }""",
    "person's visits and commitments": """{ person(code: "P09") {
        visits(first: 20) { totalCount nodes { household { code address tags } visitor { code } } }
        commitments { person { code } } } }""",
    "resident's household and its members": """{ person(code: "P11") {
        positions(history: true) { organization { code } }
        household { code members { code } coveredBy { person { code } grid { code } } } } }""",
    "organization's parent, meetings, positions": """{ organization(code: "C-T1-V2") {
        parent { code } ancestors { code }
        meetings { totalCount nodes { attendees { code name } organization { code } } }
        positions(history: true) { totalCount nodes { person { code } organization { code } } } } }""",
    "organization's coverage report": """{ organization(code: "C-T1-V2") { coverage {
        householdCount members { totalCount nodes { person { code } grids { code } households { code } } }
        uncovered { nodes { code } } multiplyCovered { nodes { code } } } } }""",
    "households' and grid's coverers": """{ h11: household(code: "C-T1-V2-H11") { coveredBy { person { code } } }
        h12: household(code: "C-T1-V2-H12") { coveredBy { person { code } } members { code } }
        grid(code: "C-T1-V2-G4") { coveredBy { person { code } } organization { code parent { code } } } }""",
    "paths and lineage from her people": """{
        inside: connection(fromId: "UGVyc29uOmlkLVAwOQ", toId: "UGVyc29uOmlkLVAxMQ") { nodes { id } }
        out: connection(fromId: "UGVyc29uOmlkLVAwOQ", toId: "UGVyc29uOmlkLVAwMQ") { nodes { id } }
        mentorLineage(personId: "UGVyc29uOmlkLVAwOQ", depth: 10) {
          mentors { person { code } } mentees { person { code } } } }""",
}


@pytest.mark.parametrize("query", EDGES.values(), ids=EDGES.keys())
async def test_edges_leading_out_of_her_scope_are_cut(world: RolledBackDatabase, query: str) -> None:
    await add_scope_fixtures(world)
    outside = await outside_scope(world)
    async with client_as(world, VIEWER) as client:
        body = await client.query(query)
    assert not [e for e in body.get("errors") or [] if e["extensions"]["code"] not in KNOWN_CODES], body
    assert body.get("data"), body
    assert leaks(body["data"], outside) == []


async def test_a_refused_field_beside_a_shared_load_is_answered(world: RolledBackDatabase) -> None:
    """A refused non-null field (a VIEWER's Organization.stats) nulls its parent and
    graphql-core cancels the parent's other resolvers; one of them awaits the same
    loader result as a resolver outside that subtree (the coverage summary of
    C-T1-V2). The answer is FORBIDDEN, not a crash (loaders/shielded.py)."""
    await add_scope_fixtures(world)
    query = """query($id: ID!) { coverage(organizationId: $id) { householdCount
      organization { stats { asOf } coverage { householdCount } } } }"""
    try:
        async with client_as(world, VIEWER) as client:
            body = await client.query(query, id=to_global_id("Organization", "id-C-T1-V2"))
    finally:
        # The cancelled resolvers' queries still run (tests/helpers.py shields
        # them); the rollback must wait for them.
        await world.execute("RETURN 1")
    assert body["data"] == {"coverage": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


async def test_federation_references_are_scoped(world: RolledBackDatabase) -> None:
    """`_entities` (a gateway's entry point) finds only what her scope holds, and
    treats a hostile id or code as one that does not exist."""
    await add_scope_fixtures(world)
    query = """query($r: [_Any!]!) { _entities(representations: $r) { __typename
      ... on Organization { code } ... on Person { code phone birthDate }
      ... on Grid { code } ... on Household { code address tags } } }"""
    inside = [
        {"__typename": "Organization", "code": "C-T1-V2"},
        {"__typename": "Person", "id": to_global_id("Person", "id-P09")},
        {"__typename": "Grid", "code": "C-T1-V2-G4"},
        {"__typename": "Household", "id": to_global_id("Household", "id-C-T1-V2-H12")},
    ]
    absent = [
        {"__typename": kind, key: to_global_id(kind, value) if key == "id" else value}
        for kind in ("Organization", "Person", "Grid", "Household")
        for key in ("id", "code")
        for value in ("C-T1-V1", "id-C-T1-V1", "id-P01", "P01", "id-C-T1-V1-H02", "C-T1-V1-G1", *HOSTILE[:8])
    ]
    async with client_as(world, VIEWER) as client:
        found = (await client.data(query, r=inside))["_entities"]
        body = await client.query(query, r=absent)
    assert found == [
        {"__typename": "Organization", "code": "C-T1-V2"},
        {"__typename": "Person", "code": "P09", "phone": "139****0009", "birthDate": None},
        {"__typename": "Grid", "code": "C-T1-V2-G4"},
        {"__typename": "Household", "code": "C-T1-V2-H12", "address": "西村3组***", "tags": ["MODEL_FAMILY"]},
    ]
    assert body.get("errors") is None, body["errors"][:3]
    assert body["data"]["_entities"] == [None] * len(absent)
