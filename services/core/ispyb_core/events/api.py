"""Timelines: GET /sessions/{ref}/events and the same by proposal, sample and beamline."""

from __future__ import annotations

from flask import current_app, request
from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.errors import InvalidParameter
from ispyb_shared.files import signed_url
from ispyb_shared.operations import operation

from . import service
from .schemas import DataCollectionStatusList, EventRead

ns = Namespace(
    "events",
    path="/",
    description="Timelines: data collections, robot actions, energy scans, XRF spectra and "
    "screenings in one time-ordered stream",
)


def _answer(scope, params):
    page = service.list_events(
        db_session=db_session(), scope=scope, params=params, caller=current_caller()
    )
    files = current_app.config["ISPYB_CONFIG"].get("files") or {}
    if files.get("signing_secret") and files.get("roots"):
        for event in page.results:
            if event.thumbnailPath is not None:
                event.thumbnailUrl = signed_url(event.thumbnailPath)["url"]
    return page


@ns.route("/sessions/<string:ref>/events")
@ns.param("ref", "Session id, UUID or visit name (e.g. mx1234-5)")
class SessionEvents(Resource):
    @operation(ns, response=EventRead, list_spec=service.LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """A session's timeline, newest first: one page of its data collections (or groups,
        group=true), robot actions, energy scans, XRF spectra and screenings."""
        scope = service.session_scope(db_session=db_session(), ref=ref, caller=current_caller())
        return _answer(scope, params)


@ns.route("/proposals/<string:ref>/events")
@ns.param("ref", "Proposal id, UUID or name (e.g. mx1234)")
class ProposalEvents(Resource):
    @operation(ns, response=EventRead, list_spec=service.LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """The timeline of every session of a proposal."""
        scope = service.proposal_scope(db_session=db_session(), ref=ref, caller=current_caller())
        return _answer(scope, params)


@ns.route("/samples/<string:ref>/events")
@ns.param("ref", "Sample id or UUID")
class SampleEvents(Resource):
    @operation(ns, response=EventRead, list_spec=service.LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """What happened to a sample, in every session."""
        scope = service.sample_scope(db_session=db_session(), ref=ref, caller=current_caller())
        return _answer(scope, params)


@ns.route("/beamlines/<string:name>/events")
@ns.param("name", "Beamline name (BLSession.beamLineName), e.g. i03")
class BeamlineEvents(Resource):
    @operation(ns, response=EventRead, list_spec=service.LIST_SPEC, errors=(403,))
    def get(self, name: str, *, params):
        """The timeline of a beamline: the events of the sessions on it the caller sees."""
        return _answer(service.beamline_scope(name=name, caller=current_caller()), params)


@ns.route("/data-collections/status")
class DataCollectionStatus(Resource):
    @ns.doc(
        params={
            "ids": {
                "in": "query",
                "type": "string",
                "required": True,
                "description": f"Data collection ids or UUIDs, comma-separated (at most "
                f"{service.MAX_STATUS_IDS})",
            }
        }
    )
    @operation(ns, response=DataCollectionStatusList, errors=(400,))
    def get(self):
        """The run status and processing outcome counts (per program kind) of many data
        collections in one request: what a page polls."""
        unknown = sorted(set(request.args) - {"ids", "fields"})
        if unknown:
            raise InvalidParameter(
                "Invalid query parameters.", {name: ["Unknown parameter."] for name in unknown}
            )
        return service.processing_status(
            db_session=db_session(), ids=request.args.get("ids"), caller=current_caller()
        )
