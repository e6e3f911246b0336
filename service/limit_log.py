"""Warnings that a limit was hit (service/admission.py, service/connections.py).

A burst hits a limit thousands of times a second; the log gets one line per
limit per `every` seconds, saying how many times it was hit since the last
line, and the metric `orggraph_limit_hits_total{limit}` counts every hit.
"""

from __future__ import annotations

import logging
import time

from service.metrics import LIMIT_HITS

log = logging.getLogger("orggraph.limits")

EVERY_SECONDS = 10.0


class LimitLog:
    """The hits of one limit in this worker, and when it last said so."""

    def __init__(self, limit: str, *, every: float = EVERY_SECONDS) -> None:
        self.limit = limit
        self.every = every
        self.unreported = 0
        self.reported_at = -every

    def hit(self, what: str, *args: object) -> None:
        """Count one hit; log `what % args` unless a line was logged within `every` s."""
        LIMIT_HITS.labels(self.limit).inc()
        self.unreported += 1
        now = time.monotonic()
        if now - self.reported_at < self.every:
            return
        log.warning(
            "limit %s hit: " + what + " (%d time(s) since the last such line)",
            self.limit,
            *args,
            self.unreported,
        )
        self.unreported = 0
        self.reported_at = now
