"""What every resolver gets as `info.context`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from graph.access import Access
from graph.audit import Ref, Trail
from graph.driver import Database
from graph.errors import Forbidden
from graph.model import PageArgs
from loaders import Loaders
from schema.relay import page_args


@dataclass
class Context:
    """One request's context: the caller, her loaders (which carry her scope and
    masking into every query), the audit trail, today, and limits."""

    loaders: Loaders
    today: dt.date
    access: Access
    trail: Trail
    default_page_size: int = 20
    max_page_size: int = 100
    board_min: int = 7
    board_max: int = 15
    # Aggregates over fewer people (or households) than this are withheld from
    # callers who may not see what they count (graph/analytics, docs/access.md).
    min_group_size: int = 5
    request: Any = None
    response: Any = None
    # The process's change feed (service/feed.py) for subscriptions, and when
    # the caller's token expires (epoch seconds; None: never, or no token).
    feed: Any = None
    expires: float | None = None
    _pending: dict[str, list[Ref]] = field(default_factory=dict)

    def require_analyst(self) -> None:
        """Aggregates over the scope are for ANALYST, EDITOR and ADMIN."""
        if not self.access.may_analyze:
            raise Forbidden("aggregate figures need the ANALYST, EDITOR or ADMIN role")

    def require_editor(self) -> None:
        if not self.access.may_write:
            raise Forbidden("changing the graph needs the EDITOR or ADMIN role")

    def require_admin(self) -> None:
        if not self.access.may_audit:
            raise Forbidden("the audit log is for the ADMIN role")

    def require_reveal(self, what: str) -> None:
        """Filtering by personal data reveals it; only EDITOR and ADMIN may."""
        if not self.access.reveal:
            raise Forbidden(f"{what} needs the EDITOR or ADMIN role")

    def touches(self, info: Info, type_name: str, raw_id: str, argument: str) -> str:
        """Note an object the mutation at `info` names: its write transaction checks
        it is in the caller's scope and lists it in the audit event. Returns `raw_id`."""
        self._refs(info).append(Ref(type_name, raw_id, argument))
        return raw_id

    def writer(self, info: Info) -> Database:
        """The database the mutation at `info` writes through: the request's, with
        a trail carrying that mutation's name and the objects it names."""
        trail = replace(
            self.trail, operation=_operation(self.trail.operation, info.field_name), step=str(info.path.key)
        )
        trail.refs = self._refs(info)
        trail.side_effects = []
        return self.loaders.db.for_caller(self.access, trail)

    def _refs(self, info: Info) -> list[Ref]:
        # Keyed by response key: one request may run several mutations (aliases).
        return self._pending.setdefault(str(info.path.key), [])

    def page(self, info: Info, first: int | None, after: str | None) -> PageArgs:
        """Page arguments of a connection field, asking for the total only when
        the query selects `totalCount`."""
        return page_args(
            first,
            after,
            default=self.default_page_size,
            maximum=self.max_page_size,
            total=selects(info, "totalCount"),
        )


Info = strawberry.Info[Context, None]


def _operation(operation: str | None, field_name: str) -> str:
    """How an audit event names a mutation: `OperationName/fieldName`."""
    return f"{operation}/{field_name}" if operation else field_name


def selects(info: Info, name: str) -> bool:
    """Whether the current field's selection asks for `name` (through fragments too)."""
    return any(_selects(field.selections, name) for field in info.selected_fields)


def _selects(selections: list[SelectedField | FragmentSpread | InlineFragment], name: str) -> bool:
    for s in selections:
        if isinstance(s, SelectedField):
            if s.name == name:
                return True
        elif _selects(s.selections, name):
            return True
    return False
