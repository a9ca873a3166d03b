"""What auth sends its database per request: a list at most 2 round trips, an item 1, no
transaction control on reads (tests/core/test_round_trips.py has the rules), plus one:
auth verifies a token with the signing keys it caches from its database (at most
signing_keys.verification_cache_seconds), and applies its revocation list read at that
request (a disabled admin, a retired key are out at once): one lookup a request (the other
services verify with keys and a list cached from auth)."""

import pytest

from tests.auth.conftest import AUTH
from tests.support.round_trips import sent_to

KEY_LOOKUP = 1  # the revoked subjects and retired keys (the keys are cached)


@pytest.fixture
def warm(api, admin_headers):
    """The admin's token verified once, so the signing keys are cached."""
    assert api.get(f"{AUTH}/me", headers=admin_headers).status_code == 200
    return admin_headers


def _get(api, auth_db, path, headers):
    with sent_to(auth_db) as sent:
        response = api.get(AUTH + path, headers=headers)
    assert response.status_code == 200, (path, response.json)
    assert sent.transaction_control() == [], f"{path}:\n{sent!r}"
    return response.json, sent


@pytest.mark.parametrize("path", ["/accounts", "/clients"])
def test_a_list_is_at_most_two_round_trips(api, auth_db, warm, path):
    if path == "/clients":
        created = api.post(
            f"{AUTH}/clients",
            json={"clientId": "pipeline", "scopes": ["core:read"]},
            headers=warm,
        )
        assert created.status_code == 201, created.json
    for limit in (1, 25):
        body, sent = _get(api, auth_db, f"{path}?limit={limit}", warm)
        assert body["results"]
        assert sent.count <= 2 + KEY_LOOKUP, sent


def test_an_item_is_one_round_trip(api, auth_db, warm):
    _body, sent = _get(api, auth_db, "/accounts/alice", warm)
    assert sent.count == 1 + KEY_LOOKUP, sent
