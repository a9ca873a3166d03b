from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict, NotFound
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, paginate

from ..access import proposal_id_condition, require_member_write
from ..crystals.models import Crystal
from ..ownership import References, proposal_name
from ..persons.service import get_person
from ..proposals.service import get_proposal
from ..samples.models import BLSample
from ..samples.service import get_sample, sample_proposal_id
from .models import BLSampleGroup, BLSampleGroupHasBLSample

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(BLSampleGroup.proposalId, ("eq", "in"), "Proposal id"),
        "proposal": Filter(proposal_name(BLSampleGroup.proposalId), ("eq", "in"), "Proposal name"),
        "name": Filter(BLSampleGroup.name, ("eq", "contains"), "Name"),
        "ownerId": Filter(BLSampleGroup.ownerId, ("eq", "in"), "Owner (person id)"),
    },
    sortable={"blSampleGroupId": BLSampleGroup.blSampleGroupId, "name": BLSampleGroup.name},
    default_sort=("name",),
    tiebreak=(BLSampleGroup.blSampleGroupId,),
)

SAMPLE_DETAILS = (
    joinedload(BLSample.Crystal).joinedload(Crystal.Protein),
    joinedload(BLSample.DiffractionPlan),
)
# The blocks of a member's sample (expand=, see api.py), by the member's JSON path.
CRYSTAL, PROTEIN, PLAN = "blSample.crystal", "blSample.crystal.protein", "blSample.diffractionPlan"
EVERYTHING = frozenset((CRYSTAL, PROTEIN, PLAN))


def sample_details(expand: frozenset[str]) -> tuple:
    """The loader options of a member's sample for the blocks answered (expand=, as a
    member's paths): joined in the statement that loads the sample."""
    options: list = []
    if CRYSTAL in expand:
        crystal = joinedload(BLSample.Crystal)
        options.append(crystal.joinedload(Crystal.Protein) if PROTEIN in expand else crystal)
    if PLAN in expand:
        options.append(joinedload(BLSample.DiffractionPlan))
    return tuple(options)


def members_options(expand: frozenset[str], *, joined: bool = False):
    """A group's members with their samples (and the blocks answered): one more statement
    for a page of groups (selectin), or joined in the group's own statement (one group)."""
    load = joinedload if joined else selectinload
    members = load(BLSampleGroup.members).joinedload(BLSampleGroupHasBLSample.BLSample)
    details = sample_details(expand)
    return members.options(*details) if details else members


def member_paths(expand: frozenset[str]) -> frozenset[str]:
    """A group's blocks (members.blSample.crystal...) as a member's (blSample.crystal...)."""
    return frozenset(name.removeprefix("members.") for name in expand)


MEMBERS = members_options(EVERYTHING)
# One group: its members joined in the same statement (one round trip).
MEMBERS_JOINED = members_options(EVERYTHING, joined=True)


def visible_groups(caller: Caller, members=MEMBERS):
    return (
        select(BLSampleGroup)
        .where(proposal_id_condition(caller, BLSampleGroup.proposalId))
        .options(members)
    )


def list_sample_groups(
    *, db_session: Session, params: ListParams, caller: Caller, expand: frozenset[str] = EVERYTHING
) -> Page:
    """expand=: the blocks answered (members.blSample.crystal...), loaded in the members'
    statement: two statements whatever the page size and the blocks."""
    members = members_options(member_paths(expand))
    return paginate(db_session, visible_groups(caller, members), params, LIST_SPEC)


def get_sample_group(
    *, db_session: Session, ref: str, caller: Caller, expand: frozenset[str] | None = None
) -> BLSampleGroup:
    """By id or UUID; expand= as for the list (None: every block, for a write's answer)."""
    condition = ref_condition(
        ref, id_column=BLSampleGroup.blSampleGroupId, uuid_column=BLSampleGroup.uuid
    )
    members = (
        MEMBERS_JOINED if expand is None else members_options(member_paths(expand), joined=True)
    )
    statement = visible_groups(caller, members).where(condition)
    return one_or_404(db_session, statement, "Sample group", ref)


def create_sample_group(
    *, db_session: Session, data: dict[str, Any], caller: Caller
) -> BLSampleGroup:
    require_member_write(caller, data, what="sample groups")
    references = References(db_session, caller)
    references.get("proposalId", data["proposalId"], get_proposal, "Proposal")
    references.get("ownerId", data.get("ownerId"), get_person, "Person")
    references.raise_problems()
    group = create_row(db_session, BLSampleGroup, data)
    return get_sample_group(db_session=db_session, ref=str(group.blSampleGroupId), caller=caller)


def update_sample_group(
    *, db_session: Session, group: BLSampleGroup, data: dict[str, Any], caller: Caller
) -> BLSampleGroup:
    require_member_write(caller, data, what=f"sample group {group.name}")
    references = References(db_session, caller)
    references.get("ownerId", data.get("ownerId"), get_person, "Person")
    references.raise_problems()
    return update_row(db_session, group, data)


def _member(db_session: Session, group: BLSampleGroup, sample_id: int):
    return db_session.execute(
        select(BLSampleGroupHasBLSample)
        .options(joinedload(BLSampleGroupHasBLSample.BLSample).options(*SAMPLE_DETAILS))
        .where(
            BLSampleGroupHasBLSample.blSampleGroupId == group.blSampleGroupId,
            BLSampleGroupHasBLSample.blSampleId == sample_id,
        )
    ).scalar_one_or_none()


def get_member(
    *, db_session: Session, group: BLSampleGroup, sample_ref: str, caller: Caller
) -> BLSampleGroupHasBLSample:
    sample = get_sample(db_session=db_session, ref=sample_ref, caller=caller)
    member = _member(db_session, group, sample.blSampleId)
    if member is None:
        raise NotFound(
            f"Sample {sample_ref} is not in sample group {group.name}.", {"ref": [sample_ref]}
        )
    return member


def add_member(
    *, db_session: Session, group: BLSampleGroup, data: dict[str, Any], caller: Caller
) -> BLSampleGroupHasBLSample:
    require_member_write(caller, data, what=f"sample group {group.name}")
    references = References(db_session, caller)
    sample = references.get("blSampleId", data["blSampleId"], get_sample, "BLSample")
    if sample is not None:
        references.same_proposal("blSampleId", sample_proposal_id(sample), group.proposalId)
    references.raise_problems()
    if _member(db_session, group, sample.blSampleId) is not None:
        raise Conflict(
            f"Sample {sample.name} is already in sample group {group.name}.",
            {"blSampleId": ["Already in this group."]},
        )
    values = {**data, "blSampleGroupId": group.blSampleGroupId}
    if values.get("groupOrder") is None:
        highest = db_session.execute(
            select(func.max(BLSampleGroupHasBLSample.groupOrder)).where(
                BLSampleGroupHasBLSample.blSampleGroupId == group.blSampleGroupId
            )
        ).scalar_one()
        values["groupOrder"] = (highest or 0) + 1
    create_row(db_session, BLSampleGroupHasBLSample, values)
    return get_member(
        db_session=db_session, group=group, sample_ref=str(sample.blSampleId), caller=caller
    )


def update_member(
    *,
    db_session: Session,
    group: BLSampleGroup,
    member: BLSampleGroupHasBLSample,
    data: dict[str, Any],
    caller: Caller,
) -> BLSampleGroupHasBLSample:
    require_member_write(caller, data, what=f"sample group {group.name}")
    return update_row(db_session, member, data)


def remove_member(
    *,
    db_session: Session,
    group: BLSampleGroup,
    member: BLSampleGroupHasBLSample,
    caller: Caller,
) -> None:
    require_member_write(caller, (), what=f"sample group {group.name}")
    db_session.delete(member)
    db_session.flush()
