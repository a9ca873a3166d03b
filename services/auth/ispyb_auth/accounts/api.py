from __future__ import annotations

from flask_restx import Namespace, Resource

from ispyb_shared.app import list_params, load_body, register_models
from ispyb_shared.db import db_session
from ispyb_shared.listing import list_params_doc

from ..apidoc import admin_only, document
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
models = register_models(
    ns,
    {
        "AccountRead": AccountRead,
        "AccountCreate": AccountCreate,
        "AccountUpdate": AccountUpdate,
        "RevokeResult": RevokeResult,
    },
    list_of={"AccountList": "AccountRead"},
)
account_read = AccountRead()
account_read_many = AccountRead(many=True)


@ns.route("")
class Accounts(Resource):
    @ns.doc(params=list_params_doc(service.LIST_SPEC))
    @ns.response(200, "A page of accounts", models["AccountList"])
    @document(ns, models, 400, 401, 403)
    def get(self):
        """List local accounts."""
        page = service.list_accounts(db_session=db_session(), params=list_params(service.LIST_SPEC))
        return page.envelope(account_read_many.dump)

    @ns.expect(models["AccountCreate"])
    @ns.response(201, "Created", models["AccountRead"])
    @document(ns, models, 400, 401, 403, 409, 415, 422)
    def post(self):
        """Create a local account (password hashed with argon2id)."""
        runtime = get_runtime()
        account = service.create_account(
            db_session=db_session(),
            hasher=runtime.hasher,
            min_password_length=runtime.min_password_length,
            data=load_body(AccountCreate()),
        )
        return account_read.dump(account), 201


@ns.route("/<string:login>")
@ns.param("login", "The account's login (case is ignored)")
class AccountItem(Resource):
    @ns.response(200, "The account", models["AccountRead"])
    @document(ns, models, 401, 403, 404)
    def get(self, login: str):
        """Get a local account."""
        return account_read.dump(service.get_account(db_session=db_session(), login=login))

    @ns.expect(models["AccountUpdate"])
    @ns.response(200, "Updated", models["AccountRead"])
    @document(ns, models, 400, 401, 403, 404, 415, 422)
    def patch(self, login: str):
        """Change roles, beamlines, display name, active flag, or reset the password."""
        runtime = get_runtime()
        session = db_session()
        account = service.get_account(db_session=session, login=login)
        data = load_body(AccountUpdate(), partial=True)
        account = service.update_account(
            db_session=session,
            hasher=runtime.hasher,
            min_password_length=runtime.min_password_length,
            account=account,
            data=data,
            local_plugins=runtime.local_plugin_names,
        )
        return account_read.dump(account)

    @ns.response(204, "Deleted (its refresh tokens are revoked)")
    @document(ns, models, 401, 403, 404)
    def delete(self, login: str):
        """Delete a local account."""
        session = db_session()
        account = service.get_account(db_session=session, login=login)
        service.delete_account(
            db_session=session, account=account, local_plugins=get_runtime().local_plugin_names
        )
        return "", 204


@ns.route("/<string:login>/revoke-tokens")
@ns.param("login", "The account's login (case is ignored)")
class AccountRevokeTokens(Resource):
    @ns.response(200, "Revoked", models["RevokeResult"])
    @document(ns, models, 401, 403, 404)
    def post(self, login: str):
        """Revoke every refresh token of this person (whatever plugin they logged in with).

        Access tokens already issued are voided too: every service refuses them within
        revocation_poll_seconds (the revocation list).
        """
        session = db_session()
        account = service.get_account(db_session=session, login=login)
        count = revoke_subject(db_session=session, subject=account.login, reason="admin")
        return {"revoked": count}
