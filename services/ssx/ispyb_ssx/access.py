"""Who may read and write SSX data (docs/authorization.md, SSX section). On top of this,
core decides which sessions, samples, crystals and data collections a caller may see."""

from __future__ import annotations

from ispyb_shared.auth import CLIENT, Caller, Forbidden, current_caller

READ_SCOPE = "ssx:read"
WRITE_SCOPE = "ssx:write"


def require_reader(caller: Caller) -> None:
    if (
        caller.kind == CLIENT
        and not caller.has_scope(READ_SCOPE)
        and not caller.has_scope(WRITE_SCOPE)
    ):
        raise Forbidden(f"Reading SSX data needs the {READ_SCOPE!r} scope.")


def require_writer(caller: Caller) -> None:
    if caller.kind == CLIENT:
        if not caller.has_scope(WRITE_SCOPE):
            raise Forbidden(f"Writing SSX data needs the {WRITE_SCOPE!r} scope.")
        return
    if not caller.is_staff:
        raise Forbidden("SSX runs and results are written by pipelines (ssx:write) and staff.")


def authorize_reader() -> None:
    """``authorize=`` of ssx's reads: who may call is checked before anything is read."""
    require_reader(current_caller())


def authorize_writer() -> None:
    """``authorize=`` of ssx's writes: a reader posting a bad body is told 403 first."""
    require_writer(current_caller())
