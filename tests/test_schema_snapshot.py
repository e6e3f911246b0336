"""The printed schemas are committed so every schema change shows in review:
schema.graphql, the plain schema clients load, and schema.subgraph.graphql, the
federation subgraph SDL a gateway composes (also served as `_service { sdl }`).

Run `make schema` after changing the schema.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schema.build import plain_sdl, subgraph_sdl

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("file", "printed"), [("schema.graphql", plain_sdl), ("schema.subgraph.graphql", subgraph_sdl)]
)
def test_schema_matches_the_committed_sdl(file: str, printed: object) -> None:
    assert callable(printed)
    assert (ROOT / file).read_text(encoding="utf-8") == printed() + "\n", (
        f"the schema changed: run `make schema` and review the diff of {file}"
    )


def test_the_client_schema_is_the_subgraph_without_federation() -> None:
    client, subgraph = plain_sdl(), subgraph_sdl()
    for machinery in ("@link", "@key", "_entities", "_service", "_Any", "_Entity"):
        assert machinery not in client
        assert machinery in subgraph
