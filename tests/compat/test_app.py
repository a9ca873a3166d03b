"""The compat service's shape: health, readiness of what it calls, its configuration
(no database section, upstream URLs validated), its command line, its documents."""

from __future__ import annotations

import pytest

import tests.conftest as shared_fixtures
from ispyb_compat.__main__ import main
from ispyb_compat.app import create_app
from ispyb_compat.config import load_compat_config
from ispyb_shared.config import ConfigError

PREFIX = "/ispyb/api/v1/compat"
AUTH = "auth:\n  public_key_file: /dev/null\n"


def config(**sections) -> dict:
    return {
        "logging": {"level": "ERROR"},
        "api": {"warm_up": False},
        "auth": shared_fixtures._tokens.settings(),
        "core": {"url": "http://127.0.0.1:9"},
        "auth_service": {"url": "http://127.0.0.1:9"},
        "em": {"url": "http://127.0.0.1:9"},
        "ssx": {"url": "http://127.0.0.1:9"},
        **sections,
    }


def write(tmp_path, text: str) -> dict:
    path = tmp_path / "compat.yaml"
    path.write_text(AUTH + text)
    return {"ISPYB_COMPAT_CONFIG": str(path)}


def test_health_needs_no_token_and_no_dependency():
    client = create_app(config()).test_client()
    answer = client.get(f"{PREFIX}/health")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}


def test_ready_names_each_service_it_calls_and_has_no_database():
    client = create_app(config()).test_client()
    answer = client.get(f"{PREFIX}/ready")
    assert answer.status_code == 503  # core and auth cannot be reached (port 9)
    body = answer.get_json()
    assert "database" not in body and "database" not in body["dependencies"]
    states = body["dependencies"]
    assert {name: states[name]["required"] for name in ("core", "auth", "em", "ssx")} == {
        "core": True,
        "auth": True,
        "em": False,
        "ssx": False,
    }
    assert states["core"]["status"] == "down"


def test_login_configuration_is_public_and_says_when_auth_is_down():
    client = create_app(config()).test_client()
    answer = client.get(f"{PREFIX}/pyispyb/auth/config")
    assert answer.status_code == 503
    assert answer.get_json()["code"]


def test_documents_are_served():
    client = create_app(config()).test_client()
    assert client.get(f"{PREFIX}/swagger.json").status_code == 200
    document = client.get(f"{PREFIX}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert f"{PREFIX}/pyispyb/auth/config".removeprefix(PREFIX) in document["paths"]


def test_defaults(tmp_path):
    loaded = load_compat_config(environ=write(tmp_path, ""))
    assert "database" not in loaded
    assert loaded["core"]["url"] == "http://127.0.0.1:8001"
    assert loaded["auth_service"]["url"] == "http://127.0.0.1:8004"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("database:\n  url: sqlite://\n", "database"),
        ("core:\n  url: not a url\n", "core.url"),
        ("auth_service:\n  timeout_seconds: 0\n", "auth_service.timeout_seconds"),
        ("pyispyb:\n  colour: blue\n", "pyispyb"),
    ],
)
def test_bad_values_are_named(tmp_path, text, key):
    with pytest.raises(ConfigError) as error:
        load_compat_config(environ=write(tmp_path, text))
    assert key in str(error.value)


def test_environment_overrides(tmp_path):
    environ = {**write(tmp_path, ""), "ISPYB_COMPAT__CORE__URL": "http://core:8001"}
    assert load_compat_config(environ=environ)["core"]["url"] == "http://core:8001"


def test_command_line(tmp_path, monkeypatch, capsys):
    for name, value in write(tmp_path, "").items():
        monkeypatch.setenv(name, value)
    assert main(["check-config"]) == 0
    assert main(["migrate"]) == 0
    assert "nothing to migrate" in capsys.readouterr().out


def test_the_default_file_is_valid():
    loaded = load_compat_config(environ={})
    assert loaded["auth"]["jwks_url"].endswith("/auth/.well-known/jwks.json")
