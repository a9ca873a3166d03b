"""Machine clients: created by admins with a fixed set of scopes; their secret is shown once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import CLIENT
from ispyb_shared.crud import one_or_404
from ispyb_shared.db import check_unique
from ispyb_shared.errors import ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from .. import timeutil
from ..names import join_names
from ..passwords import hash_secret, new_secret
from ..revocations.service import revoke_access
from .models import Client

LIST_SPEC = ListSpec(
    filters={
        "clientId": Filter(Client.clientId, ("eq", "in", "contains"), "Client id"),
        "active": Filter(Client.active, ("eq",), "Active"),
        "scopes": Filter(Client.scopes, ("contains",), "Scope names"),
    },
    sortable={"clientId": Client.clientId, "createdAt": Client.createdAt},
    default_sort=("clientId",),
    tiebreak=(Client.authClientId,),
)


def _check_scopes(scopes: Iterable[str], known: Mapping[str, str]) -> None:
    unknown = sorted(set(scopes) - set(known))
    if unknown:
        raise ValidationFailed(
            "Unknown scopes.",
            {"scopes": [f"Unknown: {' '.join(unknown)}; known: {' '.join(sorted(known))}."]},
        )


def list_clients(*, db_session: Session, params: ListParams) -> Page:
    return paginate(db_session, select(Client), params, LIST_SPEC)


def get_client(*, db_session: Session, client_id: str) -> Client:
    return one_or_404(
        db_session, select(Client).where(Client.clientId == client_id), "Client", client_id
    )


def create_client(
    *,
    db_session: Session,
    data: dict[str, Any],
    known_scopes: Mapping[str, str],
    secret: str | None = None,
) -> tuple[Client, str]:
    """The new client and its secret (in clear, for this answer only)."""
    _check_scopes(data["scopes"], known_scopes)
    check_unique(db_session, Client, {"clientId": data["clientId"]})
    secret = secret or new_secret()
    now = timeutil.utcnow()
    client = Client(
        clientId=data["clientId"],
        description=data.get("description"),
        secretHash=hash_secret(secret),
        scopes=join_names(data["scopes"]),
        active=data.get("active", True),
        createdAt=now,
        updatedAt=now,
        secretChangedAt=now,
    )
    db_session.add(client)
    db_session.flush()
    return client, secret


def update_client(
    *, db_session: Session, client: Client, data: dict[str, Any], known_scopes: Mapping[str, str]
) -> Client:
    if data.get("scopes") is not None:
        _check_scopes(data["scopes"], known_scopes)
        client.scopes = join_names(data["scopes"])
    if "description" in data:
        client.description = data["description"]
    if data.get("active") is not None:
        if client.active and not data["active"]:
            revoke_access(
                db_session=db_session, kind=CLIENT, subjects=[client.clientId], reason="disabled"
            )
        client.active = data["active"]
    client.updatedAt = timeutil.utcnow()
    db_session.flush()
    return client


def new_client_secret(*, db_session: Session, client: Client) -> str:
    """Replace the secret (the old one stops working at once, and the tokens it got)."""
    revoke_access(
        db_session=db_session, kind=CLIENT, subjects=[client.clientId], reason="new-secret"
    )
    secret = new_secret()
    client.secretHash = hash_secret(secret)
    client.secretChangedAt = client.updatedAt = timeutil.utcnow()
    db_session.flush()
    return secret


def delete_client(*, db_session: Session, client: Client) -> None:
    revoke_access(db_session=db_session, kind=CLIENT, subjects=[client.clientId], reason="deleted")
    db_session.delete(client)
    db_session.flush()
