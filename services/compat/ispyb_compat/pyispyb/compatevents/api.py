"""py-ispyb's ``/sessions/group``, ``/stats/parameters/histogram`` and ``/stats/runs``
(docs/compat.md). The robot, XRF and energy-scan events and the statistics by beamline,
proposal or run are served by the dialect's existing routes (``/events``,
``/events/types``, ``/stats/*``), which call this module's service. Thin."""

from __future__ import annotations

from flask import request
from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from . import service

ns = Namespace(
    "pyispyb-events-stats",
    path="/pyispyb",
    description="py-ispyb dialect: a beamline group's sessions, parameter histograms and "
    "the site's runs",
)
NAMESPACES = [ns]

SCOPE_DOC = {
    "sessionId": "Session id",
    "beamLineName": "Beamline (with runId)",
    "runId": "Run id (/stats/runs), with beamLineName",
}


@ns.route("/sessions/group")
class SessionsOfAGroup(Resource):
    @ns.doc(
        params={
            "beamLineGroup": "Beamline group (groupName of /options/ui), required",
            "upcoming": "Not ended yet (true)",
            "previous": "Ended (true)",
            "sessionType": "Session type (core keeps none: an empty page)",
        }
    )
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """One session per beamline of the group (the soonest upcoming or the latest),
        as in ``/sessions``."""
        return service.sessions_group(request.args)


@ns.route("/stats/parameters/histogram")
class ParameterHistogram(Resource):
    @ns.doc(
        params={
            **SCOPE_DOC,
            "parameter": "energy (default), beamsizex, beamsizey or exposuretime",
            "beamLineGroup": "Only the beamlines of this group",
        }
    )
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Per beamline, the data collections in each bin of a parameter: ``{parameter,
        unit, beamLines: [{beamLineName, bin, frequency}]}``."""
        return service.parameter_histogram(request.args)


@ns.route("/stats/runs")
class Runs(Resource):
    @ns.doc(params={"skip": "Rows skipped", "limit": "Page size (clamped to 1000)"})
    @operation(ns, errors=(400,), description="py-ispyb's answer")
    def get(self):
        """The site's runs (compat's ``pyispyb_runs`` setting), newest first:
        ``{results: [{run, runId, startDate, endDate}], total, skip, limit}``."""
        return service.runs(request.args)
