# U-Roster: `make run` serves on http://127.0.0.1:8000 (docs at /docs); `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run migrate test coverage lint bench-import clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/uroster migrate

run: migrate
	$(BIN)/uroster serve

test: install
	$(BIN)/python -m pytest -n auto --durations=10

# The same suite with line coverage of app/: about 70 % slower (the tracer runs in
# every test), so not part of `make test` and CI.
coverage: install
	$(BIN)/python -m pytest -n auto --cov=app --cov-report=term:skip-covered

lint: install
	$(BIN)/ruff check app solver tests migrations
	$(BIN)/ruff format --check app solver tests migrations
	$(BIN)/mypy

bench-import: install
	$(BIN)/python -m tests.benchmarks.import_volunteers

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .coverage
