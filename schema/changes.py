"""The change feed in the schema: `changes` (a page, for polling clients and for
catching up) and `subscription changes` (the same events, replayed after a
cursor and then streamed as they commit). docs/changes.md describes both.

An event carries types, global ids, what happened to each object, the
operation and the time: nothing personal. A caller sees an event only when it
touches something in her scope, and only those objects; she refetches them
through the API, which masks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.change_cursors import encode_change_cursor
from graph.change_records import TRACKED_TYPES
from graph.changes import ChangeEvent, ChangePage
from graph.errors import BadInput
from schema.arguments import First
from schema.context import Info
from schema.relay import PageInfo, to_global_id

if TYPE_CHECKING:
    from collections.abc import Sequence


@strawberry.enum(description="What a change did to an object.")
class ChangeKind(Enum):
    CREATED = strawberry.enum_value("CREATED", description="The object was created (新建).")
    CHANGED = strawberry.enum_value(
        "CHANGED", description="The object, or a relationship it has, changed (变更); an ended term too."
    )
    REMOVED = strawberry.enum_value("REMOVED", description="The object was deleted (删除).")


@strawberry.type(description="An object a change created, changed or removed: refetch it by its id.")
class ChangedObject:
    type: str = strawberry.field(
        description="Its GraphQL type: Organization, Person, Grid, Household, Position, Coverage, "
        "Commitment, Visit or Meeting."
    )
    id: strawberry.ID = strawberry.field(description="Its global id.")
    change: ChangeKind = strawberry.field(description="What happened to it.")


@strawberry.type(
    description="One committed write (a mutation, a term change, an import batch) as the caller sees it."
)
class Change:
    cursor: str = strawberry.field(
        description="Where this change sits in the feed: pass it as `after` to resume just after it."
    )
    at: dt.datetime = strawberry.field(description="When the write's transaction ran (UTC).")
    operation: str = strawberry.field(
        description="What made it: `OperationName/mutationField` (or the field alone), or `import`."
    )
    objects: list[ChangedObject] = strawberry.field(
        description="The objects it created, changed or removed that lie in the caller's scope "
        "(and under `under`, of `types`)."
    )

    @classmethod
    def of(cls, event: ChangeEvent, key: str) -> Change:
        return cls(
            cursor=encode_change_cursor(event.seq, key),
            at=event.at,
            operation=event.operation,
            objects=[
                ChangedObject(
                    type=o.type, id=strawberry.ID(to_global_id(o.type, o.id)), change=ChangeKind(o.change)
                )
                for o in event.objects
            ],
        )


@strawberry.type(description="An item of a change page with its cursor.")
class ChangeEdge:
    cursor: str = strawberry.field(description="The change's cursor.")
    node: Change = strawberry.field(description="The change.")


@strawberry.type(
    description="A page of the change feed. `pageInfo.endCursor` is where the next page starts: it "
    "moves past changes the caller cannot see too, and is set even on an empty page."
)
class ChangeConnection:
    edges: list[ChangeEdge] = strawberry.field(description="The page's changes with their cursors.")
    nodes: list[Change] = strawberry.field(description="The page's changes.")
    page_info: PageInfo = strawberry.field(
        description="`hasNextPage`: whether the feed goes on; `endCursor`: pass it as `after` next time."
    )


def connection_of(page: ChangePage, after: str | None) -> ChangeConnection:
    nodes = [Change.of(e, page.key) for e in page.events]
    end = encode_change_cursor(page.end, page.key)
    return ChangeConnection(
        edges=[ChangeEdge(cursor=n.cursor, node=n) for n in nodes],
        nodes=nodes,
        page_info=PageInfo(
            has_next_page=page.has_more,
            has_previous_page=after is not None,
            start_cursor=nodes[0].cursor if nodes else None,
            end_cursor=end,
        ),
    )


ChangesAfter = Annotated[
    str | None,
    strawberry.argument(
        description="A cursor from an earlier change or page: only changes after it. The query "
        "starts at the oldest change kept when omitted; the subscription at the next change."
    ),
]
ChangesUnder = Annotated[
    str | None,
    strawberry.argument(
        description="An organization code: only objects in its subtree (within the caller's scope), "
        "e.g. QX-T01."
    ),
]
ChangesTypes = Annotated[
    list[str] | None,
    strawberry.argument(description='Only objects of these types, e.g. ["Person", "Position"].'),
]


def types_of(types: Sequence[str] | None) -> frozenset[str] | None:
    """The `types` argument checked against the types the feed names."""
    if types is None:
        return None
    unknown = sorted(set(types) - TRACKED_TYPES)
    if unknown:
        raise BadInput(
            f"types: the feed names no {', '.join(unknown)}; it names {', '.join(sorted(TRACKED_TYPES))}",
            argument="types",
        )
    return frozenset(types)


@strawberry.type(description="The change feed's page (part of Query).")
class ChangesQuery:
    @strawberry.field(
        description="What changed, oldest first, after `after`: one change per committed write, "
        "cut down to the caller's scope (docs/changes.md). Changes written straight into Neo4j are not in it."
    )
    async def changes(
        self,
        info: Info,
        after: ChangesAfter = None,
        first: First = None,
        under: ChangesUnder = None,
        types: ChangesTypes = None,
    ) -> ChangeConnection:
        page = info.context.page(info, first, None)
        found = await info.context.loaders.changes(after, page.first, under=under, types=types_of(types))
        return connection_of(found, after)


@strawberry.type(description="Live data: changes as they commit.")
class Subscription:
    @strawberry.subscription(
        description="Every change after `after` (replayed), then each new one as it commits, in order, "
        "each once, cut down to the caller's scope. Resume with the last change's cursor after a reconnect."
    )
    async def changes(
        self, info: Info, after: ChangesAfter = None, under: ChangesUnder = None, types: ChangesTypes = None
    ) -> AsyncGenerator[Change, None]:
        feed = info.context.feed
        if feed is None:
            raise BadInput("this server does not stream changes")
        async for event, key in feed.stream(info.context, after, under=under, types=types_of(types)):
            yield Change.of(event, key)
