"""Signing keys: shared by every worker, rotated without downtime, published as a JWKS."""

from __future__ import annotations

import threading

import jwt
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from ispyb_auth.keys.models import SigningKey
from ispyb_shared.auth import TokenVerifier
from tests.auth.conftest import AUTH, auth_config, bearer, tokens_of

GRACE = 900 + 30  # access_token_seconds + leeway_seconds


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def me_status(api, token: str) -> int:
    return api.get(f"{AUTH}/me", headers=bearer(token)).status_code


def jwks_kids(api) -> list[str]:
    return [key["kid"] for key in api.get(f"{AUTH}/.well-known/jwks.json").json["keys"]]


def test_jwks_publishes_the_active_key(api):
    response = api.get(f"{AUTH}/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"
    (key,) = response.json["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert set(key) == {"kty", "use", "alg", "kid", "n", "e"}  # nothing private


def test_the_first_key_is_created_once_under_concurrency(auth_app, auth_db):
    keystore = auth_app.extensions["ispyb_auth"].keystore
    kids: list[str] = []

    def sign():
        kids.append(keystore.signing_key().kid)

    threads = [threading.Thread(target=sign) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with auth_db.sessionmaker() as session:
        rows = session.execute(select(SigningKey)).scalars().all()
    assert len(rows) == 1 and set(kids) == {rows[0].kid}


def test_every_worker_and_restart_signs_with_the_same_key(api, people, auth_database_url, idp):
    from ispyb_auth.app import create_app

    token = tokens_of(api, "alice")["access_token"]
    other_worker = create_app(auth_config(auth_database_url, idp_jwks_url=idp.server.url))
    try:
        other = other_worker.test_client()
        assert me_status(other, token) == 200
        other_token = tokens_of(other, "alice")["access_token"]
        assert kid_of(other_token) == kid_of(token)
    finally:
        other_worker.extensions["ispyb_database"].dispose()


def test_rotation_keeps_old_tokens_valid_until_they_expire(
    api, auth_app, admin_headers, people, clock
):
    old_token = tokens_of(api, "alice")["access_token"]
    old_kid = kid_of(old_token)
    response = api.post(f"{AUTH}/keys/rotate", headers=admin_headers)
    assert response.status_code == 201 and response.json["state"] == "active"
    new_kid = response.json["kid"]
    assert new_kid != old_kid and response.json["generation"] == 2

    new_token = tokens_of(api, "alice")["access_token"]
    assert kid_of(new_token) == new_kid
    assert me_status(api, old_token) == 200 and me_status(api, new_token) == 200
    assert jwks_kids(api) == [new_kid, old_kid]
    states = {k["kid"]: k for k in api.get(f"{AUTH}/keys", headers=admin_headers).json["results"]}
    assert states[old_kid]["state"] == "verifying" and states[new_kid]["state"] == "active"
    assert states[old_kid]["signingEndedAt"] == states[new_kid]["createdAt"]

    clock.advance(GRACE - 5)
    assert old_kid in jwks_kids(api)
    clock.advance(10)
    assert jwks_kids(api) == [new_kid]
    # The old key's tokens would have expired by now anyway; its key no longer verifies.
    response = api.get(f"{AUTH}/me", headers=bearer(old_token))
    assert response.status_code == 401 and "unknown key" in response.json["message"]
    keystore = auth_app.extensions["ispyb_auth"].keystore
    with keystore.database.sessionmaker() as session:
        states = {state.key.kid: state.state for state in keystore.states(session)}
    assert states == {old_kid: "retired", new_kid: "active"}


def test_retired_private_keys_are_erased_at_the_next_rotation(auth_app, auth_db, clock):
    keystore = auth_app.extensions["ispyb_auth"].keystore
    first = keystore.rotate().kid
    keystore.rotate()
    clock.advance(GRACE + 1)
    keystore.rotate()
    with auth_db.sessionmaker() as session:
        row = session.execute(select(SigningKey).filter_by(kid=first)).scalar_one()
    assert row.privateKey is None


def test_emergency_retire(api, admin_headers, people):
    leaked_token = tokens_of(api, "alice")["access_token"]
    leaked = kid_of(leaked_token)
    active = api.post(f"{AUTH}/keys/rotate", headers=admin_headers).json["kid"]
    response = api.post(f"{AUTH}/keys/{active}/retire", headers=admin_headers)
    assert response.status_code == 409
    response = api.post(f"{AUTH}/keys/{leaked}/retire", headers=admin_headers)
    assert response.status_code == 200 and response.json["state"] == "retired"
    assert me_status(api, leaked_token) == 401
    assert me_status(api, admin_headers["Authorization"].split()[1]) == 401  # same key
    assert leaked not in jwks_kids(api)
    admin = bearer(tokens_of(api, "admin")["access_token"])
    assert api.post(f"{AUTH}/keys/nope/retire", headers=admin).status_code == 404


def test_keys_need_an_admin(api, alice_headers):
    assert api.get(f"{AUTH}/keys", headers=alice_headers).status_code == 403
    assert api.post(f"{AUTH}/keys/rotate", headers=alice_headers).status_code == 403


def test_automatic_rotation_when_the_key_is_old(auth_database_url, idp, clock):
    from ispyb_auth.app import create_app
    from tests.auth.conftest import empty_auth_tables

    config = auth_config(auth_database_url, idp_jwks_url=idp.server.url)
    config["signing_keys"] = {"rotate_after_days": 30}
    app = create_app(config)
    try:
        empty_auth_tables(app)
        keystore = app.extensions["ispyb_auth"].keystore
        first = keystore.signing_key().kid
        clock.advance(29 * 86400)
        assert keystore.signing_key().kid == first
        clock.advance(2 * 86400)
        assert keystore.signing_key().kid != first
    finally:
        app.extensions["ispyb_database"].dispose()


def test_private_keys_encrypted_at_rest(auth_database_url, idp, people, auth_db):
    from ispyb_auth.app import create_app
    from tests.auth.conftest import empty_auth_tables

    def app_with(secret):
        config = auth_config(auth_database_url, idp_jwks_url=idp.server.url)
        config["signing_keys"] = {"encryption_secret": secret}
        return create_app(config)

    right, wrong = app_with("a-long-enough-secret"), app_with("another-long-secret")
    try:
        empty_auth_tables(right)
        from tests.auth.conftest import PEOPLE, add_account

        add_account(right, "alice", PEOPLE["alice"][0])
        assert tokens_of(right.test_client(), "alice")["access_token"]
        with auth_db.sessionmaker() as session:
            pem = session.execute(select(SigningKey.privateKey)).scalar_one()
        assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        response = wrong.test_client().post(
            f"{AUTH}/login",
            json={"plugin": "local", "username": "alice", "password": PEOPLE["alice"][0]},
        )
        assert response.status_code == 503 and "configuration" in response.json["message"]
    finally:
        right.extensions["ispyb_database"].dispose()
        wrong.extensions["ispyb_database"].dispose()


@pytest.fixture
def served_auth(auth_app):
    """The auth app on a real port, for verifiers that fetch its JWKS over HTTP."""
    server = make_server("127.0.0.1", 0, auth_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}{AUTH}"
    server.shutdown()


def test_another_service_verifies_through_the_jwks_url(served_auth, api, admin_headers, people):
    verifier = TokenVerifier(
        issuer="ispyb",
        audience="ispyb",
        jwks_url=f"{served_auth}/.well-known/jwks.json",
        min_refresh_seconds=0,
    )
    before = tokens_of(api, "heidi")["access_token"]
    caller = verifier.verify(before)
    assert caller.subject == "heidi" and caller.beamlines == frozenset({"i03"})
    api.post(f"{AUTH}/keys/rotate", headers=admin_headers)
    after = tokens_of(api, "heidi")["access_token"]
    # The new kid is unknown to the verifier's cache: it fetches the JWKS again.
    assert verifier.verify(after).subject == "heidi"
    assert verifier.verify(before).subject == "heidi"
    assert verifier.jwks.fetch_count == 2


def test_public_keys_command_feeds_a_public_key_file(
    auth_app, auth_database_url, api, people, monkeypatch, capsys, tmp_path
):
    from ispyb_auth.__main__ import main

    monkeypatch.setenv("ISPYB_AUTH__DATABASE__URL", auth_database_url)
    token = tokens_of(api, "alice")["access_token"]
    assert main(["rotate-keys"]) == 0
    assert "now signs tokens" in capsys.readouterr().out
    assert main(["public-keys"]) == 0
    pem = capsys.readouterr().out
    assert pem.count("-----BEGIN PUBLIC KEY-----") == 2
    path = tmp_path / "auth-keys.pem"
    path.write_text(pem)
    verifier = TokenVerifier(issuer="ispyb", audience="ispyb", public_key_file=str(path))
    assert verifier.verify(token).subject == "alice"
    assert verifier.verify(tokens_of(api, "alice")["access_token"]).subject == "alice"


# --- the verification cache (KeyStore.verification_key, signing_keys.verification_cache_seconds)


def other_worker_of(auth_database_url, idp):
    from ispyb_auth.app import create_app

    return create_app(auth_config(auth_database_url, idp_jwks_url=idp.server.url))


def test_verification_reads_no_key_once_cached(api, auth_app, people, auth_db):
    from tests.support.round_trips import sent_to

    token = tokens_of(api, "alice")["access_token"]
    assert me_status(api, token) == 200
    with sent_to(auth_db) as sent:
        assert me_status(api, token) == 200
    # The keys are read only within the revocation list's statement (its retired kids).
    keys = [command for command in sent.commands if "AuthSigningKey" in command]
    assert all("AuthRevocation" in command for command in keys), sent


def test_a_key_made_by_another_worker_verifies_at_once(api, people, auth_database_url, idp):
    """An unknown kid reloads the keys: a rotation elsewhere needs no wait."""
    old_token = tokens_of(api, "alice")["access_token"]
    assert me_status(api, old_token) == 200  # this worker's cache holds the old key
    other_app = other_worker_of(auth_database_url, idp)
    try:
        other_app.extensions["ispyb_auth"].keystore.rotate()
        new_token = tokens_of(other_app.test_client(), "alice")["access_token"]
        assert kid_of(new_token) != kid_of(old_token)
        assert me_status(api, new_token) == 200
        assert me_status(api, old_token) == 200  # verifying, as before
    finally:
        other_app.extensions["ispyb_database"].dispose()


def test_a_key_retired_by_another_worker_is_refused_at_once(
    api, people, auth_database_url, idp, admin_headers
):
    """The key is still in this worker's cache; the revocation list auth reads at every
    request (same statement) names it."""
    leaked_token = tokens_of(api, "alice")["access_token"]
    assert me_status(api, leaked_token) == 200
    other_app = other_worker_of(auth_database_url, idp)
    try:
        other = other_app.extensions["ispyb_auth"].keystore
        other.rotate()
        other.retire(kid_of(leaked_token))
    finally:
        other_app.extensions["ispyb_database"].dispose()
    response = api.get(f"{AUTH}/me", headers=bearer(leaked_token))
    assert response.status_code == 401 and "retired" in response.json["message"]


def test_a_grace_that_ends_ends_at_once_in_the_cache(api, auth_app, people, clock):
    old_token = tokens_of(api, "alice")["access_token"]
    auth_app.extensions["ispyb_auth"].keystore.rotate()
    clock.advance(GRACE - 1)
    keystore = auth_app.extensions["ispyb_auth"].keystore
    assert keystore.verification_key(kid_of(old_token)) is not None  # cached, verifying
    clock.advance(2)  # well within the cache's 10 s
    assert keystore.verification_key(kid_of(old_token)) is None


def test_other_changes_are_seen_within_the_cache_bound(api, auth_app, people, auth_db, clock):
    """A key row deleted by hand: refused after verification_cache_seconds at most."""
    token = tokens_of(api, "alice")["access_token"]
    keystore = auth_app.extensions["ispyb_auth"].keystore
    assert keystore.verification_cache.total_seconds() == 10
    assert me_status(api, token) == 200
    with auth_db.engine.begin() as connection:
        connection.execute(SigningKey.__table__.delete())
    assert me_status(api, token) == 200  # the cache's bound, documented
    clock.advance(10)
    response = api.get(f"{AUTH}/me", headers=bearer(token))
    assert response.status_code == 401 and "unknown key" in response.json["message"]


def test_a_zero_cache_reads_the_keys_at_every_request(auth_database_url, idp, people, clock):
    from ispyb_auth.app import create_app

    app = create_app(
        auth_config(
            auth_database_url,
            idp_jwks_url=idp.server.url,
            signing_keys={"verification_cache_seconds": 0},
        )
    )
    try:
        client = app.test_client()
        token = tokens_of(client, "alice")["access_token"]
        assert me_status(client, token) == 200
        with app.extensions["ispyb_database"].engine.begin() as connection:
            connection.execute(SigningKey.__table__.delete())
        assert me_status(client, token) == 401
    finally:
        app.extensions["ispyb_database"].dispose()
