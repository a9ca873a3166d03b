"""``/processing-messages`` and ``/processing-programs/{ref}/messages``: what processing
runs reported (AutoProcProgramMessage)."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import current_caller
from ispyb_shared.db import db_session
from ispyb_shared.operations import operation

from ..processing import service as processing
from . import service
from .schemas import ProcessingMessageCreate, ProcessingMessageRead

ns = Namespace("processing-messages", path="/", description="Messages processing runs reported")


@ns.route("/processing-messages")
class ProcessingMessages(Resource):
    @operation(ns, response=ProcessingMessageRead, list_spec=service.LIST_SPEC)
    def get(self, *, params):
        """List the processing messages the caller may see (by run, data collection,
        severity)."""
        return service.list_messages(
            db_session=db_session(), params=params, caller=current_caller()
        )

    @operation(
        ns, body=ProcessingMessageCreate, response=ProcessingMessageRead, status=201, errors=(403,)
    )
    def post(self, *, body):
        """Record a message of a processing run (pipelines or staff)."""
        return service.create_message(db_session=db_session(), data=body, caller=current_caller())


@ns.route("/processing-messages/<string:ref>")
@ns.param("ref", "Processing message id or UUID")
class ProcessingMessageItem(Resource):
    @operation(ns, response=ProcessingMessageRead, errors=(404,))
    def get(self, ref: str):
        """Get a processing message."""
        return service.get_message(db_session=db_session(), ref=ref, caller=current_caller())


@ns.route("/processing-programs/<string:ref>/messages")
@ns.param("ref", "Processing run (AutoProcProgram) id or UUID")
class ProgramMessages(Resource):
    @operation(ns, response=ProcessingMessageRead, list_spec=service.LIST_SPEC, errors=(404,))
    def get(self, ref: str, *, params):
        """List the messages of a processing run, oldest first."""
        program = processing.get_program(db_session=db_session(), ref=ref, caller=current_caller())
        return service.list_messages_of(db_session=db_session(), program=program, params=params)
