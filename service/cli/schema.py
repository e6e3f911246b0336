"""`orggraph schema`: print the GraphQL SDL (the committed schema.graphql)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from schema.build import schema

    print(schema.as_str())
    return 0
