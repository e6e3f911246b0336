"""Whether the service may listen where it is asked to.

On the loopback interface a development run needs no configuration: tokens are
checked with the public dev secret (or not at all with ORGGRAPH_AUTH=off). On
any other address (the Docker image listens on 0.0.0.0) anyone who can reach
the port could mint a token with that public secret, so `orggraph serve`
refuses to start there without ORGGRAPH_JWT_SECRET or ORGGRAPH_JWT_PUBLIC_KEY,
unless the operator asks for the demo explicitly with ORGGRAPH_DEMO=on.
"""

from __future__ import annotations

import ipaddress
import logging

from service.settings import Settings

log = logging.getLogger("orggraph")

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


class UnsafeExposure(Exception):
    """The service would be reachable from outside with a public or no secret."""


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_exposure(settings: Settings, host: str) -> None:
    """Raise UnsafeExposure when listening on `host` would expose the public
    dev secret or unauthenticated access (see the module docstring)."""
    if is_loopback(host):
        return
    keyed = settings.auth and bool(settings.jwt_secret or settings.jwt_public_key)
    if keyed:
        return
    if settings.demo:
        log.warning(
            "ORGGRAPH_DEMO=on: serving on %s with %s; for demos only",
            host,
            "the public dev secret" if settings.auth else "no authentication",
        )
        return
    without = (
        "ORGGRAPH_AUTH=off" if not settings.auth else "no ORGGRAPH_JWT_SECRET or ORGGRAPH_JWT_PUBLIC_KEY"
    )
    raise UnsafeExposure(
        f"refusing to listen on {host} with {without}: anyone reaching the port could call the API "
        "as anybody. Set ORGGRAPH_JWT_SECRET (e.g. `openssl rand -base64 48`) or "
        "ORGGRAPH_JWT_PUBLIC_KEY, or ORGGRAPH_DEMO=on for a throw-away demo"
    )
