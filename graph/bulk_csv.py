"""The demo county (`graph.seed_data`) as CSV files for Neo4j's offline importer
(`neo4j-admin database import full`, run by `graph.bulk_seed`).

Each node list and relationship list that `graph.seed.STEPS` writes through
Bolt has a file here with the same properties: a typed header file written
once (`date` for days, `string[]` for household tags, `long` for a stage's
order) and a data file per generated part, so the parts of a city are
generated and written by worker processes at once. Nodes are found by
their `id` (a Stage by its name) in an ID space per label, as the Bolt path's
`MATCH (a:Person {id: row.a})` does. People and organizations carry the
pinyin the Bolt path computes (`graph.pinyin`).

Values are written as `csv` writes them: a date as `2021-03-01`, a missing
value (None) as an empty field, which the importer leaves unset as a Bolt
null is. Generated values are never empty strings (an empty field would be
read as null). Tags are joined with `;`, the importer's array delimiter; the
importer reads an empty list as no property, so `graph.bulk_seed` sets the
empty lists afterwards.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from graph.pinyin import pinyin_properties
from graph.seed_data import Dataset, Row, generate_part


@dataclass(frozen=True)
class CsvFile:
    """One node list (`kind` a label) or relationship list (`kind` a type) of a
    Dataset: its field (the files' stem) and the header's columns."""

    kind: str
    field: str
    columns: tuple[str, ...]
    node: bool

    @property
    def keys(self) -> tuple[str, ...]:
        """The row key of each column (`a`/`b` for a relationship's ends)."""
        return tuple(
            "a" if c.startswith(":START_ID") else "b" if c.startswith(":END_ID") else c.split(":")[0]
            for c in self.columns
        )


PERIOD = ("role", "since:date", "until:date")
FILES: tuple[CsvFile, ...] = (
    CsvFile("Stage", "stages", ("name:ID(Stage)", "order:long"), node=True),
    CsvFile("Organization", "organizations",
            ("id:ID(Organization)", "code", "name", "kind", "level", "pinyin", "pinyinKeys"), node=True),
    CsvFile("Grid", "grids", ("id:ID(Grid)", "code", "name"), node=True),
    CsvFile("Household", "households", ("id:ID(Household)", "code", "address", "tags:string[]"), node=True),
    CsvFile("Person", "persons",
            ("id:ID(Person)", "code", "name", "gender", "birthDate:date", "education", "politicalStatus",
             "phone", "pinyin", "pinyinKeys"), node=True),
    CsvFile("PART_OF", "org_part_of", (":START_ID(Organization)", ":END_ID(Organization)"), node=False),
    CsvFile("PART_OF", "grid_part_of", (":START_ID(Grid)", ":END_ID(Organization)"), node=False),
    CsvFile("IN_GRID", "in_grid", (":START_ID(Household)", ":END_ID(Grid)"), node=False),
    CsvFile("LIVES_IN", "lives_in", (":START_ID(Person)", ":END_ID(Household)"), node=False),
    CsvFile("HOLDS", "holds", (":START_ID(Person)", ":END_ID(Organization)", "id", *PERIOD), node=False),
    CsvFile("COVERS", "covers_grid", (":START_ID(Person)", ":END_ID(Grid)", "id", *PERIOD), node=False),
    CsvFile("COVERS", "covers_household", (":START_ID(Person)", ":END_ID(Household)", "id", *PERIOD),
            node=False),
    CsvFile("GUIDES", "guides", (":START_ID(Person)", ":END_ID(Person)", "since:date", "until:date"),
            node=False),
    CsvFile("MENTORS", "mentors", (":START_ID(Person)", ":END_ID(Person)", "since:date", "until:date"),
            node=False),
    CsvFile("REACHED", "reached", (":START_ID(Person)", ":END_ID(Stage)", "on:date"), node=False),
)  # fmt: skip


def header_path(folder: Path, file: CsvFile) -> Path:
    return folder / f"{file.field}.header.csv"


def part_path(folder: Path, file: CsvFile, part: int) -> Path:
    return folder / f"{file.field}.part{part}.csv"


def write_headers(folder: Path) -> None:
    for file in FILES:
        with header_path(folder, file).open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerow(file.columns)


def _values(file: CsvFile) -> Callable[[Iterable[Row]], Iterator[Any]]:
    """The rows of a file as value tuples, in its columns' order."""
    keys = file.keys
    if file.field == "households":
        return lambda rows: ((r["id"], r["code"], r["address"], ";".join(r["tags"])) for r in rows)
    if "pinyinKeys" in keys:
        plain = itemgetter(*keys[:-2])

        def named(rows: Iterable[Row]) -> Iterator[Any]:
            for r in rows:
                found = pinyin_properties(r["name"])
                yield (*plain(r), found["pinyin"], found["pinyinKeys"])

        return named
    get = itemgetter(*keys)
    return lambda rows: map(get, rows)


def write_dataset(dataset: Dataset, folder: Path, part: int) -> None:
    """Write the dataset's rows into the part's data files (no header)."""
    for file in FILES:
        rows: list[Row] = getattr(dataset, file.field)
        with part_path(folder, file, part).open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(_values(file)(rows))


def write_part(scale: str, seed: int, part: int, folder: Path) -> int:
    """Generate part `part` of the scale and write it (run in a worker process
    for a city's counties); returns its rows."""
    dataset = generate_part(scale, seed, part)
    write_dataset(dataset, folder, part)
    return dataset.rows


def import_arguments(folder: Path, parts: int) -> list[str]:
    """The importer's --nodes and --relationships arguments: a header file, then
    every part's data file."""
    out = []
    for file in FILES:
        paths = [header_path(folder, file), *(part_path(folder, file, p) for p in range(parts))]
        option = "--nodes" if file.node else "--relationships"
        out.append(f"{option}={file.kind}={','.join(str(p) for p in paths)}")
    return out
