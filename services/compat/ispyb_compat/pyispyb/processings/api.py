"""py-ispyb's ``/processings/*`` routes (py-ispyb-ui's data-collection card), beside the
dialect's ``/processings/status`` (pyispyb/api.py). Thin: service.py translates."""

from __future__ import annotations

from flask import redirect, request
from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from . import service

ns = Namespace(
    "pyispyb-processings",
    path="/pyispyb/processings",
    description="py-ispyb dialect (py-ispyb-ui's data-collection card): processing runs, "
    "auto-integrations, attachments and message statuses, from core's processing document",
)
NAMESPACES = [ns]

PAGE = {"skip": "Rows skipped", "limit": "Page size (clamped to 1000)"}


@ns.route("")
class Processings(Resource):
    @ns.doc(params={"dataCollectionId": "Data collection id (required)", **PAGE})
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """The processing runs of a data collection as py-ispyb's AutoProcProgram rows, with
        ``_metadata.{attachments, autoProcProgramMessages, imageSweepCount}``."""
        return service.processings(request.args)


@ns.route("/auto-integrations")
class AutoIntegrations(Resource):
    @ns.doc(params={"dataCollectionId": "Data collection id (required)", **PAGE})
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """The runs with ``AutoProcIntegration[].AutoProcScalingHasInt[].AutoProcScaling.
        {AutoProc, AutoProcScalingStatistics}`` (space group, refined cell, shells)."""
        return service.auto_integrations(request.args)


@ns.route("/screenings")
class Screenings(Resource):
    @ns.doc(params={"dataCollectionId": "Data collection id (required)", **PAGE})
    @operation(ns, errors=(400,), description="py-ispyb's answer")
    def get(self):
        """The screenings of a data collection: ``ScreeningOutput[].{indexingSuccess,
        ScreeningOutputLattice, ScreeningStrategy[].ScreeningStrategyWedge[].
        ScreeningStrategySubWedge}``."""
        return service.screenings(request.args)


@ns.route("/attachments")
class Attachments(Resource):
    @ns.doc(
        params={
            "autoProcProgramId": "Processing run id (required)",
            "autoProcProgramAttachmentId": "Only this attachment",
            **PAGE,
        }
    )
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """The files of a processing run, each with ``_metadata.url`` (its download)."""
        return service.attachments(request.args)


@ns.route("/attachments/<int:attachment_id>")
class Attachment(Resource):
    @ns.doc(params={"attachment_id": "AutoProcProgramAttachment id"})
    @ns.response(302, "To core's signed URL of the file")
    @ns.response(404, "Not there, not visible, or no file served")
    def get(self, attachment_id):
        """An attachment's file: a redirection to core's short-lived signed URL of it."""
        return redirect(service.attachment_file(attachment_id), code=302)


@ns.route("/messages/status")
class MessageStatuses(Resource):
    @ns.doc(params={"dataCollectionIds": "A JSON list of data collection ids, at most 200"})
    @operation(ns, errors=(400,), description="py-ispyb's answer")
    def get(self):
        """How many processing messages each data collection has: ``{statuses: {id:
        {errors, warnings, info}}}`` (core keeps none: zeros)."""
        return service.message_statuses(request.args)
