# OpenSOP: `make demo` and `make test` work on a fresh clone of a fresh machine.
# Everything is installed by this file: uv (pinned) in .tools, the locked Python environment in .venv,
# and, for the browser tests, Debian's chromium.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export NIXTLA_NUMBA_CACHE := 1
export OPENSOP_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test install lint typecheck unit benchmarks-smoke services browser docs clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: with PYTHONDONTWRITEBYTECODE set (as on our dev machines) nothing is ever cached, and every
# interpreter compiles pandas, scipy, ... again: `import opensop.scenarios.run` 2.7 s -> 1.1 s, the CLI 9.2 -> 3.3 s.
$(VENV)/.installed: $(UV) uv.lock pyproject.toml Makefile
	$(UV) sync --frozen --extra distributed --extra pdf --compile-bytecode
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/opensop --workspace workspace/demo demo $(DEMO_ARGS)

services:
	@bash scripts/ensure-services.sh

browser:
	@bash scripts/ensure-chromium.sh

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/deptry src

typecheck: install
	$(BIN)/mypy

docs: install
	$(BIN)/python -m opensop.schema.docs docs/data-dictionary.md

unit: install services browser
	$(BIN)/pytest -n 2 --dist loadgroup --cov --cov-report=term:skip-covered --cov-fail-under=80 -q --durations=15

benchmarks-smoke: install
	@for bench in benchmarks/*.py; do echo "== $$bench --smoke"; $(BIN)/python $$bench --smoke || exit 1; done

test: lint typecheck unit benchmarks-smoke

clean:
	rm -rf $(VENV) $(TOOLS) workspace .pytest_cache .mypy_cache .ruff_cache
