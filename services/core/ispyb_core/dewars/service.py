from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import proposal_id_condition, require_member_write
from ..dewar_registry.service import registered_dewar_ids
from ..ownership import References, proposal_name
from ..sessions.service import get_session
from ..shipments import lifecycle
from ..shipments.models import Shipping
from ..shipments.service import get_shipment
from .models import Dewar, DewarTransportHistory

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(Shipping.proposalId, ("eq", "in"), "Proposal id (of the shipment)"),
        "proposal": Filter(proposal_name(Shipping.proposalId), ("eq", "in"), "Proposal name"),
        "shippingId": Filter(Dewar.shippingId, ("eq", "in"), "Shipment id"),
        "code": Filter(Dewar.code, ("eq", "in", "contains"), "Name"),
        "barCode": Filter(Dewar.barCode, ("eq", "in"), "Barcode"),
        "facilityCode": Filter(Dewar.facilityCode, ("eq", "in"), "Facility code"),
        "dewarStatus": Filter(Dewar.dewarStatus, ("eq", "in"), "Status"),
        "storageLocation": Filter(Dewar.storageLocation, ("eq", "in"), "Storage location"),
        "type": Filter(Dewar.type, ("eq", "in"), "Dewar, Toolbox or Parcel"),
    },
    sortable={
        "dewarId": Dewar.dewarId,
        "code": Dewar.code,
        "barCode": Dewar.barCode,
        "dewarStatus": Dewar.dewarStatus,
        "bltimeStamp": Dewar.bltimeStamp,
    },
    default_sort=("dewarId",),
    tiebreak=(Dewar.dewarId,),
)

HISTORY_LIST_SPEC = ListSpec(
    filters={"dewarStatus": Filter(DewarTransportHistory.dewarStatus, ("eq", "in"), "Status")},
    sortable={
        "arrivalDate": DewarTransportHistory.arrivalDate,
        "DewarTransportHistoryId": DewarTransportHistory.DewarTransportHistoryId,
    },
    default_sort=("arrivalDate",),
    tiebreak=(DewarTransportHistory.DewarTransportHistoryId,),
)

# Where a dewar is kept at the facility is the facility's business.
STAFF_FIELDS = frozenset({"storageLocation"})


def visible_dewars(caller: Caller):
    return (
        select(Dewar)
        .join(Dewar.Shipping)
        .options(contains_eager(Dewar.Shipping))
        .where(proposal_id_condition(caller, Shipping.proposalId))
    )


def list_dewars(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_dewars(caller), params, LIST_SPEC)


def get_dewar(*, db_session: Session, ref: str, caller: Caller) -> Dewar:
    """By id, UUID or barcode (a barcode of digits only is read as an id: use the list's
    barCode filter for those)."""
    condition = ref_condition(
        ref,
        id_column=Dewar.dewarId,
        uuid_column=Dewar.uuid,
        by_name=lambda code: Dewar.barCode == code,
    )
    return one_or_404(db_session, visible_dewars(caller).where(condition), "Dewar", ref)


def _check_references(
    db_session: Session, references: References, data: dict[str, Any], proposal_id: int | None
) -> dict[str, Any]:
    """Check what the dewar refers to; returns the values core derives (dewarRegistryId)."""
    session = references.get(
        "firstExperimentId", data.get("firstExperimentId"), get_session, "BLSession"
    )
    if session is not None:
        references.same_proposal("firstExperimentId", session.proposalId, proposal_id)
    derived: dict[str, Any] = {}
    code = data.get("facilityCode")
    if "facilityCode" in data:
        derived["dewarRegistryId"] = None
    if code is not None and proposal_id is not None:
        registered = registered_dewar_ids(db_session, {code}, proposal_id)
        if code in registered:
            derived["dewarRegistryId"] = registered[code]
        else:
            references.add(
                "facilityCode", f"No dewar {code!r} is registered for the shipment's proposal."
            )
    references.raise_problems()
    return derived


def create_dewar(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Dewar:
    require_member_write(caller, data, what="dewars", staff_fields=STAFF_FIELDS)
    references = References(db_session, caller)
    shipping = references.get("shippingId", data["shippingId"], get_shipment, "Shipping")
    proposal_id = shipping.proposalId if shipping is not None else None
    derived = _check_references(db_session, references, data, proposal_id)
    dewar = create_row(
        db_session,
        Dewar,
        {
            **data,
            **derived,
            "dewarStatus": lifecycle.OPENED,
            "bltimeStamp": lifecycle.facility_time(),
        },
    )
    lifecycle.record_dewar_history(db_session, dewar)
    db_session.flush()
    return get_dewar(db_session=db_session, ref=str(dewar.dewarId), caller=caller)


def update_dewar(
    *, db_session: Session, dewar: Dewar, data: dict[str, Any], caller: Caller
) -> Dewar:
    what = f"dewar {dewar.code or dewar.dewarId}"
    require_member_write(caller, data, what=what, staff_fields=STAFF_FIELDS)
    proposal_id = dewar.Shipping.proposalId
    references = References(db_session, caller)
    if data.get("shippingId") is not None:
        shipping = references.get("shippingId", data["shippingId"], get_shipment, "Shipping")
        if shipping is not None:
            references.same_proposal("shippingId", shipping.proposalId, proposal_id)
    derived = _check_references(db_session, references, data, proposal_id)
    values = {**data, **derived}
    status = values.pop("dewarStatus", None)
    if status is not None:
        lifecycle.check_transition(
            caller, current=dewar.dewarStatus, new=status, field="dewarStatus", what=what
        )
    moved = status is not None and status != dewar.dewarStatus
    relocated = values.get("storageLocation", dewar.storageLocation) != dewar.storageLocation
    if status is not None:
        dewar.dewarStatus = status
    update_row(db_session, dewar, values)
    if moved or relocated:
        lifecycle.record_dewar_history(db_session, dewar)
        db_session.flush()
    if "shippingId" in values:
        db_session.refresh(dewar, ["Shipping"])
    return dewar


def list_history(*, db_session: Session, dewar: Dewar, params: ListParams) -> Page:
    statement = select(DewarTransportHistory).where(DewarTransportHistory.dewarId == dewar.dewarId)
    return paginate(db_session, statement, params, HISTORY_LIST_SPEC)
