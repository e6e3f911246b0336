"""The scaling run's markdown and chart (bench/results/scaling.md, scaling.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SYSTEM_COLORS = {"floor": "#8c8c8c", "orggraph": "#d62728", "neo4j-graphql": "#1f77b4"}


def _series(points: list[dict[str, Any]], study: str) -> dict[str, list[dict[str, Any]]]:
    """Points of one study by series label (system, plus page / variant)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        if p["study"] != study:
            continue
        label = p["system"]
        if p.get("variant"):
            label += f" ({p['variant']})"
        if p.get("page"):
            label += f", {p['page']} page"
        out.setdefault(label, []).append(p)
    for values in out.values():
        values.sort(key=lambda p: p["x"])
    return out


def _cell(p: dict[str, Any] | None) -> str:
    if p is None:
        return ""
    if "error" in p:
        if p["error"] == "answers differ":
            return "**answers differ: not measured**"
        if p.get("seconds_to_fail") is None:
            return "not run (failed at a smaller size)"
        return f"fails ({p['seconds_to_fail']:.0f} s)"
    return f"{p['p50_ms']:,.2f}"


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    points = doc["points"]
    parts = [
        "# OrgGraph scaling runs\n",
        f"Run {doc['date']} ({doc['duration_s']} s{', --quick' if doc.get('quick') else ''}) on {m['cores']} "
        f"cores, {m['memory_gb']} GB; load average (1/5/15 min) "
        f"{' / '.join(f'{v:.2f}' for v in doc['load_avg_start'])} → {' / '.join(f'{v:.2f}' for v in doc['load_avg_end'])}. "
        "Concurrency 1, p50 in ms, the same load client as `bench.run`.\n",
    ]
    if len(doc.get("runs", [])) > 1:
        parts.append(
            "Parts measured in separate runs: "
            + "; ".join(
                f"{', '.join(r['parts'])} at {r['date']} (`{r['commit']}`, load "
                f"{' / '.join(f'{v:.2f}' for v in r['load_avg_start'])})"
                for r in doc["runs"]
            )
            + ".\n"
        )
    if doc.get("failed"):
        parts.append(
            f"**ERROR: the answers differ in {len(doc['failed'])} row(s)**, which are not measured and give "
            "no ratio: " + "; ".join(doc["failed"]) + ".\n"
        )
    if doc.get("first_page_ratio") is not None:
        parts.append(
            f"OrgGraph's first page of `people` at the largest size is **{doc['first_page_ratio']}×** its "
            "latency at the smallest (target ≤ 1.2×).\n"
        )
    titles = {
        "people": ("## `people(first: 50)` against the number of Person rows\n", "rows"),
        "result": ("## The nested view against its result size (fields in the answer)\n", "fields"),
        "rest": (
            "## The nested view of one small county against the rest of the graph (other rows)\n",
            "other rows",
        ),
    }
    for study, (title, xname) in titles.items():
        series = _series(points, study)
        if not series:
            continue
        xs = sorted({p["x"] for values in series.values() for p in values})
        parts.append(title)
        parts.append("| series | " + " | ".join(f"{x:,.0f} {xname}" for x in xs) + " |")
        parts.append("|---|" + "--:|" * len(xs))
        for label, values in series.items():
            by_x = {p["x"]: p for p in values}
            parts.append(f"| {label} | " + " | ".join(_cell(by_x.get(x)) for x in xs) + " |")
        parts.append("")
    if doc.get("checks"):
        parts.append("## Answers compared\n")
        parts.extend(f"- {c}" for c in doc["checks"])
    return "\n".join(parts) + "\n"


def chart(doc: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    studies = [
        ("people", "people(first: 50) vs Person rows", "rows"),
        ("result", "nested view vs answer size", "fields in the answer"),
        ("rest", "nested view vs rest of the graph", "other rows in the graph"),
    ]
    present = [s for s in studies if _series(doc["points"], s[0])]
    if not present:
        return
    fig, axes = plt.subplots(1, len(present), figsize=(5.2 * len(present), 4.4), squeeze=False)
    for ax, (study, title, xlabel) in zip(axes[0], present, strict=True):
        for label, values in _series(doc["points"], study).items():
            ok = [p for p in values if "error" not in p]
            if not ok:
                continue
            system = label.split(" ")[0].rstrip(",")
            style = "--" if "middle" in label else "-"
            marker = "s" if "connection" in label else "o"
            ax.plot([p["x"] for p in ok], [p["p50_ms"] for p in ok], style, marker=marker, label=label,
                    color=SYSTEM_COLORS.get(system), alpha=0.9)  # fmt: skip
        if study != "result":
            ax.set_xscale(
                "symlog" if study == "rest" else "log", **({"linthresh": 1e4} if study == "rest" else {})
            )
        if study != "result":  # the result study reads best linear: a straight line is linear growth
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_ylabel("p50 ms" + ("" if study == "result" else " (log)"), fontsize=9)
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=6.5)
    m = doc["machine"]
    fig.suptitle(
        f"OrgGraph scaling {doc['date'][:16]} — {m['cores']} cores, {m['memory_gb']} GB", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
