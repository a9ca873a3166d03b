from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import list_params, load_body, register_models
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from ..apidoc import admin_only, document
from ..config import known_scopes
from ..runtime import get_runtime
from . import service
from .schemas import ClientCreate, ClientRead, ClientUpdate, ClientWithSecret

ns = Namespace(
    "clients",
    path="/clients",
    description="Machine clients: pipelines, beamline control (admin only)",
    decorators=[admin_only],
)
models = register_models(
    ns,
    {
        "ClientRead": ClientRead,
        "ClientWithSecret": ClientWithSecret,
        "ClientCreate": ClientCreate,
        "ClientUpdate": ClientUpdate,
    },
    list_of={"ClientList": "ClientRead"},
)
client_read = ClientRead()
client_read_many = ClientRead(many=True)
client_with_secret = ClientWithSecret()


@ns.route("")
class Clients(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of clients", models["ClientList"])
    @document(ns, models, 400, 401, 403)
    def get(self):
        """List machine clients."""
        page = service.list_clients(db_session=db_session(), params=list_params(service.LIST_SPEC))
        return page.envelope(client_read_many.dump)

    @ns.expect(models["ClientCreate"])
    @ns.response(201, "Created; the secret is in this answer only", models["ClientWithSecret"])
    @document(ns, models, 400, 401, 403, 409, 415, 422)
    def post(self):
        """Create a machine client with its scopes; returns its secret once."""
        client, secret = service.create_client(
            db_session=db_session(),
            data=load_body(ClientCreate()),
            known_scopes=known_scopes(get_runtime().config),
        )
        return {**client_with_secret.dump(client), "clientSecret": secret}, 201


@ns.route("/<string:client_id>")
@ns.param("client_id", "The client's id")
class ClientItem(Resource):
    @ns.response(200, "The client", models["ClientRead"])
    @document(ns, models, 401, 403, 404)
    def get(self, client_id: str):
        """Get a machine client."""
        return client_read.dump(service.get_client(db_session=db_session(), client_id=client_id))

    @ns.expect(models["ClientUpdate"])
    @ns.response(200, "Updated", models["ClientRead"])
    @document(ns, models, 400, 401, 403, 404, 415, 422)
    def patch(self, client_id: str):
        """Change a client's scopes, description or active flag (inactive: no tokens)."""
        session = db_session()
        client = service.get_client(db_session=session, client_id=client_id)
        client = service.update_client(
            db_session=session,
            client=client,
            data=load_body(ClientUpdate(), partial=True),
            known_scopes=known_scopes(get_runtime().config),
        )
        return client_read.dump(client)

    @ns.response(204, "Deleted")
    @document(ns, models, 401, 403, 404)
    def delete(self, client_id: str):
        """Delete a machine client (its access tokens expire on their own)."""
        session = db_session()
        service.delete_client(
            db_session=session, client=service.get_client(db_session=session, client_id=client_id)
        )
        return "", 204


@ns.route("/<string:client_id>/secret")
@ns.param("client_id", "The client's id")
class ClientSecret(Resource):
    @ns.response(200, "The new secret, shown this once", models["ClientWithSecret"])
    @document(ns, models, 401, 403, 404)
    def post(self, client_id: str):
        """Replace the client's secret; the old one stops working at once."""
        session = db_session()
        client = service.get_client(db_session=session, client_id=client_id)
        secret = service.new_client_secret(db_session=session, client=client)
        return {**client_with_secret.dump(client), "clientSecret": secret}
