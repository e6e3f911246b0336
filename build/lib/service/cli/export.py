"""`orggraph export DIR`: write the graph as the folder of CSV files that
`orggraph import` reads.

    orggraph export DIR [--bom] [--quiet]

Writes all nine files (creating DIR if needed, replacing files of the same
names), in a deterministic order. `--bom` starts each file with a UTF-8
byte-order mark, which Excel needs to show Chinese text correctly.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from graph.driver import Database
from graph.transfer.exporter import ExportSummary, export_folder
from service.settings import Settings

EXPORT_QUERY_TIMEOUT = 600.0


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="export the graph as a folder of CSV files",
        description="Write organizations, grids, households, people, positions, coverage, guidance, "
        "mentorships and milestones as CSV files that `orggraph import` reads back.",
    )
    p.add_argument("folder", metavar="DIR", type=Path, help="where to write the CSV files")
    p.add_argument(
        "--bom", action="store_true", help="start each file with a UTF-8 byte-order mark (for Excel)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    summary = asyncio.run(_export(Settings(), args))
    if not args.quiet:
        print(summary.format())
    return 0


async def _export(settings: Settings, args: argparse.Namespace) -> ExportSummary:
    db = Database(settings.connection, query_timeout=max(settings.query_timeout, EXPORT_QUERY_TIMEOUT))
    try:
        return await export_folder(
            db, args.folder, progress=not args.quiet and sys.stderr.isatty(), bom=args.bom
        )
    finally:
        await db.close()
