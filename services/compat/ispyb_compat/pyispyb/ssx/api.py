"""mxcubecore's SSX client (``PyISPyBClient``, the generated ``pyispyb_client``), whose
paths are fixed at ``/ispyb/api/v1/...`` under its ``host``: with ``host`` set to the
dialect's root (``<gateway>/ispyb/api/v1/compat/pyispyb``) its calls land here. Thin:
service.py translates onto core and ssx."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import public
from ispyb_shared.operations import operation

from ...upstreams import credentials, upstreams
from .. import service as dialect
from ..schemas import PyIspybLogin
from . import schemas, service

ns = Namespace(
    "mxcube-ssx",
    path="/pyispyb/ispyb/api/v1",
    description="py-ispyb dialect (mxcubecore's SSX client, host = the dialect's root): "
    "its login and /webservices/ssx/*, onto ssx's POST /runs",
)
NAMESPACES = [ns]


@ns.route("/auth/login")
class SSXClientLogin(Resource):
    @public
    @ns.doc(security=[])
    @operation(
        ns,
        body=PyIspybLogin,
        status=201,
        idempotent=False,
        description="Logged in: {login, token, permissions, refreshToken, expiresIn}",
        errors=(401, 429, 503),
    )
    def post(self, *, body):
        """The dialect's login (``{plugin, login, password}``) where the SSX client looks
        for it."""
        return dialect.login(body=body)


@ns.route("/webservices/ssx/datacollectiongroup")
class SSXGroups(Resource):
    @operation(
        ns,
        body=schemas.SSXGroupDoc,
        as_sent=True,
        idempotent=False,
        errors=(403, 409, 503),
        description="The group's id (an integer)",
    )
    def post(self, *, body):
        """Step 1 of an SSX run: core's DataCollectionGroup (SSX-Chip/-Jet) of the
        session; answers its id, as py-ispyb does."""
        return service.create_group(clients=upstreams(), credentials=credentials(), body=body)


@ns.route("/webservices/ssx/datacollection")
class SSXCollections(Resource):
    @operation(
        ns,
        body=schemas.SSXDataCollectionDoc,
        as_sent=True,
        idempotent=False,
        errors=(403, 409, 503),
        description="Core's dataCollectionId of the run (an integer)",
    )
    def post(self, *, body):
        """Step 2: the run registered through ssx (POST /runs) with the group's session
        and experiment; answers core's dataCollectionId."""
        return service.create_data_collection(
            clients=upstreams(), credentials=credentials(), body=body
        )
