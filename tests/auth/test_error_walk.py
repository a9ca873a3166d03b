"""auth's errors in the one envelope and details shape (tests/support/error_walk.py)."""

from tests.support.error_walk import ROOT, assert_envelope


def test_auth_errors_walk(auth_app):
    client = auth_app.test_client()
    assert_envelope(client.get(f"{ROOT}/auth/me"), 401, "UNAUTHORIZED")
    assert_envelope(client.get(f"{ROOT}/auth/no-such-route"), 404, "NOT_FOUND")
    assert_envelope(client.get(f"{ROOT}/auth/login"), 405, "METHOD_NOT_ALLOWED")
    details = assert_envelope(
        client.post(f"{ROOT}/auth/login", json={"plugin": "local"}), 422, "VALIDATION_ERROR"
    )
    assert "username" in details
