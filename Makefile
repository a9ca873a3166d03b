# The two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := shared services/core services/ssx services/em services/auth
STAMP := $(VENV)/.installed

.PHONY: install install-test-deps run test lint format clean

$(STAMP): shared/pyproject.toml $(wildcard services/*/pyproject.toml) requirements-dev.txt
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || bash tools/install-system-deps.sh venv
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	@touch $@

install: $(STAMP)

install-test-deps: install
	bash tools/install-system-deps.sh test

run: install
	$(BIN)/python tools/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-test-deps lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
