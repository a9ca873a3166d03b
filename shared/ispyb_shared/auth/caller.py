"""Who is calling: the :class:`Caller` behind a request's token, and what it may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import ColumnElement, LargeBinary, and_, cast, literal

from ..errors import Forbidden, Unauthorized
from .names import CLIENT, USER


@dataclass(frozen=True)
class Caller:
    """The verified identity behind a request's access token."""

    subject: str
    kind: str
    roles: frozenset[str]
    beamlines: frozenset[str]
    scopes: frozenset[str]
    token_id: str
    name: str | None = None
    # A token minted for one purpose only (``purpose`` claim, e.g. ``compat-java``): it
    # reads, and every service refuses a write made with it (:func:`refuse_purpose_writes`).
    purpose: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == USER and "admin" in self.roles

    @property
    def is_staff(self) -> bool:
        """Facility staff or admin."""
        return self.kind == USER and ("staff" in self.roles or "admin" in self.roles)

    def has_scope(self, scope: str) -> bool:
        """Exact match: a scope is granted to machine clients only, never implied."""
        return scope in self.scopes


def permissions_of(caller: Caller) -> list[str]:
    """The permission names a caller holds (what ``GET /auth/me`` lists).

    ``auth:manage``: manage accounts, clients, keys and refresh tokens (admin);
    ``data:read:all`` / ``data:write:all``: every proposal and session (admin, staff without
    beamlines); ``data:read:beamline:<bl>`` / ``data:write:beamline:<bl>``: sessions on that
    beamline (staff with beamlines); ``data:read:own`` / ``data:write:own``: the proposals
    and sessions the person belongs to (every user); a machine client holds its scopes.
    """
    if caller.kind == CLIENT:
        return sorted(caller.scopes)
    granted = ["data:read:own", "data:write:own"]
    if caller.is_admin:
        granted = ["auth:manage", "data:read:all", "data:write:all", *granted]
    elif caller.is_staff and not caller.beamlines:
        granted = ["data:read:all", "data:write:all", *granted]
    elif caller.is_staff:
        for beamline in sorted(caller.beamlines):
            granted += [f"data:read:beamline:{beamline}", f"data:write:beamline:{beamline}"]
    return granted


def login_matches(column: Any, login: str) -> ColumnElement[bool]:
    """``column`` holds exactly ``login``, case included, on SQLite and MariaDB alike.

    The one rule for logins: auth matches what a person types ignoring case and puts the
    login *in its stored case* into the token's ``sub``; every service then compares
    ``sub`` exactly. (MariaDB's default collations ignore case, and accents, and SQLite's
    does not: comparing the bytes makes both backends agree; the plain equality first
    lets the database use the column's index.)
    """
    return and_(column == login, cast(column, LargeBinary) == cast(literal(login), LargeBinary))


def current_caller() -> Caller:
    """The caller of the current request; Unauthorized when there is none."""
    caller = g.get("caller")
    if caller is None:
        raise Unauthorized("An access token is required: send Authorization: Bearer <token>.")
    return caller


def require_admin() -> Caller:
    caller = current_caller()
    if not caller.is_admin:
        raise Forbidden("This needs the admin role.")
    return caller
