"""``ispyb-auth check-config | migrate | seed-demo | rotate-keys | public-keys | create-admin``.

* ``rotate-keys``: a new signing key signs from now on (see docs/auth.md, key rotation);
* ``public-keys``: print the published public keys as PEM, for services configured with
  ``auth.public_key_file`` instead of the JWKS URL;
* ``create-admin LOGIN``: create a local admin account (or make LOGIN an active admin and
  reset its password); the password is read from standard input, never from arguments.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from cryptography.hazmat.primitives import serialization

from ispyb_shared.cli import redacted, service_cli
from ispyb_shared.config import ConfigError
from ispyb_shared.db import Database

from .config import load_auth_config

EXTRA_COMMANDS = ("rotate-keys", "public-keys", "create-admin")


def check_config() -> int:
    """Like every service's check-config, but auth's config holds more secrets (LDAP bind
    password, key encryption secret): none is printed."""
    try:
        config = load_auth_config()
    except ConfigError as exc:
        print(f"ispyb-auth: {exc}", file=sys.stderr)
        return 2
    print(redacted(config))
    return 0


def _keystore(config, database):
    from .keys.service import KeyStore

    return KeyStore(
        database,
        access_token_seconds=config["access_token_seconds"],
        leeway_seconds=config["leeway_seconds"],
        key_size=config["signing_keys"]["key_size"],
        rotate_after_days=config["signing_keys"]["rotate_after_days"],
        encryption_secret=config["signing_keys"]["encryption_secret"],
    )


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Again: "):
            raise SystemExit("ispyb-auth: the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def _extra(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ispyb-auth")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("rotate-keys", help="make a new signing key the active one")
    commands.add_parser("public-keys", help="print the published public keys (PEM)")
    admin = commands.add_parser("create-admin", help="create or repair a local admin account")
    admin.add_argument("login")
    args = parser.parse_args(argv)
    try:
        config = load_auth_config()
    except ConfigError as exc:
        print(f"ispyb-auth: {exc}", file=sys.stderr)
        return 2
    database = Database(config["database"])
    try:
        keystore = _keystore(config, database)
        if args.command == "rotate-keys":
            key = keystore.rotate()
            print(f"ispyb-auth: key {key.kid} (generation {key.generation}) now signs tokens")
        elif args.command == "public-keys":
            keystore.signing_key()
            for state in keystore.published():
                pem = keystore._public_key(state.key.kid, state.key.publicJwk).public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                sys.stdout.write(pem.decode())
        else:
            from .accounts.service import ensure_admin
            from .runtime import password_policy

            hasher, min_length = password_policy(config)
            password = _read_password()
            with database.sessionmaker() as session, session.begin():
                _, created = ensure_admin(
                    db_session=session,
                    hasher=hasher,
                    min_password_length=min_length,
                    login=args.login,
                    password=password,
                )
            print(f"ispyb-auth: admin {args.login} {'created' if created else 'updated'}")
    finally:
        database.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in EXTRA_COMMANDS:
        return _extra(argv)
    if argv == ["check-config"]:
        return check_config()

    def seed(database: Database) -> str:
        from .demo import seed_demo

        return seed_demo(database, config=load_auth_config())

    return service_cli(
        service="auth",
        package="ispyb_auth",
        load_config=load_auth_config,
        seed_demo=seed,
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
