"""The project's documentation as the tests read it: the README (the landing
page) followed by every reference page in docs/, so an example keeps being
tested wherever it moves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def text() -> str:
    """All pages, one after the other."""
    return "\n".join(page.read_text(encoding="utf-8") for page in PAGES)


def blocks(info: str) -> list[str]:
    """The fenced blocks whose info string is exactly `info` (e.g. "graphql")."""
    return re.findall(rf"```{re.escape(info)}\n(.*?)```", text(), flags=re.S)
