"""The printed SDL is kept in schema.graphql so every schema change shows in review.

Run `make schema` (`orggraph schema --subgraph > schema.graphql`) after changing the schema.
"""

from __future__ import annotations

from pathlib import Path

from schema.build import subgraph_sdl

SNAPSHOT = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_matches_the_committed_sdl() -> None:
    printed = subgraph_sdl() + "\n"
    assert SNAPSHOT.read_text(encoding="utf-8") == printed, (
        "schema changed: run `make schema` and review the diff"
    )
