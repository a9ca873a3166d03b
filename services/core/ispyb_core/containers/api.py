from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import ContainerCreate, ContainerRead, ContainerUpdate

ns = Namespace(
    "containers", path="/containers", description="Containers (pucks, cassettes, plates)"
)


def _container(ref: str):
    return service.get_container(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class Containers(Resource):
    @operation(ns, response=ContainerRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List containers (filter by proposal, shipment, dewar, barcode, status)."""
        return service.list_containers(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=ContainerCreate, response=ContainerRead, status=201, errors=(409,))
    def post(self, *, body):
        """Create a container in a dewar (or for a session)."""
        return service.create_container(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Container id, UUID or barcode")
class ContainerItem(Resource):
    @operation(ns, response=ContainerRead, errors=(404,))
    def get(self, ref: str):
        """Get a container by id, UUID or barcode."""
        return _container(ref)

    @operation(ns, body=ContainerUpdate, partial=True, response=ContainerRead, errors=(404, 409))
    def patch(self, ref: str, *, body):
        """Change some fields of a container (locations at the facility are staff's)."""
        return service.update_container(
            db_session=db_session(), container=_container(ref), data=body, caller=current_caller()
        )
