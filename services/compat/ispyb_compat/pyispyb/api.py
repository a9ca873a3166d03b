"""py-ispyb's REST dialect under ``/ispyb/api/v1/compat/pyispyb``: the routes py-ispyb-ui
calls, with py-ispyb's parameters and shapes (docs/compat.md). Thin: the translation is in
service.py; every answer comes from core/auth with the caller's own token."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import public
from ispyb_shared.operations import Reply, operation

from . import service
from .compatevents import service as events_service
from .schemas import PyIspybLogin, PyIspybRefresh

ns = Namespace(
    "pyispyb",
    path="/pyispyb",
    description="py-ispyb's REST dialect (py-ispyb-ui, mxcubecore): its paths, parameters "
    "and shapes ({results, total, skip, limit}, _metadata), translated onto core and auth",
)


def namespaces() -> list[Namespace]:
    """The py-ispyb dialect's namespaces: another module's routes of the dialect (the
    mxcubecore writes) are added to this list."""
    return [ns]


@ns.route("/auth/config")
class AuthConfig(Resource):
    @public
    @ns.doc(security=[])
    def get(self):
        """The login plugins, as py-ispyb lists them: ``{plugins: [{name, config}]}``."""
        return service.auth_config()


@ns.route("/auth/login")
class Login(Resource):
    @public
    @ns.doc(security=[])
    @operation(
        ns,
        body=PyIspybLogin,
        status=201,
        idempotent=False,
        description="Logged in: {login, token, permissions, refreshToken, expiresIn}",
        errors=(401, 429, 503),
    )
    def post(self, *, body):
        """py-ispyb's login (``{plugin, login, password}`` or ``{plugin, token}``), onto
        auth's: ``login`` is auth's ``username``; the answer has ``token``."""
        return service.login(body=body)


@ns.route("/auth/refresh")
class Refresh(Resource):
    @public
    @ns.doc(security=[])
    @operation(
        ns,
        body=PyIspybRefresh,
        idempotent=False,
        description="New tokens, in the login's shape",
        errors=(401, 429, 503),
    )
    def post(self, *, body):
        """A refresh token (``{refreshToken}``) for new tokens; the one sent is revoked."""
        return Reply(service.refresh(body=body), 200)


def _args():
    from flask import request

    return request.args


@ns.route("/user/current")
class UserCurrent(Resource):
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """The caller: ``login, givenName, familyName, Permissions, personId,
        beamLineGroups, beamLines`` (token and core's person row)."""
        return service.user_current()


@ns.route("/options/ui")
class UIOptions(Resource):
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """core's /options/ui as ``{motd, beamLineGroups: [{groupName, uiGroup,
        permission, beamLines}]}``."""
        return service.ui_options()


@ns.route("/proposals")
class Proposals(Resource):
    @ns.doc(
        params={
            "skip": "Rows skipped",
            "limit": "Page size (clamped to 1000)",
            "search": "Title contains",
            "proposal": "Proposal name (mx1234)",
        }
    )
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Proposals the caller may see: ``{results, total, skip, limit}``, each with
        ``proposal`` (its name) and ``_metadata.sessions``."""
        return service.proposals(_args())


@ns.route("/sessions")
class Sessions(Resource):
    @ns.doc(
        params={
            "skip": "Rows skipped",
            "limit": "Page size (clamped to 1000)",
            "proposal": "Proposal name",
            "beamLineName": "Beamline",
            "upcoming": "Not ended yet (true)",
            "previous": "Ended (true)",
            "year": "Started in this year",
            "month": "and month (1-12)",
            "day": "With year and month: the sessions overlapping that day (mxcubecore)",
        }
    )
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Sessions the caller may see, with ``session`` (the visit), ``proposal`` and
        ``_metadata.{active, datacollections, sessionTypes, uiGroups}``."""
        return service.sessions(_args())


@ns.route("/sessions/<int:session_id>")
class Session(Resource):
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self, session_id):
        """One session, as in the list."""
        return service.session(session_id)


@ns.route("/events")
class Events(Resource):
    @ns.doc(
        params={
            "skip": "Rows skipped",
            "limit": "Page size (clamped to 1000)",
            "sessionId": "Session id",
            "dataCollectionGroupId": "Group id",
            "blSampleId": "Sample id",
            "eventType": "robot, xrf, es or a group's experiment type (/events/types)",
        }
    )
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """A session's events, py-ispyb's way, newest first: one per data-collection group
        (``type`` ``dc``, its latest data collection as ``Item``), robot action
        (``robot``), XRF spectrum (``xrf``) and energy scan (``es``)."""
        return events_service.events(_args())


@ns.route("/events/types")
class EventTypes(Resource):
    @ns.doc(params={"sessionId": "Session id", "blSampleId": "Sample id"})
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """The kinds of event of a session: its groups' experiment types, and robot, xrf,
        es when it has any (each a value of /events?eventType)."""
        return events_service.event_types(_args())


# /samples: pyispyb/samples/api.py (the list and the sample editor's writes).


@ns.route("/proteins")
class Proteins(Resource):
    @ns.doc(
        params={
            "skip": "Rows skipped",
            "limit": "Page size (clamped to 1000)",
            "proposal": "Proposal name",
            "search": "Acronym contains",
        }
    )
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """Proteins the caller may see, with ``_metadata.samples``."""
        return service.proteins(_args())


@ns.route("/processings/status")
class ProcessingStatuses(Resource):
    @ns.doc(
        params={"dataCollectionIds": "A JSON list of data collection ids ([10,11]), at most 200"}
    )
    @operation(ns, errors=(400,), description="py-ispyb's answer")
    def get(self):
        """The processing status of data collections: ``{statuses: {id: {screening, xrc,
        processing, autoIntegration: {program: [{status, autoProcProgramId}]}, em}}}``
        (status 1 success, 0 failed, null running)."""
        return service.processing_statuses(_args())


# py-ispyb's scopes of a statistic: a session, or a beamline's run (or a proposal)
STATS_SCOPE = {
    "sessionId": "Session id",
    "beamLineName": "Beamline (with runId)",
    "runId": "Run id (/stats/runs), with beamLineName",
}
STATS_SCOPE_PROPOSAL = {**STATS_SCOPE, "proposal": "Proposal name (mx1234)"}


@ns.route("/stats/breakdown")
class StatsBreakdown(Resource):
    @ns.doc(params=STATS_SCOPE)
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """A session's (or a beamline's run's) breakdown: ``{overview: {..., counts},
        history, plottables}``."""
        return events_service.stats_breakdown(_args())


@ns.route("/stats/times")
class StatsTimes(Resource):
    @ns.doc(params=STATS_SCOPE_PROPOSAL)
    @operation(ns, errors=(400, 404), description="py-ispyb's answer")
    def get(self):
        """How the time of a session (or of a proposal's, or a beamline's run's sessions)
        was used, in hours: ``{average, sessions}``."""
        return events_service.stats_times(_args())
