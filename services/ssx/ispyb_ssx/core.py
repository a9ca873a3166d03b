"""What ssx asks of core, on top of the shared client (ispyb_shared.core_client): always
with the caller's own token and request id, except the undo of a registration left
behind, which the retry loop sends with ssx's own client credentials (runs/recovery.py).

Core alone decides who may see a session, a proposal, a sample, a crystal or a data
collection; ssx never copies core's rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from flask import current_app

from ispyb_shared.core_client import CoreClient, Credentials

READ_REFUSED = "Core refuses this look-up to the caller (core:read needed)."
WRITE_REFUSED = (
    "Core refuses the acquisition write to this caller "
    "(core:acquisition:write or staff of the beamline needed)."
)


class SSXCoreClient(CoreClient):
    """core_client.CoreClient with ssx's look-ups and its one write."""

    def session(self, ref: str, credentials: Credentials) -> dict | None:
        """The session (UUID or visit name) if the caller may see it."""
        return self.get_one("sessions", ref, credentials, forbidden=READ_REFUSED)

    def proposal(self, ref: str, credentials: Credentials) -> dict | None:
        """The proposal (UUID, id or name) if the caller may see it."""
        return self.get_one("proposals", ref, credentials, forbidden=READ_REFUSED)

    def sample(self, uuid: str, credentials: Credentials) -> dict | None:
        """With its crystal and protein (expand=): the proposal is the protein's."""
        return self.get_one(
            "samples",
            uuid,
            credentials,
            forbidden=READ_REFUSED,
            params={"expand": "crystal.protein"},
        )

    def crystal(self, uuid: str, credentials: Credentials) -> dict | None:
        return self.get_one("crystals", uuid, credentials, forbidden=READ_REFUSED)

    def samples_of_proposal(self, proposal_id: int, credentials: Credentials) -> list[dict]:
        """Every sample of a proposal the caller may see (one call; core has no uuid.in
        filter on samples)."""
        return self.get_list(
            "samples",
            {"proposalId": int(proposal_id), "limit": 1000},
            credentials,
            forbidden="Core refuses to list samples to the caller (core:read needed).",
        )

    def data_collections(self, uuids: Iterable[str], credentials: Credentials) -> dict[str, dict]:
        """Those of ``uuids`` the caller may see, by UUID (cached briefly per token)."""
        return self.find_by_uuids(
            "data-collections",
            uuids,
            credentials,
            forbidden="Core refuses to show data collections to this caller: a machine "
            "client needs core:read besides its ssx scopes.",
        )

    def register(self, key: str, body: dict[str, Any], credentials: Credentials) -> dict:
        """Core's group and data collection of a run, in one idempotent call by key."""
        answer = self.write(
            "PUT",
            f"/data-collection-registrations/{quote(key, safe='')}",
            credentials,
            body=body,
            what="the data collection",
            forbidden=WRITE_REFUSED,
        )
        return answer.body

    def cancel(self, key: str, credentials: Credentials) -> dict:
        """Undo what was (or may have been, or will be) registered under ``key``."""
        answer = self.write(
            "DELETE",
            f"/data-collection-registrations/{quote(key, safe='')}",
            credentials,
            what="the undo",
            forbidden=WRITE_REFUSED,
        )
        return answer.body


def core() -> SSXCoreClient:
    """The app's client."""
    return current_app.extensions["ssx_core_client"]
