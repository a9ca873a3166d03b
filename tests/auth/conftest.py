"""Fixtures of the auth service's tests.

One auth app per test session and backend (SQLite, MariaDB), on a migrated database whose
tables are emptied before each test. Its plugins: ``local`` (cheap argon2 settings so the
tests run fast, a 3-failure lockout), ``dummy`` (a development instance that allows the
dummy login, which only tests do) and
``keycloak`` (oidc) trusting a test identity provider whose JWKS is served by a real HTTP
server thread. The LDAP tests use their own app whose plugins talk to a private slapd.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from ispyb_shared.migrations import upgrade
from tests.auth.keyserver import TestProvider
from tests.auth.slapd import READER_DN, READER_PASSWORD, SUFFIX, Slapd, directory_ldif
from tests.conftest import fresh_database_url

AUTH = "/ispyb/api/v1/auth"
FAST_ARGON2 = {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}
LOCKOUT = {
    "max_failures": 3,
    "window_seconds": 600,
    "lock_seconds": 300,
    "slowdown_max_seconds": 60,
    "known_source_days": 30,
}
IDP_ISSUER = "https://idp.example.org/realms/facility"
IDP_AUDIENCE = "ispyb-portal"

# Local accounts most tests start with: login -> (password, roles, beamlines).
PEOPLE = {
    "admin": ("admin-password", ["admin"], []),
    "alice": ("alice-password", [], []),
    "frank": ("frank-password", ["staff"], []),
    "heidi": ("heidi-password", ["staff"], ["i03"]),
}


def auth_config(database_url: str, *, idp_jwks_url: str, **overrides: Any) -> dict[str, Any]:
    # Built here rather than with tests.conftest.service_config: auth has no `auth`
    # section (it verifies tokens with the keys in its own database).
    config = dict(
        database={"url": database_url},
        logging={"level": "INFO"},
        development=True,
        allow_dummy_login=True,
        access_token_seconds=900,
        refresh_token_seconds=3600,
        plugins={
            "local": {"type": "local", "argon2": FAST_ARGON2, "lockout": LOCKOUT},
            "dummy": {"type": "dummy", "roles": []},
            "keycloak": oidc_plugin_settings(idp_jwks_url),
        },
    )
    config.update(overrides)
    return config


def oidc_plugin_settings(jwks_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "oidc",
        "issuer": IDP_ISSUER,
        "audience": IDP_AUDIENCE,
        "jwks_url": jwks_url,
        "login_claim": "preferred_username",
        "roles_claim": "realm_access.roles",
        "role_map": {"ispyb-admin": "admin", "beamline-scientist": "staff"},
        "beamlines_claim": "beamlines",
        **overrides,
    }


@pytest.fixture(scope="session")
def idp() -> Iterator[TestProvider]:
    """The site's identity provider (a stand-in for Keycloak)."""
    provider = TestProvider(issuer=IDP_ISSUER, audience=IDP_AUDIENCE, kid="idp-key-1")
    yield provider
    provider.close()


@pytest.fixture(scope="session")
def auth_database_url(backend, request, tmp_path_factory) -> str:
    url = fresh_database_url(backend, request, tmp_path_factory, "auth")
    upgrade(package="ispyb_auth", database_url=url, version_table="auth_alembic_version")
    return url


@pytest.fixture(scope="session")
def auth_app_session(auth_database_url, idp):
    from ispyb_auth.app import create_app

    app = create_app(auth_config(auth_database_url, idp_jwks_url=idp.server.url))
    yield app
    app.extensions["ispyb_database"].dispose()


def empty_auth_tables(app) -> None:
    from ispyb_auth.models import Base

    with app.extensions["ispyb_database"].engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


def reset_runtime(app) -> None:
    """Fresh plugin objects (their JWKS caches) for every test."""
    from ispyb_auth.logins.plugins import build_plugins

    runtime = app.extensions["ispyb_auth"]
    runtime.plugins = build_plugins(runtime.config)
    runtime.keystore.forget_verifying()  # the keys of the last test are gone


@pytest.fixture
def auth_app(auth_app_session, idp):
    empty_auth_tables(auth_app_session)
    reset_runtime(auth_app_session)
    idp.reset()
    return auth_app_session


@pytest.fixture
def api(auth_app):
    return auth_app.test_client()


@pytest.fixture
def auth_db(auth_app):
    return auth_app.extensions["ispyb_database"]


def add_account(app, login: str, password: str, roles=(), beamlines=(), **extra):
    from ispyb_auth.accounts.service import create_account

    runtime = app.extensions["ispyb_auth"]
    with runtime.database.sessionmaker() as session, session.begin():
        return create_account(
            db_session=session,
            hasher=runtime.hasher,
            min_password_length=1,
            data={
                "login": login,
                "password": password,
                "roles": list(roles),
                "beamlines": list(beamlines),
                **extra,
            },
        )


@pytest.fixture
def people(auth_app) -> dict[str, tuple[str, list[str], list[str]]]:
    for login, (password, roles, beamlines) in PEOPLE.items():
        add_account(auth_app, login, password, roles, beamlines)
    return PEOPLE


def login(api, username: str, password: str | None = None, *, plugin: str = "local", **more):
    body = {"plugin": plugin, "username": username, **more}
    if password is not None:
        body["password"] = password
    return api.post(f"{AUTH}/login", json=body)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tokens_of(api, username: str) -> dict[str, Any]:
    response = login(api, username, PEOPLE[username][0])
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def admin_headers(api, people) -> dict[str, str]:
    return bearer(tokens_of(api, "admin")["access_token"])


@pytest.fixture
def alice_headers(api, people) -> dict[str, str]:
    return bearer(tokens_of(api, "alice")["access_token"])


class Clock:
    """The auth service's clock, moved by the tests instead of sleeping."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from ispyb_auth import timeutil

    clock = Clock(timeutil.utcnow())
    monkeypatch.setattr(timeutil, "utcnow", clock)
    return clock


# --- LDAP ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def slapd(tmp_path_factory) -> Iterator[Slapd]:
    server = Slapd(tmp_path_factory.mktemp("slapd"), directory_ldif())
    server.start()
    yield server
    server.stop()


def ldap_plugin_settings(url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "type": "ldap",
        "url": url,
        "bind_dn": READER_DN,
        "bind_password": READER_PASSWORD,
        "user_base": SUFFIX,
        "user_filter": "(&(objectClass=inetOrgPerson)(uid={username}))",
        "login_attribute": "uid",
        "display_name_attribute": "cn",
        "group_base": f"ou=groups,{SUFFIX}",
        "group_filter": "(&(objectClass=groupOfNames)(member={user_dn}))",
        "group_roles": {
            "ispyb-admins": ["admin"],
            "beamline-staff": ["staff"],
            "i03-staff": ["staff"],
        },
        "group_beamlines": {"i03-staff": ["i03"]},
        "connect_timeout_seconds": 2,
        "receive_timeout_seconds": 5,
        "lockout": LOCKOUT,
        **overrides,
    }


@pytest.fixture(scope="session")
def ldap_app_session(auth_database_url, slapd, idp):
    from ispyb_auth.app import create_app

    closed_port = slapd.url.rsplit(":", 1)[0] + ":1"
    config = auth_config(
        auth_database_url,
        idp_jwks_url=idp.server.url,
        plugins={
            "ldap": ldap_plugin_settings(slapd.url),
            "ldap-anonymous": ldap_plugin_settings(slapd.url, bind_dn=None, bind_password=None),
            "ldap-bad-search-account": ldap_plugin_settings(
                slapd.url, bind_password="wrong-reader-password"
            ),
            "ldap-down": ldap_plugin_settings(closed_port),
            "local": {"type": "local", "argon2": FAST_ARGON2, "lockout": LOCKOUT},
        },
    )
    app = create_app(config)
    yield app
    app.extensions["ispyb_database"].dispose()


@pytest.fixture
def ldap_api(ldap_app_session):
    empty_auth_tables(ldap_app_session)
    return ldap_app_session.test_client()
