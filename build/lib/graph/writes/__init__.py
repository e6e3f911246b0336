"""Validated writes: the mutations' Cypher, one module per part of the graph.

Every public function here is one write transaction (`Database.write_transaction`):
it reads what its rules need, raises `graph.errors` (BadInput, NotFound,
Conflict) before writing anything when a rule says no, and otherwise writes and
returns the changed records. A failure inside the transaction rolls all of it
back, so a write happens whole or not at all.
"""
