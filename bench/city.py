"""The county against the city (`make bench-scaling`, part `city`): every query
shape of `bench.queries` and every analyst question of `bench.analytics`, asked
on the county store (`orggraph seed --scale county`, bench Neo4j) and on the
city store (`--scale city`: the same county QX and four districts beside it
under the city 青州市 QZ, bench-city Neo4j), at the city's root, the county
QX and its township QX-T01.

Every answer is checked before it is measured: against the floor and the peer
where they answer the question, and, for a question about QX or QX-T01 in the
city, against the county store's answer to the same question (the city's QX
is the county seed itself, so the two must be equal). A row whose answers
differ is an error and is not measured; a row nothing else answers (a
city-wide analytic) says "unchecked". Writes bench/results/city.json and city.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, LiteralString

import orjson

from bench import analytics, check, dataset
from bench.common import (
    AS_OF,
    BENCH_INSTANCE,
    CITY_INSTANCE,
    DEADLINES,
    ORGGRAPH_PORT,
    PEER_PORT,
    RESULTS,
    authorization,
    commit,
    load_average,
    machine,
)
from bench.floor import Floor
from bench.load import Target, fetch_once, graphql_request, measure
from bench.queries import SHAPES, Params
from bench.servers import Server, start_orggraph, start_peer
from graph import launcher
from graph.access import Grant
from graph.driver import Connection
from schema.relay import to_global_id

CITY, COUNTY, TOWNSHIP = "QZ", "QX", "QX-T01"
# A district whose people's codes all follow the county's 200,000 (the city's
# second county): its EDITOR's first people page cannot be probed from the start
# of code order; compared with the guarded floor (code order, each person tested).
DISTRICT = "YC"
# Requests per measured row: as many as fit in about this many seconds, within bounds.
ROW_SECONDS = 2.0
MIN_REQUESTS, MAX_REQUESTS = 3, 15

ORG_IDS: LiteralString = "MATCH (o:Organization) WHERE o.code IN $codes RETURN o.code AS code, o.id AS id"
STORE_ROWS: LiteralString = """
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN nodes, relationships
"""
ANALYTIC_PEOPLE = """{ people(role: VILLAGE_SISTER, first: 1) { nodes { id } }
  other: people(role: CHAIR, first: 1) { nodes { id } } }"""


@dataclass
class Case:
    """One question asked by the caller whose scope is `scope`."""

    name: str  # the shape or question
    at: str  # the organization it is about (code), or what it reads
    scope: str  # the caller's organization (code)
    grant: Grant
    query: str
    variables: dict[str, Any]
    floor: Any = None  # a no-argument coroutine function, or None
    peer: tuple[str, dict[str, Any], Any, tuple[str, ...]] | None = None  # query, variables, adapt, ignore
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = f"{self.name} @ {self.at} as {self.grant.name} of {self.scope}"


@dataclass
class CityStudy:
    workers: int
    points: list[dict[str, Any]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    county_answers: dict[str, Any] = field(default_factory=dict)
    stores: dict[str, dict[str, Any]] = field(default_factory=dict)


def shape_cases(p: Params, floor: Floor, store: str, ids: dict[str, str]) -> list[Case]:
    """The shapes as the county's EDITOR asks them (the same questions in both
    stores), and in the city also as the city's EDITOR where the scope matters."""
    cases = []
    for shape in SHAPES.values():
        at = {"coverage": TOWNSHIP, "people-first": "people", "people-deep": "people", "lineage": "lineage",
              "trivial": "-"}.get(shape.name, COUNTY)  # fmt: skip
        peer = None
        if shape.peer is not None and shape.peer_variables is not None:
            peer = (shape.peer, shape.peer_variables(p), shape.adapt_peer, shape.peer_ignore)
        fl = floor.for_shape(shape.name, p)
        cases.append(Case(shape.name, at, COUNTY, Grant.EDITOR, shape.orggraph, shape.variables(p), fl, peer))
        if store == "city" and shape.name in ("people-first", "people-deep"):
            cases.append(
                Case(shape.name, at, CITY, Grant.EDITOR, shape.orggraph, shape.variables(p), fl, peer)
            )
        if store == "city" and shape.name == "people-first":
            guarded = partial(floor.people, None, scope=DISTRICT)
            cases.append(
                Case(shape.name, at, DISTRICT, Grant.EDITOR, shape.orggraph, shape.variables(p), guarded)
            )
    # Whole-county and whole-city coverage and funnel, with their floors and peers.
    coverage, funnel = SHAPES["coverage"], SHAPES["pipeline-funnel"]
    roots = [COUNTY] + ([CITY] if store == "city" else [])
    for root in roots:
        scoped = Params(root, root, p.deep_after_code, p.deep_after_offset, p.lineage_root, ids[root])
        assert coverage.peer_variables is not None and funnel.peer_variables is not None
        cases.append(Case("coverage", root, root, Grant.EDITOR, coverage.orggraph, coverage.variables(scoped),
                          partial(floor.coverage, root, AS_OF),
                          (coverage.peer or "", coverage.peer_variables(scoped), coverage.adapt_peer, ())))  # fmt: skip
        if root == CITY:
            cases.append(Case("pipeline-funnel", root, root, Grant.EDITOR, funnel.orggraph,
                              funnel.variables(scoped), partial(floor.funnel, root, AS_OF),
                              (funnel.peer or "", funnel.peer_variables(scoped), funnel.adapt_peer, ())))  # fmt: skip
    return cases


def analytic_cases(store: str, ids: dict[str, str], people: dict[str, str]) -> list[Case]:
    """Every analyst question, asked by an ANALYST of each root about that root."""
    roots = ([CITY] if store == "city" else []) + [COUNTY, TOWNSHIP]
    cases = []
    for root in roots:
        variables = {"c": to_global_id("Organization", ids[root]), **people}
        for name, query in analytics.QUESTIONS.items():
            used = {k: v for k, v in variables.items() if f"${k}" in query}
            about = root if "$c" in query else "person"
            cases.append(Case(name, about, root, Grant.ANALYST, query, used))
    return cases


async def ask(server: Server, case: Case) -> tuple[bytes, float]:
    started = time.perf_counter()
    body = await fetch_once(
        "127.0.0.1", server.port, case.query, case.variables, authorization(case.scope, case.grant)
    )
    return body, time.perf_counter() - started


def requests_for(seconds: float) -> int:
    return max(MIN_REQUESTS, min(MAX_REQUESTS, int(ROW_SECONDS / max(seconds, 1e-3))))


async def run_case(s: CityStudy, store: str, case: Case, up: dict[str, Server], db_pid: int | None) -> None:
    og, peer = up["orggraph"], up["neo4j-graphql"]
    await ask(og, case)  # warm-up (plans, caches)
    body, seconds = await ask(og, case)
    label = f"{store}: {case.key}"
    others: dict[str, bytes] = {}
    if case.floor is not None:
        others["floor"] = await case.floor()
    adapt: Any = None
    ignore: tuple[str, ...] = ()
    if case.peer is not None:
        peer_query, peer_vars, adapt, ignore = case.peer
        others["neo4j-graphql"] = await fetch_once("127.0.0.1", peer.port, peer_query, peer_vars)
    same_as_county = store == "city" and case.key in s.county_answers
    verdicts = []
    ok = True
    try:
        data = check.data_of(body)
    except ValueError as e:
        data, ok = None, False
        verdicts.append(f"OrgGraph gave no answer ({str(e)[:160]})")
    if ok:
        for system, other in others.items():
            try:
                theirs = check.data_of(other)
                if system == "neo4j-graphql" and adapt is not None:
                    theirs = adapt(theirs)
                verdict = check.compare(data, theirs, ignore if system == "neo4j-graphql" else ())
            except Exception as e:  # an error answer is a difference
                verdict = f"DIFFERENT (no answer: {str(e)[:160]})"
            fine = verdict == check.EXACT or (system == "neo4j-graphql" and verdict == check.SAME_UP_TO_ORDER)
            ok = ok and fine
            verdicts.append(f"{system}: {verdict}")
        if same_as_county:
            verdict = check.compare(data, s.county_answers[case.key])
            ok = ok and verdict == check.EXACT
            verdicts.append(f"the county store's answer: {verdict}")
    if store == "county" and data is not None:
        s.county_answers[case.key] = data
    checked = bool(others) or same_as_county
    status = "ok" if ok and checked else ("unchecked" if ok else "ERROR")
    s.checks.append(f"{label}: " + ("; ".join(verdicts) or "nothing else answers it (unchecked)")
                    + (" — ERROR, not measured" if status == "ERROR" else ""))  # fmt: skip
    base = {"study": "city", "store": store, "question": case.name, "at": case.at, "scope": case.scope,
            "grant": case.grant.name, "checked": status,
            "fields": check.count_fields(data) if data is not None else None}  # fmt: skip
    if status == "ERROR":
        s.failed.append(label)
        s.points.append({**base, "system": "orggraph", "error": "answers differ"})
        print(f"  ! {label}: {'; '.join(verdicts)} — ERROR: not measured", flush=True)
        return
    n = requests_for(seconds)
    request = graphql_request(
        "127.0.0.1", og.port, case.query, case.variables, authorization(case.scope, case.grant)
    )
    targets = [Target("orggraph", pids=og.pids, port=og.port, request=request)]
    if case.floor is not None:
        targets.append(Target("floor", pids=lambda: [os.getpid()], call=case.floor))
    if case.peer is not None:
        peer_query, peer_vars, _, _ = case.peer
        peer_request = graphql_request("127.0.0.1", peer.port, peer_query, peer_vars)
        targets.append(Target("neo4j-graphql", pids=peer.pids, port=peer.port, request=peer_request))
    for target in targets:
        m = await measure(target, concurrency=1, requests=n, warmup=0, db_pid=db_pid)
        row = {**base, "system": target.system, **m.row(), "load_avg_1m": os.getloadavg()[0]}
        s.points.append(row)
        print(f"  {store:6s} {case.key[:60]:60s} {target.system:>13}: p50 {row['p50_ms']:9.1f} ms  "
              f"neo4j cpu {row['db_cpu_ms_per_request']:8.1f} ms/req  [{status}]", flush=True)  # fmt: skip


async def store_study(s: CityStudy, store: str, instance: launcher.Instance, p: Params) -> None:
    scale = "county" if store == "county" else "city"
    print(f"\nthe {store} store ({instance.name} Neo4j)", flush=True)
    seeded = time.perf_counter()
    connection, sizes = await dataset.ensure(instance, scale)
    floor = Floor(connection)
    try:
        rows = (await floor._rows(STORE_ROWS))[0]
        found = {r["code"]: r["id"] for r in await floor._rows(ORG_IDS, codes=[CITY, COUNTY, TOWNSHIP])}
        s.stores[store] = {"nodes": rows["nodes"], "relationships": rows["relationships"],
                           "people": sizes.people, "households": sizes.households,
                           "store_mb": store_mb(instance), "tx_log_mb": store_mb(instance, "transactions"), "ready_s": round(time.perf_counter() - seeded),
                           "seed": seed_summary(instance, scale)}  # fmt: skip
        up = servers_for(connection, s.workers)
        try:
            db_pid = launcher.running_pid(instance)
            people_body = await fetch_once("127.0.0.1", up["orggraph"].port, ANALYTIC_PEOPLE, {},
                                           authorization(COUNTY, Grant.ANALYST))  # fmt: skip
            found_people = check.data_of(people_body)
            people = {
                "p": found_people["people"]["nodes"][0]["id"],
                "q": found_people["other"]["nodes"][0]["id"],
            }
            for case in shape_cases(p, floor, store, found) + analytic_cases(store, found, people):
                await run_case(s, store, case, up, db_pid)
        finally:
            for server in up.values():
                server.stop()
    finally:
        await floor.close()
        launcher.stop(instance)


def servers_for(connection: Connection, workers: int) -> dict[str, Server]:
    up = {"orggraph": start_orggraph(connection, ORGGRAPH_PORT, workers, name="orggraph-city", env=DEADLINES)}
    try:
        up["neo4j-graphql"] = start_peer(connection, PEER_PORT, workers, name="peer-city")
    except Exception:
        up["orggraph"].stop()
        raise
    return up


def store_mb(instance: launcher.Instance, part: str = "databases") -> float:
    """The size on disk of the instance's `databases` (the store and its indexes:
    what the page cache holds) or `transactions` (the transaction logs)."""
    total = 0
    for root, _, files in os.walk(instance.home / "data" / part):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.path.getsize(os.path.join(root, f))
    return round(total / 1024 / 1024, 1)


def seed_summary(instance: launcher.Instance, scale: str) -> str:
    path = instance.home / f"seed-{scale}.txt"
    return path.read_text().strip() if path.exists() else ""


async def city_study(workers: int, started: dt.datetime, load_start: tuple[float, float, float]) -> CityStudy:
    """Both stores, one after the other (one Neo4j at a time); the results are
    written after each, so a run cut short keeps the county's."""
    s = CityStudy(workers)
    connection, _ = await dataset.ensure_county()
    params = await dataset.params(connection)
    launcher.stop(BENCH_INSTANCE)
    for store, instance in (("county", BENCH_INSTANCE), ("city", CITY_INSTANCE)):
        await store_study(s, store, instance, params)
        write(s, started, load_start)
    return s


def write(s: CityStudy, started: dt.datetime, load_start: tuple[float, float, float]) -> None:
    """bench/results/city.json and city.md."""
    doc = {
        "date": started.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now().astimezone() - started).total_seconds()),
        "machine": machine(),
        "commit": commit(),
        "load_avg_start": load_start,
        "load_avg_end": load_average(),
        "workers": s.workers,
        "stores": s.stores,
        "checks": s.checks,
        "failed": s.failed,
        "points": s.points,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "city.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
    (RESULTS / "city.md").write_text(markdown(doc))
    print("wrote bench/results/city.json, city.md", flush=True)


def _ms(p: dict[str, Any] | None, key: str = "p50_ms") -> str:
    if p is None:
        return ""
    if "error" in p:
        return "**answers differ**"
    return f"{p[key]:,.1f}"


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    stores = doc["stores"]
    parts = [
        "# The county and the city\n",
        f"Run {doc['date']} ({doc['duration_s']} s), OrgGraph at `{doc['commit']}`, on {m['cores']} cores, "
        f"{m['memory_gb']} GB; load average (1/5/15 min) {' / '.join(f'{v:.2f}' for v in doc['load_avg_start'])}"
        f" → {' / '.join(f'{v:.2f}' for v in doc['load_avg_end'])} (a shared machine: the Neo4j CPU per "
        "request is steadier than the latency). Concurrency 1, the median of 3–15 requests per row; OrgGraph's "
        "request deadline raised from 10 s to 300 s so that slow answers are measured, not cut.\n",
    ]
    if doc["failed"]:
        parts.append(f"**ERROR: the answers differ in {len(doc['failed'])} row(s), not measured:** "
                     + "; ".join(doc["failed"]) + "\n")  # fmt: skip
    parts.append(
        "| store | nodes | relationships | people | households | store and indexes | transaction logs |"
    )
    parts.append("|---|--:|--:|--:|--:|--:|--:|")
    for name, st in stores.items():
        parts.append(f"| {name} | {st['nodes']:,} | {st['relationships']:,} | {st['people']:,} | "
                     f"{st['households']:,} | {st['store_mb']:,.0f} MB | {st['tx_log_mb']:,.0f} MB |")  # fmt: skip
    parts.append("")
    for name, st in stores.items():
        if st.get("seed"):
            parts.append(f"- {name}: `{st['seed'].splitlines()[0]}`")
    parts.append("")
    parts.append(
        "OrgGraph's p50 (ms) and Neo4j CPU per request (ms) for each question in the county store and in "
        "the city store; × = city ÷ county (the same question about the same organization; for the "
        "city's own root, against the county's root). `checked`: ok = equal to the floor / the peer / the "
        "county store's answer; unchecked = nothing else answers it.\n"
    )
    parts.append("| question | about | caller | fields | county p50 | city p50 | × | county Neo4j CPU | "
                 "city Neo4j CPU | floor city p50 | peer city p50 | checked |")  # fmt: skip
    parts.append("|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    points = doc["points"]

    def find(store: str, q: str, at: str, scope: str, system: str) -> dict[str, Any] | None:
        for p in points:
            if (p["store"], p["question"], p["at"], p["scope"], p["system"]) == (store, q, at, scope, system):
                found: dict[str, Any] = p
                return found
        return None

    seen = []
    for p in points:
        k = (p["question"], p["at"], p["scope"], p["grant"])
        if p["store"] == "city" and p["system"] == "orggraph" and k not in seen:
            seen.append(k)
    for q, at, scope, grant in seen:
        city = find("city", q, at, scope, "orggraph")
        # The city root's question against the county root's.
        c_at, c_scope = (COUNTY if at == CITY else at), (COUNTY if scope == CITY else scope)
        county = find("county", q, c_at, c_scope, "orggraph")
        ratio = ""
        if city and county and "error" not in city and "error" not in county:
            ratio = f"{city['p50_ms'] / county['p50_ms']:.2f}×"
        fields = city.get("fields") if city else None
        parts.append(
            f"| {q} | {at} | {grant} of {scope} | {fields or ''} | {_ms(county)} | {_ms(city)} | {ratio} | "
            f"{_ms(county, 'db_cpu_ms_per_request')} | {_ms(city, 'db_cpu_ms_per_request')} | "
            f"{_ms(find('city', q, at, scope, 'floor'))} | {_ms(find('city', q, at, scope, 'neo4j-graphql'))} | "
            f"{city['checked'] if city else ''} |"
        )
    parts.append("\n## Answers compared\n")
    parts.extend(f"- {c}" for c in doc["checks"])
    return "\n".join(parts) + "\n"
