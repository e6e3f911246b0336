"""Analysts' questions, each answered by Cypher in Neo4j (never by pulling the
graph into Python): the cadre-pipeline funnel and candidates, mentoring
lineages, paths between people, term statistics and dashboard figures."""
