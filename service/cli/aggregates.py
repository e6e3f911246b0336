"""`orggraph aggregates`: count the villages' coverage tallies again.

    orggraph aggregates rebuild [--day YYYY-MM-DD]   every village, on that day (default today)
    orggraph aggregates refresh [--day YYYY-MM-DD]   only villages whose tally does not hold that day

`rebuild` also lifts the hold a crashed import left (readers answer live while
one is in place). The service runs `refresh` at start-up and hourly; `rebuild`
is for a store written outside the API (raw Cypher) or after an upgrade.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from typing import Any

from graph import aggregates
from graph.driver import Database
from service.settings import Settings

TIMEOUT = 600.0


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "aggregates",
        help="count the villages' coverage tallies again",
        description="Count the coverage tallies (graph/aggregates.py) the coverage report, the "
        "dashboard and the organization lists answer from.",
    )
    p.add_argument("action", choices=["rebuild", "refresh"])
    p.add_argument("--day", type=dt.date.fromisoformat, default=None, help="the day counted (default today)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    counted = asyncio.run(_run(Settings(), args.action, args.day or dt.date.today()))
    took = time.perf_counter() - started
    print(f"orggraph aggregates {args.action}: {counted} organizations counted in {took:.1f} s")
    return 0


async def _run(settings: Settings, action: str, day: dt.date) -> int:
    db = Database(settings.connection, query_timeout=max(settings.query_timeout, TIMEOUT))
    try:
        if action == "rebuild":
            counted = await aggregates.rebuild(db, day)
            await aggregates.release_holds(db)
            return counted
        return await aggregates.refresh(db, day)
    finally:
        await db.close()
