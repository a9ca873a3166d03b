"""em's configuration: the core and ingestion sections are validated like the rest."""

from __future__ import annotations

import pytest

from ispyb_em.__main__ import main
from ispyb_em.config import load_em_config
from ispyb_shared.config import ConfigError

AUTH = "auth:\n  public_key_file: /dev/null\n"


def write(tmp_path, text: str) -> dict:
    path = tmp_path / "em.yaml"
    path.write_text("database:\n  url: sqlite:///x.sqlite\n" + AUTH + text)
    return {"ISPYB_EM_CONFIG": str(path)}


def test_defaults(tmp_path):
    config = load_em_config(environ=write(tmp_path, ""))
    assert config["core"] == {
        "url": "http://127.0.0.1:8001",
        "timeout_seconds": 5.0,
        "cache_seconds": 30,
        "cache_entries": 20000,
    }
    assert config["ingestion"] == {"max_records": 2000}


def test_environment_overrides(tmp_path):
    environ = {
        **write(tmp_path, "core:\n  url: http://core:8001\n"),
        "ISPYB_EM__CORE__CACHE_SECONDS": "0",
        "ISPYB_EM__INGESTION__MAX_RECORDS": "500",
    }
    config = load_em_config(environ=environ)
    assert config["core"]["url"] == "http://core:8001"
    assert config["core"]["cache_seconds"] == 0
    assert config["ingestion"]["max_records"] == 500


@pytest.mark.parametrize(
    "text, key",
    [
        ("core:\n  ulr: http://core\n", "core.ulr"),
        ("core:\n  url: not a url\n", "core.url"),
        ("core:\n  timeout_seconds: 0\n", "core.timeout_seconds"),
        ("core:\n  cache_seconds: -1\n", "core.cache_seconds"),
        ("ingestion:\n  max_records: 0\n", "ingestion.max_records"),
        ("ingestion:\n  batch: 5\n", "ingestion.batch"),
        ("cor:\n  url: http://core\n", "cor"),
    ],
)
def test_bad_values_are_named(tmp_path, text, key):
    with pytest.raises(ConfigError) as error:
        load_em_config(environ=write(tmp_path, text))
    assert key in str(error.value)


def test_the_shipped_config_file_is_valid():
    config = load_em_config(environ={})
    assert config["core"]["url"].startswith("http")


def test_check_config_names_the_bad_key(tmp_path, monkeypatch, capsys):
    for name, value in write(tmp_path, "core:\n  cache: 1\n").items():
        monkeypatch.setenv(name, value)
    assert main(["check-config"]) == 2
    assert "core.cache" in capsys.readouterr().err
