"""Local accounts, managed by admins through the API (and the CLI for the first admin)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ispyb_shared.crud import one_or_404
from ispyb_shared.errors import Conflict, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from .. import timeutil
from ..names import join_names, split_names
from ..passwords import PasswordHasher
from ..tokens.service import revoke_subject
from .models import Account

LIST_SPEC = ListSpec(
    filters={
        "login": Filter(Account.login, ("eq", "in", "contains"), "Login"),
        "displayName": Filter(Account.displayName, ("eq", "contains"), "Display name"),
        "active": Filter(Account.active, ("eq",), "Active"),
        "roles": Filter(Account.roles, ("contains",), "Role names"),
    },
    sortable={
        "login": Account.login,
        "createdAt": Account.createdAt,
        "lastLoginAt": Account.lastLoginAt,
    },
    default_sort=("login",),
    tiebreak=(Account.accountId,),
)


def list_accounts(*, db_session: Session, params: ListParams) -> Page:
    return paginate(db_session, select(Account), params, LIST_SPEC)


def find_account(*, db_session: Session, login: str) -> Account | None:
    return db_session.execute(
        select(Account).where(func.lower(Account.login) == login.lower())
    ).scalar_one_or_none()


def get_account(*, db_session: Session, login: str) -> Account:
    """By login (ignoring case)."""
    return one_or_404(
        db_session,
        select(Account).where(func.lower(Account.login) == login.lower()),
        "Account",
        login,
    )


def _check_password(password: str, min_length: int) -> None:
    if len(password) < min_length:
        raise ValidationFailed(
            "The password is too short.",
            {"password": [f"At least {min_length} characters."]},
        )


def _check_beamlines(roles: Iterable[str], beamlines: Iterable[str]) -> None:
    if list(beamlines) and "staff" not in roles:
        raise ValidationFailed(
            "Beamlines restrict a staff account.",
            {"beamlines": ["Only accounts with the staff role have beamlines."]},
        )


def create_account(
    *, db_session: Session, hasher: PasswordHasher, min_password_length: int, data: dict[str, Any]
) -> Account:
    if find_account(db_session=db_session, login=data["login"]) is not None:
        raise Conflict(
            f"An account with login {data['login']!r} already exists.",
            {"login": ["Already used by another account (logins ignore case)."]},
        )
    _check_password(data["password"], min_password_length)
    _check_beamlines(data.get("roles", ()), data.get("beamlines", ()))
    now = timeutil.utcnow()
    account = Account(
        login=data["login"],
        displayName=data.get("displayName"),
        passwordHash=hasher.hash(data["password"]),
        roles=join_names(data.get("roles", ())),
        beamlines=join_names(data.get("beamlines", ())),
        active=data.get("active", True),
        createdAt=now,
        updatedAt=now,
        passwordChangedAt=now,
    )
    db_session.add(account)
    db_session.flush()
    return account


def update_account(
    *,
    db_session: Session,
    hasher: PasswordHasher,
    min_password_length: int,
    account: Account,
    data: dict[str, Any],
    local_plugins: list[str],
) -> Account:
    roles = data["roles"] if data.get("roles") is not None else split_names(account.roles)
    beamlines = (
        data["beamlines"] if data.get("beamlines") is not None else split_names(account.beamlines)
    )
    _check_beamlines(roles, beamlines)
    now = timeutil.utcnow()
    if data.get("password") is not None:
        _check_password(data["password"], min_password_length)
        account.passwordHash = hasher.hash(data["password"])
        account.passwordChangedAt = now
    if "displayName" in data:
        account.displayName = data["displayName"]
    account.roles = join_names(roles)
    account.beamlines = join_names(beamlines)
    if data.get("active") is not None:
        if account.active and not data["active"]:
            revoke_subject(
                db_session=db_session,
                subject=account.login,
                reason="account-disabled",
                plugins=local_plugins,
            )
        account.active = data["active"]
    account.updatedAt = now
    db_session.flush()
    return account


def delete_account(*, db_session: Session, account: Account, local_plugins: list[str]) -> None:
    revoke_subject(
        db_session=db_session,
        subject=account.login,
        reason="account-deleted",
        plugins=local_plugins,
    )
    db_session.delete(account)
    db_session.flush()


def ensure_admin(
    *,
    db_session: Session,
    hasher: PasswordHasher,
    min_password_length: int,
    login: str,
    password: str,
) -> tuple[Account, bool]:
    """Create an admin account, or make an existing one an active admin with this password."""
    account = find_account(db_session=db_session, login=login)
    if account is None:
        data = {"login": login, "password": password, "roles": ["admin"]}
        return create_account(
            db_session=db_session, hasher=hasher, min_password_length=min_password_length, data=data
        ), True
    roles = sorted({*split_names(account.roles), "admin"})
    update_account(
        db_session=db_session,
        hasher=hasher,
        min_password_length=min_password_length,
        account=account,
        data={"password": password, "roles": roles, "active": True},
        local_plugins=[],
    )
    return account, False
