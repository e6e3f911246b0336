"""The GraphQL schema: Strawberry types over the records of `graph.model`,
resolved through the request's loaders (never Cypher)."""
