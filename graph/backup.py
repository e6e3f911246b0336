"""Backups of the project's own Neo4j: a consistent copy of everything.

Neo4j Community has no online backup, and a read transaction is not a
snapshot (it sees other transactions' commits as it goes), so a logical dump
taken while the service writes is not consistent. A backup therefore stops
the instance (a clean shutdown checkpoints the store), copies its `data`
folder (every database: the graph with its ids, visits, commitments, meetings,
the audit log and idempotency keys; and `system`), and starts it again; the
service answers SERVICE_UNAVAILABLE meanwhile and recovers by itself. A
restore stops the instance, sets the current data aside, copies the backup
in, starts it and checks the graph's counts against the backup's manifest.

While a backup or restore runs, the instance's `maintenance` file (holding
the pid of the process doing it) tells `orggraph neo4j run` (graph/supervisor.py)
not to restart the stopped instance.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, LiteralString

from neo4j import GraphDatabase

from graph import launcher
from graph.launcher import Instance, LauncherError

MANIFEST = "manifest.json"
FORMAT = "orggraph-backup-1"

COUNT_NODES: LiteralString = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label"
COUNT_RELATIONSHIPS: LiteralString = "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside the copied data."""

    format: str
    taken_at: str
    instance: str
    nodes: dict[str, int]
    relationships: dict[str, int]
    bytes: int
    seconds: float
    downtime: float  # seconds Neo4j was stopped for the copy

    def format_summary(self) -> str:
        nodes, rels = sum(self.nodes.values()), sum(self.relationships.values())
        return (
            f"{nodes:,} labelled nodes ({', '.join(f'{k} {v:,}' for k, v in self.nodes.items())}), "
            f"{rels:,} relationships, {self.bytes / 1e6:,.0f} MB, {self.seconds:.1f}s "
            f"(Neo4j stopped {self.downtime:.1f}s of it)"
        )


def backup(instance: Instance, folder: Path) -> Manifest:
    """Copy the instance's data into `folder` (new or empty), stopping it for
    the copy and starting it again if it was running."""
    if folder.exists() and any(folder.iterdir()):
        raise LauncherError(f"{folder} is not empty; back up into a new folder")
    started = time.monotonic()
    with maintenance(instance):
        was_running = launcher.running_pid(instance) is not None
        if not was_running:
            launcher.start(instance)
        # Taken just before the stop: writes in between are in the copy, not in these.
        nodes, rels = counts(instance)
        down = time.monotonic()
        launcher.stop(instance)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(instance.home / "data", folder / "data", symlinks=True)
        if was_running:
            launcher.start(instance)
        downtime = time.monotonic() - down
    manifest = Manifest(
        format=FORMAT,
        taken_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        instance=instance.name,
        nodes=nodes,
        relationships=rels,
        bytes=_size(folder / "data"),
        seconds=round(time.monotonic() - started, 1),
        downtime=round(downtime, 1),
    )
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2, ensure_ascii=False) + "\n")
    return manifest


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    aside: Path  # where the data the instance had before is kept
    nodes: dict[str, int]
    relationships: dict[str, int]
    seconds: float

    def format_summary(self) -> str:
        same = (self.nodes, self.relationships) == (self.manifest.nodes, self.manifest.relationships)
        return (
            f"restored the backup of {self.manifest.taken_at} in {self.seconds:.1f}s: "
            f"{sum(self.nodes.values()):,} labelled nodes, {sum(self.relationships.values()):,} relationships"
            + (
                ", as the manifest counted"
                if same
                else ", the manifest counted "
                f"{sum(self.manifest.nodes.values()):,} and {sum(self.manifest.relationships.values()):,} "
                "(writes between its count and the stop are in the backup)"
            )
            + f"; the data it replaced is kept in {self.aside}"
        )


def restore(instance: Instance, folder: Path) -> Restored:
    """Replace the instance's data by the backup in `folder` and start it; the
    data it had is kept aside."""
    manifest = read_manifest(folder)
    started = time.monotonic()
    with maintenance(instance):
        launcher.stop(instance)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = instance.home / f"data.before-restore-{stamp}"
        if (instance.home / "data").exists():
            (instance.home / "data").rename(aside)
        shutil.copytree(folder / "data", instance.home / "data", symlinks=True)
        launcher.start(instance)
        nodes, rels = counts(instance)
    return Restored(manifest, aside, nodes, rels, round(time.monotonic() - started, 1))


def read_manifest(folder: Path) -> Manifest:
    try:
        raw: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise LauncherError(f"{folder} holds no {MANIFEST}: not a backup of `orggraph backup`") from None
    if raw.get("format") != FORMAT or not (folder / "data").is_dir():
        raise LauncherError(f"{folder} is not a complete backup of `orggraph backup` ({FORMAT})")
    return Manifest(**raw)


def counts(instance: Instance) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes per label and relationships per type, read from the running instance."""
    c = instance.connection
    with GraphDatabase.driver(c.uri, auth=(c.user, c.password)) as driver:
        nodes = driver.execute_query(COUNT_NODES).records
        rels = driver.execute_query(COUNT_RELATIONSHIPS).records
    return {r["label"]: r["n"] for r in nodes}, {r["type"]: r["n"] for r in rels}


def maintenance_file(instance: Instance) -> Path:
    return instance.home / "maintenance"


def under_maintenance(instance: Instance) -> bool:
    """Whether a live backup or restore holds the instance (a stale file is ignored)."""
    try:
        pid = int(maintenance_file(instance).read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextmanager
def maintenance(instance: Instance) -> Iterator[None]:
    if under_maintenance(instance):
        raise LauncherError(f"another backup or restore of {instance.name} is under way")
    instance.home.mkdir(parents=True, exist_ok=True)
    maintenance_file(instance).write_text(str(os.getpid()))
    try:
        yield
    finally:
        maintenance_file(instance).unlink(missing_ok=True)


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
