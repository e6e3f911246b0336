"""The change feed's costs (docs/changes.md), on loopback with the small demo:

- write-to-delivery latency (p50/p99) with 1, 100 and 1,000 subscribers on one
  worker: from sending a mutation to each subscriber receiving its change;
- CPU and memory per idle subscriber (the server process, over an idle minute);
- mutation latency with the outbox and without it (in-process app; for the
  "without" runs the mutation's closing statement writes the audit record
  alone, as before the outbox: AUDIT_ONLY), one writer and 8 concurrent
  writers, the process's poller woken by each commit or polling once a second;
- the catch-up rate of a subscriber 100,000 changes behind.

Its own Neo4j (ORGGRAPH_BENCH_NEO4J_PORT, default 7753, `.neo4j/bench-changes`,
seeded small once) and server (ORGGRAPH_BENCH_PORT, default 8753), both stopped
afterwards. Prints JSON and writes bench/results/changes.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from typing import Any, LiteralString

import httpx
import websockets
from websockets.typing import Subprotocol

from bench.common import BENCH_AUTHORIZATION, PASSWORD, RESULTS, database, machine
from bench.load import tree
from bench.servers import start_orggraph
from graph import audit as audit_module
from graph import changes as outbox
from graph import launcher
from graph.access import Access, Grant
from graph.change_cursors import encode_change_cursor
from graph.constraints import apply_constraints
from graph.driver import Connection, Database
from graph.seed import seed
from service.app import create_app
from service.feed import ChangeFeed

NEO4J_PORT = int(os.environ.get("ORGGRAPH_BENCH_NEO4J_PORT", "7753"))
PORT = int(os.environ.get("ORGGRAPH_BENCH_PORT", "8753"))
INSTANCE = launcher.Instance(
    name="bench-changes", port=NEO4J_PORT, password=PASSWORD, pagecache_mb=512, heap_mb=1024
)

VISIT = """mutation($p: ID!, $h: ID!, $purpose: String!) {
  recordVisit(visitorId: $p, householdId: $h, on: "2024-03-01", purpose: $purpose) { visit { id } } }"""
SUBSCRIBE = "subscription($after: String) { changes(after: $after) { cursor objects { type id } } }"
TARGETS = """{ people(first: 50) { nodes { id household { id } } } }"""
BEHIND = 100_000


async def targets(http: httpx.AsyncClient, url: str) -> list[tuple[str, str]]:
    """People with a household to record visits by (asked again while a cold
    server still times out)."""
    for _ in range(10):
        headers = {"Authorization": BENCH_AUTHORIZATION}
        body = (await http.post(url, json={"query": TARGETS}, headers=headers)).json()
        if body.get("data"):
            return [
                (p["id"], p["household"]["id"]) for p in body["data"]["people"]["nodes"] if p["household"]
            ]
        print("targets:", body.get("errors"), flush=True)
        await asyncio.sleep(5)
    raise RuntimeError("the server did not answer the targets query")


async def subscriber(url: str, after: str | None, ready: asyncio.Event, inbox: asyncio.Queue[Any]) -> None:
    protocols = [Subprotocol("graphql-transport-ws")]
    async with websockets.connect(url, subprotocols=protocols, max_queue=None, ping_interval=None) as ws:
        token = BENCH_AUTHORIZATION.removeprefix("Bearer ")
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                  "payload": {"query": SUBSCRIBE, "variables": {"after": after}}}))  # fmt: skip
        ready.set()
        async for message in ws:
            data = json.loads(message)
            if data.get("type") == "next":
                await inbox.put((time.perf_counter(), data["payload"]))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def delivery(base: str, count: int, writes: int, people: list[tuple[str, str]]) -> dict[str, Any]:
    """p50/p99 ms from sending a mutation to each subscriber getting its change."""
    ws_url = base.replace("http", "ws") + "/graphql"
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    tasks, readies = [], []
    for _ in range(count):
        ready = asyncio.Event()
        readies.append(ready)
        tasks.append(asyncio.create_task(subscriber(ws_url, None, ready, inbox)))
        if len(tasks) % 50 == 0:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    await asyncio.sleep(2.0)
    latencies: list[float] = []
    mutation: list[float] = []
    failed = 0
    async with httpx.AsyncClient(timeout=60) as http:
        for n in range(writes):
            p, h = people[n % len(people)]
            sent = time.perf_counter()
            answer = await http.post(base + "/graphql", json={"query": VISIT, "variables": {"p": p, "h": h, "purpose": f"b{n}"}},
                                     headers={"Authorization": BENCH_AUTHORIZATION})  # fmt: skip
            if answer.json().get("errors"):  # e.g. the request deadline on a loaded machine: no change
                print("write refused:", answer.json()["errors"][0]["message"], flush=True)
                failed += 1
                continue
            mutation.append((time.perf_counter() - sent) * 1000)
            for _ in range(count):
                got, _payload = await asyncio.wait_for(inbox.get(), 60)
                latencies.append((got - sent) * 1000)
            await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "subscribers": count,
        "writes": writes - failed,
        "delivery_ms_p50": round(percentile(latencies, 0.5), 1),
        "delivery_ms_p99": round(percentile(latencies, 0.99), 1),
        "mutation_ms_p50": round(statistics.median(mutation), 1),
    }


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user and system) the processes have used so far."""
    return process_usage(pids)[0]


def process_usage(pids: list[int]) -> tuple[float, int]:
    """CPU seconds and resident bytes of the server's processes."""
    cpu, rss = 0.0, 0
    tick = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu += (int(fields[11]) + int(fields[12])) / tick
        with open(f"/proc/{pid}/statm") as f:
            rss += int(f.read().split()[1]) * page
    return cpu, rss


async def idle_cost(base: str, pids: list[int], count: int, seconds: float) -> dict[str, Any]:
    ws_url = base.replace("http", "ws") + "/graphql"
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    await asyncio.sleep(2)
    cpu0, rss0 = process_usage(pids)
    await asyncio.sleep(seconds)
    cpu_idle, _ = process_usage(pids)
    readies = [asyncio.Event() for _ in range(count)]
    tasks = []
    for r in readies:
        tasks.append(asyncio.create_task(subscriber(ws_url, None, r, inbox)))
        if len(tasks) % 50 == 0:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    await asyncio.sleep(3)
    cpu1, rss1 = process_usage(pids)
    await asyncio.sleep(seconds)
    cpu2, _ = process_usage(pids)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "idle_subscribers": count,
        "memory_kb_per_subscriber": round((rss1 - rss0) / count / 1024, 1),
        "cpu_ms_per_subscriber_per_minute": round(
            ((cpu2 - cpu1) - (cpu_idle - cpu0)) / count * 1000 * 60 / seconds, 3
        ),
        "server_cpu_percent_idle_with_subscribers": round((cpu2 - cpu1) / seconds * 100, 2),
    }


# The audit record as it was written before the change feed: the objects the
# mutation named, placed by their own lookup, and no change event.
AUDIT_ONLY: LiteralString = """
CALL () {
  UNWIND [o IN $objects WHERE o.ref] AS ref
  CALL (ref) {
    MATCH (x:Organization {id: ref.id}) WHERE ref.type = 'Organization' RETURN x
    UNION
    MATCH (x:Grid {id: ref.id}) WHERE ref.type = 'Grid' RETURN x
    UNION
    MATCH (x:Household {id: ref.id}) WHERE ref.type = 'Household' RETURN x
    UNION
    MATCH (x:Person {id: ref.id}) WHERE ref.type = 'Person' RETURN x
    UNION
    MATCH (:Person)-[:HOLDS {id: ref.id}]->(x:Organization) WHERE ref.type = 'Position' RETURN x
    UNION
    MATCH (p:Person)-[:COVERS {id: ref.id}]->(t) WHERE ref.type = 'Coverage' UNWIND [p, t] AS x RETURN x
    UNION
    MATCH (x:Person)-[:COMMITTED]->(:Commitment {id: ref.id}) WHERE ref.type = 'Commitment' RETURN x
  }
  MATCH (x)-[:HOLDS|LIVES_IN|IN_GRID|PART_OF*0..16]->(o:Organization)
  RETURN collect(DISTINCT o.code) AS within
}
CREATE (:AuditEvent {id: randomUUID(), at: datetime(), actor: $actor, scope: $scope, roles: $roles,
                     operation: $operation, kind: $kind, ids: $ids, within: within})
"""


# The modes compared: the outbox with the process's poller woken by each commit
# (someone subscribed: numbering and delivery at once), the outbox with the
# poller numbering once a second (the writers' own part, nobody waiting), and
# no outbox at all (the audit record alone, the poller never woken).
MODES = ("with", "with_quiet_poller", "without")


async def outbox_cost(connection: Connection, people: list[tuple[str, str]], rounds: int) -> dict[str, Any]:
    """Mutation latency in-process with and without the outbox (blocks of each
    mode in turn, the order rotating every round)."""
    db = Database(connection)
    app = create_app(db=db, caller=Access("bench", None, frozenset({Grant.EDITOR})))
    # The process's poller runs, as it does once anyone subscribes: woken by
    # each commit, it numbers the new events and takes them while writers write.
    feed = ChangeFeed(db, poll_seconds=1.0, keep_days=90, per_caller=10)
    await feed.start()
    real = audit_module.CREATE_WRITE_EVENT

    times: dict[str, dict[int, list[float]]] = {m: {1: [], 8: []} for m in MODES}
    # CPU seconds of Neo4j and of this process (the writers and the poller):
    # what a write costs the shared cores, steadier than latency on a busy machine.
    pids = [launcher.running_pid(INSTANCE) or 0, os.getpid()]
    cpu: dict[str, dict[int, float]] = {m: {1: 0.0, 8: 0.0} for m in MODES}
    writes: dict[str, dict[int, int]] = {m: {1: 0, 8: 0} for m in MODES}
    rounds_p50: dict[str, dict[int, list[float]]] = {m: {1: [], 8: []} for m in MODES}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http:

        async def one(n: int) -> float:
            p, h = people[n % len(people)]
            started = time.perf_counter()
            body = (
                await http.post(
                    "/graphql", json={"query": VISIT, "variables": {"p": p, "h": h, "purpose": f"o{n}"}}
                )
            ).json()
            assert "errors" not in body, body
            return (time.perf_counter() - started) * 1000

        n = 0
        # A first round unrecorded: each mode's statements planned and the
        # caches warm before anything is compared.
        for block in range(-1, rounds):
            order = MODES[block % 3 :] + MODES[: block % 3]
            for mode in order if block % 2 == 0 else order[::-1]:
                vars(audit_module)["CREATE_WRITE_EVENT"] = AUDIT_ONLY if mode == "without" else real
                db.on_commit(feed.committed if mode == "with" else None)
                cpu0 = cpu_seconds(pids)
                alone = []
                for _ in range(20):
                    alone.append(await one(n))
                    n += 1
                cpu1 = cpu_seconds(pids)
                together: list[float] = []
                for _ in range(3):
                    together.extend(await asyncio.gather(*(one(n + i) for i in range(8))))
                    n += 8
                cpu2 = cpu_seconds(pids)
                if block < 0:
                    continue
                for writers, found in ((1, alone), (8, together)):
                    times[mode][writers].extend(found)
                    rounds_p50[mode][writers].append(statistics.median(found))
                cpu[mode][1] += cpu1 - cpu0
                cpu[mode][8] += cpu2 - cpu1
                writes[mode][1] += len(alone)
                writes[mode][8] += len(together)
        vars(audit_module)["CREATE_WRITE_EVENT"] = real
    await feed.close()
    await db.close()
    result: dict[str, Any] = {"rounds": rounds}
    for writers in (1, 8):
        base = statistics.median(times["without"][writers])
        base_cpu = cpu["without"][writers] / writes["without"][writers] * 1000
        figures: dict[str, Any] = {
            "without_outbox_ms_p50": round(base, 2),
            "without_outbox_cpu_ms_per_write": round(base_cpu, 2),
        }
        for mode in MODES[:2]:
            w = statistics.median(times[mode][writers])
            # Each round's blocks ran within seconds of each other: the median of
            # their ratios is steadier than the ratio of medians on a busy machine.
            ratios = [
                a / b for a, b in zip(rounds_p50[mode][writers], rounds_p50["without"][writers], strict=True)
            ]
            figures[mode] = {
                "ms_p50": round(w, 2),
                "ms_p99": round(percentile(times[mode][writers], 0.99), 2),
                "slower_percent": round((w / base - 1) * 100, 1),
                "slower_percent_median_of_rounds": round((statistics.median(ratios) - 1) * 100, 1),
                "cpu_ms_per_write": round(cpu[mode][writers] / writes[mode][writers] * 1000, 2),
                "more_cpu_percent": round(
                    (cpu[mode][writers] / writes[mode][writers] * 1000 / base_cpu - 1) * 100, 1
                ),
            }
        figures["without_outbox_ms_p99"] = round(percentile(times["without"][writers], 0.99), 2)
        result[f"writers_{writers}"] = figures
    return result


FILL: LiteralString = """
MATCH (c:ChangeCounter {name: 'changes'})
WITH c, c.seq AS start
UNWIND range(1, $n) AS i
CREATE (:Change {seq: start + i, at: datetime(), operation: 'bench', types: ['Person'], ids: [$id],
                 changes: ['CHANGED'], under: ['|QX|'], within: ['QX']})
WITH c, start, max(i) AS n
SET c.seq = start + n
RETURN start
"""


async def catch_up(base: str, connection: Connection, people: list[tuple[str, str]]) -> dict[str, Any]:
    """A subscriber 100,000 changes behind: changes per second until she is live."""
    db = database(connection)
    state = await outbox.feed_state(db)
    [found] = await db.write(FILL, n=BEHIND, id=people[0][0])
    start = int(found["start"])
    await db.close()
    ws_url = base.replace("http", "ws") + "/graphql"
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    ready = asyncio.Event()
    began = time.perf_counter()
    task = asyncio.create_task(subscriber(ws_url, encode_change_cursor(start, state.key), ready, inbox))
    for _ in range(BEHIND):
        await asyncio.wait_for(inbox.get(), 120)
    seconds = time.perf_counter() - began
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return {"behind": BEHIND, "seconds": round(seconds, 1), "changes_per_second": round(BEHIND / seconds)}


async def run() -> dict[str, Any]:
    # One bench caller holds every subscription: lift the per-caller cap for the server.
    os.environ["ORGGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER"] = "5000"
    # 1,000 subscribers' sockets and the writer's beside them (the default limit is 1,000).
    os.environ.setdefault("ORGGRAPH_MAX_CONNECTIONS", "2000")
    os.environ.setdefault("ORGGRAPH_REQUEST_TIMEOUT", "120")
    connection = launcher.start(INSTANCE)
    try:
        db = database(connection)
        await apply_constraints(db)
        await seed(db, "small", if_empty=True)
        await db.close()
        server = start_orggraph(connection, PORT, 1, name="orggraph-changes", ready_within=600)
        base = f"http://127.0.0.1:{PORT}"
        try:
            async with httpx.AsyncClient(timeout=60) as http:
                people = await targets(http, base + "/graphql")
            figures: dict[str, Any] = {"machine": machine()}
            if os.environ.get("BENCH_CHANGES_ONLY") == "catch_up":
                figures["catch_up"] = await catch_up(base, connection, people)
                return figures
            if os.environ.get("BENCH_CHANGES_ONLY") == "writers":  # what writers pay, and delivery alone
                figures["outbox_cost"] = await outbox_cost(
                    connection, people, rounds=int(os.environ.get("BENCH_OUTBOX_ROUNDS", "6"))
                )
                figures["delivery"] = [await delivery(base, 1, 20, people)]
                return figures
            figures["outbox_cost"] = await outbox_cost(
                connection, people, rounds=int(os.environ.get("BENCH_OUTBOX_ROUNDS", "6"))
            )
            print(json.dumps(figures["outbox_cost"]), flush=True)
            figures["delivery"] = [
                await delivery(base, 1, 20, people),
                await delivery(base, 100, 10, people),
                await delivery(base, 1000, 5, people),
            ]
            print(json.dumps(figures["delivery"]), flush=True)
            figures["idle"] = await idle_cost(base, tree(server.process.pid), 1000, 20.0)
            print(json.dumps(figures["idle"]), flush=True)
            figures["catch_up"] = await catch_up(base, connection, people)
            return figures
        finally:
            server.stop()
    finally:
        launcher.stop(INSTANCE)


def main() -> None:
    figures = asyncio.run(run())
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "changes-writers.json" if os.environ.get("BENCH_CHANGES_ONLY") == "writers" else "changes.json"
    (RESULTS / os.environ.get("BENCH_CHANGES_RESULT", name)).write_text(
        json.dumps(figures, indent=2, ensure_ascii=False) + "\n"
    )
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
