"""`orggraph token`: mint a signed token for development and demos.

It signs with the configured HS256 secret (ORGGRAPH_JWT_SECRET, or the dev
secret when none is set), or, given `--private-key`, with an RS256 key whose
public half the service is configured with (ORGGRAPH_JWT_PUBLIC_KEY). In
production tokens come from the organization's identity provider.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from graph.access import Grant


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "token", help="mint a bearer token for a caller (development and demos)"
    )
    p.add_argument("--org", required=True, help="code of the organization whose subtree she may see, e.g. QX")
    p.add_argument(
        "--role",
        dest="roles",
        action="append",
        required=True,
        choices=[g.value for g in Grant],
        help="a role (repeatable): VIEWER, ANALYST, EDITOR or ADMIN",
    )
    p.add_argument("--sub", default="dev", help="the caller's name (the token's subject; default: dev)")
    p.add_argument("--hours", type=float, default=8.0, help="lifetime in hours (default: 8)")
    p.add_argument("--private-key", type=Path, help="sign with this RS256 private key (PEM) instead")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from service.auth import DEV_SECRET, mint
    from service.settings import Settings

    settings = Settings()
    roles = [Grant(r) for r in args.roles]
    common: dict[str, Any] = {
        "org": args.org,
        "roles": roles,
        "subject": args.sub,
        "audience": settings.jwt_audience,
        "issuer": settings.jwt_issuer,
        "lifetime": dt.timedelta(hours=args.hours),
    }
    if args.private_key:
        token = mint(key=args.private_key.read_text(), algorithm="RS256", **common)
    else:
        token = mint(key=settings.jwt_secret or DEV_SECRET, **common)
    print(token)
    return 0
