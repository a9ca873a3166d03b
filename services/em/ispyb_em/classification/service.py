"""Particle picking, classification batches with their classes, initial models."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.listing import Filter, ListSpec

from ..motion_correction.models import MotionCorrection
from ..ownership import References, data_collection_filter, owners
from ..programs.models import AutoProcProgram
from ..resources import BodyParts, OwnedResource, columns_of
from .models import (
    CryoemInitialModel,
    ParticleClassification,
    ParticleClassificationGroup,
    ParticleClassificationHasCryoemInitialModel,
    ParticlePicker,
)
from .schemas import (
    CryoemInitialModelCreate,
    CryoemInitialModelRead,
    ParticleClassificationGroupCreate,
    ParticleClassificationGroupRead,
    ParticleClassificationRead,
    ParticleClassificationUpdate,
    ParticlePickerCreate,
    ParticlePickerRead,
)

# --- particle pickers ----------------------------------------------------------------------


def _picker_owner(references: References, data: Mapping[str, Any]) -> str | None:
    owner = references.row("programId", AutoProcProgram, data["programId"], table="program run")
    micrograph = references.row(
        "firstMotionCorrectionId",
        MotionCorrection,
        data.get("firstMotionCorrectionId"),
        table="motion correction",
    )
    references.same_data_collection("firstMotionCorrectionId", micrograph, owner)
    return owner


PICKERS = OwnedResource(
    model=ParticlePicker,
    what="Particle picker",
    read=ParticlePickerRead,
    create=ParticlePickerCreate,
    owner_of=_picker_owner,
    list_spec=ListSpec(
        filters={
            "dataCollectionUUID": data_collection_filter(ParticlePicker),
            "programId": Filter(ParticlePicker.programId, ("eq", "in"), "Program run"),
            "firstMotionCorrectionId": Filter(
                ParticlePicker.firstMotionCorrectionId, ("eq", "in"), "First micrograph"
            ),
        },
        sortable={"particlePickerId": ParticlePicker.particlePickerId},
        default_sort=("particlePickerId",),
        tiebreak=(ParticlePicker.particlePickerId,),
    ),
)

# --- classification groups and their classes ------------------------------------------------


def _group_owner(references: References, data: Mapping[str, Any]) -> str | None:
    owner = references.row("programId", AutoProcProgram, data["programId"], table="program run")
    picker = references.row(
        "particlePickerId", ParticlePicker, data.get("particlePickerId"), table="particle picker"
    )
    references.same_data_collection("particlePickerId", picker, owner)
    numbers: dict[int, int] = {}
    for index, item in enumerate(data.get("classes", [])):
        number = item["classNumber"]
        if number in numbers:
            references.add(
                f"classes[{index}].classNumber",
                f"Repeats classes[{numbers[number]}] (same classNumber).",
            )
        numbers.setdefault(number, index)
    return owner


def _with_classes(db_session: Session, groups: list[Any]) -> list[dict[str, Any]]:
    ids = [group.particleClassificationGroupId for group in groups]
    classes: dict[int, list[Any]] = defaultdict(list)
    if ids:
        for item in db_session.execute(
            select(ParticleClassification)
            .where(ParticleClassification.particleClassificationGroupId.in_(ids))
            .order_by(
                ParticleClassification.classNumber,
                ParticleClassification.particleClassificationId,
            )
        ).scalars():
            classes[item.particleClassificationGroupId].append(item)
    return [
        {**columns_of(group), "classes": classes[group.particleClassificationGroupId]}
        for group in groups
    ]


GROUPS = OwnedResource(
    model=ParticleClassificationGroup,
    what="Particle classification group",
    read=ParticleClassificationGroupRead,
    create=ParticleClassificationGroupCreate,
    owner_of=_group_owner,
    with_parts=_with_classes,
    body_parts=BodyParts(
        "classes",
        lambda group, classes: (
            ParticleClassification(
                **item, particleClassificationGroupId=group.particleClassificationGroupId
            )
            for item in classes
        ),
    ),
    list_spec=ListSpec(
        filters={
            "dataCollectionUUID": data_collection_filter(ParticleClassificationGroup),
            "type": Filter(ParticleClassificationGroup.type, ("eq",), "2D or 3D"),
            "programId": Filter(ParticleClassificationGroup.programId, ("eq", "in"), "Program"),
            "particlePickerId": Filter(
                ParticleClassificationGroup.particlePickerId, ("eq", "in"), "Particle picker"
            ),
            "batchNumber": Filter(
                ParticleClassificationGroup.batchNumber, ("eq", "gte", "lte"), "Batch number"
            ),
        },
        sortable={
            "particleClassificationGroupId": (
                ParticleClassificationGroup.particleClassificationGroupId
            ),
            "batchNumber": ParticleClassificationGroup.batchNumber,
        },
        default_sort=("particleClassificationGroupId",),
        tiebreak=(ParticleClassificationGroup.particleClassificationGroupId,),
    ),
)


CLASSES = OwnedResource(
    model=ParticleClassification,
    what="Particle classification",
    read=ParticleClassificationRead,
    update=ParticleClassificationUpdate,
    list_spec=ListSpec(
        filters={
            "dataCollectionUUID": data_collection_filter(ParticleClassification),
            "particleClassificationGroupId": Filter(
                ParticleClassification.particleClassificationGroupId, ("eq", "in"), "Batch"
            ),
            "selected": Filter(ParticleClassification.selected, ("eq",), "Selected"),
            "classNumber": Filter(ParticleClassification.classNumber, ("eq", "in"), "Class"),
            "type": Filter(ParticleClassificationGroup.type, ("eq",), "2D or 3D (of the batch)"),
            "estimatedResolution": Filter(
                ParticleClassification.estimatedResolution, ("gte", "lte"), "Resolution (Å)"
            ),
        },
        sortable={
            "particleClassificationId": ParticleClassification.particleClassificationId,
            "classNumber": ParticleClassification.classNumber,
            "particlesPerClass": ParticleClassification.particlesPerClass,
            "estimatedResolution": ParticleClassification.estimatedResolution,
            "classDistribution": ParticleClassification.classDistribution,
        },
        default_sort=("particleClassificationId",),
        tiebreak=(ParticleClassification.particleClassificationId,),
    ),
)

# --- initial models ------------------------------------------------------------------------


def _model_owner(references: References, data: Mapping[str, Any]) -> str | None:
    ids = data["particleClassificationIds"]
    found = owners(references.db_session, ParticleClassification, ids)
    visible = references.data_collections.visible(set(found.values()))
    collections = set()
    for index, class_id in enumerate(ids):
        owner = found.get(class_id)
        if owner is None or owner not in visible:
            references.add(
                f"particleClassificationIds[{index}]",
                f"No particle classification with id {class_id}.",
            )
        else:
            collections.add(owner)
    if len(collections) > 1:
        references.add(
            "particleClassificationIds", "The classes belong to several data collections."
        )
    if len(set(ids)) != len(ids):
        references.add("particleClassificationIds", "A class is named twice.")
    return next(iter(collections)) if len(collections) == 1 else None


def _with_classification_ids(db_session: Session, models: list[Any]) -> list[dict[str, Any]]:
    link = ParticleClassificationHasCryoemInitialModel
    ids = [model.cryoemInitialModelId for model in models]
    classes: dict[int, list[int]] = defaultdict(list)
    if ids:
        for model_id, class_id in db_session.execute(
            select(link.cryoemInitialModelId, link.particleClassificationId)
            .where(link.cryoemInitialModelId.in_(ids))
            .order_by(link.particleClassificationId)
        ):
            classes[model_id].append(class_id)
    return [
        {**columns_of(model), "particleClassificationIds": classes[model.cryoemInitialModelId]}
        for model in models
    ]


INITIAL_MODELS = OwnedResource(
    model=CryoemInitialModel,
    what="Initial model",
    read=CryoemInitialModelRead,
    create=CryoemInitialModelCreate,
    owner_of=_model_owner,
    with_parts=_with_classification_ids,
    body_parts=BodyParts(
        "particleClassificationIds",
        lambda model, class_ids: (
            ParticleClassificationHasCryoemInitialModel(
                particleClassificationId=class_id,
                cryoemInitialModelId=model.cryoemInitialModelId,
            )
            for class_id in class_ids
        ),
    ),
    list_spec=ListSpec(
        filters={"dataCollectionUUID": data_collection_filter(CryoemInitialModel)},
        sortable={
            "cryoemInitialModelId": CryoemInitialModel.cryoemInitialModelId,
            "resolution": CryoemInitialModel.resolution,
        },
        default_sort=("cryoemInitialModelId",),
        tiebreak=(CryoemInitialModel.cryoemInitialModelId,),
    ),
)
