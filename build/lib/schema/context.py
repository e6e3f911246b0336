"""What every resolver gets as `info.context`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from graph.model import PageArgs
from loaders import Loaders
from schema.relay import page_args


@dataclass
class Context:
    """One request's context: its loaders, its notion of today, and limits."""

    loaders: Loaders
    today: dt.date
    default_page_size: int = 20
    max_page_size: int = 100
    board_min: int = 7
    board_max: int = 15
    request: Any = None
    response: Any = None

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
