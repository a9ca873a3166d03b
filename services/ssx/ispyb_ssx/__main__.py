"""``ispyb-ssx check-config | migrate | undo-pending``."""

from __future__ import annotations

import sys

from ispyb_shared.cli import Command, service_cli

from .config import load_ssx_config


def _undo_pending(_args, database) -> int:
    """Undo now, in core, the registrations left behind (what the retry loop does)."""
    from .app import create_app, retry_pending_undos

    config = load_ssx_config()
    config["core"]["undo"]["retry_seconds"] = 0  # this command is the one run
    app = create_app(config, database=database)
    if app.extensions["ssx_undo_credentials"] is None:
        print("ispyb-ssx: core.undo names no client; nothing can be undone", file=sys.stderr)
        return 2
    report = retry_pending_undos(app)
    print(
        f"ispyb-ssx: {len(report.undone)} undone, {len(report.failed)} failed, "
        f"{report.waiting} waiting"
    )
    return 1 if report.failed else 0


UNDO_PENDING = Command(
    help="undo in core the registrations left behind (as the retry loop does), once",
    add_arguments=lambda _parser: None,
    run=_undo_pending,
)


def main(argv: list[str] | None = None) -> int:
    return service_cli(
        service="ssx",
        package="ispyb_ssx",
        load_config=load_ssx_config,
        commands={"undo-pending": UNDO_PENDING},
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
