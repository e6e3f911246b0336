"""The bench Neo4j and its county-scale data, built once and reused.

`ensure_county()` starts the `bench` instance (port 7741) and, unless it already
holds a complete county, seeds it with `orggraph seed --scale county`. A seed
that completes leaves a marker file beside the data, so an interrupted seed is
redone (with --force) rather than measured.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from dataclasses import dataclass
from typing import LiteralString

from bench.common import BENCH_INSTANCE, BIN, database, service_env
from bench.queries import Params
from graph import launcher
from graph.driver import Connection

SCALE = "county"

COUNTS: LiteralString = """
RETURN COUNT { (:Organization) } AS organizations, COUNT { (:Person) } AS people,
       COUNT { (:Household) } AS households
"""


@dataclass(frozen=True)
class Sizes:
    organizations: int
    people: int
    households: int


async def sizes(connection: Connection) -> Sizes:
    db = database(connection)
    try:
        row = (await db.read(COUNTS))[0]
        return Sizes(row["organizations"], row["people"], row["households"])
    finally:
        await db.close()


async def ensure_county(*, log: bool = True) -> tuple[Connection, Sizes]:
    """Start the bench Neo4j (idempotent) and make sure it holds the county."""
    return await ensure(BENCH_INSTANCE, SCALE, log=log)


async def ensure(instance: launcher.Instance, scale: str, *, log: bool = True) -> tuple[Connection, Sizes]:
    """Start `instance` (idempotent) and make sure it holds a complete seed of `scale`."""
    started = time.perf_counter()
    marker = instance.home / f".seeded-{scale}"
    connection = launcher.start(instance)
    found = await sizes(connection)
    if marker.exists() and found.people > 0:
        if log:
            print(
                f"{instance.name} Neo4j on {connection.uri}: {scale} cached ({found.people:,} people)",
                flush=True,
            )
        return connection, found
    if log:
        print(f"seeding the {scale} into the {instance.name} Neo4j (first run only)…", flush=True)
    marker.unlink(missing_ok=True)
    cmd = [str(BIN / "orggraph"), "seed", "--scale", scale, "--force"]
    done = subprocess.run(cmd, env=service_env(connection), check=True, capture_output=True, text=True)
    summary = done.stdout.strip()
    (instance.home / f"seed-{scale}.txt").write_text(summary + "\n")
    marker.write_text(scale)
    found = await sizes(connection)
    if log:
        print(f"seeded in {time.perf_counter() - started:.0f} s: {summary}", flush=True)
    return connection, found


PARAMS: LiteralString = """
MATCH (county:Organization {kind: 'FEDERATION', level: 'COUNTY'})
WITH county ORDER BY county.code LIMIT 1
CALL (county) {
  MATCH (county)<-[:PART_OF]-(t:Organization {kind: 'FEDERATION', level: 'TOWNSHIP'})
  RETURN t.code AS township ORDER BY t.code LIMIT 1
}
CALL () {
  MATCH (p:Person) WITH p ORDER BY p.code SKIP $offset LIMIT 1 RETURN p.code AS deep
}
CALL () {
  MATCH (r:Person) WHERE EXISTS { (r)-[:MENTORS]->() } AND NOT EXISTS { (r)<-[:MENTORS]-() }
  WITH r, COUNT { (r)-[:MENTORS*1..4]->() } AS lineage
  RETURN r.code AS root ORDER BY lineage DESC, root LIMIT 1
}
RETURN county.code AS county, county.id AS countyId, township, deep, root
"""
DEEP_ROW = 50_000


async def params(connection: Connection) -> Params:
    """The codes and cursors the query shapes need (see `bench.queries.Params`)."""
    db = database(connection)
    try:
        row = (await db.read(PARAMS, offset=DEEP_ROW - 1))[0]
    finally:
        await db.close()
    return Params(
        county=row["county"],
        township=row["township"],
        deep_after_code=row["deep"],
        deep_after_offset=DEEP_ROW - 1,
        lineage_root=row["root"],
        county_id=row["countyId"],
    )


def stop() -> None:
    launcher.stop(BENCH_INSTANCE)


if __name__ == "__main__":
    asyncio.run(ensure_county())
