"""Keeping the project's own Neo4j running: `orggraph neo4j run`.

The supervisor runs in the foreground (under systemd, see docs/operations.md,
or any process manager), starts the instance, and checks every second that it
still runs; a crashed or killed Neo4j is started again (its last log kept as
`neo4j.out.1`), with a growing pause after failed starts. While a backup or
restore holds the instance (graph/backup.py's maintenance file) it leaves the
stopped instance alone. SIGTERM or SIGINT stops Neo4j cleanly and ends the
supervisor; if the supervisor itself is killed, Neo4j keeps running and the
next supervisor adopts it.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from graph import launcher
from graph.backup import under_maintenance
from graph.launcher import Instance, LauncherError

log = logging.getLogger("orggraph.supervisor")

CHECK_EVERY = 1.0
MAX_PAUSE = 30.0


def supervise(instance: Instance, stop: threading.Event | None = None) -> int:
    """Keep `instance` running until SIGTERM/SIGINT (or `stop` is set); exit status 0."""
    stop = stop or threading.Event()

    def on_signal(sig: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping Neo4j", sig)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    pause = 1.0
    first = True
    while not stop.is_set():
        if launcher.running_pid(instance) is None and not under_maintenance(instance):
            if not first:
                log.warning("Neo4j %s is not running: starting it again", instance.name)
                if instance.log_file.exists():
                    instance.log_file.replace(instance.log_file.with_suffix(".out.1"))
            try:
                launcher.start(instance)
                log.info("Neo4j %s runs on bolt://127.0.0.1:%d", instance.name, instance.port)
                pause = 1.0
            except LauncherError as e:
                log.error("Neo4j %s did not start (%s); next try in %.0fs", instance.name, e, pause)
                stop.wait(pause)
                pause = min(pause * 2, MAX_PAUSE)
            first = False
        stop.wait(CHECK_EVERY)
    launcher.stop(instance)
    return 0
