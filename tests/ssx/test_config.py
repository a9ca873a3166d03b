"""ssx's configuration: the core section (shared with em) and how undos are retried."""

from __future__ import annotations

import pytest

from ispyb_shared.config import ConfigError
from ispyb_ssx.__main__ import main
from ispyb_ssx.config import load_ssx_config
from ispyb_ssx.runs.recovery import ClientCredentials
from tests.shared.test_core_client import Scripted

AUTH = "auth:\n  public_key_file: /dev/null\n"
CLIENT = (
    "core:\n  undo:\n    token_url: http://auth:8004/ispyb/api/v1/auth/token\n"
    "    client_id: ssx\n    client_secret: s3cret-value\n"
)


def write(tmp_path, text: str) -> dict:
    path = tmp_path / "ssx.yaml"
    path.write_text("database:\n  url: sqlite:///x.sqlite\n" + AUTH + text)
    return {"ISPYB_SSX_CONFIG": str(path)}


def test_defaults(tmp_path):
    core = load_ssx_config(environ=write(tmp_path, ""))["core"]
    assert core["url"] == "http://127.0.0.1:8001"
    assert core["cache_entries"] == 20000
    assert core["write_retries"] == 1
    assert core["undo"] == {
        "retry_seconds": 30,
        "token_url": None,
        "client_id": None,
        "client_secret": None,
        "scope": "core:acquisition:write",
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("core:\n  undo:\n    client_id: ssx\n", "core.undo.client_secret"),
        ("core:\n  undo:\n    retry_seconds: -1\n", "core.undo.retry_seconds"),
        ("core:\n  undo:\n    token_url: not a url\n", "core.undo.token_url"),
        ("core:\n  write_retries: 9\n", "core.write_retries"),
        ("testing:\n  failure_injection: true\n", "testing"),
    ],
)
def test_bad_values_are_named(tmp_path, text, key):
    with pytest.raises(ConfigError) as error:
        load_ssx_config(environ=write(tmp_path, text))
    assert key in str(error.value)


def test_check_config_hides_the_client_secret(tmp_path, monkeypatch, capsys):
    for name, value in write(tmp_path, CLIENT).items():
        monkeypatch.setenv(name, value)
    assert main(["check-config"]) == 0
    shown = capsys.readouterr().out
    assert "s3cret-value" not in shown and "'client_id': 'ssx'" in shown


def test_undo_pending_needs_a_client(tmp_path, monkeypatch, capsys, tokens):
    for name, value in write(tmp_path, "").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ISPYB_SSX__AUTH__PUBLIC_KEY_FILE", str(tokens.public_key_file))
    monkeypatch.setenv("ISPYB_SSX__DATABASE__URL", f"sqlite:///{tmp_path}/ssx.sqlite")
    assert main(["migrate"]) == 0
    assert main(["undo-pending"]) == 2
    assert "names no client" in capsys.readouterr().err


def test_ssxs_own_token_is_fetched_once_and_renewed_before_it_expires():
    import requests

    now = [1000.0]
    adapter = Scripted(
        (200, {"access_token": "first", "expires_in": 900}),
        (200, {"access_token": "second", "expires_in": 900}),
        (401, {"code": "UNAUTHORIZED"}),
    )
    session = requests.Session()
    session.mount("http://auth.test/", adapter)
    credentials = ClientCredentials(
        token_url="http://auth.test/ispyb/api/v1/auth/token",
        client_id="ssx",
        client_secret="s3cret",
        scope="core:acquisition:write",
        transport=session,
        clock=lambda: now[0],
    )
    assert credentials("req-1").authorization == "Bearer first"
    assert credentials("req-2").request_id == "req-2"
    assert len(adapter.sent) == 1
    now[0] += 871  # 30 s before it expires
    assert credentials(None).authorization == "Bearer second"
    now[0] += 900
    with pytest.raises(RuntimeError, match="refused"):
        credentials(None)
    assert b'"client_secret": "s3cret"' in adapter.sent[0].body
