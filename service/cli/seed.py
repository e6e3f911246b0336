"""`orggraph seed`: load the deterministic demo county into Neo4j.

    orggraph seed [--scale tiny|small|medium|county|city] [--seed N] [--force | --if-empty] [--quiet]
                  [--bulk [--name NAME]]

Connects like the service does (NEO4J_URI etc., else the project-run local
server). Refuses a database that already holds data unless --force (wipe it
first) or --if-empty (do nothing, successfully: what `make run` uses).
--bulk writes the project's own Neo4j's store with the offline importer
instead (graph/bulk_seed.py: stopped, imported, started); with NEO4J_URI set
it is refused.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from typing import Any

from graph.bulk_seed import bulk_seed
from graph.driver import Database
from graph.errors import BadInput
from graph.seed import SeedSummary, seed
from graph.seed_data import DEFAULT_SEED, SCALES
from service.settings import Settings

# Loading batches and wiping take longer than the API's query timeout allows.
SEED_QUERY_TIMEOUT = 3600.0


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "seed",
        help="load the deterministic demo data into an empty database",
        description="Generate a demo county (villages, boards, grids, households, coverage, "
        "mentoring, the cadre pipeline) from a seed and load it into Neo4j.",
    )
    p.add_argument(
        "--scale",
        choices=list(SCALES),
        default="small",
        help="tiny (tests), small (default, seconds), medium (~100 villages), "
        "county (~350 villages, ~100,000 households, a minute or two), "
        "city (five counties, ~1,600 villages, ~490,000 households, ~1,000,000 people)",
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    existing = p.add_mutually_exclusive_group()
    existing.add_argument("--force", action="store_true", help="delete everything in the database first")
    existing.add_argument(
        "--if-empty", action="store_true", help="do nothing (and succeed) when the database holds data"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument(
        "--bulk",
        action="store_true",
        help="write the project's own Neo4j's store with neo4j-admin's offline importer (stops and "
        "starts it; 3-4x faster than Bolt at county scale); not with NEO4J_URI",
    )
    p.add_argument("--name", default="dev", help="with --bulk: instance folder under .neo4j/ (default dev)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    summary = asyncio.run(_seed(settings, args))
    if summary.skipped:
        print(f"orggraph seed: {summary.format()}", file=sys.stderr)
    elif not args.quiet:
        print(summary.format())
    return 0


async def _seed(settings: Settings, args: argparse.Namespace) -> SeedSummary:
    progress = not args.quiet and sys.stderr.isatty()
    if args.name != "dev" and not args.bulk:
        raise BadInput(
            "--name chooses the instance --bulk writes; without --bulk it means nothing", argument="name"
        )
    if args.bulk:
        if settings.neo4j_uri:
            raise BadInput(
                f"--bulk writes the store of the project's own Neo4j, but NEO4J_URI is set "
                f"({settings.neo4j_uri}); seed that server without --bulk",
                argument="bulk",
            )
        instance = replace(settings.instance, name=args.name)
        return await bulk_seed(
            instance, args.scale, args.seed, force=args.force, if_empty=args.if_empty, progress=progress
        )
    db = Database(settings.connection, query_timeout=max(settings.query_timeout, SEED_QUERY_TIMEOUT))
    try:
        return await seed(
            db,
            args.scale,
            args.seed,
            force=args.force,
            if_empty=args.if_empty,
            progress=progress,
        )
    finally:
        await db.close()
