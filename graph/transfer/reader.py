"""Reading a CSV import folder's files: each known file's data rows by line, and
what is wrong with the files themselves (encoding, header, unknown files, rows
with too many cells). Every problem is a `Problem`, reported as
`file:line: column: reason`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from graph.transfer.formats import FILE_NAMES, FILES, FileFormat


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one cell (or file) cannot be imported."""

    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class RawRow:
    """A data row as read: its line in the file and its cells by column."""

    line: int
    cells: dict[str, str]


RawFolder = dict[str, list[RawRow]]


def read_folder(path: Path) -> tuple[RawFolder, list[Problem]]:
    """The rows of each known file present in `path`, and what is wrong with the
    files themselves (encoding, header, unknown files)."""
    raw: RawFolder = {}
    problems: list[Problem] = []
    if not path.is_dir():
        return raw, [Problem(str(path), 0, "-", "not a folder")]
    for extra in sorted(p.name for p in path.glob("*.csv") if p.name not in FILE_NAMES):
        problems.append(Problem(extra, 1, "-", f"unknown file; expected {', '.join(FILE_NAMES)}"))
    for fmt in FILES:
        file = path / fmt.name
        if file.exists():
            raw[fmt.name] = _read_file(fmt, file.read_bytes(), problems)
    if not raw and not problems:
        problems.append(Problem(str(path), 0, "-", f"no files to import; expected {', '.join(FILE_NAMES)}"))
    return raw, problems


def _read_file(fmt: FileFormat, data: bytes, problems: list[Problem]) -> list[RawRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(
            Problem(fmt.name, line, "-", 'not UTF-8 text: save the file as "CSV UTF-8" (not GBK/ANSI)')
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        problems.append(Problem(fmt.name, 1, "-", f"empty file: expected the header {','.join(fmt.header)}"))
        return []
    names = [h.strip() for h in header]
    bad_header = False
    for i, name in enumerate(names):
        if name not in fmt.header:
            problems.append(
                Problem(fmt.name, 1, name or f"#{i + 1}", f"unknown column; expected {fmt.header}")
            )
            bad_header = True
        elif names.index(name) != i:
            problems.append(Problem(fmt.name, 1, name, "column given twice"))
            bad_header = True
    for missing in (c for c in fmt.header if c not in names):
        problems.append(
            Problem(fmt.name, 1, missing, "missing column (cells may be empty, the column may not)")
        )
        bad_header = True
    if bad_header:
        return []
    rows: list[RawRow] = []
    line = reader.line_num + 1
    for cells in reader:
        if any(c.strip() for c in cells):
            extra = [c for c in cells[len(names) :] if c.strip()]
            if extra:
                problems.append(
                    Problem(
                        fmt.name, line, "-", f"{len(cells)} cells, but the header has {len(names)} columns"
                    )
                )
            else:
                values = [c.strip() for c in cells] + [""] * (len(names) - len(cells))
                rows.append(RawRow(line, dict(zip(names, values, strict=False))))
        line = reader.line_num + 1
    return rows
