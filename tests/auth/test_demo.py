"""`ispyb-auth seed-demo`: the demo people's accounts and a demo machine client."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import func, select

from ispyb_auth.accounts.models import Account
from ispyb_auth.demo import ACCOUNTS, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, seed_demo
from tests.auth.conftest import AUTH, login


@pytest.fixture
def seeded(auth_app, auth_db):
    config = auth_app.extensions["ispyb_auth"].config
    message = seed_demo(auth_db, config=config)
    assert "10 rows added" in message
    return config


def test_seed_is_idempotent(seeded, auth_db):
    assert "nothing added" in seed_demo(auth_db, config=seeded)
    with auth_db.sessionmaker() as session:
        assert session.execute(select(func.count()).select_from(Account)).scalar() == 9


def test_demo_people_log_in_with_their_documented_password(api, seeded):
    expected = {
        "admin": (["admin"], []),
        "frank": (["staff"], []),
        "heidi": (["staff"], ["i03"]),
        "alice": ([], []),
        "grace": ([], []),
    }
    people = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
    assert set(ACCOUNTS) == {"admin", *people}
    for person in ACCOUNTS:
        response = login(api, person, f"demo-{person}")
        assert response.status_code == 200, person
        claims = jwt.decode(response.json["access_token"], options={"verify_signature": False})
        if person in expected:
            assert (claims["roles"], claims["beamlines"]) == expected[person], person


def test_demo_pipeline_client(api, seeded):
    response = api.post(
        f"{AUTH}/token",
        json={"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET},
    )
    assert response.status_code == 200
    assert response.json["scope"] == (
        "core:acquisition:write core:processing:write core:read em:write ssx:write"
    )


def test_no_demo_accounts_outside_development(auth_app, auth_db):
    config = {**auth_app.extensions["ispyb_auth"].config, "development": False}
    assert "only" in seed_demo(auth_db, config=config)
    with auth_db.sessionmaker() as session:
        assert session.execute(select(func.count()).select_from(Account)).scalar() == 0


def test_seed_demo_command(auth_app, auth_database_url, monkeypatch, capsys):
    from ispyb_auth.__main__ import main

    monkeypatch.setenv("ISPYB_AUTH__DATABASE__URL", auth_database_url)
    # Keep the command quick: the shipped argon2 cost is for production machines.
    monkeypatch.setenv("ISPYB_AUTH__PLUGINS__LOCAL__ARGON2__TIME_COST", "1")
    monkeypatch.setenv("ISPYB_AUTH__PLUGINS__LOCAL__ARGON2__MEMORY_COST_KIB", "8")
    monkeypatch.setenv("ISPYB_AUTH__PLUGINS__LOCAL__ARGON2__PARALLELISM", "1")
    assert main(["seed-demo"]) == 0
    assert "rows added" in capsys.readouterr().out
    assert main(["seed-demo"]) == 0
    assert "nothing added" in capsys.readouterr().out
