"""What a Database reports about its work, for the service's metrics
(service/metrics.py implements it; graph/ does not depend on the metrics library)."""

from __future__ import annotations

from typing import Protocol


class Probe(Protocol):
    def query(self, kind: str, seconds: float, outcome: str) -> None:
        """One transaction (`kind` read or write) took `seconds`; `outcome` ok,
        error or timeout (Neo4j did not answer within the bound)."""

    def connections(self, delta: int) -> None:
        """A session took (+1) or gave back (-1) a connection of the pool."""

    def audit_group(self, size: int) -> None:
        """A grouped write of READ audit events carried `size` of them."""


class Quiet:
    """The probe of a Database nobody watches."""

    def query(self, kind: str, seconds: float, outcome: str) -> None:
        pass

    def connections(self, delta: int) -> None:
        pass

    def audit_group(self, size: int) -> None:
        pass
