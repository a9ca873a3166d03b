from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import proposal_id_condition, require_member_write
from ..diffraction_plans.service import get_diffraction_plan
from ..ownership import References, proposal_name
from ..proteins.models import Protein
from ..proteins.service import get_protein
from .models import Crystal

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(Protein.proposalId, ("eq", "in"), "Proposal id (of the protein)"),
        "proposal": Filter(proposal_name(Protein.proposalId), ("eq", "in"), "Proposal name"),
        "proteinId": Filter(Crystal.proteinId, ("eq", "in"), "Protein id"),
        "acronym": Filter(Protein.acronym, ("eq", "in"), "Protein acronym"),
        "name": Filter(Crystal.name, ("eq", "contains"), "Name"),
        "spaceGroup": Filter(Crystal.spaceGroup, ("eq", "in"), "Space group"),
    },
    sortable={
        "crystalId": Crystal.crystalId,
        "name": Crystal.name,
        "spaceGroup": Crystal.spaceGroup,
        "acronym": Protein.acronym,
    },
    default_sort=("crystalId",),
    tiebreak=(Crystal.crystalId,),
)


def visible_crystals(caller: Caller):
    return (
        select(Crystal)
        .join(Crystal.Protein)
        .options(contains_eager(Crystal.Protein))
        .where(proposal_id_condition(caller, Protein.proposalId))
    )


def list_crystals(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_crystals(caller), params, LIST_SPEC)


def get_crystal(*, db_session: Session, ref: str, caller: Caller) -> Crystal:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=Crystal.crystalId, uuid_column=Crystal.uuid)
    return one_or_404(db_session, visible_crystals(caller).where(condition), "Crystal", ref)


def _check_references(
    references: References, data: dict[str, Any], *, proposal_id: int | None = None
) -> None:
    protein = references.get("proteinId", data.get("proteinId"), get_protein, "Protein")
    if protein is not None:
        references.same_proposal("proteinId", protein.proposalId, proposal_id)
    references.get(
        "diffractionPlanId", data.get("diffractionPlanId"), get_diffraction_plan, "DiffractionPlan"
    )
    references.raise_problems()


def create_crystal(*, db_session: Session, data: dict[str, Any], caller: Caller) -> Crystal:
    require_member_write(caller, data, what="crystals")
    _check_references(References(db_session, caller), data)
    crystal = create_row(db_session, Crystal, data)
    return get_crystal(db_session=db_session, ref=str(crystal.crystalId), caller=caller)


def update_crystal(
    *, db_session: Session, crystal: Crystal, data: dict[str, Any], caller: Caller
) -> Crystal:
    require_member_write(caller, data, what=f"crystal {crystal.crystalId}")
    # Its samples sit in the proposal's containers: the crystal stays in the proposal.
    _check_references(References(db_session, caller), data, proposal_id=crystal.Protein.proposalId)
    update_row(db_session, crystal, data)
    if "proteinId" in data:
        db_session.refresh(crystal, ["Protein"])
    return crystal
