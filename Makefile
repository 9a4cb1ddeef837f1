# Connecting Londoners: `make run` serves the demo, `make test` runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run run-postgres test install services lint format migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/flask --app wsgi db upgrade

seed: migrate
	$(BIN)/flask --app wsgi seed demo

# The embedded default: SQLite in instance/, jobs in-process, mail written to instance/mail/.
run: seed
	SESSION_COOKIE_SECURE=false PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

# The same demo on PostgreSQL with row-level security: migrations as the tables' owner, the
# app as a role that owns nothing (scripts/setup-postgres).
run-postgres: install services
	eval "$$(./scripts/setup-postgres)" && \
	$(BIN)/flask --app wsgi db upgrade && \
	$(BIN)/flask --app wsgi database grant-app-role && \
	$(BIN)/flask --app wsgi seed demo && \
	SESSION_COOKIE_SECURE=false PUBLIC_URL=$${PUBLIC_URL:-http://$(HOST):$(PORT)} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

services:
	./scripts/ensure-services

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite on PostgreSQL and Redis (with the browser tests), then again on SQLite with
# in-process jobs to prove the embedded default.
# Tests run in PYTEST_WORKERS processes (pytest-xdist), each with its own PostgreSQL database and
# Redis database; PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile

test: install services lint
	LONDONHUB_TEST_DATABASE=postgres $(BIN)/pytest $(PYTEST_PARALLEL)
	LONDONHUB_TEST_DATABASE=sqlite $(BIN)/pytest $(PYTEST_PARALLEL) -m "not postgres and not e2e"

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
