"""A token minted for one purpose (``purpose`` claim: the Java dialect's token, which sits in
a URL path) only reads: every service refuses a write made with it, in one check
(ispyb_shared.auth.refuse_purpose_writes, run for every request by init_auth)."""

from __future__ import annotations

import pytest

CORE = "/ispyb/api/v1/core"
OPTIONS = f"{CORE}/options/ui"


def headers(tokens, login, *roles, purpose="compat-java"):
    token = tokens.mint(login, roles=roles, purpose=purpose, lifetime=300)
    return {"Authorization": f"Bearer {token}"}


def test_a_purpose_token_reads(core_app, tokens):
    answer = core_app.test_client().get(OPTIONS, headers=headers(tokens, "frank", "staff"))
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", f"{CORE}/sessions"),
        ("patch", OPTIONS),
        ("delete", f"{CORE}/data-collections/1"),
    ],
)
def test_a_purpose_token_never_writes_even_as_admin(core_app, tokens, method, path):
    answer = getattr(core_app.test_client(), method)(
        path, json={"messageOfTheDay": "x"}, headers=headers(tokens, "root", "admin")
    )
    assert answer.status_code == 403
    assert answer.json["code"] == "FORBIDDEN"
    assert "compat-java" in answer.json["message"]


def test_the_same_write_with_an_ordinary_token_is_allowed(core_app, tokens):
    answer = core_app.test_client().patch(
        OPTIONS,
        json={"messageOfTheDay": "Beam down"},
        headers={"Authorization": f"Bearer {tokens.mint('root', roles=['admin'])}"},
    )
    assert answer.status_code == 200


def test_an_unknown_purpose_is_refused(core_app, tokens):
    answer = core_app.test_client().get(
        OPTIONS, headers=headers(tokens, "frank", "staff", purpose="anything")
    )
    assert answer.status_code == 401
