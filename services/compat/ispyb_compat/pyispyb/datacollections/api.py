"""py-ispyb's data-collection images (card and viewer) and ``/stats/errors|hourlies``
(docs/compat.md, "Data collections and images"). Thin: service.py translates onto core."""

from __future__ import annotations

from flask import redirect, request
from flask_restx import Namespace, Resource

from ispyb_shared.operations import operation

from ..compatevents import service as events_service
from . import service

images_ns = Namespace(
    "pyispyb-datacollection-images",
    path="/pyispyb/datacollections/images",
    description="py-ispyb dialect: a data collection's crystal snapshots and diffraction "
    "image, as redirects to core's signed file URLs",
)
stats_ns = Namespace(
    "pyispyb-stats",
    path="/pyispyb/stats",
    description="py-ispyb dialect: a session's error and hourly statistics",
)
NAMESPACES = [images_ns, stats_ns]

_REDIRECT = (
    "A 302 to core's short-lived signed URL of the file (needs no token); an <img> or an "
    "XHR following it gets the bytes"
)


def _redirect(url: str):
    answer = redirect(url, code=302)
    answer.headers["Cache-Control"] = "private, no-store"
    return answer


@images_ns.route("/<int:collection_id>")
class Snapshot(Resource):
    @images_ns.doc(
        params={
            "collection_id": "Data collection id",
            "imageId": "Which crystal snapshot, 1-4 (default 1)",
            "snapshot": "true: a thumbnail",
        }
    )
    @operation(images_ns, status=302, errors=(400, 403, 404), description=_REDIRECT)
    def get(self, collection_id):
        """A data collection's crystal snapshot (xtalSnapshotFullPath1-4)."""
        return _redirect(service.snapshot_url(collection_id, request.args))


@images_ns.route("/diffraction/<int:collection_id>")
class Diffraction(Resource):
    @images_ns.doc(params={"collection_id": "Data collection id", "snapshot": "true: thumbnail"})
    @operation(images_ns, status=302, errors=(400, 403, 404), description=_REDIRECT)
    def get(self, collection_id):
        """The JPEG (or thumbnail) of a data collection's first diffraction image."""
        return _redirect(service.diffraction_url(collection_id, request.args))


@stats_ns.route("/errors")
class StatsErrors(Resource):
    @stats_ns.doc(
        params={
            "sessionId": "Session id",
            "beamLineName": "Beamline (with runId)",
            "runId": "Run id (/stats/runs), with beamLineName",
        }
    )
    @operation(stats_ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """A session's (or a beamline's run's) failed and aborted sweeps per experiment
        type: ``{totals}``."""
        return events_service.stats_errors(request.args)


@stats_ns.route("/hourlies")
class StatsHourlies(Resource):
    @stats_ns.doc(
        params={
            "sessionId": "Session id",
            "proposal": "Proposal name (mx1234)",
            "beamLineName": "Beamline (with runId)",
            "runId": "Run id (/stats/runs), with beamLineName",
        }
    )
    @operation(stats_ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Sweeps started and samples loaded per hour of the day (a session's, a
        proposal's or a beamline's run's): ``{datacollections, loaded}``, each ``{hour,
        average}``."""
        return events_service.stats_hourlies(request.args)
