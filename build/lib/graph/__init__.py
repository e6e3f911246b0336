"""Everything that talks to Neo4j: the driver, Cypher, constraints, seeding and the
launcher for a local server. Nothing outside this package runs Cypher."""
