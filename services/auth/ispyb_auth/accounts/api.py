from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.db import db_session

from ..apidoc import admin_only, operation
from ..runtime import get_runtime
from ..tokens.schemas import RevokeResult
from ..tokens.service import revoke_subject
from . import service
from .schemas import AccountCreate, AccountRead, AccountUpdate

ns = Namespace(
    "accounts",
    path="/accounts",
    description="Local accounts (admin only)",
    decorators=[admin_only],
)


def _account(login: str):
    return service.get_account(db_session=db_session(), login=login)


@ns.route("")
class Accounts(Resource):
    @operation(
        ns,
        response=AccountRead,
        list_spec=service.LIST_SPEC,
        description="A page of accounts",
        errors=(401, 403),
    )
    def get(self, *, params):
        """List local accounts."""
        return service.list_accounts(db_session=db_session(), params=params)

    @operation(ns, body=AccountCreate, response=AccountRead, status=201, errors=(401, 403, 409))
    def post(self, *, body):
        """Create a local account (password hashed with argon2id)."""
        runtime = get_runtime()
        return service.create_account(
            db_session=db_session(),
            hasher=runtime.hasher,
            min_password_length=runtime.min_password_length,
            data=body,
        )


@ns.route("/<string:login>")
@ns.param("login", "The account's login (case is ignored)")
class AccountItem(Resource):
    @operation(ns, response=AccountRead, description="The account", errors=(401, 403, 404))
    def get(self, login: str):
        """Get a local account."""
        return _account(login)

    @operation(
        ns,
        body=AccountUpdate,
        partial=True,
        response=AccountRead,
        description="Updated",
        errors=(401, 403, 404),
    )
    def patch(self, login: str, *, body):
        """Change roles, beamlines, display name, active flag, or reset the password."""
        runtime = get_runtime()
        return service.update_account(
            db_session=db_session(),
            hasher=runtime.hasher,
            min_password_length=runtime.min_password_length,
            account=_account(login),
            data=body,
            local_plugins=runtime.local_plugin_names,
        )

    @operation(
        ns,
        status=204,
        description="Deleted (its refresh tokens are revoked)",
        errors=(401, 403, 404),
    )
    def delete(self, login: str):
        """Delete a local account."""
        service.delete_account(
            db_session=db_session(),
            account=_account(login),
            local_plugins=get_runtime().local_plugin_names,
        )


@ns.route("/<string:login>/revoke-tokens")
@ns.param("login", "The account's login (case is ignored)")
class AccountRevokeTokens(Resource):
    @operation(ns, response=RevokeResult, description="Revoked", errors=(401, 403, 404))
    def post(self, login: str):
        """Revoke every refresh token of this person (whatever plugin they logged in with).

        Access tokens already issued are voided too: every service refuses them within
        revocation_poll_seconds (the revocation list).
        """
        subject = _account(login).login
        return {"revoked": revoke_subject(db_session=db_session(), subject=subject, reason="admin")}
