"""`search`: find anyone by a piece of text, in Chinese or pinyin (graph.search)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph import model
from graph.search import Hit, SearchArgs, SearchType
from schema.arguments import After, First
from schema.context import Info
from schema.enums import describe_values
from schema.organization import Organization
from schema.person import Person
from schema.place import Grid, Household
from schema.relay import Connection, connection, expect_global_id

strawberry.enum(SearchType, description="A kind of object `search` may find.")
describe_values(
    SearchType,
    {
        "PERSON": "People (人员), by name, code or pinyin.",
        "ORGANIZATION": "Organizations (组织), by name, code or pinyin.",
        "HOUSEHOLD": "Households (户), by address or code.",
        "GRID": "Grids (网格), by name or code.",
    },
)

SearchResult = Annotated[
    Person | Organization | Household | Grid,
    strawberry.union(
        "SearchResult", description="What a search found: a person, organization, household or grid."
    ),
]


def _wrap(hit: Hit) -> Person | Organization | Household | Grid:
    if isinstance(hit, model.Person):
        return Person.of(hit)
    if isinstance(hit, model.Organization):
        return Organization.of(hit)
    if isinstance(hit, model.Household):
        return Household.of(hit)
    return Grid.of(hit)


@strawberry.type
class SearchQuery:
    """The search entry point, mixed into the Query root."""

    @strawberry.field(
        description="People (name, code, pinyin), organizations (name, code, pinyin), households "
        "(address, code) and grids (name, code) matching `text`, best match first, then by code. "
        "Chinese text matches within names and addresses, one character (a surname, 王) too; text "
        "without Chinese matches codes and pinyin: full (`wangfang`, `wang fang`), initials (`wf`) "
        "or a prefix (`wangf`). Only the caller's scope is searched (or the subtree of `under`, "
        "an organization id); for VIEWER and ANALYST a household is found by its code or the "
        "unmasked part of its address only."
    )
    async def search(
        self,
        info: Info,
        text: Annotated[
            str,
            strawberry.argument(
                description="What to look for: Chinese (王, 王芳, 郭园村), pinyin (wangfang, wf) or a code."
            ),
        ],
        under: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only this organization's subtree (a global id); default the scope."
            ),
        ] = None,
        types: Annotated[
            list[SearchType] | None,
            strawberry.argument(description="Only these kinds of object (default: all four)."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[SearchResult]:
        args = SearchArgs(
            text=text,
            under=expect_global_id(under, "Organization", argument="under") if under else None,
            types=tuple(types or ()),
        )
        page = await info.context.loaders.search(args, info.context.page(info, first, after))
        return connection(page, _wrap, after)
