"""Arguments many fields share, each described once: paging, the day asked
about, lookups by id or code, and the filters of organizations and households.

Use them as the argument's annotation, e.g. `first: First = None`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from schema.enums import HouseholdTag, Level, OrgKind, Role

First = Annotated[
    int | None,
    strawberry.argument(
        description="How many items to return: default 20 (ORGGRAPH_DEFAULT_PAGE_SIZE), at most 100 "
        "(ORGGRAPH_MAX_PAGE_SIZE)."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Return the items after this cursor: the previous page's `pageInfo.endCursor` "
        "(or an edge's `cursor`)."
    ),
]

AsOf = Annotated[dt.date | None, strawberry.argument(description="The day asked about; default today.")]
ActiveOn = Annotated[
    dt.date | None,
    strawberry.argument(description="Terms running on this day; default today. Ignored with `history`."),
]
History = Annotated[
    bool,
    strawberry.argument(description="Every one ever recorded, ended ones too, instead of those of one day."),
]
LinksOn = Annotated[
    dt.date | None,
    strawberry.argument(description="Links running on this day; default today. Ignored with `history`."),
]

LookupId = Annotated[
    strawberry.ID | None, strawberry.argument(description="Its global id (any `id` field); or give `code`.")
]
LookupCode = Annotated[
    str | None, strawberry.argument(description="Its human-readable code, e.g. P0000067; or give `id`.")
]
Under = Annotated[
    strawberry.ID,
    strawberry.argument(description="The global id of the organization whose subtree is asked about."),
]

ByKind = Annotated[
    OrgKind | None, strawberry.argument(description="Only organizations of this kind, e.g. FEDERATION 妇联.")
]
ByLevel = Annotated[
    Level | None, strawberry.argument(description="Only organizations at this level, e.g. VILLAGE 村/社区.")
]
ByRole = Annotated[
    Role | None, strawberry.argument(description="Only terms of this role, e.g. EXECUTIVE 执委.")
]
ByTag = Annotated[
    HouseholdTag | None,
    strawberry.argument(
        description="Only households with this tag, e.g. LEFT_BEHIND_CHILD 留守儿童 (a care tag needs "
        "EDITOR or ADMIN)."
    ),
]
