"""``ispyb-core sync-user-office [--file F | --url U] [--every SECONDS]``.

Without --file/--url the adapter of the ``user_office`` configuration section is used.
``--every`` repeats the sync forever (run it as a service or use cron without it); there is
no scheduler inside the web workers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ispyb_shared.cli import Command
from ispyb_shared.db import Database

from .adapters import FileAdapter, HttpAdapter, UserOfficeAdapter, make_adapter
from .engine import DocumentInvalid, sync_document


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--file", help="read the document from this JSON file")
    source.add_argument("--url", help="GET the document from this URL")
    parser.add_argument(
        "--every", type=int, metavar="SECONDS", help="repeat every SECONDS (until stopped)"
    )


def _adapter(args: argparse.Namespace) -> UserOfficeAdapter:
    from ..config import load_core_config

    config = dict(load_core_config()["user_office"])
    if args.file:
        return FileAdapter({**config, "path": args.file})
    if args.url:
        return HttpAdapter({**config, "url": args.url})
    return make_adapter(config)


def sync_once(adapter: UserOfficeAdapter, database: Database, out=None) -> int:
    """One sync with progress lines; 0 applied, 1 refused or failed."""

    def progress(message: str) -> None:
        print(f"sync-user-office: {message}", file=out or sys.stdout, flush=True)

    progress(f"fetching from {adapter.source}")
    try:
        document = adapter.fetch()
    except (OSError, ValueError) as exc:
        progress(f"cannot read the document: {exc}")
        return 1
    try:
        run = sync_document(database.engine, document, source=adapter.source, progress=progress)
    except DocumentInvalid as exc:
        progress(f"document refused, nothing changed ({len(exc.errors)} errors):")
        for error in exc.errors[:50]:
            progress(f"  {error['path']}: {error['message']}")
        return 1
    for conflict in run["conflicts"]:
        progress(f"conflict: {json.dumps(conflict)}")
    total = run["counts"]["total"]
    progress(
        "done: {created} created, {updated} updated, {unchanged} unchanged, "
        "{deactivated} deactivated, {conflicts} conflicts".format(**total)
    )
    return 0


def _run(args: argparse.Namespace, database: Database) -> int:
    adapter = _adapter(args)
    if not args.every:
        return sync_once(adapter, database)
    while True:  # pragma: no cover - a service loop
        started = time.monotonic()
        sync_once(adapter, database)
        time.sleep(max(1.0, args.every - (time.monotonic() - started)))


SYNC_USER_OFFICE = Command(
    help="synchronise proposals, people and sessions from the user office",
    add_arguments=_add_arguments,
    run=_run,
)
