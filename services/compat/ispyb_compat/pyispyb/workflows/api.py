"""py-ispyb's ``/datacollections/workflows/steps`` (py-ispyb-ui's data-collection card)
and ``/processings/messages`` (docs/compat.md). Thin: service.py translates."""

from __future__ import annotations

from flask import redirect, request
from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from . import service

ns = Namespace(
    "pyispyb-workflows",
    path="/pyispyb",
    description="py-ispyb dialect: workflow steps (and their files) and processing messages, "
    "from core's /workflow-steps and /processing-messages",
)
NAMESPACES = [ns]

PAGE = {"skip": "Rows skipped", "limit": "Page size (clamped to 1000)"}


@ns.route("/datacollections/workflows/steps")
class WorkflowSteps(Resource):
    @ns.doc(params={"workflowId": "Workflow id", "workflowStepId": "Workflow step id", **PAGE})
    @operation(ns, errors=(400,), description="py-ispyb's answer")
    def get(self):
        """Workflow steps as py-ispyb's WorkflowStep rows, with
        ``_metadata.attachments.{imageResultFilePath, resultFilePath, htmlResultFilePath}``."""
        return service.workflow_steps(request.args)


@ns.route("/datacollections/workflows/steps/<int:step_id>")
class WorkflowStepFile(Resource):
    @ns.doc(
        params={
            "step_id": "WorkflowStep id",
            "attachmentType": "imageResultFilePath, resultFilePath or htmlResultFilePath",
        }
    )
    @ns.response(302, "To core's signed URL of the file")
    @ns.response(400, "No or an unknown attachmentType")
    @ns.response(404, "Not there, not visible, or no file served")
    def get(self, step_id):
        """A workflow step's file: a redirection to core's short-lived signed URL of it."""
        return redirect(service.workflow_step_file(step_id, request.args), code=302)


@ns.route("/processings/messages")
class ProcessingMessages(Resource):
    @ns.doc(
        params={
            "dataCollectionId": "Data collection id",
            "autoProcProgramMessageId": "Only this message",
            **PAGE,
        }
    )
    @operation(ns, errors=(400,), description="py-ispyb's answer")
    def get(self):
        """Processing messages as py-ispyb's AutoProcProgramMessage rows."""
        return service.processing_messages(request.args)
