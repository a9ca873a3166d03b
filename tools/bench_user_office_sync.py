"""User-office sync speed on MariaDB: a generated feed of 10,000 proposals, 50,000 people
and 100,000 sessions (each proposal with 5 members, each session with 2 participants)
synchronised into an empty core database, then the same feed again (no change: nothing is
written). Prints both times, the row counts and the machine.

What runs: a throwaway MariaDB (tests/support/mariadb.py) migrated with core's schema;
the sync engine in this process (what ``ispyb-core sync-user-office`` and the push
endpoint call).

    .venv/bin/python tools/bench_user_office_sync.py [--proposals 10000] [--persons 50000]
        [--sessions 100000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.mariadb import ThrowawayMariaDB  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--persons", type=int, default=50_000)
    parser.add_argument("--sessions", type=int, default=100_000)
    return parser.parse_args()


def eid(kind: str, number: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench:{kind}:{number}"))


def generate(proposals: int, persons: int, sessions: int) -> dict:
    start = datetime.datetime(2027, 1, 1, 8)
    return {
        "version": 1,
        "persons": [
            {
                "externalId": eid("person", i),
                "login": f"user{i}",
                "givenName": f"Given{i}",
                "familyName": f"Family{i}",
                "emailAddress": f"user{i}@example.org",
                "laboratory": {"name": f"Lab {i % 500}"},
            }
            for i in range(persons)
        ],
        "proposals": [
            {
                "externalId": eid("proposal", p),
                "proposalCode": "mx",
                "proposalNumber": str(10000 + p),
                "title": f"Proposal {p}",
                "state": "Open",
                "members": [
                    {
                        "person": eid("person", (p * 5 + k) % persons),
                        "role": "Principal Investigator" if k == 0 else "Co-Investigator",
                    }
                    for k in range(5)
                ],
            }
            for p in range(proposals)
        ],
        "sessions": [
            {
                "externalId": eid("session", s),
                "proposal": eid("proposal", s % proposals),
                "beamLineName": f"i0{s % 4 + 3}",
                "startDate": (start + datetime.timedelta(hours=s)).isoformat(),
                "endDate": (start + datetime.timedelta(hours=s + 8)).isoformat(),
                "participants": [
                    {"person": eid("person", ((s % proposals) * 5 + k) % persons), "role": role}
                    for k, role in ((0, "Team Leader"), (1, "Team Member"))
                ],
            }
            for s in range(sessions)
        ],
        "labContacts": [],
    }


def main() -> int:
    args = parse_args()
    from ispyb_core.user_office.engine import sync_document
    from ispyb_shared.db import Database
    from ispyb_shared.migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="bench-uo-") as tmp:
        server = ThrowawayMariaDB(Path(tmp))
        server.start()
        try:
            url = server.create_database("bench_uo")
            upgrade(package="ispyb_core", database_url=url, version_table="core_alembic_version")
            database = Database({"url": url})
            t0 = time.perf_counter()
            feed = generate(args.proposals, args.persons, args.sessions)
            generated = time.perf_counter() - t0

            def progress(message: str) -> None:
                print(f"  {time.perf_counter() - t0:7.1f}s {message}", flush=True)

            print(
                f"feed: {args.proposals} proposals, {args.persons} persons, {args.sessions} "
                f"sessions (generated in {generated:.1f}s)"
            )
            t0 = time.perf_counter()
            first = sync_document(database.engine, feed, source="bench", progress=progress)
            first_time = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = sync_document(database.engine, feed, source="bench", progress=progress)
            again_time = time.perf_counter() - t0
            database.dispose()
        finally:
            server.stop()
    print(f"first sync:          {first_time:7.1f} s  {first['counts']['total']}")
    print(f"no-change re-sync:   {again_time:7.1f} s  {again['counts']['total']}")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
