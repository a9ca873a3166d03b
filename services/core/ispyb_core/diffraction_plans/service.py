from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import proposal_id_condition, require_member_write, sees_everything
from ..crystals.models import Crystal
from ..ownership import References
from ..proposals.service import get_proposal
from ..proteins.models import Protein
from ..samples.models import BLSample
from .models import DiffractionPlan

LIST_SPEC = ListSpec(
    filters={
        "presetForProposalId": Filter(
            DiffractionPlan.presetForProposalId, ("eq", "in"), "Proposal of a preset"
        ),
        "experimentKind": Filter(DiffractionPlan.experimentKind, ("eq", "in"), "Experiment kind"),
        "beamLineName": Filter(DiffractionPlan.beamLineName, ("eq", "in"), "Beamline"),
        "name": Filter(DiffractionPlan.name, ("eq", "contains"), "Name"),
    },
    sortable={
        "diffractionPlanId": DiffractionPlan.diffractionPlanId,
        "name": DiffractionPlan.name,
        "recordTimeStamp": DiffractionPlan.recordTimeStamp,
    },
    default_sort=("diffractionPlanId",),
    tiebreak=(DiffractionPlan.diffractionPlanId,),
)


def plan_condition(caller: Caller) -> ColumnElement[bool]:
    """Plans of a visible proposal: its presets and the plans its crystals and samples use."""
    if sees_everything(caller):
        return true()
    plan_id = DiffractionPlan.diffractionPlanId
    used_by_crystal = exists(
        select(Crystal.crystalId)
        .join(Crystal.Protein)
        .where(
            Crystal.diffractionPlanId == plan_id,
            proposal_id_condition(caller, Protein.proposalId),
        )
    )
    used_by_sample = exists(
        select(BLSample.blSampleId)
        .join(BLSample.Crystal)
        .join(Crystal.Protein)
        .where(
            BLSample.diffractionPlanId == plan_id,
            proposal_id_condition(caller, Protein.proposalId),
        )
    )
    preset = proposal_id_condition(caller, DiffractionPlan.presetForProposalId)
    return preset | used_by_crystal | used_by_sample


def visible_plans(caller: Caller):
    return select(DiffractionPlan).where(plan_condition(caller))


def list_diffraction_plans(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_plans(caller), params, LIST_SPEC)


def get_diffraction_plan(*, db_session: Session, ref: str, caller: Caller) -> DiffractionPlan:
    """By id or UUID."""
    condition = ref_condition(
        ref, id_column=DiffractionPlan.diffractionPlanId, uuid_column=DiffractionPlan.uuid
    )
    return one_or_404(db_session, visible_plans(caller).where(condition), "Diffraction plan", ref)


def create_diffraction_plan(
    *, db_session: Session, data: dict[str, Any], caller: Caller
) -> DiffractionPlan:
    require_member_write(caller, data, what="diffraction plans")
    references = References(db_session, caller)
    references.get("presetForProposalId", data["presetForProposalId"], get_proposal, "Proposal")
    references.raise_problems()
    return create_row(db_session, DiffractionPlan, data)


def update_diffraction_plan(
    *, db_session: Session, plan: DiffractionPlan, data: dict[str, Any], caller: Caller
) -> DiffractionPlan:
    require_member_write(caller, data, what=f"diffraction plan {plan.diffractionPlanId}")
    return update_row(db_session, plan, data)
