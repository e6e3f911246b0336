"""Operation limits: how deep, how aliased, how long and how costly one GraphQL
operation may be, checked before anything runs.

- depth: levels of fields with a selection below them (introspection fields
  not counted, as in Strawberry's QueryDepthLimiter and graphql-armor);
- aliases: aliased fields, fragments expanded;
- tokens: lexical tokens of the document, comments included (Strawberry's
  MaxTokensLimiter; the parser stops at the limit);
- cost: the number of objects the operation can return, plus what its
  analyses read. A connection field returns one object whose `nodes`/`edges`
  lists hold `first` items (default and cap from the page-size settings,
  variables resolved); any other list field counts as a default page;
  `_entities` as many as its representations. Each list multiplies the cost of
  the selection under it; scalars cost nothing. Analytic fields add what they
  read: a lineage `LINEAGE_WORK` (the people it can hold) like objects, and an
  analysis of a subtree (`SUBTREE_FIELDS`: coverage report, statistics, funnel,
  candidates, and a connection, searched over the scope) `SUBTREE_WORK`, what
  a county's subtree holds: its answer is small but the database walks the
  subtree. Under lists such a field is charged at most `TREE_LEVELS` times:
  equal organizations and dates share one analysis (a loader key), and the
  subtrees of distinct organizations hold each household at most once per
  level of the tree (province, city, county, township, village), so together
  they hold at most that many scopes.

Strawberry's own depth and alias limiters count through fragments, but they
walk a fragment again at every spread, so a chain of fragments each spreading
the next twice (a few hundred tokens) takes exponential time to check; they
also fail with a KeyError on an unknown fragment. The measure here walks each
fragment once (memoized per page size), after graphql-core has validated the
document (fragments known, no cycles), and with the variables at hand.

Refusals are request errors with their own `extensions.code` (QUERY_TOO_DEEP,
TOO_MANY_ALIASES, TOO_MANY_TOKENS, QUERY_TOO_COSTLY), the measured figure and
the limit; nothing is executed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

MAX_DEPTH = 15
MAX_ALIASES = 15
MAX_TOKENS = 1_000
MAX_COST = 5_000_000

# What one analysis of a subtree reads, in objects: what a county holds, ~100,000
# households (98,311 in the county-scale seed). One such analysis per field
# occurrence, at most TREE_LEVELS times over under lists: a dashboard of every
# child's coverage report costs 500,202; 15 aliases of 100 descendants' reports
# (7,503,030) are over MAX_COST. What the cost limit lets through is bounded in
# time by the request deadline (service/deadline.py).
SUBTREE_WORK = 100_000
TREE_LEVELS = 5
SUBTREE_FIELDS = frozenset(
    {
        ("Query", "coverage"),
        ("Query", "pipelineFunnel"),
        ("Query", "pipelineCandidates"),
        ("Query", "termStatistics"),
        ("Query", "organizationStats"),
        ("Query", "connection"),
        ("Organization", "coverage"),
        ("Organization", "pipelineFunnel"),
        ("Organization", "pipelineCandidates"),
        ("Organization", "termStatistics"),
        ("Organization", "stats"),
    }
)
# A lineage reads its people, each once (graph/analytics/lineage.py): at most
# this many in 10 generations of a county's mentoring network.
LINEAGE_WORK = 1_000
OBJECT_WORK: dict[tuple[str, str], int] = {
    ("Query", "mentorLineage"): LINEAGE_WORK,
    ("Person", "lineage"): LINEAGE_WORK,
}
_NO_ANALYSES = (0,) * (TREE_LEVELS + 1)


@dataclass(frozen=True)
class Limits:
    """The limits every operation must keep, and the page sizes its cost is
    estimated with (the same as the connections' `first` default and cap)."""

    max_depth: int = MAX_DEPTH
    max_aliases: int = MAX_ALIASES
    max_tokens: int = MAX_TOKENS
    max_cost: int = MAX_COST
    default_page_size: int = 20
    max_page_size: int = 100


@dataclass(frozen=True)
class Measure:
    """What an operation asks for: its depth, its aliases, the objects it can
    return, and its analyses of a subtree: `analyses[k]` of them run k times
    over (k up to TREE_LEVELS)."""

    depth: int = 0
    aliases: int = 0
    objects: int = 0
    analyses: tuple[int, ...] = _NO_ANALYSES

    @property
    def cost(self) -> int:
        return self.objects + SUBTREE_WORK * sum(k * n for k, n in enumerate(self.analyses))

    def beside(self, other: Measure) -> Measure:
        """Two selections side by side in one selection set."""
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.objects + other.objects,
            tuple(a + b for a, b in zip(self.analyses, other.analyses, strict=True)),
        )


def _times(analyses: tuple[int, ...], size: int) -> tuple[int, ...]:
    """The analyses under a list of `size` items (see the module docstring)."""
    regrouped = [0] * len(analyses)
    for k, n in enumerate(analyses):
        regrouped[min(k * size, TREE_LEVELS)] += n
    return tuple(regrouped)


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    *,
    default_page_size: int = 20,
    max_page_size: int = 100,
) -> Measure:
    """The measure of one operation of a valid document with its (coerced) variables."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Measure()
    walk = _Walk(schema, fragments, dict(variables), default_page_size, max_page_size)
    return walk.selections(operation.selection_set, root, None)


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        default_page_size: int,
        max_page_size: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.default_page_size = default_page_size
        self.max_page_size = max_page_size
        # A fragment measures the same wherever it is spread (given the page size
        # its lists take), so each is walked once: no exponential fragment chains.
        self.memo: dict[tuple[str, int | None], Measure] = {}
        self.walking: set[str] = set()

    def selections(
        self, selection_set: SelectionSetNode, parent: GraphQLCompositeType, page: int | None
    ) -> Measure:
        """`page`: the size of list fields here when `parent` is a connection."""
        total = Measure()
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total = total.beside(self.field(selection, parent, page))
            elif isinstance(selection, InlineFragmentNode):
                condition = parent
                if selection.type_condition is not None:
                    named = self.schema.get_type(selection.type_condition.name.value)
                    if is_composite_type(named):
                        condition = named
                total = total.beside(self.selections(selection.selection_set, condition, page))
            elif isinstance(selection, FragmentSpreadNode):
                total = total.beside(self.spread(selection.name.value, page))
        return total

    def spread(self, name: str, page: int | None) -> Measure:
        key = (name, page)
        if key in self.memo:
            return self.memo[key]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.walking:  # invalid documents never get here
            return Measure()
        condition = self.schema.get_type(fragment.type_condition.name.value)
        if not is_composite_type(condition):
            return Measure()
        self.walking.add(name)
        result = self.selections(fragment.selection_set, condition, page)
        self.walking.discard(name)
        self.memo[key] = result
        return result

    def field(self, node: FieldNode, parent: GraphQLCompositeType, page: int | None) -> Measure:
        aliases = 1 if node.alias is not None else 0
        definition = self.schema.get_field(parent, node.name.value)
        if definition is None or node.selection_set is None:
            return Measure(aliases=aliases)
        returned = get_nullable_type(definition.type)
        named = get_named_type(returned)
        if not is_composite_type(named):
            return Measure(aliases=aliases)
        size = 1
        inner_page: int | None = None
        if "first" in definition.args:
            requested = self.page_size(node)
            if is_list_type(returned):
                size = requested
            else:
                inner_page = requested  # a connection: its nodes and edges hold `first` items
        elif is_list_type(returned):
            size = self.list_size(node, page)
        below = self.selections(node.selection_set, named, inner_page)
        introspection = node.name.value.startswith("__")
        key = (parent.name, node.name.value)
        analyses = below.analyses
        if key in SUBTREE_FIELDS:
            analyses = (analyses[0], analyses[1] + 1, *analyses[2:])
        return Measure(
            depth=0 if introspection else 1 + below.depth,
            aliases=aliases + below.aliases,
            objects=size * (1 + OBJECT_WORK.get(key, 0) + below.objects),
            analyses=_times(analyses, size),
        )

    def page_size(self, node: FieldNode) -> int:
        first = self.argument(node, "first")
        if not isinstance(first, int) or isinstance(first, bool):
            return self.default_page_size
        # Above the cap the field itself is refused (BAD_USER_INPUT naming `first`).
        return max(0, min(first, self.max_page_size))

    def list_size(self, node: FieldNode, page: int | None) -> int:
        if page is not None:
            return page
        representations = self.argument(node, "representations")
        if node.name.value == "_entities" and isinstance(representations, list):
            return len(representations)
        return self.default_page_size

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                if isinstance(argument.value, VariableNode):
                    return self.variables.get(argument.value.name.value)
                return value_from_ast_untyped(argument.value, self.variables)
        return None


def coerced_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The operation's variables with their defaults; the raw ones when they do
    not coerce (execution then reports that)."""
    values = get_variable_values(schema, operation.variable_definitions or (), dict(raw or {}))
    if isinstance(values, list):
        return dict(raw or {})
    return values.coerced


def refusals(found: Measure, limits: Limits) -> list[GraphQLError]:
    """One error per limit the operation exceeds."""
    errors = []
    if found.depth > limits.max_depth:
        errors.append(
            _refusal(
                f"the query is {found.depth} levels deep; the limit is {limits.max_depth}",
                "QUERY_TOO_DEEP",
                found.depth,
                limits.max_depth,
            )
        )
    if found.aliases > limits.max_aliases:
        errors.append(
            _refusal(
                f"the query has {found.aliases} aliases; the limit is {limits.max_aliases}",
                "TOO_MANY_ALIASES",
                found.aliases,
                limits.max_aliases,
            )
        )
    if found.cost > limits.max_cost:
        errors.append(
            _refusal(
                f"the query could return up to {found.cost:,} objects or read as many (estimated from "
                f"`first` and the default page size of {limits.default_page_size} for other lists, "
                f"multiplied through nested lists, and {SUBTREE_WORK:,} read by each analysis of a "
                f"subtree (coverage report, statistics, candidates, connection), up to {TREE_LEVELS} "
                f"times under lists); the limit is {limits.max_cost:,}: ask for smaller pages, fewer "
                "nested lists or fewer analyses",
                "QUERY_TOO_COSTLY",
                found.cost,
                limits.max_cost,
            )
        )
    return errors


def _refusal(message: str, code: str, found: int, limit: int) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "found": found, "limit": limit})


_TOKENS = re.compile(r"Document contains more than (\d+) tokens")


def limit_code(error: GraphQLError) -> str | None:
    """TOO_MANY_TOKENS for the parser's refusal of a document over the token limit."""
    if isinstance(error, GraphQLSyntaxError) and _TOKENS.search(error.message):
        return "TOO_MANY_TOKENS"
    return None


class OperationLimits(SchemaExtension):
    """Refuses an operation over the depth, alias or cost limit before it runs
    (the document is valid by now; its variables are known)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if document is not None and operation is not None and not context.result:
            schema = context.schema._schema
            found = measure(
                schema,
                document,
                operation,
                coerced_variables(schema, operation, context.variables),
                default_page_size=self.limits.default_page_size,
                max_page_size=self.limits.max_page_size,
            )
            errors = refusals(found, self.limits)
            if errors:
                context.result = ExecutionResult(data=None, errors=errors)
        yield
