"""Import throughput (`make bench-import`): the county-scale seed exported to CSV,
imported into an empty database, and exported again.

    python -m bench.import_throughput [--scale county] [--seed 2021]

Runs its own Neo4j `bench-import` (port 7743, or ORGGRAPH_BENCH_IMPORT_NEO4J_PORT;
data rebuilt at every run, the server stopped afterwards), so it touches neither
the dev, test nor the other benchmarks' databases. Steps: seed, export, wipe,
import (timed: validation and writing), count what the import wrote, export
again and compare the two folders byte for byte, then import the same folder
once more (timed; it must change nothing). Prints the figures as JSON;
the headline is `graph_rows_per_second`: nodes and relationships written per
second of writing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PASSWORD, commit, load_average, machine
from graph import launcher
from graph.driver import Database
from graph.seed import counts, seed, wipe
from graph.seed_data import DEFAULT_SEED, SCALES
from graph.transfer.exporter import export_folder
from graph.transfer.importer import import_folder

PORT = int(os.environ.get("ORGGRAPH_BENCH_IMPORT_NEO4J_PORT", "7743"))
INSTANCE = launcher.Instance(
    name="bench-import", port=PORT, password=PASSWORD, pagecache_mb=1024, heap_mb=2048
)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


async def measure(db: Database, scale: str, seed_number: int, work: Path) -> dict[str, Any]:
    seeded = await seed(db, scale, seed_number, force=True)
    exported = await export_folder(db, work / "first")
    await wipe(db)
    started = time.perf_counter()
    imported = await import_folder(db, work / "first")
    total_seconds = time.perf_counter() - started
    nodes, relationships = await counts(db)
    graph_rows = sum(nodes.values()) + sum(relationships.values())
    await export_folder(db, work / "second")
    identical = _files(work / "first") == _files(work / "second")
    started = time.perf_counter()
    repeated = await import_folder(db, work / "first")
    repeat_seconds = time.perf_counter() - started
    return {
        "scale": scale,
        "seed": seed_number,
        "csv_rows": imported.rows,
        "graph_rows": graph_rows,
        "graph_rows_seeded": seeded.rows,
        "nodes": nodes,
        "relationships": relationships,
        "validate_seconds": round(imported.validate_seconds, 2),
        "write_seconds": round(imported.write_seconds, 2),
        "import_seconds": round(total_seconds, 2),
        "graph_rows_per_second": round(graph_rows / imported.write_seconds),
        "csv_rows_per_second": round(imported.rows / imported.write_seconds),
        "graph_rows_per_second_with_validation": round(graph_rows / total_seconds),
        "export_seconds": round(exported.seconds, 2),
        "round_trip_identical": identical,
        "reimport_seconds": round(repeat_seconds, 2),
        "reimport_changed_rows": sum(c.created + c.updated for c in repeated.files.values()),
    }


async def run(scale: str, seed_number: int) -> dict[str, Any]:
    connection = launcher.start(INSTANCE, fresh=True)
    db = Database(connection, query_timeout=600.0)
    try:
        with tempfile.TemporaryDirectory(prefix="orggraph-import-") as work:
            figures = await measure(db, scale, seed_number, Path(work))
    finally:
        await db.close()
        launcher.stop(INSTANCE)
    return {
        "benchmark": "import",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        **figures,
        "load_average": load_average(),
        "machine": machine(),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.import_throughput", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", choices=list(SCALES), default="county")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = p.parse_args(argv)
    result = asyncio.run(run(args.scale, args.seed))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["round_trip_identical"] and result["reimport_changed_rows"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
