"""`orggraph neo4j start|stop|status`: the project-run local Neo4j.

`start` is idempotent and prints the connection as env lines, so
`eval "$(orggraph neo4j start)"` points a shell at it.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from graph import launcher
from graph.supervisor import supervise
from service.settings import Settings


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("neo4j", help="start, stop or inspect the local Neo4j")
    p.add_argument(
        "action",
        choices=["start", "stop", "status", "run"],
        help="run: start it and keep it running in the foreground, restarting it if it dies "
        "(for systemd or another process manager); SIGTERM stops it",
    )
    p.add_argument("--port", type=int, help="Bolt port (default ORGGRAPH_NEO4J_PORT or 7687)")
    p.add_argument("--name", default="dev", help="instance folder under .neo4j/ (default dev)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    if settings.neo4j_uri:
        print(
            f"NEO4J_URI is set ({settings.neo4j_uri}): using that server, starting nothing.", file=sys.stderr
        )
        _print_env(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password)
        return 0
    instance = settings.instance
    if args.port or args.name != "dev":
        instance = launcher.Instance(
            name=args.name,
            port=args.port or instance.port,
            password=instance.password,
            pagecache_mb=instance.pagecache_mb,
            heap_mb=instance.heap_mb,
        )
    if args.action == "run":
        return supervise(instance)
    if args.action == "start":
        was_running = launcher.running_pid(instance) is not None
        connection = launcher.start(instance)
        state = "already running" if was_running else "started"
        print(f"# Neo4j {state}: {instance.home} (log {instance.log_file})", file=sys.stderr)
        _print_env(connection.uri, connection.user, connection.password)
    elif args.action == "stop":
        stopped = launcher.stop(instance)
        print("stopped" if stopped else "not running")
    else:
        pid = launcher.running_pid(instance)
        if pid is None:
            print(f"not running ({instance.home})")
            return 3
        print(f"running, pid {pid}, bolt://127.0.0.1:{instance.port} ({instance.home})")
    return 0


def _print_env(uri: str, user: str, password: str) -> None:
    print(f"NEO4J_URI={shlex.quote(uri)}")
    print(f"NEO4J_USER={shlex.quote(user)}")
    print(f"NEO4J_PASSWORD={shlex.quote(password)}")
