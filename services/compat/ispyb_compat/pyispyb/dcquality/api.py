"""py-ispyb's per-image analysis, data-collection attachments and analysis plot routes
(py-ispyb-ui's data-collection card; docs/compat.md). Thin: service.py translates."""

from __future__ import annotations

from flask import redirect, request
from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from . import service

ns = Namespace(
    "pyispyb-datacollection-quality",
    path="/pyispyb/datacollections",
    description="py-ispyb dialect: a data collection's per-image analysis and attached "
    "files, and the plot of the analysis (redirects to core's signed file URLs)",
)
NAMESPACES = [ns]

PAGE = {"skip": "Rows skipped", "limit": "Page size (clamped to 1000)"}
_REDIRECT = "A 302 to core's short-lived signed URL of the file (needs no token)"


def _redirect(url: str):
    answer = redirect(url, code=302)
    answer.headers["Cache-Control"] = "private, no-store"
    return answer


@ns.route("/quality")
class PerImageAnalysis(Resource):
    @ns.doc(params={"dataCollectionId": "Data collection id (required)", **PAGE})
    @operation(ns, errors=(400, 403, 404), description="py-ispyb's answer")
    def get(self):
        """A data collection's per-image analysis: one object whose ``imageNumber``,
        ``totalIntegratedSignal``, ``method2Res`` and ``goodBraggCandidates`` are lists
        over the images (py-ispyb-ui polls it every 5 s while collecting)."""
        return service.per_image_analysis(request.args)


@ns.route("/attachments")
class DataCollectionAttachments(Resource):
    @ns.doc(params={"dataCollectionId": "Data collection id (required)", **PAGE})
    @operation(ns, errors=(400, 403, 404), description="py-ispyb's answer")
    def get(self):
        """The files attached to a data collection, each with ``_metadata.{url,
        fileName}``."""
        return service.attachments(request.args)


@ns.route("/attachments/<int:attachment_id>")
class DataCollectionAttachmentFile(Resource):
    @ns.doc(params={"attachment_id": "DataCollectionFileAttachment id"})
    @operation(ns, status=302, errors=(400, 403, 404), description=_REDIRECT)
    def get(self, attachment_id):
        """An attached file: a redirection to core's signed URL of it."""
        return _redirect(service.attachment_file(attachment_id))


@ns.route("/images/quality/<int:collection_id>")
class PerImageAnalysisPlot(Resource):
    @ns.doc(params={"collection_id": "Data collection id"})
    @operation(ns, status=302, errors=(400, 403, 404), description=_REDIRECT)
    def get(self, collection_id):
        """The plot of a data collection's per-image analysis
        (imageQualityIndicatorsPlotPath): a redirection to core's signed URL of it."""
        return _redirect(service.quality_plot(collection_id))
