# Two commands matter: `make serve` and `make test`. Each makes .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
ARGS ?=
PYTEST_ARGS ?=

.PHONY: serve test lint format bench schema clean docker-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

serve: $(RUN_STAMP) ## run the simulator on 127.0.0.1:7777 with the demo fixtures
	$(BIN)/media77-sim serve $(ARGS)

test: $(DEV_STAMP) ## unit, property, contract and browser tests
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP) ## style (ruff), types (mypy --strict on simulator/), layers (import-linter)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(DEV_STAMP) ## print the figures recorded in docs/benchmarks.md
	@for script in benchmarks/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

schema: $(DEV_STAMP) ## write simulator/store/migrations/schema.sql again after changing a migration
	$(BIN)/python -m simulator.store.snapshot

docker-check: ## build the Dockerfile with podman and run its CMD for real (root; minutes)
	.ci/docker-check

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
