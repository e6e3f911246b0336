"""`orggraph seed --bulk`: the demo county (or city) written straight into the
store of the project's own Neo4j by its offline importer.

A Bolt load is bounded by Neo4j's own CPU per written row (about 65 µs on the
2-core machine: 15-30k rows/s whatever the client does). The offline importer
(`neo4j-admin database import full`) writes the store files directly, so the
bulk seed:

1. generates the dataset as CSV (`graph.bulk_csv`; a city's counties in
   worker processes) while a running instance shuts down,
2. holds the stopped instance (under `graph.backup.maintenance`, so a supervising
   `orggraph neo4j run` does not restart it), replaces its `neo4j` database
   by the import, and starts it again,
3. gives tagless households their empty tag list (which CSV cannot carry),
   creates the constraints and indexes (`graph.constraints`), and
4. rebuilds the coverage tallies (`graph.aggregates`), as `graph.seed` does.

Only a launcher instance (`graph.launcher`) has a store this process owns; a
server given by NEO4J_URI is seeded through Bolt (`graph.seed`).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import LiteralString

from graph import aggregates, launcher
from graph.backup import maintenance
from graph.bulk_csv import import_arguments, write_headers, write_part
from graph.constraints import apply_constraints
from graph.driver import Database
from graph.launcher import Instance, LauncherError
from graph.seed import SeedSummary, check_arguments, counts, has_data, not_empty
from graph.seed_data import DEFAULT_SEED, parts_of

ADMIN_TOOL = "org.neo4j.cli.AdminTool"
DATABASE = "neo4j"  # the launcher's default database
# The importer's own memory: its heap, and what it may take beside it for the
# id mapping and caches (by default 90% of the machine's, which others share).
IMPORT_HEAP = "1g"
IMPORT_OFF_HEAP = "2G"
QUERY_TIMEOUT = 3600.0

# A batch of tagless households (as graph.seed.wipe's), a write transaction each.
EMPTY_TAGS: LiteralString = """
MATCH (h:Household) WHERE h.tags IS NULL
WITH h LIMIT $batch
SET h.tags = []
RETURN count(h) AS tagged
"""
EMPTY_TAGS_BATCH = 20_000


async def bulk_seed(
    instance: Instance,
    scale: str = "small",
    seed: int = DEFAULT_SEED,
    *,
    force: bool = False,
    if_empty: bool = False,
    progress: bool = False,
) -> SeedSummary:
    """Seed the instance's store by the offline importer and leave it running.

    Raises NotEmpty when its database holds an organization graph, unless
    `if_empty` (nothing is done; the summary says `skipped`) or `force` (the
    database is replaced: everything in it, constraints included, is gone);
    BadInput for an unknown scale; LauncherError when the importer fails."""
    check_arguments(scale, force=force, if_empty=if_empty)
    was_running = launcher.running_pid(instance) is not None
    if await _holds_data(instance) and not force:
        if not was_running:
            launcher.stop(instance)  # started only to be asked
        if if_empty:
            return SeedSummary(scale, seed, skipped=True)
        raise not_empty()
    folder = instance.home / "bulk-import"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        with maintenance(instance), ThreadPoolExecutor(max_workers=1) as stopping:
            started = time.perf_counter()
            # A running instance shuts down (a checkpoint) while the CSV is written.
            stopped = stopping.submit(launcher.stop, instance)
            _say(progress, f"generating the {scale} scale as CSV…")
            rows = write_csv(scale, seed, folder)
            stopped.result()
            written = time.perf_counter()
            _say(progress, f"importing {rows:,} rows…")
            run_import(instance, folder, parts_of(scale))
            imported = time.perf_counter()
            launcher.start(instance)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ready = time.perf_counter()
    db = Database(instance.connection, query_timeout=QUERY_TIMEOUT)
    try:
        await _set_empty_tags(db)
        tagged = time.perf_counter()
        _say(progress, "building the constraints and indexes…")
        await apply_constraints(db)
        built = time.perf_counter()
        _say(progress, "rebuilding the coverage tallies…")
        await aggregates.rebuild(db, dt.date.today())
        tallied = time.perf_counter()
        nodes, relationships = await counts(db)
    finally:
        await db.close()
    return SeedSummary(
        scale,
        seed,
        nodes,
        relationships,
        rows,
        written - started,
        tallied - written,
        index_seconds=built - tagged,
        phases={
            "generate+CSV": written - started,
            "import": imported - written,
            "start": ready - imported,
            "empty tags": tagged - ready,
            "indexes": built - tagged,
            "tallies": tallied - built,
        },
    )


def write_csv(scale: str, seed: int, folder: Path) -> int:
    """Write the headers and every part's data files; returns the rows written.
    Several parts (a city) are generated in worker processes, one more than
    there are cores: five equal counties then take 2.5 rounds, not 3."""
    write_headers(folder)
    parts = parts_of(scale)
    if parts == 1:
        return write_part(scale, seed, 0, folder)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min((os.cpu_count() or 1) + 1, parts), mp_context=context) as pool:
        # The largest parts (counties) first, the city's own organization last.
        order = [*range(1, parts), 0]
        futures = [pool.submit(write_part, scale, seed, p, folder) for p in order]
        return sum(f.result() for f in futures)


def run_import(instance: Instance, folder: Path, parts: int) -> None:
    """Replace the stopped instance's database by the CSV files in `folder`."""
    classpath = launcher.ensure_runtime(instance.cache_dir)
    java = shutil.which("java")
    if java is None:
        raise LauncherError("Java 17+ is needed to run Neo4j's importer")
    for store in ("databases", "transactions"):
        shutil.rmtree(instance.home / "data" / store / DATABASE, ignore_errors=True)
    cmd = [
        java, f"-Xmx{IMPORT_HEAP}", "-cp", classpath, ADMIN_TOOL, "database", "import", "full",
        *import_arguments(folder, parts),
        "--overwrite-destination=true", f"--max-off-heap-memory={IMPORT_OFF_HEAP}",
        f"--report-file={folder / 'import.report'}", DATABASE,
    ]  # fmt: skip
    # NEO4J_CONF: a folder without neo4j.conf, so the launcher's defaults apply.
    env = {**os.environ, "NEO4J_HOME": str(instance.home), "NEO4J_CONF": str(folder)}
    log = folder / "import.log"
    with log.open("w") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise LauncherError(f"Neo4j's importer failed (exit {done.returncode}):\n{tail}")


async def _holds_data(instance: Instance) -> bool:
    """Whether the instance's database holds an organization graph (a store
    that exists is started to be asked)."""
    running = launcher.running_pid(instance) is not None
    if not running:
        launcher.check_port_free(instance)
    if not running and not (instance.home / "data" / "databases" / DATABASE).exists():
        return False
    launcher.start(instance)
    db = Database(instance.connection, query_timeout=QUERY_TIMEOUT)
    try:
        return await has_data(db)
    finally:
        await db.close()


async def _set_empty_tags(db: Database) -> None:
    """Households without tags get `tags: []`, as the Bolt seed writes them."""
    while (await db.write(EMPTY_TAGS, batch=EMPTY_TAGS_BATCH))[0]["tagged"]:
        pass


def _say(progress: bool, line: str) -> None:
    if progress:
        print(line, file=sys.stderr, flush=True)
