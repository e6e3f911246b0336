"""`make bench-profile`: where OrgGraph's time goes on its slowest row.

    python -m bench.profile [--shape county-nested] [--label before] [--seconds 20]

Two views of the same shape (by default the one with the highest OrgGraph p50
at concurrency 1 in bench/results/latest.json), both against the bench Neo4j:

1. **py-spy** sampling a real `orggraph serve` (one worker, so one process holds
   every sample) while the bench load client sends the shape at concurrency 1.
   No overhead in the server: the proportions are the production ones.
2. **pyinstrument** around the app in this process (Starlette through httpx's
   ASGI transport): an interactive call tree, with per-request wall time, CPU
   and minor page faults (getrusage). Its tracing hook slows call-heavy code
   several-fold, so read its tree for structure and py-spy for proportions.

Writes under bench/results/profiles/: `<shape>-<label>-<commit>.pyspy.svg`
(flame graph), `.pyspy.txt` (time by layer, the top functions and OrgGraph's
own functions, from the collapsed stacks), `.pyspy.collapsed.gz` (the stacks),
`.pyinstrument.txt` (with the per-request figures, also with the cyclic GC
off), and a line in `index.md`; pyinstrument's interactive HTML (tens of MB)
goes to bench/results/tmp/. Keep the "before" files; add `--label after` ones when the read
path changes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import gzip
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson
from pyinstrument import Profiler
from pyinstrument.renderers import ConsoleRenderer, HTMLRenderer

from bench import dataset
from bench.common import AS_OF, BIN, ORGGRAPH_PORT, RESULTS, commit
from bench.load import Target, graphql_request, measure
from bench.queries import SHAPES, Params
from bench.servers import start_orggraph
from graph.access import Access, Grant
from graph.driver import Connection, Database
from service.app import create_app

PROFILES = RESULTS / "profiles"
TMP = RESULTS / "tmp"

# Where a sample's time is charged: the innermost frame from one of these layers.
LAYERS = (
    ("OrgGraph graph/ (Cypher calls, row → record)", "(graph/"),
    ("OrgGraph loaders/", "(loaders/"),
    ("OrgGraph schema/ (resolvers, relay)", "(schema/"),
    ("OrgGraph service/ (view, JSON)", "(service/"),
    ("Strawberry (resolver wrappers, DataLoader)", "strawberry/"),
    ("graphql-core (execution, completion)", "graphql/"),
    ("neo4j driver (Bolt, packstream, hydration)", "neo4j/"),
    ("starlette / uvicorn", "starlette/"),
    ("starlette / uvicorn", "uvicorn/"),
    ("asyncio tasks and futures", "asyncio/tasks.py"),
    ("asyncio tasks and futures", "asyncio/futures.py"),
    ("event loop (uvloop: I/O, callbacks)", "asyncio/runners.py"),
)
OWN = ("(graph/", "(loaders/", "(schema/", "(service/app.py")
# Frames above the request (process start-up, the server loop) in every sample.
BOILERPLATE = ("(orggraph:", "service/cli/", "uvicorn/main.py", "uvicorn/server.py", "uvicorn/_compat.py",
               "asyncio/runners.py")  # fmt: skip


def slowest_shape() -> str:
    """The shape whose OrgGraph p50 at concurrency 1 was highest in the last run."""
    latest = RESULTS / "latest.json"
    if latest.exists():
        rows = [
            r
            for r in orjson.loads(latest.read_bytes())
            if r["system"] == "orggraph" and r["concurrency"] == 1
        ]
        if rows:
            return str(max(rows, key=lambda r: r["p50_ms"])["query"])
    return "county-nested"


# --- py-spy on the real server -------------------------------------------------------------


async def pyspy(connection: Connection, params: Params, shape_name: str, seconds: int, stem: str) -> str:
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    if not Path(spy).exists():
        return "py-spy is not installed (pip install '.[bench]'); skipped\n"
    shape = SHAPES[shape_name]
    server = start_orggraph(connection, ORGGRAPH_PORT, 1, name="orggraph-profile")
    try:
        request = graphql_request("127.0.0.1", server.port, shape.orggraph, shape.variables(params))
        target = Target("orggraph", pids=server.pids, port=server.port, request=request)
        await measure(target, concurrency=1, requests=3, warmup=0, db_pid=None)
        outputs = {}
        for fmt, suffix in (("raw", "pyspy.raw"), ("flamegraph", "pyspy.svg")):
            out = PROFILES / f"{stem}.{suffix}"
            cmd = [spy, "record", "--pid", str(server.process.pid), "--rate", "250", "--duration",
                   str(seconds), "--format", fmt, "--output", str(out), "--nonblocking"]  # fmt: skip
            recorder = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            started = time.monotonic()
            m = None
            while recorder.poll() is None and time.monotonic() - started < seconds + 30:
                m = await measure(target, concurrency=1, requests=1, warmup=0, db_pid=None)
            _, err = recorder.communicate(timeout=60)
            if recorder.returncode != 0:
                return f"py-spy failed: {err.decode(errors='replace')[-500:]}\n"
            outputs[fmt] = out
            del m
    finally:
        server.stop()
    collapsed = outputs["raw"].read_text()
    text = summarize_collapsed(collapsed, shape_name)
    # The collapsed stacks themselves, for other cuts (flamegraph.pl, speedscope, grep).
    with gzip.open(PROFILES / f"{stem}.pyspy.collapsed.gz", "wt") as collapsed_file:
        collapsed_file.write(collapsed)
    outputs["raw"].unlink()
    (PROFILES / f"{stem}.pyspy.txt").write_text(text)
    return text


def summarize_collapsed(collapsed: str, shape: str, top: int = 30) -> str:
    """Time by layer and the top functions (self and inclusive) from py-spy's
    collapsed stacks ("frame;frame;… count" per line, outermost first)."""
    total = 0
    layers: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [
            f for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")
        ]
        if not frames:
            continue
        total += count
        self_time[frames[-1]] += count
        for f in set(frames):
            if not any(b in f for b in BOILERPLATE):
                inclusive[f] += count
        layers[_layer(frames)] += count
    if total == 0:
        return "no samples\n"

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    out = [f"py-spy, OrgGraph serving `{shape}` at concurrency 1: {total:,} samples at 250 Hz (CPU only)\n"]
    out.append("Time by layer (a sample counts for the innermost frame's layer):")
    out.extend(f"  {pct(n)}  {name}" for name, n in layers.most_common())
    out.append(f"\nTop {top} functions by self time:")
    out.extend(f"  {pct(n)}  {f}" for f, n in self_time.most_common(top))
    out.append(f"\nTop {top} functions by inclusive time:")
    out.extend(f"  {pct(n)}  {f}" for f, n in inclusive.most_common(top))
    own = [(f, n) for f, n in inclusive.most_common() if any(m in f for m in OWN)]
    out.append("\nOrgGraph's own functions by inclusive time (what each resolver, loader and query costs):")
    out.extend(f"  {pct(n)}  {f}" for f, n in own[:top])
    return "\n".join(out) + "\n"


def _layer(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, marker in LAYERS:
            if marker in frame:
                return name
    return "other (interpreter, C extensions, stdlib)"


# --- pyinstrument in this process -------------------------------------------------------------


async def pyinstrument(
    connection: Connection, params: Params, shape_name: str, requests: int, stem: str
) -> str:
    shape = SHAPES[shape_name]
    db = Database(connection)
    try:
        app = create_app(db=db, today=lambda: AS_OF, caller=Access("bench", "QX", frozenset({Grant.EDITOR})))
        body = {"query": shape.orggraph, "variables": shape.variables(params)}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=300) as client:

            async def one() -> tuple[float, float, int]:
                before = resource.getrusage(resource.RUSAGE_SELF)
                started = time.perf_counter()
                response = await client.post("/graphql", json=body)
                wall = time.perf_counter() - started
                after = resource.getrusage(resource.RUSAGE_SELF)
                answer = response.json()
                if response.status_code != 200 or answer.get("errors"):
                    raise RuntimeError(f"OrgGraph answered {response.status_code}: {str(answer)[:300]}")
                cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                return wall, cpu, after.ru_minflt - before.ru_minflt

            for _ in range(2):  # warm-up: imports, Neo4j query plans, caches
                await one()
            plain = [await one() for _ in range(requests)]
            # The same with Python's cyclic GC off: how much of the time is collection.
            gc.collect()
            gc.disable()
            try:
                no_gc = [await one() for _ in range(requests)]
            finally:
                gc.enable()
            profiler = Profiler(interval=0.001, async_mode="enabled")
            profiler.start()
            profiled = [await one() for _ in range(requests)]
            profiler.stop()
    finally:
        await db.close()
    header = (
        _runs("unprofiled", plain)
        + _runs("unprofiled, cyclic GC disabled", no_gc)
        + _runs("under pyinstrument", profiled)
    )
    # The interactive view runs to tens of MB: kept beside the run, not with the results.
    (TMP / f"{stem}.pyinstrument.html").write_text(profiler.output(HTMLRenderer()))
    tree = profiler.output(ConsoleRenderer(unicode=True, color=False))
    (PROFILES / f"{stem}.pyinstrument.txt").write_text(header + "\n" + tree)
    return header


def _runs(name: str, runs: list[tuple[float, float, int]]) -> str:
    wall = statistics.median(r[0] for r in runs) * 1000
    cpu = statistics.median(r[1] for r in runs) * 1000
    faults = [r[2] for r in runs]
    return (
        f"in-process {name}: median wall {wall:.0f} ms, CPU {cpu:.0f} ms, minor page faults per request "
        f"{min(faults):,}–{max(faults):,} ({len(runs)} requests)\n"
    )


async def run(args: argparse.Namespace, shape: str) -> None:
    connection, _ = await dataset.ensure_county()
    try:
        params = await dataset.params(connection)
        PROFILES.mkdir(parents=True, exist_ok=True)
        TMP.mkdir(parents=True, exist_ok=True)
        stem = f"{shape}-{args.label}-{commit()}"
        print(f"profiling OrgGraph on `{shape}` ({stem})…", flush=True)
        spied = await pyspy(connection, params, shape, args.seconds, stem)
        print(spied, flush=True)
        header = await pyinstrument(connection, params, shape, args.requests, stem)
        print(header, flush=True)
    finally:
        if not args.keep_neo4j:
            dataset.stop()
    layer_lines = [line.strip() for line in spied.splitlines() if line.startswith("  ") and "%" in line]
    first_layers = "; ".join(layer_lines[:3])
    with (PROFILES / "index.md").open("a") as index:
        index.write(
            f"- {dt.datetime.now().astimezone().isoformat(timespec='minutes')} `{stem}`: "
            f"{header.splitlines()[0].removeprefix('in-process ')}; py-spy layers: {first_layers}\n"
        )
    print(f"wrote bench/results/profiles/{stem}.*", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.profile", description=__doc__.split("\n\n")[0])
    p.add_argument("--shape", help="default: OrgGraph's slowest shape in bench/results/latest.json")
    p.add_argument("--label", default="before", help="before | after | any tag (default before)")
    p.add_argument("--seconds", type=int, default=20, help="py-spy sampling time per output (default 20)")
    p.add_argument("--requests", type=int, default=3, help="requests under pyinstrument (default 3)")
    p.add_argument("--keep-neo4j", action="store_true", help="leave the bench Neo4j running afterwards")
    args = p.parse_args(argv)
    shape = args.shape or slowest_shape()
    if shape not in SHAPES:
        p.error(f"unknown shape {shape!r}")
    asyncio.run(run(args, shape))
    return 0


if __name__ == "__main__":
    sys.exit(main())
