"""Demo accounts and a demo machine client, for development instances only.

Seeded by ``make run`` (``ispyb-auth seed-demo``): local accounts for core's demo people
(password ``demo-<login>``), an ``admin`` account, and the ``demo-pipeline`` client with a
fixed secret. The passwords are published in docs/auth.md, so seeding is refused unless
the config says ``development: true``. Existing accounts and clients are left alone:
re-running adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from ispyb_shared.db import Database

from .accounts.service import create_account, find_account
from .clients.models import Client
from .clients.service import create_client
from .config import known_scopes
from .runtime import password_policy

# login -> (display name, roles, beamlines); core's demo people plus an admin.
ACCOUNTS: dict[str, tuple[str, list[str], list[str]]] = {
    "admin": ("Demo Administrator", ["admin"], []),
    "alice": ("Alice Anderson", [], []),
    "bob": ("Bob Brown", [], []),
    "carol": ("Carol Chen", [], []),
    "dave": ("Dave Dubois", [], []),
    "erin": ("Erin Evans", [], []),
    "frank": ("Frank Fischer", ["staff"], []),
    "grace": ("Grace Garcia", [], []),
    "heidi": ("Heidi Hansen", ["staff"], ["i03"]),
}

DEMO_CLIENT_ID = "demo-pipeline"
DEMO_CLIENT_SECRET = "demo-pipeline-secret"
DEMO_CLIENT_SCOPES = [
    "core:read",
    "core:acquisition:write",
    "core:processing:write",
    "em:write",
    "ssx:write",
]


def demo_password(login: str) -> str:
    return f"demo-{login}"


def seed_demo(database: Database, *, config: Mapping[str, Any]) -> str:
    if not config["development"]:
        return "demo accounts are only seeded on a development instance (development: true)"
    hasher, _ = password_policy(config)
    added = 0
    with database.sessionmaker() as session, session.begin():
        for login, (name, roles, beamlines) in ACCOUNTS.items():
            if find_account(db_session=session, login=login) is not None:
                continue
            create_account(
                db_session=session,
                hasher=hasher,
                min_password_length=1,
                data={
                    "login": login,
                    "displayName": name,
                    "password": demo_password(login),
                    "roles": roles,
                    "beamlines": beamlines,
                },
            )
            added += 1
        if session.execute(select(Client).filter_by(clientId=DEMO_CLIENT_ID)).first() is None:
            create_client(
                db_session=session,
                data={
                    "clientId": DEMO_CLIENT_ID,
                    "description": "Demo processing pipeline (development only)",
                    "scopes": DEMO_CLIENT_SCOPES,
                },
                known_scopes=known_scopes(config),
                secret=DEMO_CLIENT_SECRET,
            )
            added += 1
    if added:
        return f"demo accounts seeded ({added} rows added)"
    return "demo accounts already present (nothing added)"
