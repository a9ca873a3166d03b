"""py-ispyb's REST dialect under ``/ispyb/api/v1/compat/pyispyb``: the routes py-ispyb-ui
calls, with py-ispyb's parameters and shapes (docs/compat.md). Thin: the translation is in
service.py; every answer comes from core/auth with the caller's own token."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import public
from ispyb_shared.operations import Reply, operation

from . import service
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
