"""Idempotency-Key on auth's creates (the mechanism: tests/shared/test_idempotency.py)."""

from tests.auth.conftest import AUTH


def test_a_new_clients_secret_is_never_stored_for_a_replay(api, auth_db, admin_headers):
    """Creating a machine client answers its secret once: that answer is not kept for
    Idempotency-Key replays (a retry is a 409, the admin resets the secret instead)."""
    from sqlalchemy import func, select

    from ispyb_auth.database import IdempotencyRecord

    body = {"clientId": "pipeline-keyed", "scopes": ["core:read"]}
    headers = {**admin_headers, "Idempotency-Key": "create-pipeline-keyed"}
    created = api.post(f"{AUTH}/clients", json=body, headers=headers)
    assert created.status_code == 201 and created.json["clientSecret"]
    again = api.post(f"{AUTH}/clients", json=body, headers=headers)
    assert again.status_code == 409 and "Idempotent-Replayed" not in again.headers
    with auth_db.sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
