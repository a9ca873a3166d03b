from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from ispyb_shared.auth import Caller
from ispyb_shared.crud import create_row, one_or_404, ref_condition, update_row
from ispyb_shared.errors import Conflict, ValidationFailed
from ispyb_shared.listing import Filter, ListParams, ListSpec, Page, Search, paginate, prefix_like

from ..access import proposal_id_condition, require_member_write
from ..containers.models import Container
from ..containers.positions import capacity_problem
from ..containers.service import container_proposal_id, get_container
from ..crystals.models import Crystal
from ..crystals.service import get_crystal
from ..dewars.models import Dewar
from ..diffraction_plans.service import get_diffraction_plan
from ..ownership import References, proposal_name
from ..proteins.models import Protein
from .models import BLSample

_DEWAR_OF_SAMPLE = (
    select(Container.dewarId).where(Container.containerId == BLSample.containerId).scalar_subquery()
)
_SHIPMENT_OF_SAMPLE = (
    select(Dewar.shippingId)
    .join(Container, Container.dewarId == Dewar.dewarId)
    .where(Container.containerId == BLSample.containerId)
    .scalar_subquery()
)

LIST_SPEC = ListSpec(
    filters={
        "proposalId": Filter(Protein.proposalId, ("eq", "in"), "Proposal id (of the protein)"),
        "proposal": Filter(proposal_name(Protein.proposalId), ("eq", "in"), "Proposal name"),
        "containerId": Filter(BLSample.containerId, ("eq", "in"), "Container id"),
        "dewarId": Filter(_DEWAR_OF_SAMPLE, ("eq", "in"), "Dewar id (of the container)"),
        "shippingId": Filter(_SHIPMENT_OF_SAMPLE, ("eq", "in"), "Shipment id"),
        "crystalId": Filter(BLSample.crystalId, ("eq", "in"), "Crystal id"),
        "proteinId": Filter(Crystal.proteinId, ("eq", "in"), "Protein id"),
        "acronym": Filter(Protein.acronym, ("eq", "in"), "Protein acronym"),
        "diffractionPlanId": Filter(BLSample.diffractionPlanId, ("eq", "in"), "Plan id"),
        "name": Filter(BLSample.name, ("eq", "in", "contains"), "Name"),
        "code": Filter(BLSample.code, ("eq", "in"), "Pin barcode or code"),
        "location": Filter(BLSample.location, ("eq", "in"), "Position in the container"),
        "blSampleStatus": Filter(BLSample.blSampleStatus, ("eq", "in"), "Status"),
    },
    sortable={
        "blSampleId": BLSample.blSampleId,
        "name": BLSample.name,
        "containerId": BLSample.containerId,
        "recordTimeStamp": BLSample.recordTimeStamp,
    },
    default_sort=("blSampleId",),
    tiebreak=(BLSample.blSampleId,),
    search=Search(
        key=BLSample.blSampleId,
        columns=(BLSample.name,),
        branches=(
            # Through the acronym's index, the protein's crystals, their samples.
            lambda word: (
                select(BLSample.blSampleId)
                .join(Crystal, Crystal.crystalId == BLSample.crystalId)
                .join(Protein, Protein.proteinId == Crystal.proteinId)
                .where(prefix_like(Protein.acronym, word))
            ),
        ),
        description="the sample's name or its protein's acronym",
    ),
)

# What the beamline records about a sample.
STAFF_FIELDS = frozenset({"staffComments", "blSampleStatus", "isInSampleChanger"})


def visible_samples(caller: Caller):
    return (
        select(BLSample)
        .outerjoin(BLSample.Crystal)
        .outerjoin(Crystal.Protein)
        .options(
            contains_eager(BLSample.Crystal).contains_eager(Crystal.Protein),
            joinedload(BLSample.DiffractionPlan),
        )
        .where(proposal_id_condition(caller, Protein.proposalId))
    )


def list_samples(*, db_session: Session, params: ListParams, caller: Caller) -> Page:
    return paginate(db_session, visible_samples(caller), params, LIST_SPEC)


def get_sample(*, db_session: Session, ref: str, caller: Caller) -> BLSample:
    """By id or UUID."""
    condition = ref_condition(ref, id_column=BLSample.blSampleId, uuid_column=BLSample.uuid)
    return one_or_404(db_session, visible_samples(caller).where(condition), "Sample", ref)


def sample_proposal_id(sample: BLSample) -> int | None:
    """The proposal of a sample loaded by :func:`visible_samples`."""
    return sample.Crystal.Protein.proposalId if sample.Crystal is not None else None


def check_position_free(
    db_session: Session,
    *,
    container: Container,
    location: str,
    sub_location: int | None,
    current: BLSample | None = None,
) -> None:
    """One sample per position (and subLocation) of a container; ISPyB's unique key does
    not see positions whose subLocation is null, so core checks."""
    problem = capacity_problem(location, container.capacity)
    if problem is not None:
        raise ValidationFailed(problem, {"location": [problem]})
    statement = select(BLSample.name).where(
        BLSample.containerId == container.containerId,
        BLSample.location == location,
        BLSample.subLocation.is_(None)
        if sub_location is None
        else BLSample.subLocation == sub_location,
    )
    if current is not None:
        statement = statement.where(BLSample.blSampleId != current.blSampleId)
    taken_by = db_session.execute(statement.limit(1)).scalar_one_or_none()
    if taken_by is not None:
        raise Conflict(
            f"Position {location} of container {container.code or container.containerId} "
            f"already holds sample {taken_by}.",
            {"location": [f"Position {location} already holds sample {taken_by}."]},
        )


def _check_references(
    references: References, values: dict[str, Any], *, proposal_id: int | None
) -> tuple[int | None, Container | None]:
    """The sample's proposal (its crystal's) and container, every reference checked."""
    crystal = references.get("crystalId", values.get("crystalId"), get_crystal, "Crystal")
    owner = proposal_id
    if crystal is not None:
        references.same_proposal("crystalId", crystal.Protein.proposalId, owner)
        owner = owner or crystal.Protein.proposalId
    container = references.get("containerId", values.get("containerId"), get_container, "Container")
    if container is not None:
        references.same_proposal("containerId", container_proposal_id(container), owner)
    references.get(
        "diffractionPlanId",
        values.get("diffractionPlanId"),
        get_diffraction_plan,
        "DiffractionPlan",
    )
    references.raise_problems()
    return owner, container


def create_sample(*, db_session: Session, data: dict[str, Any], caller: Caller) -> BLSample:
    require_member_write(caller, data, what="samples", staff_fields=STAFF_FIELDS)
    _owner, container = _check_references(References(db_session, caller), data, proposal_id=None)
    check_position_free(
        db_session,
        container=container,
        location=data["location"],
        sub_location=data.get("subLocation"),
    )
    sample = create_row(db_session, BLSample, data)
    return get_sample(db_session=db_session, ref=str(sample.blSampleId), caller=caller)


def update_sample(
    *, db_session: Session, sample: BLSample, data: dict[str, Any], caller: Caller
) -> BLSample:
    require_member_write(
        caller, data, what=f"sample {sample.name or sample.blSampleId}", staff_fields=STAFF_FIELDS
    )
    moved = {"containerId", "location", "subLocation"} & set(data)
    merged = {
        "crystalId": data.get("crystalId"),
        "diffractionPlanId": data.get("diffractionPlanId"),
        "containerId": data.get("containerId", sample.containerId) if moved else None,
    }
    _owner, container = _check_references(
        References(db_session, caller), merged, proposal_id=sample_proposal_id(sample)
    )
    if container is not None:
        location = data.get("location", sample.location)
        if location is not None:
            check_position_free(
                db_session,
                container=container,
                location=location,
                sub_location=data.get("subLocation", sample.subLocation),
                current=sample,
            )
    update_row(db_session, sample, data)
    changed_relations = [
        name
        for name, field in (("Crystal", "crystalId"), ("DiffractionPlan", "diffractionPlanId"))
        if field in data
    ]
    if changed_relations:
        db_session.expire(sample, changed_relations)
        return get_sample(db_session=db_session, ref=str(sample.blSampleId), caller=caller)
    return sample


def _dependents(sample_table) -> list[tuple[str, object]]:
    """Every (table, column) that refers to a sample by a foreign key, from the mapped
    models (so a table added later is checked too), in a stable order."""
    found = []
    for table in sample_table.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is sample_table and table is not sample_table:
                found.append((table.name, key.parent))
    return sorted(found, key=lambda pair: (pair[0], pair[1].name))


def delete_sample(*, db_session: Session, sample: BLSample, caller: Caller) -> None:
    """Delete a sample the caller may change (as PATCH: those who see its proposal, no
    machine client), only when no row refers to it: 409 names what does. One statement
    checks every referring table; the deletion is the request's one transaction."""
    require_member_write(caller, (), what=f"sample {sample.name or sample.blSampleId}")
    dependents = _dependents(BLSample.__table__)
    if dependents:
        checks = [
            exists().where(column == sample.blSampleId).label(f"d{index}")
            for index, (_table, column) in enumerate(dependents)
        ]
        row = db_session.execute(select(*checks)).one()
        using = sorted(
            {table for (table, _column), used in zip(dependents, row, strict=True) if used}
        )
        if using:
            raise Conflict(
                f"Sample {sample.name or sample.blSampleId} cannot be deleted: "
                f"{', '.join(using)} rows refer to it.",
                {"blSampleId": [f"Referred to by {', '.join(using)}."]},
            )
    db_session.delete(sample)
    db_session.flush()
