# OrgGraph: `make run` serves the demo, `make test` runs the whole suite.
# Both work on a fresh machine: they create .venv, install, fetch Neo4j with
# Maven (first run only) and start it on loopback unless NEO4J_URI is set.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.stamp-install
GRAPHIQL_DIR := service/graphiql
GRAPHIQL_STAMP := $(GRAPHIQL_DIR)/node_modules/.stamp-npm-ci
FEDERATION_DIR := tests/federation
FEDERATION_STAMP := $(FEDERATION_DIR)/node_modules/.stamp-npm-ci
CLIENTS_DIR := tests/clients
CLIENTS_STAMP := $(CLIENTS_DIR)/node_modules/.stamp-npm-ci
EXPLORER_DIR := service/explorer
EXPLORER_STAMP := $(EXPLORER_DIR)/node_modules/.stamp-npm-ci
SCALE ?= small

.PHONY: install run test lint format schema seed neo4j-start neo4j-stop neo4j-status clean

install: $(INSTALLED) $(GRAPHIQL_STAMP) $(EXPLORER_STAMP) $(FEDERATION_STAMP) $(CLIENTS_STAMP)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# GraphiQL's browser assets (served at /graphiql-assets/, no CDN). npm ci wipes
# node_modules, stamp included, so a deleted or stale tree is reinstalled.
$(GRAPHIQL_STAMP): $(GRAPHIQL_DIR)/package-lock.json $(GRAPHIQL_DIR)/package.json
	npm ci --prefix $(GRAPHIQL_DIR) --no-audit --no-fund --loglevel=error
	touch $@

# The explorer's vendor builds (Apache ECharts, cytoscape.js), served at
# /explore-assets/vendor/ with no CDN; the page itself needs no build step.
$(EXPLORER_STAMP): $(EXPLORER_DIR)/package-lock.json $(EXPLORER_DIR)/package.json
	npm ci --prefix $(EXPLORER_DIR) --no-audit --no-fund --loglevel=error
	touch $@

# Real client libraries (Apollo Client, graphql-http's audit, graphql-request)
# that the client tests run on Node against a live OrgGraph.
$(CLIENTS_STAMP): $(CLIENTS_DIR)/package-lock.json $(CLIENTS_DIR)/package.json
	npm ci --prefix $(CLIENTS_DIR) --no-audit --no-fund --loglevel=error
	touch $@

# The Apollo gateway and second subgraph of the federation test.
$(FEDERATION_STAMP): $(FEDERATION_DIR)/package-lock.json $(FEDERATION_DIR)/package.json
	npm ci --prefix $(FEDERATION_DIR) --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(BIN)/orggraph neo4j start
	$(BIN)/orggraph seed --if-empty --scale $(SCALE)
	@token=$$($(BIN)/orggraph token --org QX --role ADMIN --sub demo-admin) && \
	  echo "" && \
	  echo "A demo ADMIN token for the county QX (8 hours; other roles: orggraph token --help):" && \
	  echo "  $$token" && \
	  echo "GraphiQL with the token filled in:" && \
	  echo "  http://$${ORGGRAPH_HOST:-127.0.0.1}:$${ORGGRAPH_PORT:-8000}/graphql#token=$$token" && \
	  echo "The explorer (组织、覆盖、后备、人员、传帮带、统计) signed in with it:" && \
	  echo "  http://$${ORGGRAPH_HOST:-127.0.0.1}:$${ORGGRAPH_PORT:-8000}/explore#token=$$token" && \
	  echo ""
	$(BIN)/orggraph serve

test: install browser
	$(BIN)/pytest

# Debian's Chromium for the browser tests (driven by Playwright with
# executable_path, no browser download) and CJK fonts so Chinese renders.
.PHONY: browser
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then \
	  echo "installing chromium and fonts-noto-cjk with apt-get…"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check graph loaders schema service tests bench
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format graph loaders schema service tests bench

# Refresh the committed SDL snapshots after a schema change (review the diff):
# schema.graphql, the plain schema clients load; schema.subgraph.graphql, the
# federation subgraph SDL gateways compose.
schema: install
	$(BIN)/orggraph schema > schema.graphql
	$(BIN)/orggraph schema --subgraph > schema.subgraph.graphql

seed: install
	$(BIN)/orggraph neo4j start
	$(BIN)/orggraph seed --scale $(SCALE)

neo4j-start: install
	$(BIN)/orggraph neo4j start
neo4j-stop: install
	$(BIN)/orggraph neo4j stop
neo4j-status: install
	$(BIN)/orggraph neo4j status

# The benchmark (README "Benchmarks"): the floor, OrgGraph and @neo4j/graphql on
# the county and a profile of OrgGraph's slowest row (~10 min), then the county
# against the city once the city store is seeded (~15 min more), into
# bench/results/. Its own Neo4j (port 7741, county seeded once into
# .neo4j/bench; scaling: 7742; city: 7744) and servers (8741, 8742), all stopped
# afterwards. bench-scaling: the 1k-1M row and result-size runs and the city
# (seeded once, ~30 min); bench-all: both; bench-quick: a smaller pass.
BENCH_STAMP := $(VENV)/.stamp-bench

$(BENCH_STAMP): $(INSTALLED)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

.PHONY: bench bench-all bench-quick bench-scaling bench-profile
bench: install $(BENCH_STAMP)
	$(BIN)/python -m bench
bench-all: install $(BENCH_STAMP)
	$(BIN)/python -m bench --with-scaling
bench-quick: install $(BENCH_STAMP)
	$(BIN)/python -m bench --quick
bench-scaling: install $(BENCH_STAMP)
	$(BIN)/python -m bench.scaling
bench-profile: install $(BENCH_STAMP)
	$(BIN)/python -m bench.profile

# Overload (docs/operations.md "Overload and connection limits"): a burst of 64
# clients on the county with and without ORGGRAPH_MAX_IN_FLIGHT, and how
# keep-alive clients spread over two workers; bench/results/overload.md. The
# bench Neo4j (county) and one server at a time (port 8741); ~5 minutes.
.PHONY: bench-overload
bench-overload: install $(BENCH_STAMP)
	$(BIN)/python -m bench.overload

# Import throughput (README "Import and export"): county seed → export →
# import into an empty database → export again, compared byte for byte; prints
# JSON. Its own Neo4j (port 7743, rebuilt, stopped afterwards); ~3 minutes.
.PHONY: bench-import
bench-import: install
	$(BIN)/python -m bench.import_throughput

# The change feed (docs/changes.md): write-to-delivery latency with 1/100/1,000
# subscribers, idle subscribers' cost, the outbox's cost to writers, catch-up
# from 100,000 behind. Its own Neo4j (ORGGRAPH_BENCH_NEO4J_PORT, default 7753,
# small demo) and server (ORGGRAPH_BENCH_PORT, default 8753); ~5 minutes.
.PHONY: bench-changes
bench-changes: install $(BENCH_STAMP)
	$(BIN)/python -m bench.changes

clean:
	-$(BIN)/orggraph neo4j stop
	rm -rf $(VENV) .neo4j $(GRAPHIQL_DIR)/node_modules $(EXPLORER_DIR)/node_modules .pytest_cache .mypy_cache .ruff_cache
