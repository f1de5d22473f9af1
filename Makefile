# Journey Warehouse: every target sets itself up from pinned versions (requirements.lock).
PYTHON_SYSTEM ?= python3.11
VENV          := .venv
PY            := $(VENV)/bin/python
UV            := $(VENV)/bin/uv
STAMP         := $(VENV)/.installed
export JOURNEY_WAREHOUSE ?= $(CURDIR)/data/warehouse/journey.duckdb
export DAGSTER_HOME      ?= $(CURDIR)/.dagster_home
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run test test-fast test-postgres dev lint docs report generate bench lock clean

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON_SYSTEM) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON_SYSTEM) not found); set PYTHON_SYSTEM=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON_SYSTEM) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	$(PY) -m dagster_project.cli prepare
	touch $(STAMP)

## run: set up, build the warehouse from the sample exports, print a summary
run: $(STAMP)
	$(VENV)/bin/journey build --exports data/sample/exports --warehouse $(JOURNEY_WAREHOUSE)

## test: set up, then the whole test suite
test: $(STAMP)
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_postgres.sh
	$(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

## test-postgres: the sample's marts built on a throw-away PostgreSQL equal the DuckDB build (docs/scale-out.md)
test-postgres: $(STAMP)
	bash scripts/ensure_postgres.sh
	$(PY) -m pytest -q tests/test_postgres_engine.py

## test-fast: the day-to-day subset (no slow tests, one shared mini build; see README for timings)
test-fast: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --fast

## docs: dbt docs for analysts, one static page (dbt/target_docs/static_index.html); DOCS_SERVE=1 serves them
docs: $(STAMP)
	cd dbt && if [ -f "$(JOURNEY_WAREHOUSE)" ]; then ../$(VENV)/bin/dbt docs generate --static --target-path target_docs; \
	else echo "note: no warehouse at $(JOURNEY_WAREHOUSE) (make run builds one); column types left out"; \
	JOURNEY_WAREHOUSE=$$(mktemp -d)/docs.duckdb ../$(VENV)/bin/dbt docs generate --static --empty-catalog --target-path target_docs; fi
	@echo "dbt docs written: dbt/target_docs/static_index.html (open it in a browser; docs/analysts.md explains)"
	@if [ -n "$$DOCS_SERVE" ]; then cd dbt && ../$(VENV)/bin/dbt docs serve --target-path target_docs --port $${DOCS_PORT:-8080} --no-browser; fi

## report: the journey-map report (journey_map.html beside the warehouse) from the published marts
report: $(STAMP)
	$(VENV)/bin/journey report --warehouse $(JOURNEY_WAREHOUSE)

## dev: the Dagster UI on the project (asset graph, checks, schedules) on http://$(DAGSTER_HOST):$(DAGSTER_PORT)
# (DAGSTER_PORT=3001 make dev for another port). `dg dev` (dagster-dg-cli) supersedes `dagster dev`;
# scripts/dev_server.py runs it so that Ctrl-C or SIGTERM stops it and every process it started.
DAGSTER_PORT ?= 3000
DAGSTER_HOST ?= 127.0.0.1
dev: $(STAMP)
	mkdir -p $(DAGSTER_HOME) && cp -n dagster_project/dagster.yaml $(DAGSTER_HOME)/dagster.yaml || true
	$(PY) scripts/dev_server.py --host $(DAGSTER_HOST) --port $(DAGSTER_PORT)

## lint: ruff on Python, sqlfluff (dbt templater) on SQL
lint: $(STAMP)
	$(VENV)/bin/ruff check dagster_project journey_generator tests benchmarks
	cd dbt && ../$(VENV)/bin/sqlfluff lint models --templater dbt

## generate: a generated dataset (ACCOUNTS=, SEED=, OUT=)
generate: $(STAMP)
	$(VENV)/bin/journey generate --accounts $${ACCOUNTS:-20000} --seed $${SEED:-7} --out $${OUT:-data/generated/exports}

## bench: the speed and memory benchmark (figures go to benchmarks/RESULTS.md)
bench: $(STAMP)
	$(PY) benchmarks/run.py

## lock: re-resolve pinned versions after editing pyproject.toml
lock:
	$(UV) pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) dbt/target dbt/logs data/warehouse .dagster_home
