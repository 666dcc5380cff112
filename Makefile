# callscope: two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export CALLSCOPE_HOME ?= $(CURDIR)/.callscope
export DAGSTER_HOME ?= $(CALLSCOPE_HOME)/dagster
export CALLSCOPE_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: install dagster-home demo test ui serve bench bench-quick lint format clean

install:  ## .venv with the project, torch (CPU) first, and Debian packages (espeak-ng, sox, ffmpeg, chromium)
	@bash scripts/install.sh

dagster-home:
	@mkdir -p "$(DAGSTER_HOME)"
	@test -f "$(DAGSTER_HOME)/dagster.yaml" || printf 'telemetry:\n  enabled: false\n' > "$(DAGSTER_HOME)/dagster.yaml"

demo: install dagster-home  ## generate the demo account in its own marked home and materialize every asset
	$(VENV)/bin/callscope demo run

test: install  ## the whole test suite
	$(PY) -m pytest -q

ui: install dagster-home  ## the Dagster UI over the demo state
	$(VENV)/bin/dagster dev -m pipelines.demo.definitions -h 127.0.0.1 -p 3000

serve: install  ## the API over the demo state
	$(VENV)/bin/uvicorn serving.main:create_app --factory --host 127.0.0.1 --port 8000

bench: install  ## every benchmark at full size; figures go in docs/benchmarks.md
	$(PY) -m benchmarks

bench-quick: install  ## every benchmark at smoke size
	$(PY) -m benchmarks --quick

lint: install  ## ruff, the import contract in .importlinter (the layers) and mypy on the product packages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf .callscope .pytest_cache .ruff_cache .mypy_cache
