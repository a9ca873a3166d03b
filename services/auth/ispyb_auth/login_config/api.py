"""``GET /config``: how to log in here, public (a front end reads it before anyone logs in)."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import public

from ..apidoc import operation
from ..runtime import get_runtime
from .schemas import AuthConfigDocument

ns = Namespace("config", path="/config", description="How to log in here (public)")


@ns.route("")
class AuthConfig(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, response=AuthConfigDocument, description="Login plugins, token lifetimes")
    def get(self):
        """The enabled login plugins, what each needs, and the token lifetimes (no secret)."""
        runtime = get_runtime()
        config = runtime.config
        return {
            "plugins": [plugin.public_description() for plugin in runtime.plugins.values()],
            "accessTokenSeconds": config["access_token_seconds"],
            "refreshTokenSeconds": config["refresh_token_seconds"],
            "issuer": config["issuer"],
            "audience": config["audience"],
        }
