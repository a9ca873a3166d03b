from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import register_models
from ispyb_shared.auth import public

from ..apidoc import admin_only, document
from ..runtime import get_runtime
from .schemas import JwksRead, KeyRead
from .service import ACTIVE, KeyState

ns = Namespace(
    "keys",
    path="/keys",
    description="Token signing keys and their rotation (admin only)",
    decorators=[admin_only],
)
models = register_models(ns, {"KeyRead": KeyRead})
key_read = KeyRead()

jwks_ns = Namespace(
    "jwks", path="/.well-known", description="Public keys for verifying access tokens"
)
jwks_models = register_models(jwks_ns, {"JwksRead": JwksRead})


def _describe(state: KeyState) -> dict:
    return key_read.dump(
        {
            "kid": state.key.kid,
            "generation": state.key.generation,
            "state": state.state,
            "createdAt": state.key.createdAt,
            "signingEndedAt": state.signing_ended_at,
            "retiresAt": state.retires_at,
            "retiredAt": state.key.retiredAt,
        }
    )


def _states() -> list[KeyState]:
    keystore = get_runtime().keystore
    with keystore.database.sessionmaker() as session:
        return keystore.states(session)


@ns.route("")
class Keys(Resource):
    @ns.response(200, "Every key, newest first", [models["KeyRead"]])
    @document(ns, models, 401, 403)
    def get(self):
        """List signing keys and their states."""
        return [_describe(state) for state in _states()]


@ns.route("/rotate")
class KeysRotate(Resource):
    @ns.response(201, "The new active key", models["KeyRead"])
    @document(ns, models, 401, 403, 409)
    def post(self):
        """Rotate: a new key signs from now on; the previous one keeps verifying until the
        tokens it signed have expired (access_token_seconds + leeway_seconds)."""
        key = get_runtime().keystore.rotate()
        return _describe(KeyState(key, ACTIVE, None, None)), 201


@ns.route("/<string:kid>/retire")
@ns.param("kid", "Key id")
class KeyRetire(Resource):
    @ns.response(200, "Retired", models["KeyRead"])
    @document(ns, models, 401, 403, 404, 409)
    def post(self, kid: str):
        """Retire a key now (it leaked): tokens it signed stop verifying at once.

        The active key cannot be retired: rotate first."""
        get_runtime().keystore.retire(kid)
        return next(_describe(s) for s in _states() if s.key.kid == kid)


@jwks_ns.route("/jwks.json")
class Jwks(Resource):
    @public
    @jwks_ns.doc(security=[])
    @jwks_ns.response(200, "The JWKS", jwks_models["JwksRead"])
    def get(self):
        """The public keys verifying access tokens: the active key and keys still verifying.

        Services fetch it, cache it, and fetch again when a token names an unknown kid."""
        keystore = get_runtime().keystore
        if not keystore.published():
            keystore.signing_key()  # a fresh install publishes its first key at once
        return keystore.jwks(), 200, {"Cache-Control": "public, max-age=60"}
