"""Entry point of the `orggraph` console script."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from graph.errors import OrgGraphError
from graph.launcher import LauncherError
from service.cli import aggregates, backup, export, import_, neo4j, schema, seed, serve, token

COMMANDS = (serve, seed, neo4j, schema, token, import_, export, backup, aggregates)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orggraph", description="OrgGraph: the organization graph on Neo4j, served as GraphQL."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except (LauncherError, OrgGraphError) as e:
        print(f"orggraph: {e}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
