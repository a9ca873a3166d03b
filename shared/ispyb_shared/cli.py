"""The command line every service has: check-config, migrate, seed-demo."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import make_url

from .config import ConfigError
from .db import Database
from .migrations import upgrade


def service_cli(
    *,
    service: str,
    package: str,
    load_config: Callable[[], Mapping[str, Any]],
    seed_demo: Callable[[Database], str] | None = None,
    argv: list[str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=f"ispyb-{service}", description=f"ISPyB {service}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check-config", help="validate the configuration and print it")
    commands.add_parser("migrate", help="bring the database schema up to date")
    if seed_demo is not None:
        commands.add_parser("seed-demo", help="add the demo data once (re-runs add nothing)")
    args = parser.parse_args(argv)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"ispyb-{service}: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(redacted(config))
        return 0
    if args.command == "migrate":
        upgrade(
            package=package,
            database_url=config["database"]["url"],
            version_table=f"{service}_alembic_version",
        )
        print(f"ispyb-{service}: database schema is up to date")
        return 0
    if args.command == "seed-demo" and seed_demo is not None:
        database = Database(config["database"])
        try:
            print(f"ispyb-{service}: {seed_demo(database)}")
        finally:
            database.dispose()
        return 0
    return 1


SECRET_KEY_ENDINGS = ("password", "secret")


def redacted(config: Any) -> Any:
    """The configuration fit for printing: passwords, secrets and the database URL's
    password replaced."""
    if isinstance(config, Mapping):
        shown = {}
        for key, value in config.items():
            if str(key).endswith(SECRET_KEY_ENDINGS) and value is not None:
                shown[key] = "***"
            elif key == "url" and isinstance(value, str) and "://" in value:
                shown[key] = make_url(value).render_as_string(hide_password=True)
            else:
                shown[key] = redacted(value)
        return shown
    if isinstance(config, list):
        return [redacted(item) for item in config]
    return config
