"""Schemathesis fuzzing of the live app as a VIEWER of 西村 (C-T1-V2).

The schema comes from the app's own introspection; schemathesis (through
hypothesis-graphql) generates queries and mutations for every root field,
valid ones (positive) and invalid ones (negative), with random selections of
nested fields and their arguments. The app is made as the caller a verified
token with scope C-T1-V2 and role VIEWER leads to, over the village world with
personal data and out-of-scope links added (tests/test_injection.py,
`add_scope_fixtures`). To reach real objects rather than only random strings,
IDs are drawn mostly from the world's global ids (in and out of her scope),
strings from its codes and names and hostile values, dates from the days the
world's terms change; and half the time a valid query is steered further
(`steer`): ids of the right kind, small pages, personal fields selected.

Every response must be free of 5xx statuses; every error must carry a known
`extensions.code` (never INTERNAL_SERVER_ERROR); no data may hold an 11-digit
phone, an exact birth date or age, a care tag, an address past its group (组),
or anything naming an object outside C-T1-V2; every mutation must be refused;
and the graph must be unchanged at the end. Generation is derandomized (and
blind to constants in the repository's source), so a run always sends the same
requests for the same schema.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from random import Random
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants
from schemathesis.checks import negative_data_rejection, response_schema_conformance
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.graphql import nodes
from schemathesis.graphql.loaders import get_introspection_query
from schemathesis.schemas import APIOperation
from schemathesis.specs.graphql.scalars import CUSTOM_SCALARS

from graph.access import Access, Grant
from tests.graphs import NEW_TERM, OLD_TERM, TODAY
from tests.helpers import RolledBackDatabase
from tests.test_injection import (
    GRAPHQL,
    HOSTILE,
    KNOWN_CODES,
    SCOPE,
    Known,
    add_scope_fixtures,
    client_as,
    graph_snapshot,
    id_type,
    known_objects,
    leaks,
    outside_scope,
)

Operation = APIOperation[Any, Any, Any, Any]
FUZZER = Access("fuzzer", SCOPE, frozenset({Grant.VIEWER}))
# Refusals of the service's operation limits (schema/limits.py) are clean answers too.
LIMIT_CODES = frozenset({"QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "TOO_MANY_TOKENS", "QUERY_TOO_COSTLY"})
CLEAN_CODES = KNOWN_CODES | LIMIT_CODES
# Examples per root field and generation mode, sized for `make test` (about 550
# requests in all).
EXAMPLES = {
    ("Query", GenerationMode.POSITIVE): 20,
    ("Query", GenerationMode.NEGATIVE): 3,
    ("Mutation", GenerationMode.POSITIVE): 5,
    ("Mutation", GenerationMode.NEGATIVE): 2,
}
# What masked personal data of her scope looks like: seeing some of it shows the
# fuzzer reached the data that would leak if masking failed.
MASKED = frozenset({"139****0009", "137****0011", "西村2组***", "西村3组***"})


@dataclass
class Report:
    """What the fuzzing sent and what went wrong."""

    operations: int = 0
    examples: int = 0
    answered: int = 0  # responses with some non-null data
    refused: dict[str, int] = field(default_factory=dict)  # error code -> responses
    masked_seen: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.operations} operations, {self.examples} examples, {self.answered} with data, "
            f"errors by code {dict(sorted(self.refused.items()))}, masked values seen {sorted(self.masked_seen)}"
        )


@contextmanager
def world_scalars(known: list[Known]) -> Iterator[None]:
    """Generate ID, String, Date and Int arguments that hit the world more often
    than chance would (schemathesis's registry is global: restored afterwards)."""
    ids = [k.global_id for k in known]
    words = sorted({text for k in known for text in (k.code, k.name) if text is not None})
    days = [TODAY, NEW_TERM, OLD_TERM, dt.date(2021, 5, 1), dt.date(2022, 3, 1), dt.date(2016, 6, 1)]
    strategies = {
        "ID": st.one_of(st.sampled_from(ids), st.sampled_from(ids), st.text(max_size=30)).map(nodes.String),
        "String": st.one_of(
            st.sampled_from(words),
            st.sampled_from([h for h in HOSTILE if len(h) < 100]),
            st.text(max_size=30),
        ).map(nodes.String),
        "Date": st.one_of(st.sampled_from(days), st.dates()).map(lambda d: nodes.String(d.isoformat())),
        "Int": st.one_of(
            st.sampled_from([0, 1, 2, 3, 5, 10, 20, 101, -1, 2024]), st.integers(-(2**31), 2**31 - 1)
        ).map(nodes.Int),
    }
    saved = dict(CUSTOM_SCALARS)
    CUSTOM_SCALARS.update(strategies)
    try:
        yield
    finally:
        CUSTOM_SCALARS.clear()
        CUSTOM_SCALARS.update(saved)


def steer(body: str, rnd: Random, known: list[Known]) -> str:
    """Half the time each, put values into a generated query that reach the world:
    a root field's ID argument becomes an id of the kind it names (half of those
    in her scope), `first` a small page, `after` goes, a lookup given both `id`
    and `code` keeps one, and a person's or household's selection also asks for
    its personal data. Otherwise the fuzzer's own choices stay."""
    types = graphql.TypeInfo(GRAPHQL)
    steered = graphql.visit(graphql.parse(body), graphql.TypeInfoVisitor(types, _Steer(rnd, known, types)))
    return graphql.print_ast(steered)


# Personal data a steered selection asks for (fields without arguments).
PERSONAL = {"Person": ("phone", "birthDate"), "Household": ("address", "tags")}


class _Steer(graphql.Visitor):
    def __init__(self, rnd: Random, known: list[Known], types: graphql.TypeInfo) -> None:
        super().__init__()
        self.rnd = rnd
        self.known = known
        self.types = types
        self.root: graphql.GraphQLObjectType | None = None

    def enter_selection_set(
        self, node: graphql.SelectionSetNode, *_: object
    ) -> graphql.SelectionSetNode | None:
        selected = self.types.get_type()
        named = graphql.get_named_type(selected) if selected is not None else None
        if named is None or named.name not in PERSONAL or not self.flip():
            return None
        extra = tuple(graphql.FieldNode(name=graphql.NameNode(value=f)) for f in PERSONAL[named.name])
        return replace(node, selections=(*node.selections, *extra))

    def enter_operation_definition(self, node: graphql.OperationDefinitionNode, *_: object) -> None:
        self.root = GRAPHQL.get_root_type(node.operation)

    def enter_field(
        self, node: graphql.FieldNode, _key: object, _parent: object, _path: object, ancestors: list[Any]
    ) -> graphql.FieldNode:
        at_root = not any(isinstance(a, graphql.FieldNode) for a in ancestors)
        declared = self.root.fields.get(node.name.value) if at_root and self.root else None
        arguments = list(node.arguments or ())
        if declared is not None and {"id", "code"} <= {a.name.value for a in arguments} and self.flip():
            dropped = self.rnd.choice(["id", "code"])
            arguments = [a for a in arguments if a.name.value != dropped]
        steered = []
        for argument in arguments:
            name = argument.name.value
            if name == "after" and self.flip():
                continue
            if name == "first" and self.flip():
                argument = replace(argument, value=graphql.IntValueNode(value=str(self.rnd.randint(0, 5))))
            declared_argument = declared.args.get(name) if declared is not None else None
            if (
                declared is not None
                and declared_argument is not None
                and graphql.get_nullable_type(declared_argument.type) == graphql.GraphQLID
                and self.flip()
            ):
                kind = [k for k in self.known if k.kind == id_type(declared, name)]
                inside = [k for k in kind if k.inside]
                chosen = self.rnd.choice(inside if inside and self.flip() else kind)
                argument = replace(argument, value=graphql.StringValueNode(value=chosen.global_id))
            steered.append(argument)
        return replace(node, arguments=tuple(steered))

    def flip(self) -> bool:
        return self.rnd.random() < 0.5


def fuzz(
    api: Any,
    send: Callable[[str], httpx.Response],
    outside: dict[str, str],
    known: list[Known],
    report: Report,
) -> None:
    """Run every root field's examples (in a worker thread: hypothesis is synchronous)."""
    for result in api.get_all_operations():
        operation: Operation = result.ok()
        report.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz_operation(operation, mode, send, outside, known, report)


def fuzz_operation(
    operation: Operation,
    mode: GenerationMode,
    send: Callable[[str], httpx.Response],
    outside: dict[str, str],
    known: list[Known],
    report: Report,
) -> None:
    root = operation.label.split(".")[0]

    @settings(
        max_examples=EXAMPLES[root, mode],
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), rnd=st.randoms(use_true_random=False))
    def example(case: Any, rnd: Random) -> None:
        report.examples += 1
        # Negative cases stay as generated: their point is to be invalid.
        body = steer(case.body, rnd, known) if mode is GenerationMode.POSITIVE else case.body
        try:
            response = send(body)
        except (Exception, asyncio.CancelledError, concurrent.futures.CancelledError) as e:
            report.problems.append(f"{operation.label} ({mode.value}) {body[:300]!r}: request crashed: {e!r}")
            return
        where = f"{operation.label} ({mode.value}) {body[:300]!r}"
        report.problems.extend(f"{where}: {p}" for p in judge(root, mode, response, outside, report))
        try:
            case.validate_response(response, checks=[response_schema_conformance, negative_data_rejection])
        except (Failure, FailureGroup) as e:
            report.problems.append(f"{where}: schemathesis: {e!r}")

    example()


def judge(
    root: str, mode: GenerationMode, response: httpx.Response, outside: dict[str, str], report: Report
) -> list[str]:
    """What is wrong with one response (nothing, it is hoped)."""
    if response.status_code >= 500:
        return [f"HTTP {response.status_code}: {response.text[:300]}"]
    body = response.json()
    data = body.get("data")
    problems: list[str] = []
    codes = set()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        codes.add(code)
        if code not in CLEAN_CODES:
            problems.append(f"error with code {code!r}: {error}")
    for code in codes:
        report.refused[str(code)] = report.refused.get(str(code), 0) + 1
    if data and any(v is not None for v in data.values()):
        report.answered += 1
        problems.extend(leaks(data, outside))
        report.masked_seen |= {value for value in MASKED if value in response.text}
    if root == "Mutation":
        if data and any(v is not None for v in data.values()):
            problems.append(f"a VIEWER's mutation answered {data}")
        if mode is GenerationMode.POSITIVE and not codes & (
            {"FORBIDDEN", "GRAPHQL_VALIDATION_FAILED"} | LIMIT_CODES
        ):
            problems.append(f"a VIEWER's mutation was not refused: {body}")
    return problems


async def test_fuzzing_as_a_scoped_viewer(
    world: RolledBackDatabase,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.CRITICAL, logger="strawberry.execution")
    # Hypothesis now and then draws a constant found in the source of any loaded
    # local module, so what it generates would change with unrelated edits and
    # with the set of test modules run; without them a run is the same every time.
    monkeypatch.setattr(providers, "_get_local_constants", Constants)
    providers.CONSTANTS_CACHE.cache.clear()
    await add_scope_fixtures(world)
    outside = await outside_scope(world)
    known = await known_objects(world)
    before = await graph_snapshot(world)
    report = Report()
    loop = asyncio.get_running_loop()
    async with client_as(world, FUZZER) as client:
        introspection = await client.http.post("/graphql", json={"query": get_introspection_query()})
        api = schemathesis.graphql.from_dict(introspection.json())

        def send(query: str) -> httpx.Response:
            """Post from the fuzzing thread through the test's own event loop."""
            call = client.http.post("/graphql", json={"query": query})
            return asyncio.run_coroutine_threadsafe(call, loop).result()

        # Hypothesis caches what it learns in its home directory: not in the checkout.
        set_hypothesis_home_dir(tmp_path)
        try:
            with world_scalars(known):
                await asyncio.to_thread(fuzz, api, send, outside, known, report)
        finally:
            set_hypothesis_home_dir(None)
    print(report.summary())
    assert not report.problems, "\n".join(report.problems[:30]) + f"\n({len(report.problems)} problems)"
    # It reached her scope's objects, personal data included (masked), not only refusals.
    assert report.operations >= 35
    assert report.answered >= 50, report.summary()
    assert report.masked_seen, report.summary()
    assert await graph_snapshot(world) == before
