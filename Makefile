# The two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := shared services/core services/ssx services/em services/auth gateway
STAMP := $(VENV)/.installed

.PHONY: install install-test-deps run test test-fast lint format clean bench

# ESRF's schema flavour (requirements-flavours.txt), for the legacy-database tests, installs
# into the `ispyb` namespace Diamond's package owns: it gets a folder of its own.
$(STAMP): shared/pyproject.toml gateway/pyproject.toml $(wildcard services/*/pyproject.toml) \
		requirements-dev.txt requirements-flavours.txt
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || bash tools/install-system-deps.sh venv
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(VENV)/flavours/esrf \
		$$(grep -v '^#' requirements-flavours.txt)
	@touch $@

install: $(STAMP)

# Real parts for the tests: MariaDB, nginx (gateway), slapd (LDAP), chromium (docs page),
# decK (kong.yml validation), docker-compose (compose file validation).
install-test-deps: install
	bash tools/install-system-deps.sh test gateway ldap browser deck compose

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

# The inner loop: core and the shared library on SQLite, without the tests that start
# servers (markers slow, e2e). `make test` runs everything on both backends.
test-fast: install
	ISPYB_TEST_BACKENDS=sqlite $(BIN)/python -m pytest -q -m "not slow and not e2e" \
		tests/core tests/shared $(PYTEST_ARGS)

# Throughput and latency of a read and a write endpoint, direct and through the gateway
# (tools/bench.py; BENCH_ARGS="--concurrency 16 --duration 10" to change the load).
bench: install
	bash tools/install-system-deps.sh gateway
	$(BIN)/python tools/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
