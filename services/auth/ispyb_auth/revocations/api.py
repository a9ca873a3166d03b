from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import public
from ispyb_shared.db import db_session
from ispyb_shared.operations import Reply

from ..apidoc import operation
from ..runtime import get_runtime
from .schemas import RevocationsRead
from .service import revocation_document

ns = Namespace(
    "revocations",
    path="/revocations",
    description="Access tokens void before they expire (polled by every service)",
)


@ns.route("")
class Revocations(Resource):
    @public
    @ns.doc(security=[])
    @operation(ns, response=RevocationsRead, description="The revocation list")
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
        return Reply(document, 200, {"Cache-Control": "no-store"})
