# The two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := shared 'services/core[hdf5]' services/ssx services/em services/auth services/compat gateway clients/python
STAMP := $(VENV)/.installed

.PHONY: install install-test-deps run test test-fast lint format clean bench openapi

# The services' dependencies at the versions of docker/constraints.txt, the lock the images
# are built from (tools/lock.py), so the tests run what the images run.
# ESRF's schema flavour (requirements-flavours.txt), for the legacy-database tests, installs
# into the `ispyb` namespace Diamond's package owns: it gets a folder of its own.
$(STAMP): shared/pyproject.toml gateway/pyproject.toml $(wildcard services/*/pyproject.toml) \
		clients/python/pyproject.toml \
		requirements-dev.txt requirements-flavours.txt docker/constraints.txt
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || bash tools/install-system-deps.sh venv
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c docker/constraints.txt \
		$(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --upgrade --target $(VENV)/flavours/esrf \
		$$(grep -v '^#' requirements-flavours.txt)
	@touch $@

install: $(STAMP)

# mysqlclient, the optional C driver (mysql+mysqldb://): built here, so it needs gcc and
# libmariadb-dev (tools/install-system-deps.sh bench); the tests and the benchmark use it.
$(VENV)/.mysqlclient: $(STAMP)
	bash tools/install-system-deps.sh bench
	$(BIN)/python -m pip install --quiet -e 'shared[mysqlclient]'
	@touch $@

# mxcubecore and what it imports, for the MXCuBE client test (requirements-mxcube.txt): a
# folder of its own, --no-deps, so nothing the services run with changes.
$(VENV)/mxcube/.installed: $(STAMP) requirements-mxcube.txt
	rm -rf $(VENV)/mxcube
	$(BIN)/python -m pip install --quiet --no-deps --target $(VENV)/mxcube -r requirements-mxcube.txt
	@touch $@

# Real parts for the tests: MariaDB, nginx (gateway), slapd (LDAP), chromium (docs page),
# decK (kong.yml validation), docker-compose (compose file validation).
install-test-deps: install $(VENV)/.mysqlclient $(VENV)/mxcube/.installed
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

# The main reads against a raw-SQL ceiling app, direct and through the gateway, on a
# throwaway MariaDB, with both drivers (tools/bench.py, docs/performance.md;
# BENCH_ARGS="--scale 1" for a facility's data, "--sizes" for the typical pages' request
# counts and bytes before/after fields=/expand=/gzip (docs/front-ends.md), "--help" for the rest).
bench: install $(VENV)/.mysqlclient
	bash tools/install-system-deps.sh test gateway bench
	$(BIN)/python tools/bench.py $(BENCH_ARGS)

# After an API change: the gateway's OpenAPI document (docs/openapi.json) and the
# TypeScript client's types generated from it (tests fail while either is stale).
openapi: install
	$(BIN)/python tools/openapi.py --write
	cd clients/typescript && npm ci --no-audit --no-fund && npm run generate

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
