"""What em asks core: which data collections the caller may see (ispyb_shared.core_client
does the calling, caching and error handling).

Core alone decides who may see a data collection (session membership, staff beamlines,
admin, machine clients with ``core:read``). em forwards the caller's own ``Authorization``
header, never a credential of its own, so em can never show or change more than core
would let that caller see. One request needs one call to core whatever the number of
data collections involved (``uuid.in``), split only when the UUIDs would not fit in one
request line; positive answers are reused briefly for the same token only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ispyb_shared.core_client import CoreClient, Credentials

DataCollection = dict[str, Any]


class EMCoreClient(CoreClient):
    """core_client.CoreClient with em's one look-up."""

    def data_collections(
        self, uuids: Iterable[str], credentials: Credentials
    ) -> dict[str, DataCollection]:
        """The data collections among ``uuids`` that the caller may see, by UUID.

        Raises CoreUnavailable (503: core unreachable, slow or answering nonsense),
        Forbidden (core refuses the caller, e.g. a client without ``core:read``) or
        Unauthorized (core refuses the token).
        """
        return self.find_by_uuids(
            "data-collections",
            uuids,
            credentials,
            forbidden="Core refuses to show data collections to this caller: a machine "
            "client needs the core:read scope besides its em scopes.",
        )
