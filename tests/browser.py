"""Headless Debian Chromium for the browser tests, and a live server for it.

Chromium is Debian's `/usr/bin/chromium` (`make browser` installs it with
fonts-noto-cjk, so Chinese renders in screenshots), driven by Playwright for
Python with `executable_path`: Playwright never downloads a browser. A page
needs a real HTTP server, so `LiveServer` runs an app under uvicorn in a thread
on a free loopback port (`demo_server`: OrgGraph with real tokens over the
seeded demo; `graphql`: another client's request to it). Screenshots go to
`tests/screenshots/` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from graph.driver import Connection
from graph.seed_vocab import AS_OF
from service.app import create_app
from tests.helpers import settings_on

CHROMIUM = os.environ.get("ORGGRAPH_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def chromium_or_fail() -> str:
    """The browser's path; a clear failure (not a skip) when it is missing."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-noto-cjk)")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """An ASGI app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the live server on port {self.port} did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright's sync API; use it from sync tests)."""
    from playwright.sync_api import sync_playwright

    path = chromium_or_fail()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as tests/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def demo_server(connection: Connection, secret: str, **settings: Any) -> Iterator[LiveServer]:
    """OrgGraph with authentication on (tokens signed with `secret`) over the
    seeded demo on its day, on a free port. A generous query timeout: the
    shared test machine can be very busy."""
    configured = settings_on(connection, auth=True, jwt_secret=secret, query_timeout=120, **settings)
    with LiveServer(create_app(configured, today=lambda: AS_OF)) as live:
        yield live


def graphql(server: LiveServer, bearer: str, query: str, **variables: Any) -> dict[str, Any]:
    """The whole answer (data and errors) to one POST /graphql with the token."""
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=150,
    )
    body: dict[str, Any] = response.json()
    return body


def graphql_data(server: LiveServer, bearer: str, query: str, **variables: Any) -> dict[str, Any]:
    """The data of an answer that must have no errors."""
    body = graphql(server, bearer, query, **variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data
