"""The auth service's configuration: plugins chosen in the file, mistakes named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ispyb_auth.config import AuthConfig, load_auth_config
from ispyb_shared.config import ConfigError, validate_config

SERVICE_DIR = Path(__file__).resolve().parents[2] / "services" / "auth"


def config_with(plugins, **top):
    return {"database": {"url": "sqlite://"}, "plugins": plugins, **top}


def error_of(raw) -> str:
    with pytest.raises(ConfigError) as raised:
        validate_config(raw, AuthConfig)
    return str(raised.value)


def test_shipped_development_config_is_valid_and_safe():
    config = load_auth_config(environ={})
    assert config["development"] is True
    # Safe by default: no plugin that lets anyone in, and nothing that would allow one.
    assert {name: p["type"] for name, p in config["plugins"].items()} == {"local": "local"}
    assert config["allow_dummy_login"] is False
    assert config["api"]["trusted_proxies"] == []
    assert config["access_token_seconds"] == 900 and config["issuer"] == "ispyb"


def test_no_shipped_config_enables_the_dummy_plugin():
    for path in SERVICE_DIR.glob("config*.yaml"):
        text = path.read_text()
        assert not re.search(r"^\s*dummy\s*:", text, re.M), path
        assert not re.search(r"^\s*allow_dummy_login\s*:\s*true", text, re.M), path


def test_production_example_config_is_valid():
    path = SERVICE_DIR / "config.production.example.yaml"
    config = load_auth_config(environ={"ISPYB_AUTH_CONFIG": str(path)})
    assert config["development"] is False
    types = sorted(p["type"] for p in config["plugins"].values())
    assert types == ["ldap", "local", "oidc"]


def test_dummy_plugin_is_refused_outside_development():
    message = error_of(config_with({"devlogin": {"type": "dummy"}}))
    assert "plugins.devlogin.type" in message and "allow_dummy_login" in message
    message = error_of(config_with({"devlogin": {"type": "dummy"}}, allow_dummy_login=True))
    assert "allow_dummy_login" in message and "development" in message


def test_development_alone_does_not_allow_the_dummy_plugin():
    message = error_of(config_with({"devlogin": {"type": "dummy"}}, development=True))
    assert "plugins.devlogin.type" in message and "allow_dummy_login" in message
    allowed = config_with({"devlogin": {"type": "dummy"}}, development=True, allow_dummy_login=True)
    assert validate_config(allowed, AuthConfig)["plugins"]["devlogin"]["type"] == "dummy"


def test_a_dummy_plugin_added_by_environment_is_refused():
    with pytest.raises(ConfigError, match=r"plugins\.dummy\.type"):
        load_auth_config(environ={"ISPYB_AUTH__PLUGINS__DUMMY__TYPE": "dummy"})


def test_service_refuses_to_start_with_dummy_unless_allowed():
    from ispyb_auth.app import create_app

    with pytest.raises(ConfigError, match=r"plugins\.dummy\.type"):
        create_app(config_with({"dummy": {"type": "dummy"}}, development=True))


def test_check_config_command_names_the_key(monkeypatch, capsys):
    from ispyb_auth.__main__ import main

    monkeypatch.setenv("ISPYB_AUTH__PLUGINS__DUMMY__TYPE", "dummy")
    assert main(["check-config"]) == 2
    assert "plugins.dummy.type" in capsys.readouterr().err


@pytest.mark.parametrize(
    "plugins, key",
    [
        ({"x": {"type": "kerberos"}}, "plugins.x.type"),
        ({"x": {}}, "plugins.x.type"),
        ({"x": "local"}, "plugins.x"),
        ({"Bad Name": {"type": "local"}}, "plugins.Bad Name"),
        (
            {"l": {"type": "local", "lockout": {"max_failures": 0}}},
            "plugins.l.lockout.max_failures",
        ),
        ({"l": {"type": "local", "lockout": {"lock_secs": 5}}}, "plugins.l.lockout.lock_secs"),
        ({"d": {"type": "ldap", "user_base": "dc=x"}}, "plugins.d.url"),
        ({"d": {"type": "ldap", "url": "ldap://h"}}, "plugins.d.user_base"),
        ({"d": {"type": "ldap", "url": "http://h", "user_base": "dc=x"}}, "plugins.d.url"),
        (
            {
                "d": {
                    "type": "ldap",
                    "url": "ldap://h",
                    "user_base": "dc=x",
                    "user_filter": "(uid=x)",
                }
            },
            "plugins.d.user_filter",
        ),
        (
            {
                "d": {
                    "type": "ldap",
                    "url": "ldap://h",
                    "user_base": "dc=x",
                    "group_roles": {"g": ["root"]},
                }
            },
            "plugins.d.group_roles",
        ),
        ({"k": {"type": "oidc", "issuer": "i", "audience": "a"}}, "plugins.k.jwks_url"),
        (
            {
                "k": {
                    "type": "oidc",
                    "issuer": "i",
                    "audience": "a",
                    "jwks_url": "http://idp/jwks",
                    "algorithms": ["HS256"],
                }
            },
            "plugins.k.algorithms",
        ),
        (
            {
                "k": {
                    "type": "oidc",
                    "issuer": "i",
                    "audience": "a",
                    "jwks_url": "http://idp/jwks",
                    "role_map": {"x": "superuser"},
                }
            },
            "plugins.k.role_map",
        ),
        ({"d": {"type": "dummy", "roles": ["god"]}}, "plugins.d.roles"),
    ],
)
def test_plugin_mistakes_name_the_key(plugins, key):
    assert key in error_of(config_with(plugins, development=True))


@pytest.mark.parametrize(
    "top, key",
    [
        ({"access_token_seconds": 5}, "access_token_seconds"),
        ({"signing_keys": {"key_size": 1024}}, "signing_keys.key_size"),
        ({"signing_keys": {"encryption_secret": "short"}}, "signing_keys.encryption_secret"),
        ({"extra_scopes": {"Not A Scope": "x"}}, "extra_scopes"),
        ({"acess_token_seconds": 60}, "acess_token_seconds"),
        ({"auth": {"jwks_url": "http://x"}}, "auth"),
    ],
)
def test_top_level_mistakes_name_the_key(top, key):
    assert key in error_of(config_with({}, **top))


def test_bad_ldap_filter_placeholder_stops_the_start(tmp_path):
    from ispyb_auth.app import create_app

    plugins = {
        "d": {
            "type": "ldap",
            "url": "ldap://127.0.0.1:1",
            "user_base": "dc=x",
            "group_filter": "(member={dn})",
        }
    }
    with pytest.raises(ConfigError, match=r"plugins\.d\.group_filter"):
        create_app(config_with(plugins, development=True))


def test_several_plugins_of_one_type_can_be_enabled():
    plugins = {
        "staff-ldap": {"type": "ldap", "url": "ldap://a", "user_base": "dc=a"},
        "users-ldap": {"type": "ldap", "url": "ldaps://b", "user_base": "dc=b"},
        "local": {"type": "local"},
    }
    config = validate_config(config_with(plugins), AuthConfig)
    assert list(config["plugins"]) == ["staff-ldap", "users-ldap", "local"]


def test_check_config_prints_no_secret(monkeypatch, capsys):
    from ispyb_auth.__main__ import main

    path = SERVICE_DIR / "config.production.example.yaml"
    monkeypatch.setenv("ISPYB_AUTH_CONFIG", str(path))
    monkeypatch.setenv("ISPYB_AUTH__PLUGINS__DIRECTORY__BIND_PASSWORD", "ldap-bind-pw-123")
    monkeypatch.setenv("ISPYB_AUTH__SIGNING_KEYS__ENCRYPTION_SECRET", "key-encryption-456")
    assert main(["check-config"]) == 0
    printed = capsys.readouterr().out
    for secret in ("ldap-bind-pw-123", "key-encryption-456", "change-me"):
        assert secret not in printed
    assert "'min_password_length': 12" in printed
