from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ..access import authorize_reader, authorize_writer, request_scope
from ..resources import create_row, get_row, list_rows, update_row
from .schemas import ProgramCreate, ProgramRead, ProgramUpdate
from .service import PROGRAMS

ns = Namespace(
    "programs",
    path="/programs",
    description="Processing program runs (ISPyB AutoProcProgram): every result names the "
    "run that produced it",
)


@ns.route("")
class ProgramCollection(Resource):
    @operation(
        ns,
        response=ProgramRead,
        list_spec=PROGRAMS.list_spec,
        authorize=authorize_reader,
    )
    def get(self, *, params):
        """List program runs of data collections.

        dataCollectionUUID or dataCollectionUUID.in is required.
        """
        return list_rows(PROGRAMS, params=params, **request_scope())

    @operation(
        ns,
        body=ProgramCreate,
        response=ProgramRead,
        status=201,
        authorize=authorize_writer,
    )
    def post(self, *, body):
        """Create a program run (pipelines with em:write, staff)."""
        return create_row(PROGRAMS, data=body, **request_scope())


@ns.route("/<string:ref>")
@ns.param("ref", "Id or UUID")
class ProgramItem(Resource):
    @operation(ns, response=ProgramRead, errors=(404,), authorize=authorize_reader)
    def get(self, ref: str):
        """Get a program run by id or UUID."""
        return get_row(PROGRAMS, ref=ref, **request_scope())

    @operation(
        ns,
        body=ProgramUpdate,
        partial=True,
        response=ProgramRead,
        errors=(404,),
        authorize=authorize_writer,
    )
    def patch(self, ref: str, *, body):
        """Change some fields of a program run."""
        return update_row(PROGRAMS, ref=ref, data=body, **request_scope())
