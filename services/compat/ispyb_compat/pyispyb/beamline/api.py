"""py-ispyb's beamline write routes, as mxcubecore's PyISPyBDataAdapter calls them
(docs/compat.md, "MXCuBE"). Thin: service.py translates onto core. The reads mxcubecore
makes (GET sessions, sessions/{id}, samples) are the dialect's own (pyispyb/api.py); its
PATCH samples/{id} is the sample routes' (pyispyb/samples/api.py)."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.core_client import CoreClient
from ispyb_shared.errors import NotFound
from ispyb_shared.operations import operation

from ...upstreams import credentials, upstreams
from . import schemas, service

sessions_ns = Namespace(
    "pyispyb-beamline-sessions",
    path="/pyispyb/sessions",
    description="py-ispyb dialect (MXCuBE): today's session, creating one, its beamline setup",
)
setups_ns = Namespace(
    "pyispyb-beamline-setups",
    path="/pyispyb/beamline-setups",
    description="py-ispyb dialect (MXCuBE): beamline setups (not kept by this backend)",
)
detectors_ns = Namespace(
    "pyispyb-detectors",
    path="/pyispyb/detectors",
    description="py-ispyb dialect (MXCuBE): detectors (not kept by this backend)",
)
collections_ns = Namespace(
    "pyispyb-beamline-datacollections",
    path="/pyispyb/datacollections",
    description="py-ispyb dialect (MXCuBE): data collection groups and data collections",
)
images_ns = Namespace(
    "pyispyb-beamline-images",
    path="/pyispyb/images",
    description="py-ispyb dialect (MXCuBE): images of data collections",
)
events_ns = Namespace(
    "pyispyb-beamline-events",
    path="/pyispyb/events",
    description="py-ispyb dialect (MXCuBE): robot actions, energy scans, XRF spectra",
)
NAMESPACES = [
    sessions_ns,
    setups_ns,
    detectors_ns,
    collections_ns,
    images_ns,
    events_ns,
]


def core() -> CoreClient:
    """The compat service's core client (one per process)."""
    return upstreams().core


def _call(function, **kwargs):
    return function(core=core(), credentials=credentials(), **kwargs)


def _listed(rows: list) -> dict:
    """py-ispyb's list envelope (mxcubecore reads ``results``)."""
    return {"results": rows, "total": len(rows), "skip": 0, "limit": len(rows)}


@sessions_ns.route("")
class Sessions(Resource):
    @operation(
        sessions_ns,
        body=schemas.SessionCreateDoc,
        as_sent=True,
        status=201,
        idempotent=False,
        errors=(403, 409, 503),
        description="The session created (py-ispyb's shape)",
    )
    def post(self, *, body):
        """Create a session (MXCuBE: no session today): core's POST /sessions."""
        return _call(service.create_session, body=body)


@sessions_ns.route("/<int:session_id>/associate-beamline-setup")
@sessions_ns.param("session_id", "Session id")
class SessionSetup(Resource):
    @sessions_ns.doc(params={"beamLineSetupId": "The beamline setup's id"})
    @operation(sessions_ns, errors=(400, 403, 404, 422, 503), description="The session")
    def patch(self, session_id: int):
        """Set the session's beamLineSetupId (core's PATCH /sessions/{id})."""
        values = schemas.query({"beamLineSetupId": int}, required=("beamLineSetupId",))
        setup = service.identifier(values["beamLineSetupId"], "beamLineSetupId")
        return _call(service.associate_beamline_setup, session_id=session_id, setup_id=setup)


@setups_ns.route("/beamline-setup")
class BeamlineSetups(Resource):
    @operation(setups_ns, errors=(404,), description="Never: see 404")
    def post(self):
        """Not kept: core has no BeamLineSetup table. Always 404 (mxcubecore logs it and
        goes on collecting)."""
        raise NotFound(
            "This backend keeps no beamline setups (core has no BeamLineSetup table); "
            "nothing was stored."
        )


@detectors_ns.route("")
class Detectors(Resource):
    @operation(detectors_ns, errors=(400,), description="An empty list")
    def get(self):
        """Detectors by manufacturer, model, mode and type: always none (core has no
        Detector table), so mxcubecore stores its data collections without detectorId."""
        schemas.query({"manufacturer": str, "model": str, "mode": str, "type": str})
        return _listed([])


@collections_ns.route("/group")
class Groups(Resource):
    @operation(
        collections_ns,
        body=schemas.GroupDoc,
        as_sent=True,
        status=201,
        idempotent=False,
        errors=(403, 404, 409, 503),
        description="The group: dataCollectionGroupId, experimentType, blSampleId, sessionId",
    )
    def post(self, *, body):
        """Create a data collection group, or change one (dataCollectionGroupId or
        MXCuBE's group_id): core's /data-collection-groups."""
        return _call(service.store_group, body=body)


@collections_ns.route("/datacollection")
class Collections(Resource):
    @operation(
        collections_ns,
        body=schemas.DataCollectionDoc,
        as_sent=True,
        status=201,
        idempotent=False,
        errors=(403, 404, 409, 503),
        description="New: the data collection (dataCollectionId); with collection_id: "
        "[dataCollectionId, dataCollectionGroupId]",
    )
    def post(self, *, body):
        """Store a data collection from MXCuBE's collection dictionary (core's POST
        /data-collections), or update it when ``collection_id`` is given (PATCH)."""
        return _call(service.store_data_collection, body=body)


@collections_ns.route("/<int:collection_id>")
@collections_ns.param("collection_id", "Data collection id")
class CollectionItem(Resource):
    @operation(collections_ns, errors=(403, 404, 503), description="The data collection")
    def get(self, collection_id: int):
        """One data collection: core's GET /data-collections/{id}."""
        return _call(service.get_data_collection, collection_id=collection_id)


@images_ns.route("/image")
class Images(Resource):
    @operation(
        images_ns,
        body=schemas.ImageDoc,
        as_sent=True,
        status=201,
        idempotent=False,
        errors=(403, 409, 503),
        description="The image (imageId)",
    )
    def post(self, *, body):
        """Store an image of a data collection: core's POST /images."""
        return _call(service.store_image, body=body)


@events_ns.route("/robot-action")
class RobotActions(Resource):
    @operation(
        events_ns,
        body=schemas.RobotActionDoc,
        as_sent=True,
        status=201,
        idempotent=False,
        errors=(403, 409, 503),
        description="The robot action's id: {results: id, <idName>: id}",
    )
    def post(self, *, body):
        """Store a robot action: core's POST /robot-actions."""
        return _call(service.store_robot_action, body=body)


@events_ns.route("/energyscan")
class EnergyScans(Resource):
    @operation(
        events_ns,
        body=schemas.EnergyScanDoc,
        as_sent=True,
        status=201,
        idempotent=False,
        errors=(403, 409, 503),
        description="The energy scan's id: {results: id, <idName>: id}",
    )
    def post(self, *, body):
        """Store an energy scan: core's POST /energy-scans."""
        return _call(service.store_energy_scan, body=body)


@events_ns.route("/energyscan/associate-bl-sample")
class EnergyScanSample(Resource):
    @operation(
        events_ns,
        body=schemas.EnergyScanSampleDoc,
        as_sent=True,
        errors=(403, 409, 503),
        description="The energy scan's id: {results: id, <idName>: id}",
    )
    def patch(self, *, body):
        """Set the sample of an energy scan: core's PATCH /energy-scans/{id}."""
        return _call(service.associate_energy_scan, body=body)


@events_ns.route("/xfe-fluorescence-spectrum")
class XrfSpectra(Resource):
    @operation(
        events_ns,
        body=schemas.XrfSpectrumDoc,
        as_sent=True,
        status=201,
        idempotent=False,
        errors=(403, 409, 503),
        description="The spectrum's id: {results: id, <idName>: id}",
    )
    def post(self, *, body):
        """Store an X-ray fluorescence spectrum: core's POST /xrf-spectra."""
        return _call(service.store_xrf_spectrum, body=body)
