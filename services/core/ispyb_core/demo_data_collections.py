"""Demo data collections and processing results (part of ``ispyb-core seed-demo``).

Visit mx1001-1 (i03): a lysozyme sweep processed by xia2 and by autoPROC with STARANISO
(anisotropy), and a three-sweep (multi-wedge) group merged by xia2.multiplex.
Visit cm1003-1: a cryo-EM data collection with a FIXED uuid, which the EM service's demo
refers to (services share no code, so the EM service keeps the same constant).
Rows are found by their demo keys (ispyb_core.demo_keys), so re-running adds nothing
whatever users added since; a database seeded before demo keys is matched by natural keys
(image directory + prefix + number, a run's command line, a group's comment).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from .data_collection_attachments.models import DataCollectionFileAttachment
from .data_collections.models import DataCollection, DataCollectionGroup
from .demo_files import demo_image_directory, demo_plot, demo_snapshot, demo_text
from .demo_keys import demo_uuid, find_demo_row
from .energy_scans.models import EnergyScan
from .image_quality_indicators.models import ImageQualityIndicators
from .processing.models import (
    AutoProc,
    AutoProcIntegration,
    AutoProcProgram,
    AutoProcProgramAttachment,
    AutoProcScaling,
    AutoProcScalingAnisotropy,
    AutoProcScalingHasInt,
    AutoProcScalingStatistics,
)
from .robot_actions.models import RobotAction
from .sessions.models import BLSession
from .xrf_spectra.models import XFEFluorescenceSpectrum

EM_DEMO_DATA_COLLECTION_UUID = "7c0e5c1e-5d1a-4b8e-9a57-2f7f3a0c4e01"
LYSOZYME_CELL = (79.1, 79.1, 37.9, 90.0, 90.0, 90.0)


def _sweep(db: Session, group: DataCollectionGroup, number: int, start: dt.datetime, **values):
    directory = values.pop("imageDirectory")
    prefix = values.pop("imagePrefix")
    key = f"data-collection/{prefix}/{number}"
    natural = {"imageDirectory": directory, "imagePrefix": prefix, "dataCollectionNumber": number}
    existing = find_demo_row(db, DataCollection, key, natural)
    if existing is not None:
        return existing, False
    sweep = DataCollection(
        uuid=demo_uuid(key),
        dataCollectionGroupId=group.dataCollectionGroupId,
        SESSIONID=group.sessionId,
        dataCollectionNumber=number,
        imageDirectory=directory,
        imagePrefix=prefix,
        startTime=start,
        endTime=start + dt.timedelta(minutes=4),
        runStatus="DataCollection Successful",
        xtalSnapshotFullPath1=demo_snapshot(f"{prefix}_{number}_snapshot", 37 * number),
        **values,
    )
    db.add(sweep)
    db.flush()
    return sweep, True


def _shells(high: float, completeness: float, r_merge: float, cc_outer: float):
    return {
        "overall": dict(
            resolutionLimitLow=39.6,
            resolutionLimitHigh=high,
            completeness=completeness,
            multiplicity=6.9,
            meanIOverSigI=17.2,
            ccHalf=99.9,
            rMerge=r_merge,
            rMeasAllIPlusIMinus=r_merge * 1.08,
            rPimAllIPlusIMinus=r_merge * 0.41,
            nTotalObservations=231000,
            nTotalUniqueObservations=33500,
        ),
        "innerShell": dict(
            resolutionLimitLow=39.6,
            resolutionLimitHigh=4.4,
            completeness=99.8,
            multiplicity=6.5,
            meanIOverSigI=48.0,
            ccHalf=99.9,
            rMerge=0.029,
            nTotalObservations=11500,
            nTotalUniqueObservations=1770,
        ),
        "outerShell": dict(
            resolutionLimitLow=high + 0.04,
            resolutionLimitHigh=high,
            completeness=completeness - 4,
            multiplicity=6.1,
            meanIOverSigI=1.8,
            ccHalf=cc_outer,
            rMerge=0.95,
            nTotalObservations=10100,
            nTotalUniqueObservations=1650,
        ),
    }


def _processing(
    db: Session,
    sweeps,
    *,
    programs: str,
    command: str,
    high: float,
    completeness: float,
    r_merge: float,
    cc_outer: float,
    start: dt.datetime,
    anisotropy: dict | None = None,
    space_group: str = "P 43 21 2",
) -> int:
    key = f"processing/{command}"
    if find_demo_row(db, AutoProcProgram, key, {"processingCommandLine": command}):
        return 0
    program = AutoProcProgram(
        uuid=demo_uuid(key),
        processingPrograms=programs,
        processingCommandLine=command,
        processingStatus=True,
        processingMessage="processing successful",
        processingStartTime=start,
        processingEndTime=start + dt.timedelta(minutes=9),
        processingEnvironment="demo cluster",
        recordTimeStamp=start,
    )
    db.add(program)
    db.flush()
    a, b, c, alpha, beta, gamma = LYSOZYME_CELL
    integrations = [
        AutoProcIntegration(
            dataCollectionId=sweep.dataCollectionId,
            autoProcProgramId=program.autoProcProgramId,
            cell_a=a,
            cell_b=b,
            cell_c=c,
            cell_alpha=alpha,
            cell_beta=beta,
            cell_gamma=gamma,
            refinedXBeam=155.2,
            refinedYBeam=163.8,
            refinedDetectorDistance=249.7,
            recordTimeStamp=start,
        )
        for sweep in sweeps
    ]
    auto_proc = AutoProc(
        autoProcProgramId=program.autoProcProgramId,
        spaceGroup=space_group,
        refinedCell_a=a,
        refinedCell_b=b,
        refinedCell_c=c,
        refinedCell_alpha=alpha,
        refinedCell_beta=beta,
        refinedCell_gamma=gamma,
        recordTimeStamp=start,
    )
    db.add_all([*integrations, auto_proc])
    db.flush()
    scaling = AutoProcScaling(autoProcId=auto_proc.autoProcId, recordTimeStamp=start)
    db.add(scaling)
    db.flush()
    rows = [
        AutoProcScalingHasInt(
            autoProcScalingId=scaling.autoProcScalingId,
            autoProcIntegrationId=integration.autoProcIntegrationId,
            recordTimeStamp=start,
        )
        for integration in integrations
    ]
    rows += [
        AutoProcScalingStatistics(
            autoProcScalingId=scaling.autoProcScalingId,
            scalingStatisticsType=shell,
            recordTimeStamp=start,
            **values,
        )
        for shell, values in _shells(high, completeness, r_merge, cc_outer).items()
    ]
    if anisotropy:
        rows.append(
            AutoProcScalingAnisotropy(autoProcScalingId=scaling.autoProcScalingId, **anisotropy)
        )
    rows += [
        AutoProcProgramAttachment(
            autoProcProgramId=program.autoProcProgramId,
            fileType=kind,
            fileName=name,
            filePath=f"/dls/i03/data/2026/mx1001-1/processed/{programs.split()[0]}/",
            importanceRank=rank,
            recordTimeStamp=start,
        )
        for kind, name, rank in (
            ("Log", f"{programs.split()[0]}.log", 1),
            ("Result", "scaled.mtz", 1),
        )
    ]
    db.add_all(rows)
    db.flush()
    return 1 + len(integrations) + 2 + len(rows)


def seed_data_collections(db: Session, sessions: dict[str, BLSession]) -> int:
    """Returns how many rows were added. ``sessions``: the demo sessions by visit name."""
    added = 0
    mx = sessions["mx1001-1"]
    start = mx.startDate + dt.timedelta(hours=2)
    # With ISPYB_VAR_DIR (make run), the lysozyme sweep's files are a small Eiger master
    # under the demo's file root, so the image viewer's routes answer.
    directory = demo_image_directory("lyso_1") or "/dls/i03/data/2026/mx1001-1/lysozyme/"

    def group_for(session: BLSession, experiment: str, comment: str) -> DataCollectionGroup:
        nonlocal added
        key = f"data-collection-group/{comment}"
        natural = {"sessionId": session.sessionId, "comments": comment}
        group = find_demo_row(db, DataCollectionGroup, key, natural)
        if group is None:
            group = DataCollectionGroup(
                uuid=demo_uuid(key),
                sessionId=session.sessionId,
                experimentType=experiment,
                comments=comment,
                startTime=start,
            )
            db.add(group)
            db.flush()
            added += 1
        return group

    acquisition = dict(
        numberOfImages=3600,
        axisStart=0.0,
        axisEnd=360.0,
        axisRange=0.1,
        exposureTime=0.004,
        wavelength=0.9763,
        resolution=1.4,
        detectorDistance=249.7,
        xBeam=155.2,
        yBeam=163.8,
        transmission=20.0,
        flux=2.4e12,
        beamSizeAtSampleX=0.08,
        beamSizeAtSampleY=0.02,
        imageSuffix="h5",
        imageDirectory=directory,
    )
    single = group_for(mx, "OSC", "demo: lysozyme, one sweep")
    sweep, new = _sweep(
        db, single, 1, start, imagePrefix="lyso", fileTemplate="lyso_1_master.h5", **acquisition
    )
    added += new
    added += _processing(
        db,
        [sweep],
        programs="xia2 dials",
        command="demo: xia2 lyso_1",
        high=1.6,
        completeness=99.6,
        r_merge=0.051,
        cc_outer=62.0,
        start=start + dt.timedelta(minutes=10),
    )
    added += _processing(
        db,
        [sweep],
        programs="autoPROC staraniso",
        command="demo: autoPROC lyso_1",
        high=1.45,
        completeness=93.0,
        r_merge=0.058,
        cc_outer=41.0,
        start=start + dt.timedelta(minutes=12),
        anisotropy=dict(
            resolutionLimit1=1.41,
            resolutionLimit2=1.41,
            resolutionLimit3=1.72,
            direction1="a*",
            direction2="b*",
            direction3="c*",
            ellipsoidalCompleteness=93.0,
            ellipsoidalAnomalousCompleteness=91.2,
            sphericalCompleteness=74.5,
            anisotropicResolutionCutoffHigh=1.41,
            anisotropicResolutionCutoffLow=1.72,
            cutoffCriterion="local <I/sigmaI> >= 1.2",
            anisotropyProgram="STARANISO 2.3",
        ),
    )
    multi = group_for(mx, "Collect - Multiwedge", "demo: thaumatin, three wedges")
    wedges = []
    for number in (1, 2, 3):
        wedge, new = _sweep(
            db,
            multi,
            number,
            start + dt.timedelta(minutes=20 + 5 * number),
            imagePrefix="thau",
            fileTemplate=f"thau_{number}_master.h5",
            **{
                **acquisition,
                "numberOfImages": 1200,
                "axisStart": 120.0 * (number - 1),
                "axisEnd": 120.0 * number,
                "kappaStart": 30.0 * (number - 1),
            },
        )
        wedges.append(wedge)
        added += new
    added += _processing(
        db,
        wedges,
        programs="xia2.multiplex",
        command="demo: multiplex thau",
        high=1.8,
        completeness=99.9,
        r_merge=0.072,
        cc_outer=55.0,
        start=start + dt.timedelta(minutes=45),
        space_group="P 41 21 2",
    )

    em = sessions["cm1003-1"]
    em_group = group_for(em, "single particle", "demo: apoferritin grid 1")
    if (
        db.execute(
            select(DataCollection).where(DataCollection.uuid == EM_DEMO_DATA_COLLECTION_UUID)
        ).scalar_one_or_none()
        is None
    ):
        db.add(
            DataCollection(
                uuid=EM_DEMO_DATA_COLLECTION_UUID,
                dataCollectionGroupId=em_group.dataCollectionGroupId,
                SESSIONID=em.sessionId,
                dataCollectionNumber=1,
                startTime=em.startDate,
                imageDirectory="/dls/m02/data/2026/cm1003-1/raw/GridSquare_1/Data/",
                imagePrefix="FoilHole",
                imageSuffix="tiff",
                numberOfImages=300,
                runStatus="DataCollection Successful",
                comments="apoferritin, 300 movies",
            )
        )
        db.flush()
        added += 1
    added += _seed_timeline_extras(db, mx)
    added += _seed_image_quality(db, sweep)
    return added


# The lysozyme sweep's per-image analysis: every 60th of its 3600 images.
ANALYSED_IMAGES = range(1, 3601, 60)


def _seed_image_quality(db: Session, sweep: DataCollection) -> int:
    """The per-image analysis of the lysozyme sweep (its spots fall off as the crystal
    decays), the plot of it, and two attached files: the plot and the analysis log."""
    key = f"image-quality/{sweep.uuid}"
    first = db.execute(
        select(ImageQualityIndicators).where(ImageQualityIndicators.uuid == demo_uuid(f"{key}/1"))
    ).scalar_one_or_none()
    existing = db.execute(
        select(ImageQualityIndicators.imageNumber).where(
            ImageQualityIndicators.dataCollectionId == sweep.dataCollectionId
        )
    ).first()
    if first is not None or existing is not None:
        return 0
    spots = [int(400 - number / 12) for number in ANALYSED_IMAGES]
    for number, count in zip(ANALYSED_IMAGES, spots, strict=True):
        db.add(
            ImageQualityIndicators(
                uuid=demo_uuid(f"{key}/{number}"),
                dataCollectionId=sweep.dataCollectionId,
                imageNumber=number,
                spotTotal=count + 40,
                inResTotal=count + 10,
                goodBraggCandidates=count,
                iceRings=0,
                method1Res=1.5 + number / 6000,
                method2Res=1.6 + number / 5000,
                totalIntegratedSignal=float(count * 950),
                dozor_score=round(count / 40, 2),
                recordTimeStamp=sweep.startTime,
            )
        )
    plot = demo_plot("lyso_1_per_image_analysis", [float(count) for count in spots])
    sweep.imageQualityIndicatorsPlotPath = plot
    log = demo_text("lyso_1_per_image_analysis.log", "dozor: 60 of 3600 images analysed\n")
    files = [(plot, "pia"), (log, "log")]
    for path, kind in files:
        if path is not None:
            db.add(
                DataCollectionFileAttachment(
                    uuid=demo_uuid(f"{key}/attachment/{kind}"),
                    dataCollectionId=sweep.dataCollectionId,
                    fileFullPath=path,
                    fileType=kind,
                )
            )
    db.flush()
    return len(ANALYSED_IMAGES) + sum(path is not None for path, _kind in files)


def _seed_timeline_extras(db: Session, mx: BLSession) -> int:
    """A robot action (snapshots before and after), an energy scan (its plot) and an XRF
    spectrum (its image) in mx1001-1, before the sweeps: the timeline's other thumbnails."""
    start = mx.startDate + dt.timedelta(hours=1)
    rows = [
        (
            RobotAction,
            "robot-action/load-1",
            {"blsessionId": mx.sessionId, "actionType": "LOAD", "sampleBarcode": "demo-pin-1"},
            dict(
                startTimestamp=start,
                endTimestamp=start + dt.timedelta(minutes=1),
                status="SUCCESS",
                containerLocation=1,
                dewarLocation=1,
                xtalSnapshotBefore=demo_snapshot("robot_load_1_before", 11),
                xtalSnapshotAfter=demo_snapshot("robot_load_1_after", 23),
            ),
        ),
        (
            EnergyScan,
            "energy-scan/se-1",
            {"sessionId": mx.sessionId, "element": "Se"},
            dict(
                startTime=start + dt.timedelta(minutes=10),
                endTime=start + dt.timedelta(minutes=15),
                edgeEnergy="K",
                peakEnergy=12.6578,
                inflectionEnergy=12.6556,
                exposureTime=0.1,
                jpegChoochFileFullPath=demo_snapshot("energy_scan_se_1", 97),
            ),
        ),
        (
            XFEFluorescenceSpectrum,
            "xrf-spectrum/1",
            {"sessionId": mx.sessionId, "energy": 13.5},
            dict(
                startTime=start + dt.timedelta(minutes=20),
                endTime=start + dt.timedelta(minutes=22),
                exposureTime=1.0,
                jpegScanFileFullPath=demo_snapshot("xrf_spectrum_1", 131),
            ),
        ),
    ]
    added = 0
    for model, key, natural, values in rows:
        if find_demo_row(db, model, key, natural) is None:
            db.add(model(uuid=demo_uuid(key), **natural, **values))
            added += 1
    db.flush()
    return added
