"""`orggraph import DIR`: load a folder of CSV files into Neo4j.

    orggraph import DIR [--batch-size N] [--quiet]

Validates every file first and prints each problem as `file:line: column:
reason` (exit status 1, nothing written); otherwise writes in batches, with a
progress bar on a terminal, and prints what each file created, updated or left
unchanged. Importing the same folder again changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from graph.constraints import apply_constraints
from graph.driver import Database
from graph.transfer.formats import FILES
from graph.transfer.importer import ImportSummary, InvalidFolder, import_folder
from graph.transfer.writer import BATCH_SIZE
from service.settings import Settings

# Batches and lookups of a county take longer than the API's query timeout allows.
IMPORT_QUERY_TIMEOUT = 600.0


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_format_help(),
        help='import a folder of CSV files (see the README\'s "Import and export")',
        description="Validate a folder of CSV files (organizations.csv, grids.csv, households.csv, "
        "people.csv, positions.csv, coverage.csv, guidance.csv, mentorships.csv, milestones.csv; "
        "any subset) and, when nothing is wrong, write it idempotently.",
    )
    p.add_argument("folder", metavar="DIR", type=Path, help="the folder holding the CSV files")
    p.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help=f"rows per transaction (default {BATCH_SIZE})"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(run=run)


def _format_help() -> str:
    """The files and their columns (required ones starred), from graph.transfer.formats."""
    lines = ["files and columns (* required; rows refer to each other by code):"]
    for fmt in FILES:
        lines.append(f"  {fmt.name} (a row is identified by {fmt.identity})")
        lines += [f"    {c.name + ('*' if c.required else ''):<17} {c.meaning}" for c in fmt.columns]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        summary = asyncio.run(_import(Settings(), args))
    except InvalidFolder as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        print(f"orggraph import: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(summary.format())
    return 0


async def _import(settings: Settings, args: argparse.Namespace) -> ImportSummary:
    db = Database(settings.connection, query_timeout=max(settings.query_timeout, IMPORT_QUERY_TIMEOUT))
    try:
        await apply_constraints(db)
        return await import_folder(
            db, args.folder, progress=not args.quiet and sys.stderr.isatty(), batch_size=args.batch_size
        )
    finally:
        await db.close()
