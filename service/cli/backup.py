"""`orggraph backup DIR` and `orggraph restore DIR`: consistent copies of the
project's own Neo4j (graph/backup.py says how and why it stops for the copy).

    orggraph backup DIR     # DIR new or empty; Neo4j is stopped, copied, started
    orggraph restore DIR    # the current data is kept aside, DIR's is started

For a server given by NEO4J_URI use neo4j-admin (docs/operations.md, Backups).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from graph.backup import backup, restore
from service.settings import Settings


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "backup",
        help="copy the local Neo4j's data, consistently (it is stopped for the copy)",
        description="Stop the project's own Neo4j, copy all of its data (every node and relationship "
        "with its ids, the audit log, users) into DIR with a manifest, and start it again.",
    )
    p.add_argument("folder", metavar="DIR", type=Path, help="a new or empty folder")
    p.add_argument("--name", default="dev", help="instance folder under .neo4j/ (default dev)")
    p.set_defaults(run=run_backup)
    r: argparse.ArgumentParser = sub.add_parser(
        "restore",
        help="replace the local Neo4j's data by a backup",
        description="Stop the project's own Neo4j, set its data aside, copy the backup in DIR into "
        "its place and start it. Everything written after the backup is not in it.",
    )
    r.add_argument("folder", metavar="DIR", type=Path, help="a folder written by `orggraph backup`")
    r.add_argument("--name", default="dev", help="instance folder under .neo4j/ (default dev)")
    r.set_defaults(run=run_restore)


def _local(settings: Settings) -> bool:
    if settings.neo4j_uri:
        print(
            f"orggraph: NEO4J_URI is set ({settings.neo4j_uri}); back that server up with neo4j-admin "
            "(docs/operations.md, Backups)",
            file=sys.stderr,
        )
        return False
    return True


def run_backup(args: argparse.Namespace) -> int:
    settings = Settings()
    if not _local(settings):
        return 1
    manifest = backup(replace(settings.instance, name=args.name), args.folder)
    print(f"backed up to {args.folder}: {manifest.format_summary()}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    settings = Settings()
    if not _local(settings):
        return 1
    print(restore(replace(settings.instance, name=args.name), args.folder).format_summary())
    return 0
