"""Revocation of access tokens before they expire (docs/auth.md, "Revocation").

Auth publishes a revocation list; core, ssx and em poll it. End to end here: the auth
app served over HTTP by a real server thread, core, ssx and em apps configured as in
production (jwks_url, and the revocation list next to it, polled every second): disable
an account and its token is refused by every service within the interval; retire a key
and every service refuses its tokens within the interval, whatever its JWKS cache says.
"""

from __future__ import annotations

import threading
import time

import jwt
import pytest
from werkzeug.serving import make_server

from ispyb_shared.auth import revocation_key
from ispyb_shared.migrations import upgrade
from tests.auth.conftest import AUTH, PEOPLE, add_account, bearer, login, tokens_of

POLL_SECONDS = 1
# How long a refusal may take: the poll interval, plus a request and scheduling slack on a
# busy machine.
DEADLINE_SECONDS = POLL_SECONDS + 2.0


@pytest.fixture(scope="module")
def auth_server(auth_app_session):
    server = make_server("127.0.0.1", 0, auth_app_session, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}{AUTH}"
    server.shutdown()


def _migrated(tmp_path_factory, package: str, name: str) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp(name)}/{name}.sqlite"
    upgrade(package=package, database_url=url, version_table=f"{name}_alembic_version")
    return url


@pytest.fixture(scope="module")
def service_apps(auth_server, tmp_path_factory):
    """core, ssx and em trusting the served auth, as `make run` configures them."""
    from ispyb_core.app import create_app as core_app
    from ispyb_em.app import create_app as em_app
    from ispyb_ssx.app import create_app as ssx_app

    auth = {
        "jwks_url": f"{auth_server}/.well-known/jwks.json",
        "revocation_poll_seconds": POLL_SECONDS,
    }
    nowhere = {"url": "http://127.0.0.1:9", "timeout_seconds": 1, "cache_seconds": 0}

    def config(name: str, package: str, **sections) -> dict:
        url = _migrated(tmp_path_factory, package, name)
        return {"database": {"url": url}, "auth": auth, **sections}

    apps = {
        "core": core_app(config("core", "ispyb_core")),
        "ssx": ssx_app(config("ssx", "ispyb_ssx", core=nowhere)),
        "em": em_app(config("em", "ispyb_em", core=nowhere)),
    }
    yield apps
    for app in apps.values():
        app.extensions["ispyb_database"].dispose()


@pytest.fixture
def services(service_apps, auth_app):
    """The apps with empty key caches: each test's auth starts with new signing keys."""
    for app in service_apps.values():
        verifier = app.extensions["ispyb_token_verifier"]
        verifier.jwks._keys, verifier.jwks._last_attempt = None, None
        verifier.revocations._current, verifier.revocations._last_attempt = None, None
    return service_apps


# A protected read of each service: any answer but 401 means the token was accepted.
PROBES = {
    "core": "/ispyb/api/v1/core/proposals",
    "ssx": "/ispyb/api/v1/ssx/sessions/mx1-1/runs",
    "em": "/ispyb/api/v1/em/data-collections/7c0e5c1e-5d1a-4b8e-9a57-2f7f3a0c4e01/movies",
}


def answer(services, name: str, headers: dict) -> tuple[int, dict]:
    response = services[name].test_client().get(PROBES[name], headers=headers)
    return response.status_code, response.get_json(silent=True) or {}


def accepted_everywhere(services, headers: dict) -> None:
    for name in services:
        status, body = answer(services, name, headers)
        assert status != 401, (name, body)


def eventually_accepted_everywhere(services, headers: dict, timeout: float = 8) -> None:
    """A new key's tokens: a service that fetched the JWKS in the last 5 s fetches it again
    only then (random key ids cannot cause a fetch storm)."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = {name: answer(services, name, headers)[0] for name in services}
        if 401 not in statuses.values():
            return
        assert time.monotonic() < deadline, statuses
        time.sleep(0.2)


def seconds_until_refused_everywhere(services, headers: dict) -> dict[str, float]:
    started = time.monotonic()
    refused: dict[str, float] = {}
    messages: dict[str, str] = {}
    while len(messages) < len(services) and time.monotonic() - started < 10:
        for name in services:
            if name in messages:
                continue
            status, body = answer(services, name, headers)
            if status == 401:
                refused[name] = time.monotonic() - started
                messages[name] = body["message"]
        time.sleep(0.05)
    refused.update({f"{name} message": message for name, message in messages.items()})
    return refused


def test_a_disabled_accounts_token_is_refused_everywhere_within_the_interval(
    api, services, admin_headers, people
):
    alice = bearer(tokens_of(api, "alice")["access_token"])
    accepted_everywhere(services, alice)
    response = api.patch(f"{AUTH}/accounts/alice", json={"active": False}, headers=admin_headers)
    assert response.status_code == 200
    # Auth itself reads its list at every request.
    assert api.get(f"{AUTH}/me", headers=alice).status_code == 401
    refused = seconds_until_refused_everywhere(services, alice)
    for name in services:
        assert refused.get(name, 99) < DEADLINE_SECONDS, refused
        assert refused[f"{name} message"] == "The access token has been revoked."
    # Enabled again, alice logs in at once and her new token is accepted everywhere.
    api.patch(f"{AUTH}/accounts/alice", json={"active": True}, headers=admin_headers)
    accepted_everywhere(services, bearer(tokens_of(api, "alice")["access_token"]))


def test_a_deleted_accounts_and_a_revoked_persons_tokens_are_refused(
    api, services, admin_headers, people
):
    frank = bearer(tokens_of(api, "frank")["access_token"])
    heidi = bearer(tokens_of(api, "heidi")["access_token"])
    accepted_everywhere(services, frank)
    accepted_everywhere(services, heidi)
    assert api.delete(f"{AUTH}/accounts/frank", headers=admin_headers).status_code == 204
    assert (
        api.post(f"{AUTH}/accounts/heidi/revoke-tokens", headers=admin_headers).status_code == 200
    )
    for headers in (frank, heidi):
        refused = seconds_until_refused_everywhere(services, headers)
        assert all(refused.get(name, 99) < DEADLINE_SECONDS for name in services), refused


def test_a_disabled_clients_token_is_refused(api, services, admin_headers):
    created = api.post(
        f"{AUTH}/clients",
        json={"clientId": "pipeline", "scopes": ["core:read", "em:read", "ssx:read"]},
        headers=admin_headers,
    ).json
    body = {"client_id": "pipeline", "client_secret": created["clientSecret"]}
    robot = bearer(api.post(f"{AUTH}/token", json=body).json["access_token"])
    accepted_everywhere(services, robot)
    api.patch(f"{AUTH}/clients/pipeline", json={"active": False}, headers=admin_headers)
    refused = seconds_until_refused_everywhere(services, robot)
    assert all(refused.get(name, 99) < DEADLINE_SECONDS for name in services), refused


def test_a_retired_key_is_refused_everywhere_within_the_interval(
    api, services, admin_headers, people
):
    """The one JWKS rule: every service refuses a retired key's tokens within the poll
    interval, whatever the age of its JWKS cache (300 s), not when each cache happens to
    expire."""
    old_key = bearer(tokens_of(api, "alice")["access_token"])
    accepted_everywhere(services, old_key)  # every service has the old key cached now
    old_kid = jwt.get_unverified_header(old_key["Authorization"][7:])["kid"]
    new_kid = api.post(f"{AUTH}/keys/rotate", headers=admin_headers).json["kid"]
    new_key = bearer(tokens_of(api, "alice")["access_token"])
    eventually_accepted_everywhere(services, new_key)
    accepted_everywhere(services, old_key)  # still verifying: rotation is seamless
    assert api.post(f"{AUTH}/keys/{old_kid}/retire", headers=admin_headers).status_code == 200
    refused = seconds_until_refused_everywhere(services, old_key)
    for name in services:
        assert refused.get(name, 99) < DEADLINE_SECONDS, refused
        assert refused[f"{name} message"] == "The access token is signed with a retired key."
    accepted_everywhere(services, new_key)
    assert new_kid != old_kid


def test_the_revocation_list_names_subjects_by_hash_only(api, admin_headers, people):
    add_account(api.application, "zed", "zed-password")
    tokens_of_zed = login(api, "zed", "zed-password").json
    api.patch(f"{AUTH}/accounts/zed", json={"active": False}, headers=admin_headers)
    response = api.get(f"{AUTH}/revocations")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    document = response.json
    assert revocation_key("user", "zed") in document["subjects"]
    issued = jwt.decode(tokens_of_zed["access_token"], options={"verify_signature": False})
    assert document["subjects"][revocation_key("user", "zed")] >= issued["iat"]
    assert "zed" not in response.get_data(as_text=True)
    assert document["retiredKeys"] == [] and document["pollSeconds"] == 5


def test_entries_leave_the_list_once_no_token_they_void_can_be_valid(
    api, admin_headers, people, clock
):
    api.patch(f"{AUTH}/accounts/alice", json={"active": False}, headers=admin_headers)
    assert revocation_key("user", "alice") in api.get(f"{AUTH}/revocations").json["subjects"]
    clock.advance(900 + 30 + 1)  # access_token_seconds + leeway_seconds
    assert api.get(f"{AUTH}/revocations").json["subjects"] == {}


def test_a_new_secret_voids_the_tokens_of_the_old_one_at_auth(api, admin_headers):
    created = api.post(
        f"{AUTH}/clients",
        json={"clientId": "robot", "scopes": ["core:read"]},
        headers=admin_headers,
    ).json
    old = api.post(
        f"{AUTH}/token", json={"client_id": "robot", "client_secret": created["clientSecret"]}
    ).json["access_token"]
    secret = api.post(f"{AUTH}/clients/robot/secret", headers=admin_headers).json["clientSecret"]
    new = api.post(f"{AUTH}/token", json={"client_id": "robot", "client_secret": secret}).json
    # Issued in the same second as the revocation, the new token still counts as after it.
    assert api.get(f"{AUTH}/me", headers=bearer(new["access_token"])).status_code == 200
    refused = api.get(f"{AUTH}/me", headers=bearer(old))
    assert refused.status_code == 401 and refused.json["message"] == (
        "The access token has been revoked."
    )


def test_a_disabled_admin_is_out_of_auth_at_once(api, admin_headers, people):
    add_account(api.application, "second-admin", "second-password", roles=["admin"])
    second = bearer(login(api, "second-admin", "second-password").json["access_token"])
    assert api.get(f"{AUTH}/accounts", headers=second).status_code == 200
    api.patch(f"{AUTH}/accounts/second-admin", json={"active": False}, headers=admin_headers)
    assert api.get(f"{AUTH}/accounts", headers=second).status_code == 401
    assert PEOPLE  # the fixture's people are untouched
