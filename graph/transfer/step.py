"""How one file of an import folder is written (`Step`): the Cypher that reads
the current state of its rows by their identity, and the Cypher that creates new
rows and updates changed ones. `graph.transfer.node_files` and
`graph.transfer.link_files` hold the steps; `graph.transfer.writer` runs them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, LiteralString

from graph.transfer.formats import GridRow, HouseholdRow, OrganizationRow, PersonRow


@dataclass(frozen=True)
class Step:
    """How one file is written: reading the current state of its rows by their
    identity (`keys`), then writing new rows with `create` and changed ones with
    `update`. A node file's rows also name one relationship (`link`: the parent,
    grid, household), which `update` re-points when `relink` is set."""

    state: LiteralString
    create: LiteralString
    update: LiteralString
    keys: tuple[str, ...]
    fields: tuple[str, ...]  # what the state holds, compared with the row
    params: Callable[[Any], dict[str, Any]]


def new_node(row: OrganizationRow | GridRow | HouseholdRow | PersonRow) -> dict[str, Any]:
    """A node row's identity: its code, and the id it gets if it is new."""
    return {"code": row.code, "id": str(uuid.uuid4())}


def optional_name(value: object) -> str | None:
    """An enum member's name as stored, or None for an empty cell."""
    return None if value is None else str(value)
