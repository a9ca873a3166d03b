from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.auth import public
from ispyb_shared.operations import Reply

from ..apidoc import admin_only, operation
from ..runtime import get_runtime
from .schemas import JwksRead, KeyRead
from .service import ACTIVE, KeyState

ns = Namespace(
    "keys",
    path="/keys",
    description="Token signing keys and their rotation (admin only)",
    decorators=[admin_only],
)

jwks_ns = Namespace(
    "jwks", path="/.well-known", description="Public keys for verifying access tokens"
)


def _facts(state: KeyState) -> dict:
    return {
        "kid": state.key.kid,
        "generation": state.key.generation,
        "state": state.state,
        "createdAt": state.key.createdAt,
        "signingEndedAt": state.signing_ended_at,
        "retiresAt": state.retires_at,
        "retiredAt": state.key.retiredAt,
    }


def _states() -> list[KeyState]:
    keystore = get_runtime().keystore
    with keystore.database.sessionmaker() as session:
        return keystore.states(session)


@ns.route("")
class Keys(Resource):
    # The keys are few and never paged: every one, in the list envelope of every list.
    @operation(
        ns, response=KeyRead, many=True, description="Every key, newest first", errors=(401, 403)
    )
    def get(self):
        """List signing keys and their states."""
        return [_facts(state) for state in _states()]


@ns.route("/rotate")
class KeysRotate(Resource):
    @operation(
        ns,
        response=KeyRead,
        status=201,
        description="The new active key",
        errors=(401, 403, 409),
        # Not a create a client retries: each call is a new rotation. And the key store
        # writes in its own transactions, which a request's idempotency claim would block
        # on SQLite (one writer).
        idempotent=False,
    )
    def post(self):
        """Rotate: a new key signs from now on; the previous one keeps verifying until the
        tokens it signed have expired (access_token_seconds + leeway_seconds)."""
        return _facts(KeyState(get_runtime().keystore.rotate(), ACTIVE, None, None))


@ns.route("/<string:kid>/retire")
@ns.param("kid", "Key id")
class KeyRetire(Resource):
    @operation(ns, response=KeyRead, description="Retired", errors=(401, 403, 404, 409))
    def post(self, kid: str):
        """Retire a key now (it leaked): tokens it signed stop verifying at once.

        The active key cannot be retired: rotate first."""
        get_runtime().keystore.retire(kid)
        return next(_facts(s) for s in _states() if s.key.kid == kid)


@jwks_ns.route("/jwks.json")
class Jwks(Resource):
    @public
    @jwks_ns.doc(security=[])
    @operation(jwks_ns, response=JwksRead, description="The JWKS")
    def get(self):
        """The public keys verifying access tokens: the active key and keys still verifying.

        Services fetch it, cache it, and fetch again when a token names an unknown kid."""
        keystore = get_runtime().keystore
        if not keystore.published():
            keystore.signing_key()  # a fresh install publishes its first key at once
        return Reply(keystore.jwks(), 200, {"Cache-Control": "public, max-age=60"})
