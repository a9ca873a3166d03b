"""A demo cryo-EM session, so a new user sees live monitoring at once.

Seeded by ``make run`` (``ispyb-em seed-demo``): for the demo data collection of core's
demo (session cm1003-1), 300 movies with motion correction, CTF, relative ice thickness and
particle picking, and one 2D classification batch of 50 classes, 12 of them selected. The
values are random but the same at every run. Once movies exist for that data collection,
re-running adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from ispyb_shared.db import Database

from .classification.models import ParticleClassification, ParticleClassificationGroup
from .ingestion.service import store_batch
from .movies.models import Movie
from .programs.models import AutoProcProgram

# The data collection core's demo creates in session cm1003-1 (experimentType 'Single
# Particle'). Services never import each other, so the same constant is written in core's
# demo and here: change both together.
DEMO_DATA_COLLECTION_UUID = "7c0e5c1e-5d1a-4b8e-9a57-2f7f3a0c4e01"
MOVIES = 300
CLASSES = 50
SELECTED_CLASSES = 12
START = dt.datetime(2026, 11, 9, 9, 30)
DIRECTORY = "/dls/m02/data/2026/cm1003-1"


def _programs(db) -> dict[str, int]:
    runs = {}
    for name, command in (
        ("MotionCor2", "MotionCor2 -InTiff movies/*.tiff -PixSize 0.83 -FmDose 1.0"),
        ("CTFFIND4", "ctffind4 --amplitude-contrast 0.1"),
        ("RelativeIceThickness", "relion.icethickness"),
        ("crYOLO", "cryolo_predict.py -c config.json -w gmodel_phosnet.h5"),
        ("RELION Class2D", "relion_refine --K 50 --iter 25 --tau2_fudge 2"),
    ):
        program = AutoProcProgram(
            dataCollectionUUID=DEMO_DATA_COLLECTION_UUID,
            processingPrograms=name,
            processingCommandLine=command,
            processingStatus=True,
            processingStartTime=START,
            processingEndTime=START + dt.timedelta(hours=3),
            processingEnvironment="demo cluster",
        )
        db.add(program)
        db.flush()
        runs[name] = program.autoProcProgramId
    return runs


def _records(runs: dict[str, int]) -> list[dict]:
    rng = random.Random(1003)
    records = []
    for number in range(1, MOVIES + 1):
        name = f"FoilHole_{1000 + number // 4}_Data_{number:05d}"
        defocus = rng.choice((-1.2, -1.6, -2.0, -2.4)) * 10000
        records.append(
            {
                "dataCollectionUUID": DEMO_DATA_COLLECTION_UUID,
                "movieNumber": number,
                "movieFullPath": f"{DIRECTORY}/raw/GridSquare_7/Data/{name}.tiff",
                "createdTimeStamp": START + dt.timedelta(seconds=36 * number),
                "positionX": round(rng.uniform(-400, 400), 2),
                "positionY": round(rng.uniform(-400, 400), 2),
                "nominalDefocus": defocus,
                "angle": 0.0,
                "fluence": 40.0,
                "numberOfFrames": 40,
                "motionCorrection": {
                    "autoProcProgramId": runs["MotionCor2"],
                    "imageNumber": number,
                    "firstFrame": 1,
                    "lastFrame": 40,
                    "dosePerFrame": 1.0,
                    "doseWeight": 1.0,
                    "totalMotion": round(rng.gammavariate(4, 3), 3),
                    "averageMotionPerFrame": round(rng.uniform(0.1, 0.8), 3),
                    "micrographFullPath": f"{DIRECTORY}/processed/MotionCorr/{name}.mrc",
                    "micrographSnapshotFullPath": f"{DIRECTORY}/processed/MotionCorr/{name}.jpeg",
                    "driftPlotFullPath": f"{DIRECTORY}/processed/MotionCorr/{name}.json",
                    "patchesUsedX": 5,
                    "patchesUsedY": 5,
                },
                "ctf": {
                    "autoProcProgramId": runs["CTFFIND4"],
                    "boxSizeX": 512.0,
                    "boxSizeY": 512.0,
                    "minResolution": 30.0,
                    "maxResolution": 4.0,
                    "astigmatism": round(rng.uniform(50, 600), 1),
                    "astigmatismAngle": round(rng.uniform(-90, 90), 1),
                    "estimatedResolution": round(rng.lognormvariate(1.35, 0.25), 2),
                    "estimatedDefocus": round(-defocus + rng.gauss(0, 1500), 1),
                    "amplitudeContrast": 0.1,
                    "ccValue": round(rng.uniform(0.05, 0.3), 3),
                    "fftTheoreticalFullPath": f"{DIRECTORY}/processed/CtfFind/{name}.jpeg",
                },
                "relativeIceThickness": {
                    "autoProcProgramId": runs["RelativeIceThickness"],
                    "minimum": 0.2,
                    "q1": 0.35,
                    "median": round(rng.uniform(0.3, 0.7), 3),
                    "q3": 0.75,
                    "maximum": 0.95,
                },
                "particlePicker": {
                    "programId": runs["crYOLO"],
                    "particlePickingTemplate": "gmodel_phosnet.h5",
                    "particleDiameter": 16.0,
                    "numberOfParticles": rng.randint(80, 420),
                    "summaryImageFullPath": f"{DIRECTORY}/processed/AutoPick/{name}.jpeg",
                },
            }
        )
    return records


def seed_demo(database: Database) -> str:
    with database.sessionmaker() as db, db.begin():
        present = db.execute(
            select(Movie.movieId)
            .where(Movie.dataCollectionUUID == DEMO_DATA_COLLECTION_UUID)
            .limit(1)
        ).first()
        if present is not None:
            return "demo data already present (nothing added)"
        runs = _programs(db)
        stored = store_batch(db_session=db, records=_records(runs))
        rng = random.Random(2)
        particles = 50000
        group = ParticleClassificationGroup(
            programId=runs["RELION Class2D"],
            type="2D",
            batchNumber=1,
            numberOfParticlesPerBatch=particles,
            numberOfClassesPerBatch=CLASSES,
            symmetry="C1",
            binnedPixelSize=3.32,
        )
        db.add(group)
        db.flush()
        weights = [rng.random() ** 3 for _ in range(CLASSES)]
        best = sorted(range(CLASSES), key=lambda index: -weights[index])[:SELECTED_CLASSES]
        for index, weight in enumerate(weights):
            share = weight / sum(weights)
            db.add(
                ParticleClassification(
                    particleClassificationGroupId=group.particleClassificationGroupId,
                    classNumber=index + 1,
                    classImageFullPath=(
                        f"{DIRECTORY}/processed/Class2D/job010/class_{index + 1:03d}.png"
                    ),
                    particlesPerClass=round(particles * share),
                    classDistribution=round(share, 4),
                    rotationAccuracy=round(rng.uniform(2, 12), 2),
                    translationAccuracy=round(rng.uniform(0.5, 3), 2),
                    estimatedResolution=round(rng.uniform(6, 25), 2),
                    overallFourierCompleteness=round(rng.uniform(0.8, 1.0), 3),
                    selected=index in best,
                )
            )
        created = sum(value["created"] for value in stored.values() if isinstance(value, dict))
        added = created + len(runs) + 1 + CLASSES
    return f"demo data seeded ({added} rows added)"
