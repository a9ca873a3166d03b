"""The revocation list every service polls (ispyb_shared.auth.RevocationList): revoked
subjects and retired keys are refused, the list is fetched again every poll interval,
a failing fetch keeps the last list, no list at all is a 503."""

from __future__ import annotations

import pytest

from ispyb_shared.auth import (
    AuthSettings,
    RevocationList,
    Revocations,
    TokenVerifier,
    Unauthorized,
    revocation_key,
)
from ispyb_shared.errors import ServiceUnavailable
from tests.auth.keyserver import JwksServer, TestProvider

ISSUER = AUDIENCE = "ispyb"


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider():
    provider = TestProvider(issuer=ISSUER, audience=AUDIENCE, kid="key-1")
    provider.add_key("key-2")
    yield provider
    provider.close()


@pytest.fixture
def revocations_server():
    server = JwksServer({"subjects": {}, "retiredKeys": [], "pollSeconds": 5})
    yield server
    server.close()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def verifier(provider, revocations_server, clock):
    revocations = RevocationList.from_url(revocations_server.url, poll_seconds=5, clock=clock)
    return TokenVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=provider.server.url,
        clock=clock,
        revocations=revocations,
    )


def token(provider, subject="alice", kind="user", iat=None, kid="key-1"):
    claims = provider.claims(sub=subject, kind=kind, scope="")
    if iat is not None:
        claims["iat"] = iat
    return provider.sign(claims, kid=kid)


def refused(verifier, value) -> str:
    with pytest.raises(Unauthorized) as raised:
        verifier.verify(value)
    return raised.value.message


def test_a_revoked_subjects_tokens_issued_until_then_are_refused(
    provider, verifier, revocations_server, clock
):
    before = token(provider, iat=5_000)
    at_the_moment = token(provider, iat=6_000)
    after = token(provider, iat=6_001)
    assert verifier.verify(before).subject == "alice"
    revocations_server.document = {
        "subjects": {revocation_key("user", "alice"): 6_000},
        "retiredKeys": [],
    }
    # Not seen before the next poll...
    clock.now += 4.9
    assert verifier.verify(before).subject == "alice"
    # ...and refused from then on, by the rule "issued at or before".
    clock.now += 0.2
    assert refused(verifier, before) == "The access token has been revoked."
    assert refused(verifier, at_the_moment) == "The access token has been revoked."
    assert verifier.verify(after).subject == "alice"
    # Other subjects, and a client that happens to have the same name, are not affected.
    assert verifier.verify(token(provider, subject="bob", iat=5_000)).subject == "bob"
    assert verifier.verify(token(provider, kind="client", iat=5_000)).kind == "client"


def test_a_token_without_iat_of_a_revoked_subject_is_refused(
    provider, verifier, revocations_server
):
    revocations_server.document = {
        "subjects": {revocation_key("user", "alice"): 6_000},
        "retiredKeys": [],
    }
    claims = provider.claims(sub="alice", kind="user", iat=None)
    assert "iat" not in claims
    assert refused(verifier, provider.sign(claims)) == "The access token has been revoked."


def test_a_retired_key_is_refused_at_the_next_poll_whatever_the_jwks_cache(
    provider, verifier, revocations_server, clock
):
    old = token(provider, kid="key-1")
    assert verifier.verify(old)
    jwks_fetches = provider.server.fetches
    revocations_server.document = {"subjects": {}, "retiredKeys": ["key-1"]}
    clock.now += 5
    assert refused(verifier, old) == "The access token is signed with a retired key."
    # The JWKS (cached for 300 s) was not needed to know it.
    assert provider.server.fetches == jwks_fetches
    assert verifier.verify(token(provider, kid="key-2"))


def test_the_list_is_fetched_once_per_poll_interval(provider, verifier, revocations_server, clock):
    value = token(provider)
    for _ in range(20):
        verifier.verify(value)
    assert revocations_server.fetches == 1
    clock.now += 5
    for _ in range(20):
        verifier.verify(value)
    assert revocations_server.fetches == 2


def test_a_failing_fetch_keeps_the_last_list(provider, verifier, revocations_server, clock):
    revocations_server.document = {
        "subjects": {revocation_key("user", "bob"): 10**10},
        "retiredKeys": [],
    }
    assert verifier.verify(token(provider))
    revocations_server.failing = True
    clock.now += 60
    assert verifier.verify(token(provider))
    assert refused(verifier, token(provider, subject="bob")) == "The access token has been revoked."
    revocations_server.failing = False
    revocations_server.document = {"subjects": {}, "retiredKeys": []}
    clock.now += 5
    assert verifier.verify(token(provider, subject="bob"))


def test_no_list_yet_is_a_503(provider, revocations_server, clock):
    revocations_server.failing = True
    revocations = RevocationList.from_url(revocations_server.url, poll_seconds=5, clock=clock)
    verifier = TokenVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=provider.server.url,
        clock=clock,
        revocations=revocations,
    )
    with pytest.raises(ServiceUnavailable):
        verifier.verify(token(provider))
    # Retried at most once a second, not at every request.
    fetches = revocations_server.fetches
    with pytest.raises(ServiceUnavailable):
        verifier.verify(token(provider))
    assert revocations_server.fetches == fetches
    revocations_server.failing = False
    clock.now += 1
    assert verifier.verify(token(provider))


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"subjects": []},
        {"subjects": {}, "retiredKeys": "key-1"},
        {"subjects": {"x": "1"}, "retiredKeys": []},
        {"subjects": {"x": True}, "retiredKeys": []},
        {"subjects": {}, "retiredKeys": [1]},
    ],
)
def test_a_malformed_list_is_not_used(document):
    with pytest.raises(ValueError):
        Revocations.parse(document)


def test_settings_put_the_revocation_list_next_to_the_jwks():
    settings = AuthSettings().load(
        {"jwks_url": "http://auth:8004/ispyb/api/v1/auth/.well-known/jwks.json"}
    )
    assert settings["revocations_url"] == "http://auth:8004/ispyb/api/v1/auth/revocations"
    assert settings["revocation_poll_seconds"] == 5
    verifier = TokenVerifier.from_settings(settings)
    assert verifier.revocations is not None and verifier.revocations.poll_seconds == 5
    explicit = AuthSettings().load(
        {"jwks_url": "http://a/keys.json", "revocations_url": "http://a/revoked"}
    )
    assert explicit["revocations_url"] == "http://a/revoked"
    assert AuthSettings().load({"jwks_url": "http://a/keys.json"})["revocations_url"] is None


def test_every_service_builds_its_verifier_by_the_one_rule(tmp_path):
    """core, ssx and em: one AuthSettings, one TokenVerifier.from_settings, same caches."""
    from ispyb_core.config import CoreConfig
    from ispyb_em.config import EMConfig
    from ispyb_ssx.config import SSXConfig

    url = "http://auth:8004/ispyb/api/v1/auth/.well-known/jwks.json"
    verifiers = []
    for schema in (CoreConfig, SSXConfig, EMConfig):
        nested = schema().fields["auth"].nested
        settings = (nested() if isinstance(nested, type) else nested).load({"jwks_url": url})
        verifiers.append(TokenVerifier.from_settings(settings))
    facts = {
        (v.jwks.cache_seconds, v.jwks.min_refresh_seconds, v.revocations.poll_seconds)
        for v in verifiers
    }
    assert facts == {(300, 5, 5)}


def test_an_auth_service_without_a_revocation_list_revokes_nothing(provider, clock):
    """An auth service older than revocation lists answers 404: services upgraded first
    keep serving (a 503 for every token would stop them)."""
    server = JwksServer({})
    server.failing = True  # answers 500 first: no list, 503
    revocations = RevocationList.from_url(server.url, poll_seconds=5, clock=clock)
    verifier = TokenVerifier(
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_url=provider.server.url,
        clock=clock,
        revocations=revocations,
    )
    try:
        with pytest.raises(ServiceUnavailable):
            verifier.verify(token(provider))
        server.failing = False
        server.status = 404
        clock.now += 1
        assert verifier.verify(token(provider)).subject == "alice"
    finally:
        server.close()
