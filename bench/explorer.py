"""The explorer's speed in Chromium: each view's first meaningful paint, the
county's organization tree, and the page's transfer size.

Run by hand against a running, warm OrgGraph on the county seed, e.g.::

    export ORGGRAPH_NEO4J_PORT=7716 ORGGRAPH_PORT=8016
    orggraph neo4j start && orggraph seed --scale county --force && orggraph serve &
    curl -s http://127.0.0.1:8016/health/ready   # 200 once warm (the start-up counts the coverage tallies)
    .venv/bin/python -m bench.explorer --url http://127.0.0.1:8016

"First meaningful paint" is the `view-ready` performance mark the page sets
when a view's data is on screen, measured from the start of the navigation (a
full page load with the browser's cache warm: the vendor files come from the
cache, the page's own files are revalidated). Each view is loaded once to warm
the service, then `--runs` times; the median and the slowest run are reported,
for a county EDITOR (QX) and for a VIEWER of one township (QX-T01), who sees
the views of her township (the county's are not found for her). A view's
pictures (the coverage treemap, the dashboard's charts) are drawn after the
mark: the figures and tables they repeat are on screen at it.
The transfer size is what one cold visit of every view moves over the wire
(compressed), and what a second visit moves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from graph.access import Grant
from service.auth import DEV_SECRET, mint

RESULTS = Path(__file__).resolve().parent / "results" / "explorer.md"
CHROMIUM = "/usr/bin/chromium"

# (view, path) on the county seed (QX; its first township and village);
# `{root}` is the caller's scope root (QX for the EDITOR, QX-T01 for the VIEWER).
VIEWS: list[tuple[str, str]] = [
    ("组织 tree (whole scope)", "/tree"),
    ("组织页 organization (village)", "/org/QX-T01-V01"),
    ("组织页 organization (scope root)", "/org/{root}"),
    ("覆盖 coverage (village)", "/coverage/QX-T01-V01"),
    ("覆盖 coverage (township)", "/coverage/QX-T01"),
    ("覆盖 coverage (county)", "/coverage/QX"),
    ("网格 grid", "/grid/QX-T01-V01-G01"),
    ("后备 pipeline (scope root)", "/pipeline/{root}"),
    ("后备 ready for next stage", "/pipeline/{root}/PARTY_ACTIVIST"),
    ("人员 person", "/person/P0000001"),
    ("传帮带 lineage", "/lineage/P0000001"),
    ("统计 dashboard (scope root)", "/stats/{root}"),
]

# The two callers measured: (label, scope root, grant).
CALLERS: list[tuple[str, str, Grant]] = [("EDITOR", "QX", Grant.EDITOR), ("VIEWER", "QX-T01", Grant.VIEWER)]


def views_of(root: str) -> list[tuple[str, str]]:
    """The views a caller whose scope is `root` can open (a VIEWER of a township
    gets "not found" for the county's coverage: left out)."""
    out = []
    for name, path in VIEWS:
        if root != "QX" and path == "/coverage/QX":
            continue
        out.append((name, path.replace("{root}", root)))
    return out


# The mark, and the slowest GraphQL request answered before it (a view's
# later requests, e.g. a village's treemap, are not part of its first paint).
READY_MS = """() => {
  const m = performance.getEntriesByName("view-ready");
  const ready = m.length ? m[m.length - 1].startTime : null;
  const api = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/graphql") && e.responseEnd <= ready);
  return [ready, Math.max(0, ...api.map((e) => e.duration))];
}"""
TRANSFER = """() => {
  const all = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
  return all.map((e) => ({ name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize }));
}"""


def visit(page: Any, url: str) -> tuple[float, float]:
    """(ms to the view's data on screen, ms of its slowest GraphQL request)."""
    page.goto(url)
    page.wait_for_selector(".view[data-ready]", timeout=120_000)
    ready, api = page.evaluate(READY_MS)
    return float(ready), float(api)


def measure(url: str, token: str, runs: int, root: str) -> dict[str, Any]:
    out: dict[str, Any] = {"views": [], "transfer": {}}
    views = views_of(root)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        foreign: list[str] = []
        context.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(url) else None)
        # Cold: a new browser profile visits every view once; sum what moved.
        cold: dict[str, int] = {}
        for path in ["#token=" + token] + ["/" + p.lstrip("/") for _, p in views]:
            visit(page, f"{url}/explore{path}")
            page.wait_for_timeout(300)
            for e in page.evaluate(TRANSFER):
                if "/graphql" not in e["name"]:
                    name = re.split(r"[?#]", e["name"])[0]  # no version, and never the token
                    cold[name] = max(cold.get(name, 0), e["transfer"])
        out["transfer"]["cold_assets_bytes"] = sum(cold.values())
        out["transfer"]["cold_assets"] = sorted(cold.items(), key=lambda kv: -kv[1])
        # Warm: the same again, each view `runs` times.
        warm_transfer = 0
        for name, path in views:
            samples, apis = [], []
            for _ in range(runs):
                ready, api = visit(page, f"{url}/explore{path}")
                samples.append(ready)
                apis.append(api)
            warm_transfer = sum(e["transfer"] for e in page.evaluate(TRANSFER) if "/graphql" not in e["name"])
            out["views"].append(
                {
                    "view": name,
                    "path": path,
                    "median": statistics.median(samples),
                    "max": max(samples),
                    "api": statistics.median(apis),
                }
            )
            print(
                f"{name:32} median {statistics.median(samples):7.0f} ms   max {max(samples):7.0f} ms",
                flush=True,
            )
        out["transfer"]["warm_page_bytes"] = warm_transfer
        # The whole county's tree: loaded, then a township expanded by a click.
        visit(page, f"{url}/explore/tree")
        out["tree_nodes"] = page.locator("[data-testid=tree-count]").inner_text()
        started = time.perf_counter()
        if root != "QX":
            out["foreign_requests"] = foreign
            browser.close()
            return out
        page.click("[data-testid=toggle-QX-T01]")
        page.wait_for_selector("[data-testid=node-QX-T01-V01]")
        out["tree_expand_ms"] = (time.perf_counter() - started) * 1000
        page.fill("[data-testid=org-search]", "村妇联")
        started = time.perf_counter()
        page.wait_for_selector(".matches button")
        out["tree_search_ms"] = (time.perf_counter() - started) * 1000 - 200  # minus the 200 ms typing pause
        out["foreign_requests"] = foreign
        browser.close()
    return out


def report(results: dict[str, dict[str, Any]], runs: int, load: tuple[float, float, float]) -> str:
    editor, viewer = results["EDITOR"], results["VIEWER"]
    lines = [
        "# Explorer speed",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({platform.machine()}), "
        f"headless Chromium, loopback, county seed, warm service; {runs} runs per view after one warm-up; "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) when it started "
        f"(2 cores, shared).",
        "First meaningful paint = the page's `view-ready` mark (the view's data on screen) from navigation start.",
        "EDITOR: a county editor (scope QX, unmasked). VIEWER: a viewer of one township (scope QX-T01, masked; "
        "her township's pages in place of the county's, whose coverage is not found for her; the pipeline and dashboard "
        "explain that they need the ANALYST role).",
        "",
        "Median and slowest first paint (ms), and the median of the view's slowest GraphQL request before it "
        "(the service's share).",
        "",
        "| view | path | EDITOR median | slowest | API | VIEWER median | slowest | API |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    seen = {v["view"]: v for v in viewer["views"]}
    for v in editor["views"]:
        w = seen.get(v["view"])
        theirs = f"{w['median']:.0f} | {w['max']:.0f} | {w['api']:.0f}" if w else "— | — | —"
        path = v["path"] if not w or w["path"] == v["path"] else v["path"] + " · " + w["path"]
        lines.append(
            f"| {v['view']} | `{path}` | {v['median']:.0f} | {v['max']:.0f} | {v['api']:.0f} | {theirs} |"
        )
    t = editor["transfer"]
    u = viewer["transfer"]
    lines += [
        "",
        f"Organization tree (EDITOR): {editor['tree_nodes']}; expanding a township {editor['tree_expand_ms']:.0f} ms, "
        f"search by name {editor['tree_search_ms']:.0f} ms (after the 200 ms typing pause).",
        "",
        f"Transfer (static assets, gzip): first visit of every view {t['cold_assets_bytes'] / 1024:,.0f} KiB "
        f"(VIEWER {u['cold_assets_bytes'] / 1024:,.0f} KiB); a later page load {t['warm_page_bytes'] / 1024:,.1f} KiB "
        f"(VIEWER {u['warm_page_bytes'] / 1024:,.1f} KiB; vendor files cached, the page's own revalidated).",
        "",
        "| asset (cold, EDITOR) | bytes over the wire |",
        "|---|---:|",
    ]
    for name, size in t["cold_assets"]:
        lines.append(f"| `{name.split('://', 1)[-1].split('/', 1)[-1]}` | {size:,} |")
    foreign = len(editor["foreign_requests"]) + len(viewer["foreign_requests"])
    lines += ["", f"Requests to another origin: {foreign}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--secret", default=DEV_SECRET, help="the service's ORGGRAPH_JWT_SECRET")
    args = parser.parse_args()
    load = os.getloadavg()
    results = {}
    for label, root, grant in CALLERS:
        print(f"-- {label} of {root}", flush=True)
        token = mint(org=root, roles=[grant], subject=f"bench-{label.lower()}", key=args.secret)
        results[label] = measure(args.url.rstrip("/"), token, args.runs, root)
    text = report(results, args.runs, load)
    RESULTS.write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    main()
