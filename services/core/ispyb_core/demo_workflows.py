"""Demo workflows, processing jobs and processing messages (part of ``ispyb-core
seed-demo``; docs/workflows.md), on the demo data collections of mx1001-1:

- the lysozyme group ran an MXPressE workflow (mesh, characterisation, collect);
- the lysozyme sweep has an automatic xia2 job with its parameters, and its autoPROC run
  reported a warning and a note; the first thaumatin wedge has a user's reprocessing job.

Rows are found by their demo keys (ispyb_core.demo_keys): re-running adds nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .data_collections.models import DataCollection, DataCollectionGroup
from .demo_keys import demo_uuid
from .processing.models import AutoProcProgram
from .processing_jobs.models import ProcessingJob, ProcessingJobParameter
from .processing_messages.models import AutoProcProgramMessage
from .workflows.models import Workflow, WorkflowStep

STEPS = (
    ("Mesh", "Success", "mesh.png", "0.10", "412.5"),
    ("Characterisation", "Success", "characterisation.png", None, None),
    ("Collect", "Success", None, None, None),
)
JOBS = (
    (
        "data-collection/lyso/1",
        "xia2 dials",
        "autoprocessing-xia2-dials",
        True,
        None,
        (("ispyb_process", "xia2"), ("d_min", "1.6")),
    ),
    (
        "data-collection/thau/1",
        "xia2 3dii (reprocess)",
        "reprocessing-xia2-3dii",
        False,
        "Reprocess to 1.7 A in P41212",
        (("d_min", "1.7"), ("spacegroup", "P41212")),
    ),
)
MESSAGES = (
    ("WARNING", "Ice rings", "Ice rings at 3.67 and 2.25 A were excluded."),
    ("INFO", "Anisotropic data", "STARANISO kept 93% of the ellipsoid."),
)


def _row(db: Session, model, key: str):
    return db.execute(select(model).where(model.uuid == demo_uuid(key))).scalar_one_or_none()


def seed_workflows(db: Session) -> int:
    """Returns how many rows were added."""
    added = 0
    group = _row(db, DataCollectionGroup, "data-collection-group/demo: lysozyme, one sweep")
    if group is not None and group.workflowId is None:
        workflow = Workflow(
            uuid=demo_uuid("workflow/lysozyme"),
            workflowTitle="MXPressE on lysozyme",
            workflowType="MXPressE",
            status="Success",
            comments="demo: mesh, characterisation, collect",
            recordTimeStamp=group.startTime,
        )
        db.add(workflow)
        db.flush()
        group.workflowId = workflow.workflowId
        directory = "/dls/i03/data/2026/mx1001-1/lysozyme/workflow/"
        for number, (kind, status, image, size, dozor) in enumerate(STEPS, start=1):
            db.add(
                WorkflowStep(
                    uuid=demo_uuid(f"workflow/lysozyme/step/{number}"),
                    workflowId=workflow.workflowId,
                    workflowStepType=kind,
                    status=status,
                    folderPath=directory,
                    imageResultFilePath=directory + image if image else None,
                    crystalSizeX=size,
                    crystalSizeY=size,
                    maxDozorScore=dozor,
                    recordTimeStamp=group.startTime,
                )
            )
        db.flush()
        added += 1 + len(STEPS)
    for sweep_key, name, recipe, automatic, comments, parameters in JOBS:
        sweep = _row(db, DataCollection, sweep_key)
        key = f"processing-job/{sweep_key}/{recipe}"
        if sweep is None or _row(db, ProcessingJob, key) is not None:
            continue
        job = ProcessingJob(
            uuid=demo_uuid(key),
            dataCollectionId=sweep.dataCollectionId,
            displayName=name,
            recipe=recipe,
            automatic=automatic,
            comments=comments,
        )
        db.add(job)
        db.flush()
        for index, (parameter, value) in enumerate(parameters):
            db.add(
                ProcessingJobParameter(
                    uuid=demo_uuid(f"{key}/parameter/{index}"),
                    processingJobId=job.processingJobId,
                    parameterKey=parameter,
                    parameterValue=value,
                )
            )
        db.flush()
        added += 1 + len(parameters)
    run = _row(db, AutoProcProgram, "processing/demo: autoPROC lyso_1")
    if run is not None:
        for index, (severity, message, description) in enumerate(MESSAGES):
            key = f"processing-message/autoPROC lyso_1/{index}"
            if _row(db, AutoProcProgramMessage, key) is not None:
                continue
            db.add(
                AutoProcProgramMessage(
                    uuid=demo_uuid(key),
                    autoProcProgramId=run.autoProcProgramId,
                    severity=severity,
                    message=message,
                    description=description,
                )
            )
            added += 1
        db.flush()
    return added
