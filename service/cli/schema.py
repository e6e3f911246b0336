"""`orggraph schema`: print the GraphQL SDL, plain or as a federation subgraph."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "schema", help="print the GraphQL schema (SDL) clients load (schema.graphql)"
    )
    p.add_argument(
        "--subgraph",
        action="store_true",
        help="the Apollo Federation subgraph SDL instead (@link, @key, _entities, _service: what a "
        "gateway or rover composes, committed as schema.subgraph.graphql)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from schema.build import plain_sdl, subgraph_sdl

    print(subgraph_sdl() if args.subgraph else plain_sdl())
    return 0
