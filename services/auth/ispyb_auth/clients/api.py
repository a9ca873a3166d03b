from __future__ import annotations

from typing import Any

from flask_restx import Namespace, Resource

from ispyb_shared.db import db_session

from ..apidoc import admin_only, operation
from ..config import known_scopes
from ..runtime import get_runtime
from . import service
from .models import Client
from .schemas import ClientCreate, ClientRead, ClientUpdate, ClientWithSecret

ns = Namespace(
    "clients",
    path="/clients",
    description="Machine clients: pipelines, beamline control (admin only)",
    decorators=[admin_only],
)


class _Shown:
    """A client with its secret in clear, answered together this once (never stored)."""

    def __init__(self, client: Client, secret: str):
        self._client = client
        self.clientSecret = secret

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _client(client_id: str) -> Client:
    return service.get_client(db_session=db_session(), client_id=client_id)


@ns.route("")
class Clients(Resource):
    @operation(
        ns,
        response=ClientRead,
        list_spec=service.LIST_SPEC,
        description="A page of clients",
        errors=(401, 403),
    )
    def get(self, *, params):
        """List machine clients."""
        return service.list_clients(db_session=db_session(), params=params)

    @operation(
        ns,
        body=ClientCreate,
        response=ClientWithSecret,
        status=201,
        description="Created; the secret is in this answer only",
        errors=(401, 403, 409),
        # A replay would need the answer stored, and the answer holds the secret: a retry
        # gets 409 (the client id exists) and the admin resets the secret instead.
        idempotent=False,
    )
    def post(self, *, body):
        """Create a machine client with its scopes; returns its secret once."""
        client, secret = service.create_client(
            db_session=db_session(), data=body, known_scopes=known_scopes(get_runtime().config)
        )
        return _Shown(client, secret)


@ns.route("/<string:client_id>")
@ns.param("client_id", "The client's id")
class ClientItem(Resource):
    @operation(ns, response=ClientRead, description="The client", errors=(401, 403, 404))
    def get(self, client_id: str):
        """Get a machine client."""
        return _client(client_id)

    @operation(
        ns,
        body=ClientUpdate,
        partial=True,
        response=ClientRead,
        description="Updated",
        errors=(401, 403, 404),
    )
    def patch(self, client_id: str, *, body):
        """Change a client's scopes, description or active flag (inactive: no tokens)."""
        return service.update_client(
            db_session=db_session(),
            client=_client(client_id),
            data=body,
            known_scopes=known_scopes(get_runtime().config),
        )

    @operation(ns, status=204, description="Deleted", errors=(401, 403, 404))
    def delete(self, client_id: str):
        """Delete a machine client (its access tokens expire on their own)."""
        service.delete_client(db_session=db_session(), client=_client(client_id))


@ns.route("/<string:client_id>/secret")
@ns.param("client_id", "The client's id")
class ClientSecret(Resource):
    @operation(
        ns,
        response=ClientWithSecret,
        description="The new secret, shown this once",
        errors=(401, 403, 404),
    )
    def post(self, client_id: str):
        """Replace the client's secret; the old one stops working at once."""
        client = _client(client_id)
        return _Shown(client, service.new_client_secret(db_session=db_session(), client=client))
