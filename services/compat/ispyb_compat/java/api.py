"""The Java server's REST dialect under ``/ispyb/api/v1/compat/java`` (EXI, py-ispyb-ui's
Java mode, mxcubecore's ISPyBRestClient): the form login and the MX welcome -> session ->
data-collection routes, with the token in the path (docs/compat.md). Thin: the translation
is in service.py; every answer is core's to the path's token.

The routes are public as far as the header goes: the path's token is verified by
``service.enter`` (a compat-java token only) and is the caller's credential for core."""

from __future__ import annotations

from flask import current_app, request
from flask_restx import Namespace, Resource

from ispyb_shared.auth import public
from ispyb_shared.operations import operation

from . import service

ns = Namespace(
    "java",
    path="/java",
    description="The Java server's REST dialect (EXI): POST /authenticate (form), then "
    "/{token}/... with a short-lived, read-only token in the path (redacted from logs)",
)

ERRORS = (400, 401, 403, 404)
TOKEN = {"token": "The token of POST /java/authenticate (compat-java, read-only)"}


def namespaces() -> list[Namespace]:
    return [ns]


@ns.route("/authenticate")
class Authenticate(Resource):
    @public
    @ns.doc(
        security=[],
        params={
            "site": "The site's name (EXI's; accepted, not used)",
            "login": {"in": "formData", "description": "Login", "type": "string"},
            "password": {"in": "formData", "description": "Password", "type": "string"},
        },
        consumes=["application/x-www-form-urlencoded"],
    )
    @operation(
        ns,
        status=200,
        idempotent=False,
        description="Logged in: {token, roles, user, expiresIn}",
        errors=(400, 401, 429, 503),
    )
    def post(self):
        """EXI's login: form fields ``login``, ``password`` -> ``{token, roles}``; the token
        is minted by auth for this purpose only (short-lived, read-only)."""
        site = request.args.get("site", "")
        if len(site) > 64:
            from ispyb_shared.errors import InvalidParameter

            raise InvalidParameter("Invalid query parameters.", {"site": ["Too long."]})
        plugin = current_app.config["ISPYB_CONFIG"]["java"]["login_plugin"]
        return service.authenticate(
            login=request.form.get("login"), password=request.form.get("password"), plugin=plugin
        )


@ns.route("/<string:token>/session/list")
@ns.doc(params=TOKEN)
class SessionList(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, errors=ERRORS, description="v_session rows")
    def get(self, token):
        """The caller's sessions as the Java server's ``v_session`` rows, newest first."""
        return service.session_list(service.enter(token))


@ns.route("/<string:token>/proposal/list")
@ns.doc(params=TOKEN)
class ProposalList(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, errors=ERRORS, description="Proposal rows")
    def get(self, token):
        """The proposals the caller may see (``Proposal_*`` keys)."""
        return service.proposal_list(service.enter(token))


@ns.route("/<string:token>/proposal/<string:proposal>/info/get")
@ns.doc(params={**TOKEN, "proposal": "Proposal name (mx1234)"})
class ProposalInfo(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, errors=ERRORS, description="[{proposal, proteins, crystals, ...}]")
    def get(self, token, proposal):
        """A proposal with its proteins and lab contacts (the SAXS lists are empty)."""
        return service.proposal_info(service.enter(token), proposal)


@ns.route("/<string:token>/proposal/<string:proposal>/session/list")
@ns.doc(params={**TOKEN, "proposal": "Proposal name (mx1234)"})
class ProposalSessionList(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, errors=ERRORS, description="v_session rows")
    def get(self, token, proposal):
        """A proposal's sessions as ``v_session`` rows."""
        return service.proposal_session_list(service.enter(token), proposal)


@ns.route("/<string:token>/proposal/session/date/<string:start>/<string:end>/list")
@ns.doc(params={**TOKEN, "start": "First day, YYYYMMDD", "end": "Last day, YYYYMMDD"})
class SessionsBetween(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, errors=ERRORS, description="v_session rows")
    def get(self, token, start, end):
        """Sessions starting between two days (included): the managers' welcome page."""
        return service.sessions_between(service.enter(token), start, end)


@ns.route(
    "/<string:token>/proposal/<string:proposal>/mx/datacollection/session/<int:session_id>/list"
)
@ns.doc(params={**TOKEN, "proposal": "Proposal name (mx1234)", "session_id": "Session id"})
class SessionDataCollections(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, errors=ERRORS, description="v_datacollection_summary rows")
    def get(self, token, proposal, session_id):
        """A session's data collections as flat ``DataCollection_*`` rows, newest first."""
        return service.session_data_collections(service.enter(token), proposal, session_id)


@ns.route("/<string:token>/proposal/<string:proposal>/mx/datacollection/<int:dc_id>/list")
@ns.doc(params={**TOKEN, "proposal": "Proposal name (mx1234)", "dc_id": "Data collection id"})
class DataCollection(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, errors=ERRORS, description="[v_datacollection_summary row]")
    def get(self, token, proposal, dc_id):
        """One data collection, as a list of one flat row."""
        return service.data_collection(service.enter(token), proposal, dc_id)
