import subprocess
import sys

import pytest

from ispyb_core.config import CoreConfig, load_core_config
from ispyb_shared.config import ConfigError, validate_config

AUTH = "auth:\n  jwks_url: http://127.0.0.1:8004/ispyb/api/v1/auth/.well-known/jwks.json\n"


def write(tmp_path, text):
    path = tmp_path / "core.yaml"
    path.write_text(text if "auth:" in text else text + AUTH)
    return {"ISPYB_CORE_CONFIG": str(path)}


def test_file_and_defaults(tmp_path):
    config = load_core_config(write(tmp_path, "database:\n  url: sqlite:///x.sqlite\n"))
    assert config["database"]["url"] == "sqlite:///x.sqlite"
    assert config["database"]["pool_recycle"] == 3600
    assert config["api"] == {
        "default_limit": 25,
        "max_limit": 1000,
        "max_content_length": 10 * 1024 * 1024,
        "trusted_proxies": [],
        "idempotency_hours": 24,
        "warm_up": True,
    }


def test_environment_overrides_file(tmp_path):
    env = write(tmp_path, "database:\n  url: sqlite:///x.sqlite\n")
    env |= {
        "ISPYB_CORE__DATABASE__URL": "mysql+pymysql://u:p@h/db",
        "ISPYB_CORE__API__MAX_LIMIT": "50",
        "ISPYB_CORE__LOGGING__JSON": "false",
    }
    config = load_core_config(env)
    assert config["database"]["url"] == "mysql+pymysql://u:p@h/db"
    assert config["api"]["max_limit"] == 50
    assert config["logging"]["json"] is False


@pytest.mark.parametrize(
    "text, env, named",
    [
        ("database:\n  url: sqlite:///x\n  pool_sise: 3\n", {}, "database.pool_sise"),
        ("database:\n  url: sqlite:///x\nlogs: {}\n", {}, "logs"),
        ("database:\n  url: sqlite:///x\n  pool_size: many\n", {}, "database.pool_size"),
        ("database:\n  url: sqlite:///x\napi:\n  max_limit: 0\n", {}, "api.max_limit"),
        ("database:\n  url: sqlite:///x\nlogging:\n  level: LOUD\n", {}, "logging.level"),
        ("api: {}\n", {}, "database"),
        ("database:\n  url: sqlite:///x\n", {"ISPYB_CORE__DATABASE__URLL": "x"}, "database.urll"),
        ("database:\n  url: sqlite:///x\n", {"ISPYB_CORE__NOPE": "1"}, "nope"),
    ],
)
def test_invalid_configuration_names_the_key(tmp_path, text, env, named):
    with pytest.raises(ConfigError) as error:
        load_core_config(write(tmp_path, text) | env)
    assert named in str(error.value)


def test_unreadable_or_broken_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_core_config({"ISPYB_CORE_CONFIG": str(tmp_path / "missing.yaml")})
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_core_config(write(tmp_path, "database: [unclosed\n"))


def test_create_app_validates_an_explicit_config():
    from ispyb_core.app import create_app

    with pytest.raises(ConfigError, match=r"database\.colour"):
        create_app({"database": {"url": "sqlite://", "colour": "blue"}})
    minimal = {"database": {"url": "sqlite://"}, "auth": {"jwks_url": "http://auth/jwks"}}
    assert validate_config(minimal, CoreConfig)["api"]["max_limit"] == 1000
    with pytest.raises(ConfigError, match="auth"):
        validate_config({"database": {"url": "sqlite://"}}, CoreConfig)


def test_service_refuses_to_start_with_a_bad_key(tmp_path):
    env = write(tmp_path, "database:\n  url: sqlite:///x\n  pool_sise: 3\n")
    result = subprocess.run(
        [sys.executable, "-m", "ispyb_core", "migrate"],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "database.pool_sise" in result.stderr


def test_check_config_hides_secrets(tmp_path):
    env = write(tmp_path, "database:\n  url: mysql+pymysql://ispyb:s3cr3t-pw@db/ispyb\n")
    result = subprocess.run(
        [sys.executable, "-m", "ispyb_core", "check-config"],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "s3cr3t-pw" not in result.stdout
    assert "mysql+pymysql://ispyb:***@db/ispyb" in result.stdout
