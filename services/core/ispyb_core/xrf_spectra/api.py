from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from . import service
from .schemas import XrfSpectrumCreate, XrfSpectrumRead, XrfSpectrumUpdate

ns = Namespace(
    "xrf-spectra", path="/xrf-spectra", description="X-ray fluorescence spectra of samples"
)


def _one(ref: str):
    return service.get_one(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("")
class XrfSpectrumList(Resource):
    @operation(ns, response=XrfSpectrumRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List fluorescence spectra (by session, proposal, sample, time)."""
        return service.list_xrf_spectra(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(ns, body=XrfSpectrumCreate, response=XrfSpectrumRead, status=201, errors=(403,))
    def post(self, *, body):
        """Record a fluorescence spectrum (beamline control): session by visit, id or UUID."""
        return service.create_one(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/<string:ref>")
@ns.param("ref", "Id or UUID")
class XrfSpectrumItem(Resource):
    @operation(ns, response=XrfSpectrumRead, errors=(404,))
    def get(self, ref: str):
        """Get a fluorescence spectrum by id or UUID."""
        return _one(ref)

    @operation(
        ns, body=XrfSpectrumUpdate, partial=True, response=XrfSpectrumRead, errors=(403, 404, 409)
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a fluorescence spectrum."""
        return service.update_one(
            db_session=db_session(), row=_one(ref), data=body, caller=current_caller()
        )
