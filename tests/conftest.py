"""Fixtures: one app per test session and backend, a clean database per test.

Every test that uses a database fixture runs twice: on SQLite and on a real MariaDB
(``ISPYB_TEST_MYSQL_URL`` when set, else a private throwaway server started here).
A backend that cannot be had makes its tests fail, never skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ispyb_shared.migrations import upgrade
from tests.factories import CoreFactory
from tests.support.mariadb import (
    ThrowawayMariaDB,
    create_database_on_url,
    drop_database_on_url,
    kill_connections_on_url,
)
from tests.support.secrets import SecretWatch
from tests.support.tokens import TestTokens

BACKENDS = ("sqlite", "mariadb")
# Modules that start servers or run long: marked ``slow`` (``make test-fast`` leaves them
# out; ``make test`` runs everything). Directories whose tests start the whole stack are
# ``e2e``.
SLOW_MODULES = {
    "tests/core/test_legacy_databases.py",
    "tests/auth/test_login_ldap.py",
    "tests/shared/test_database_resilience.py",
    "tests/shared/test_metrics_gunicorn.py",
}
SLOW_DIRECTORIES = ("tests/gateway/", "tests/client/")
E2E_DIRECTORIES = ("tests/e2e/", "tests/client/")


def selected_backends() -> tuple[str, ...]:
    """``ISPYB_TEST_BACKENDS`` (e.g. ``sqlite``) for a quick local loop; both by default.

    CI runs every backend: a subset there is an error, not a silent skip.
    """
    wanted = os.environ.get("ISPYB_TEST_BACKENDS", "").replace(",", " ").split()
    if not wanted:
        return BACKENDS
    unknown = set(wanted) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"ISPYB_TEST_BACKENDS: unknown backend(s) {sorted(unknown)}")
    if os.environ.get("CI") and set(wanted) != set(BACKENDS):
        raise pytest.UsageError("ISPYB_TEST_BACKENDS must not narrow the backends in CI")
    return tuple(backend for backend in BACKENDS if backend in wanted)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts servers or runs long (make test-fast skips)")
    config.addinivalue_line("markers", "e2e: runs the whole stack (make run, gateway)")


def pytest_collection_modifyitems(config, items):
    backends = selected_backends()
    kept, dropped = [], []
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path in SLOW_MODULES or path.startswith(SLOW_DIRECTORIES):
            item.add_marker(pytest.mark.slow)
        if path.startswith(E2E_DIRECTORIES):
            item.add_marker(pytest.mark.e2e)
        on_backend = getattr(getattr(item, "callspec", None), "params", {}).get("backend")
        needs_mariadb = on_backend == "mariadb" or (
            on_backend is None and "mariadb" in getattr(item, "fixturenames", ())
        )
        if (needs_mariadb and "mariadb" not in backends) or on_backend not in (None, *backends):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_log(tmp_path_factory, pytestconfig) -> Iterator[SecretWatch]:
    """After the whole session: no secret the tests used is in any log they wrote
    (tests/support/secrets.py). Set up first, so it is torn down last, once every server
    the tests started has stopped and flushed its logs."""
    from ispyb_auth.demo import ACCOUNTS, DEMO_CLIENT_SECRET
    from tests.auth.slapd import READER_PASSWORD

    watch = SecretWatch(tmp_path_factory.getbasetemp())
    watch.add_all([f"demo-{login}" for login in ACCOUNTS])
    watch.add_all([DEMO_CLIENT_SECRET, READER_PASSWORD])
    watch.start()
    yield watch
    watch.stop()
    leaks = watch.scan()
    summary = watch.write_summary(leaks)
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nsecret watch: {summary}")
    assert not leaks, watch.report(leaks)


class MariaDBForTests:
    """Databases on the external server of ISPYB_TEST_MYSQL_URL or on a throwaway one."""

    def __init__(self, base_dir: Path):
        self.external_url = os.environ.get("ISPYB_TEST_MYSQL_URL")
        self.server = None if self.external_url else ThrowawayMariaDB(base_dir)
        self.created: list[str] = []

    def start(self) -> None:
        if self.server is not None:
            self.server.start()

    def create_database(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.created.append(name)
        if self.server is not None:
            return self.server.create_database(name)
        return create_database_on_url(self.external_url, name)

    def kill_connections(self, database: str) -> int:
        if self.server is not None:
            return self.server.kill_connections(database)
        return kill_connections_on_url(self.external_url, database)

    def stop(self) -> None:
        for name in self.created:
            try:
                if self.server is not None:
                    self.server.drop_database(name)
                else:
                    drop_database_on_url(self.external_url, name)
            except Exception:
                pass
        if self.server is not None:
            self.server.stop()


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory) -> Iterator[MariaDBForTests]:
    server = MariaDBForTests(tmp_path_factory.mktemp("mariadb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


def fresh_database_url(backend: str, request, tmp_path_factory, prefix: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp(prefix)}/{prefix}.sqlite"
    return request.getfixturevalue("mariadb").create_database(prefix)


_tokens: TestTokens | None = None


@pytest.fixture(scope="session", autouse=True)
def tokens(tmp_path_factory) -> TestTokens:
    """The signing key the services under test trust, and a token minter."""
    global _tokens
    _tokens = TestTokens(tmp_path_factory.mktemp("keys"))
    return _tokens


def service_config(database_url: str, **sections) -> dict:
    """A valid configuration for core, ssx or em in tests."""
    return {
        "database": {"url": database_url},
        "logging": {"level": "INFO"},
        "auth": _tokens.settings(),
        **sections,
    }


@pytest.fixture(scope="session")
def core_database_url(backend, request, tmp_path_factory) -> str:
    url = fresh_database_url(backend, request, tmp_path_factory, "core")
    upgrade(package="ispyb_core", database_url=url, version_table="core_alembic_version")
    return url


@pytest.fixture(scope="session")
def core_app_session(core_database_url):
    from ispyb_core.app import create_app

    app = create_app(service_config(core_database_url))
    yield app
    app.extensions["ispyb_database"].dispose()


def _empty_tables(app) -> None:
    from ispyb_core.models import Base

    database = app.extensions["ispyb_database"]
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def core_app(core_app_session):
    """Core with empty tables."""
    _empty_tables(core_app_session)
    return core_app_session


@pytest.fixture
def client(core_app, tokens):
    """Core's HTTP interface as an admin (authorization has its own tests)."""
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    return test_client


@pytest.fixture
def anonymous(core_app):
    return core_app.test_client()


@pytest.fixture
def core_db(core_app):
    return core_app.extensions["ispyb_database"]


@pytest.fixture
def factory(core_app) -> CoreFactory:
    return CoreFactory(core_app.extensions["ispyb_database"])
