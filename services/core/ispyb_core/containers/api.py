from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import document_errors, list_params, load_body, register_models
from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from . import service
from .schemas import ContainerCreate, ContainerRead, ContainerUpdate

ns = Namespace(
    "containers", path="/containers", description="Containers (pucks, cassettes, plates)"
)
models = register_models(
    ns,
    {
        "ContainerRead": ContainerRead,
        "ContainerCreate": ContainerCreate,
        "ContainerUpdate": ContainerUpdate,
    },
    list_of={"ContainerList": "ContainerRead"},
)
container_read = ContainerRead()
container_read_many = ContainerRead(many=True)


@ns.route("")
class Containers(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of containers", models["ContainerList"])
    @document_errors(ns, models, 400)
    def get(self):
        """List containers (filter by proposal, shipment, dewar, barcode, status)."""
        page = service.list_containers(
            db_session=db_session(), params=list_params(service.LIST_SPEC), caller=current_caller()
        )
        return page.envelope(container_read_many.dump)

    @ns.expect(models["ContainerCreate"])
    @ns.response(201, "Created", models["ContainerRead"])
    @document_errors(ns, models, 400, 409, 415, 422)
    def post(self):
        """Create a container in a dewar (or for a session)."""
        container = service.create_container(
            db_session=db_session(), data=load_body(ContainerCreate()), caller=current_caller()
        )
        return container_read.dump(container), 201


@ns.route("/<string:ref>")
@ns.param("ref", "Container id, UUID or barcode")
class ContainerItem(Resource):
    @ns.response(200, "The container", models["ContainerRead"])
    @document_errors(ns, models, 404)
    def get(self, ref: str):
        """Get a container by id, UUID or barcode."""
        return container_read.dump(
            service.get_container(db_session=db_session(), ref=ref, caller=current_caller())
        )

    @ns.expect(models["ContainerUpdate"])
    @ns.response(200, "Updated", models["ContainerRead"])
    @document_errors(ns, models, 400, 404, 409, 415, 422)
    def patch(self, ref: str):
        """Change some fields of a container (locations at the facility are staff's)."""
        session = db_session()
        caller = current_caller()
        container = service.get_container(db_session=session, ref=ref, caller=caller)
        data = load_body(ContainerUpdate(), partial=True)
        return container_read.dump(
            service.update_container(
                db_session=session, container=container, data=data, caller=caller
            )
        )
