from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, Search, paginate

from ..access import proposal_id_condition, require_member_write
from ..ownership import References, proposal_name
from ..proposals.service import get_proposal
from .models import Protein

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(Protein.proposalId, ("eq", "in"), "Proposal id"),
        "proposal": Filter(proposal_name(Protein.proposalId), ("eq", "in"), "Proposal name"),
        "acronym": Filter(Protein.acronym, ("eq", "in", "contains"), "Acronym"),
        "name": Filter(Protein.name, ("eq", "contains"), "Name"),
        "safetyLevel": Filter(Protein.safetyLevel, ("eq", "in"), "Safety level"),
        "proteinType": Filter(Protein.proteinType, ("eq", "in"), "Kind of component"),
    },
    sortable={
        "proteinId": Protein.proteinId,
        "acronym": Protein.acronym,
        "name": Protein.name,
        "bltimeStamp": Protein.bltimeStamp,
    },
    default_sort=("acronym",),
    tiebreak=(Protein.proteinId,),
    search=Search(
        key=Protein.proteinId,
        columns=(Protein.acronym, Protein.name),
        description="acronym or name",
    ),
)

# Safety review outcomes are the facility's.
STAFF_FIELDS = frozenset({"safetyLevel"})


def visible_proteins(caller: Caller):
    return select(Protein).where(proposal_id_condition(caller, Protein.proposalId))


def list_proteins(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_proteins(caller), params, LIST_SPEC)


def get_protein(*, db_session: Session, ref: str, caller: Caller) -> Protein:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=Protein.proteinId, uuid_column=Protein.uuid)
    return one_or_404(db_session, visible_proteins(caller).where(condition), "Protein", ref)


def check_acronym_free(
    db_session: Session, *, proposal_id: int, acronym: str, current: Protein | None = None
) -> None:
    """Acronyms name proteins on sample sheets: one per proposal (ISPyB has no such key)."""
    statement = select(Protein.proteinId).where(
        Protein.proposalId == proposal_id, Protein.acronym == acronym
    )
    if current is not None:
        statement = statement.where(Protein.proteinId != current.proteinId)
    if db_session.execute(statement.limit(1)).first() is not None:
        raise Conflict(
            f"The proposal already has a protein {acronym!r}.",
            {"acronym": ["Already used by another protein of this proposal."]},
        )


def create_protein(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Protein:
    require_member_write(caller, data, what="proteins", staff_fields=STAFF_FIELDS)
    references = References(db_session, caller)
    references.get("proposalId", data["proposalId"], get_proposal, "Proposal")
    references.raise_problems()
    check_acronym_free(db_session, proposal_id=data["proposalId"], acronym=data["acronym"])
    return create_row(db_session, Protein, data)


def update_protein(
    *, db_session: Session, protein: Protein, data: dict[str, Any], caller: Caller
) -> Protein:
    require_member_write(caller, data, what=f"protein {protein.acronym}", staff_fields=STAFF_FIELDS)
    if data.get("acronym") is not None:
        check_acronym_free(
            db_session, proposal_id=protein.proposalId, acronym=data["acronym"], current=protein
        )
    return update_row(db_session, protein, data)
