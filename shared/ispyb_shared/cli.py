"""The command line every service has: check-config, migrate, seed-demo; plus the
commands a service adds (:class:`Command`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from .config import ConfigError
from .db import Database
from .migrations import upgrade


@dataclass(frozen=True)
class Command:
    """A service's own subcommand: ``add_arguments`` declares its arguments on its parser,
    ``run`` does the work with the service's database and returns the exit status."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Database], int]


def service_cli(
    *,
    service: str,
    package: str,
    load_config: Callable[[], Mapping[str, Any]],
    seed_demo: Callable[[Database], str] | None = None,
    commands: Mapping[str, Command] | None = None,
    argv: list[str] | None = None,
) -> int:
    extra = dict(commands or {})
    parser = argparse.ArgumentParser(prog=f"ispyb-{service}", description=f"ISPyB {service}")
    subcommands = parser.add_subparsers(dest="command", required=True)
    subcommands.add_parser("check-config", help="validate the configuration and print it")
    migrate = subcommands.add_parser("migrate", help="bring the database schema up to date")
    review = migrate.add_mutually_exclusive_group()
    review.add_argument(
        "--check",
        action="store_true",
        help="list what would be added, changing nothing (exit status 1 when anything would)",
    )
    review.add_argument(
        "--sql",
        action="store_true",
        help="print the DDL migrate would run (MariaDB/MySQL), for a DBA to review and apply",
    )
    if seed_demo is not None:
        subcommands.add_parser("seed-demo", help="add the demo data once (re-runs add nothing)")
    for name, command in extra.items():
        command.add_arguments(subcommands.add_parser(name, help=command.help))
    args = parser.parse_args(argv)
    try:
        config = load_config()
    except ConfigError as exc:
        print(f"ispyb-{service}: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(redacted(config))
        return 0
    if args.command == "migrate" and "database" not in config:
        print(f"ispyb-{service}: no database of its own: nothing to migrate")
        return 0
    if args.command == "migrate":
        return _migrate(service, package, config["database"]["url"], args)
    if args.command == "seed-demo" and seed_demo is not None:
        database = Database(config["database"])
        try:
            print(f"ispyb-{service}: {seed_demo(database)}")
        finally:
            database.dispose()
        return 0
    if args.command in extra:
        database = Database(config["database"])
        try:
            return extra[args.command].run(args, database)
        finally:
            database.dispose()
    return 1


def _migrate(service: str, package: str, url: str, args: argparse.Namespace) -> int:
    name = f"ispyb-{service}"
    mode = "check" if args.check else "sql" if args.sql else "apply"
    if mode == "sql" and make_url(url).get_backend_name() == "sqlite":
        print(f"{name}: --sql is for MariaDB/MySQL databases; run migrate", file=sys.stderr)
        return 2
    report = upgrade(
        package=package, database_url=url, version_table=f"{service}_alembic_version", mode=mode
    )
    shown = make_url(url).render_as_string(hide_password=True)
    if mode == "sql":
        sys.stdout.write(report.sql)
        return 0
    if mode == "apply":
        print(f"{name}: database schema is up to date ({len(report.additions)} additions)")
        return 0
    if not report.pending:
        print(f"{name}: {shown} is at revision {report.head}: nothing to add")
        return 0
    print(
        f"{name}: {shown} is at revision {report.start or '(none)'}, migrations go to "
        f"{report.head}; migrate would add (nothing was changed):"
    )
    for addition in report.additions:
        print(f"  {addition}")
    if not report.additions:
        print("  (revisions without recorded additions; `migrate --sql` shows their DDL)")
    print(f"{name}: {len(report.additions)} additions")
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
