"""Relay plumbing: opaque global ids, cursors, page arguments and connections.

A global id is base64url("<Type>:<id>"); a cursor is base64url("k:<sort key>").
Both are opaque to clients; a malformed one is a BAD_USER_INPUT error.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from graph.errors import BadInput
from graph.model import Page, PageArgs

T = TypeVar("T")
R = TypeVar("R")


def to_global_id(type_name: str, raw_id: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode().rstrip("=")


def from_global_id(global_id: str, *, argument: str = "id") -> tuple[str, str]:
    """(type name, raw id) of a global id, or BadInput."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw_id = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        type_name, raw_id = "", ""
    if not type_name or not raw_id:
        raise BadInput(f"{global_id!r} is not a valid id", argument=argument)
    return type_name, raw_id


def expect_global_id(global_id: str, type_name: str, *, argument: str = "id") -> str:
    """The raw id of a global id that must be of `type_name`."""
    actual, raw_id = from_global_id(global_id, argument=argument)
    if actual != type_name:
        raise BadInput(f"{argument} must be the id of a {type_name}, not of a {actual}", argument=argument)
    return raw_id


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(f"k:{sort_key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("k:"):
        raise BadInput(f"{cursor!r} is not a valid cursor", argument="after")
    return text[2:]


def page_args(first: int | None, after: str | None, *, default: int, maximum: int, total: bool) -> PageArgs:
    if first is None:
        first = default
    if first < 0 or first > maximum:
        raise BadInput(f"first must be between 0 and {maximum}, got {first}", argument="first")
    return PageArgs(first=first, after=decode_cursor(after) if after else None, total=total)


async def by_id_or_code(
    type_name: str,
    id: strawberry.ID | None,
    code: str | None,
    by_id: DataLoader[str, R | None],
    by_code: DataLoader[str, R | None],
) -> R | None:
    """Look a record up by global id or by code (exactly one of them): for root
    lookups and for federation references (@key on id and on code)."""
    if (id is None) == (code is None):
        raise BadInput(f"give exactly one of id and code to look up a {type_name}", argument="id")
    if id is not None:
        return await by_id.load(expect_global_id(id, type_name))
    assert code is not None
    return await by_code.load(code)


@strawberry.interface(description="An object with a global, opaque id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's global id: pass it to `node(id)`.")


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page (true when `after` was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item: pass it as `after` for the next page; null on "
        "an empty page."
    )


@strawberry.type(description="A node with the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Where this item sits: pass it as `after` to page on from it.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list: edges (or just nodes), page info and the list's length.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The page's items with their cursors (what Relay and Apollo's relayStylePagination "
        "accumulate page after page)."
    )
    nodes: list[T] = strawberry.field(description="The page's items, without cursors.")
    page_info: PageInfo = strawberry.field(description="Whether more follow, and the cursor to ask for them.")
    total_count: int = strawberry.field(description="How many items the whole list has.")


def connection(page: Page[R], wrap: Callable[[R], T], after: str | None) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(key), node=wrap(item)) for key, item in page.items]
    return Connection(
        edges=edges,
        nodes=[e.node for e in edges],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total if page.total is not None else -1,  # only read when selected
    )
