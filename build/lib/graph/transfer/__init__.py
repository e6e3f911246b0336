"""Bulk import and export of the organization graph as a folder of CSV files
(`orggraph import DIR`, `orggraph export DIR`).

- `formats`: the files, their columns and the typed rows (one place lists them);
- `validator`: reads a folder and finds every bad row, in pure Python;
- `importer`: looks up what the folder references in the database, validates,
  and writes (`writer`) only when nothing is wrong;
- `writer`: batched, idempotent upserts keyed by code;
- `exporter`: writes the database as such a folder, deterministically.
"""
