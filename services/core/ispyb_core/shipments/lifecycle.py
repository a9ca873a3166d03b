"""The lifecycle of shipments and dewars (the table is in docs/shipments.md).

ISPyB keeps statuses as free text (Shipping.shippingStatus, Dewar.dewarStatus); core
writes only the values below and allows only the listed changes. Users move their
shipment until it leaves (opened <-> ready -> sent to facility); the facility's staff
receive and return it, and may step back one state to correct a mistaken scan.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller, Forbidden
from ispyb_shared.errors import Conflict

from ..access import require_staff
from ..dewars.models import Dewar, DewarTransportHistory
from .models import Shipping, ShippingStatusHistory

OPENED = "opened"
READY = "ready"
SENT = "sent to facility"
AT_FACILITY = "at facility"
RETURNED = "returned"
STATUSES = (OPENED, READY, SENT, AT_FACILITY, RETURNED)

USERS = "users"
STAFF = "staff"
# current status -> {next status: who may make the change}
TRANSITIONS: dict[str, dict[str, str]] = {
    OPENED: {READY: USERS},
    READY: {OPENED: USERS, SENT: USERS},
    SENT: {AT_FACILITY: STAFF},
    AT_FACILITY: {RETURNED: STAFF, SENT: STAFF},
    RETURNED: {AT_FACILITY: STAFF},
}


def current_status(value: str | None) -> str:
    """Rows written by other programs often have no status yet: they are being prepared."""
    return value or OPENED


def check_transition(caller: Caller, *, current: str | None, new: str, field: str, what: str):
    """Refuse a change the lifecycle does not allow (409) or the caller may not make (403).

    A status core does not know (written by another program, e.g. SynchWeb's 'at DLS')
    may be brought into the lifecycle by staff only.
    """
    current = current_status(current)
    if current == new:
        return
    allowed = TRANSITIONS.get(current)
    if allowed is None:
        _require_staff(caller, field, f"move {what} out of status {current!r}")
        return
    if new not in allowed:
        choices = ", ".join(repr(status) for status in allowed) or "none"
        raise Conflict(
            f"The status of {what} cannot change from {current!r} to {new!r}.",
            {field: [f"From {current!r} the status may change to: {choices}."]},
        )
    if allowed[new] == STAFF:
        _require_staff(caller, field, f"move {what} from {current!r} to {new!r}")


def _require_staff(caller: Caller, field: str, action: str) -> None:
    try:
        require_staff(caller, action=action)
    except Forbidden as exc:
        exc.details = {field: ["Only facility staff may make this change."]}
        raise


def facility_time() -> dt.datetime:
    """Now, as ISPyB stores times: facility local time, without zone, whole seconds."""
    return dt.datetime.now().replace(microsecond=0)


def set_shipping_status(db_session: Session, shipping: Shipping, status: str, *, caller: Caller):
    """Change a shipment's status and keep the change (ShippingStatusHistory)."""
    shipping.shippingStatus = status
    if status == RETURNED:
        shipping.dateOfShippingToUser = facility_time()
    db_session.add(
        ShippingStatusHistory(
            shippingId=shipping.shippingId, shippingStatus=status, changedBy=caller.subject
        )
    )


def record_dewar_history(db_session: Session, dewar: Dewar) -> None:
    """Keep the dewar's status and storage location as of now (DewarTransportHistory)."""
    db_session.add(
        DewarTransportHistory(
            dewarId=dewar.dewarId,
            dewarStatus=current_status(dewar.dewarStatus),
            storageLocation=dewar.storageLocation or "",
            arrivalDate=facility_time(),
        )
    )


def move_dewars_along(db_session: Session, shipping: Shipping, *, previous: str, new: str):
    """A shipment's change carries its dewars that were in the same status along: they
    travel together. Dewars already elsewhere (received early, say) keep their status."""
    dewars = db_session.scalars(select(Dewar).where(Dewar.shippingId == shipping.shippingId))
    for dewar in dewars:
        if current_status(dewar.dewarStatus) == previous:
            dewar.dewarStatus = new
            record_dewar_history(db_session, dewar)
