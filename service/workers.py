"""Worker processes of `orggraph serve --workers N`: they stop when their supervisor dies.

uvicorn's supervisor process starts the workers and passes them its listening
socket. Were the supervisor killed with SIGKILL (an OOM kill, `kill -9`, a
process manager giving up), the workers used to live on as orphans, still
holding the port, so a restarted service could not bind it. Now every worker
asks the kernel (Linux `prctl(PR_SET_PDEATHSIG)`) for SIGINT when its parent
dies, and so stops as on Ctrl-C: it stops accepting, lets the requests in
progress finish (within ORGGRAPH_SHUTDOWN_TIMEOUT) and exits, without the
drain of a SIGTERM, since no load balancer is waiting for it. Elsewhere a
thread checks the parent once a second.

`orggraph serve` names the supervisor in ORGGRAPH_SUPERVISOR_PID; a process
that is itself the supervisor (one worker, or the tests' in-process apps) does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time

log = logging.getLogger("orggraph.workers")

SUPERVISOR_PID = "ORGGRAPH_SUPERVISOR_PID"
PR_SET_PDEATHSIG = 1
CHECK_EVERY = 1.0


def name_supervisor() -> None:
    """Called by `orggraph serve` before the workers start."""
    os.environ[SUPERVISOR_PID] = str(os.getpid())


def follow_supervisor() -> None:
    """In a worker: stop (SIGINT to itself) when the supervisor dies."""
    named = os.environ.get(SUPERVISOR_PID, "")
    if not named.isdigit() or int(named) == os.getpid():
        return
    supervisor = int(named)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    else:
        threading.Thread(target=_watch, args=(supervisor,), name="supervisor-watch", daemon=True).start()
    if os.getppid() != supervisor:  # it died before the request above
        _stop()


def _watch(supervisor: int) -> None:
    while os.getppid() == supervisor:
        time.sleep(CHECK_EVERY)
    _stop()


def _stop() -> None:
    log.warning("the supervisor (orggraph serve) is gone: stopping worker %d", os.getpid())
    os.kill(os.getpid(), signal.SIGINT)
