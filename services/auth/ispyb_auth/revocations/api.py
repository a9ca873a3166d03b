from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import register_models
from ispyb_shared.auth import public
from ispyb_shared.db import db_session

from ..runtime import get_runtime
from .schemas import RevocationsRead
from .service import revocation_document

ns = Namespace(
    "revocations",
    path="/revocations",
    description="Access tokens void before they expire (polled by every service)",
)
models = register_models(ns, {"RevocationsRead": RevocationsRead})


@ns.route("")
class Revocations(Resource):
    @public
    @ns.doc(security=[])
    @ns.response(200, "The revocation list", models["RevocationsRead"])
    def get(self):
        """Subjects whose access tokens issued up to a moment are void (disabled or deleted
        accounts, revoked sessions, disabled clients), and keys retired early.

        Public like the JWKS (services have no credentials of their own); subjects are
        listed as SHA-256 hashes, not in clear. Every service fetches it every
        revocation_poll_seconds and refuses what it lists."""
        runtime = get_runtime()
        document = revocation_document(
            db_session=db_session(), keystore=runtime.keystore, config=runtime.config
        )
        return document, 200, {"Cache-Control": "no-store"}
