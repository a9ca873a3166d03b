"""The error walk (issue 18.4): every error a client can get, in the one envelope and
details shape (docs/errors.md): {"code", "message", "details", "requestId"}; details null
or JSON paths -> lists of messages."""

from ispyb_shared.errors import ERROR_CODES

ROOT = "/ispyb/api/v1"


def assert_envelope(response, status, code):
    assert response.status_code == status, (response.status_code, response.get_data())
    body = response.get_json()
    assert set(body) == {"code", "message", "details", "requestId"}, body
    assert body["code"] == code and code in ERROR_CODES
    assert isinstance(body["message"], str) and body["message"]
    assert body["requestId"] == response.headers["X-Request-ID"]
    details = body["details"]
    assert details is None or (
        isinstance(details, dict)
        and details
        and all(
            isinstance(key, str) and isinstance(messages, list) and messages
            for key, messages in details.items()
        )
    ), details
    return details


def walk_generic_errors(app, admin: dict, service: str, listed: str, created: str) -> None:
    """The errors every service answers alike: 401, 404, 405, 415, 400, 422."""
    client = app.test_client()
    listed, created = ROOT + listed, ROOT + created
    assert_envelope(client.get(listed), 401, "UNAUTHORIZED")
    assert_envelope(client.get(f"{ROOT}/{service}/no-such-route", headers=admin), 404, "NOT_FOUND")
    assert_envelope(
        client.delete(f"{ROOT}/{service}/health", headers=admin), 405, "METHOD_NOT_ALLOWED"
    )
    details = assert_envelope(
        client.post(created, data="x", content_type="text/plain", headers=admin),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    assert details is None
    assert_envelope(
        client.post(created, data="{", content_type="application/json", headers=admin),
        400,
        "BAD_REQUEST",
    )
    details = assert_envelope(
        client.post(created, json={"nope": 1}, headers=admin), 422, "VALIDATION_ERROR"
    )
    assert "nope" in details
