from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import Expand, operation

from .. import models  # noqa: F401  (every model mapped before the schemas below are built)
from ..samples.api import EXPAND as SAMPLE_EXPAND
from ..shipments.schemas import ContainerContentsRead
from . import service
from .schemas import ContainerCreate, ContainerUpdate

ns = Namespace(
    "containers", path="/containers", description="Containers (pucks, cassettes, plates)"
)


# A container answers its own fields; its samples (with the blocks of /samples) come on
# request, the names of a shipment's dewars.containers.samples... without the prefix
# (docs/api-conventions.md, "Embedding on request").
EXPAND = Expand(
    blocks={"samples": "the container's samples, by id", **SAMPLE_EXPAND.under("samples").blocks}
)


def _container(ref: str, expand: frozenset[str] = frozenset()):
    return service.get_container(
        db_session=db_session(), ref=ref, caller=current_caller(), expand=expand
    )


@ns.route("")
class Containers(Resource):
    @operation(ns, response=ContainerContentsRead, list_spec=service.LIST_SPEC, expand=EXPAND)
    def get(self, *, params, expand):
        """List containers (filter by proposal, shipment, dewar, barcode, status).

        Their samples come with expand=samples."""
        return service.list_containers(
            db_session=db_session(), params=params, caller=current_caller(), expand=expand
        )

    @operation(
        ns,
        body=ContainerCreate,
        response=ContainerContentsRead,
        status=201,
        errors=(409,),
        expand=EXPAND,
    )
    def post(self, *, body, expand):
        """Create a container in a dewar (or for a session)."""
        container = service.create_container(
            db_session=db_session(), data=body, caller=current_caller()
        )
        return _container(str(container.containerId), expand) if expand else container


@ns.route("/<string:ref>")
@ns.param("ref", "Container id, UUID or barcode")
class ContainerItem(Resource):
    @operation(ns, response=ContainerContentsRead, errors=(404,), expand=EXPAND)
    def get(self, ref: str, expand):
        """Get a container by id, UUID or barcode (its samples: expand=samples)."""
        return _container(ref, expand)

    @operation(
        ns,
        body=ContainerUpdate,
        partial=True,
        response=ContainerContentsRead,
        errors=(404, 409),
        expand=EXPAND,
    )
    def patch(self, ref: str, *, body, expand):
        """Change some fields of a container (locations at the facility are staff's)."""
        container = service.update_container(
            db_session=db_session(), container=_container(ref), data=body, caller=current_caller()
        )
        return _container(str(container.containerId), expand) if expand else container
