"""Test data and helpers for em's tests."""

from __future__ import annotations

import datetime as dt
import random
import re
from typing import Any

from sqlalchemy import delete, select

from tests.support.checks import row_counts as table_row_counts
from tests.support.in_process import CoreLine

EM = "/ispyb/api/v1/em"


class CoreForEM:
    """Data collections in the real core, described as em's tests need them: who takes
    part (logins), on which beamline, in which proposal. Each data collection is in a
    session of its own, so who sees it is decided for it alone."""

    def __init__(self, factory, line: CoreLine):
        self.factory = factory
        self.line = line
        self._people: dict[str, Any] = {}
        self._proposals: dict[tuple[str, str], Any] = {}
        self._sessions: dict[str, Any] = {}
        self.groups: dict[str, str] = {}

    def add_data_collection(
        self,
        *,
        members=("member",),
        beamline: str = "m02",
        visit: str = "cm1-1",
        uuid: str | None = None,
    ) -> str:
        """A cryo-EM data collection, in a new session on ``beamline`` of the proposal
        named by ``visit``, whose participants are ``members``; its UUID."""
        code, number = re.fullmatch(r"([a-z]+)(\d+)-\d+", visit).groups()
        if (code, number) not in self._proposals:
            self._proposals[code, number] = self.factory.proposal(
                proposalCode=code, proposalNumber=number
            )
        session = self.factory.session(
            proposalId=self._proposals[code, number].proposalId, beamLineName=beamline
        )
        for login in members:
            if login not in self._people:
                self._people[login] = self.factory.person(login=login)
            self.factory.session_member(session, self._people[login])
        group = self.factory.data_collection_group(session, experimentType="single particle")
        values = {
            "startTime": dt.datetime(2026, 11, 9, 9, 0),
            "imageDirectory": f"/dls/{beamline}/data/2026/{code}{number}-"
            f"{session.visit_number}/raw",
        }
        if uuid is not None:
            values["uuid"] = uuid
        collection = self.factory.data_collection(group, **values)
        self._sessions[collection.uuid] = session
        self.groups[collection.uuid] = group.uuid
        return collection.uuid

    def remove_member(self, data_collection: str, login: str) -> None:
        """``login`` no longer takes part in the session of ``data_collection``."""
        from ispyb_core.sessions.models import SessionHasPerson

        session = self._sessions[data_collection]
        with self.factory.database.sessionmaker() as db, db.begin():
            db.execute(
                delete(SessionHasPerson).where(
                    SessionHasPerson.sessionId == session.sessionId,
                    SessionHasPerson.personId == self._people[login].personId,
                )
            )

    def list_requests(self):
        """em's calls listing core's data collections."""
        return [call for call in self.line.calls if call.path.endswith("/core/data-collections")]


def movie_records(
    data_collection: str,
    numbers,
    programs: dict[str, int],
    *,
    seed: int = 1,
    particles: bool = True,
) -> list[dict[str, Any]]:
    """Movies with motion correction, CTF, ice thickness and picking. Every measured value
    is exact in single precision (multiples of 1/16), so what MariaDB's FLOAT columns
    store equals what the test sent, and statistics can be compared exactly."""
    rng = random.Random(seed)
    records = []
    for number in numbers:
        record = {
            "dataCollectionUUID": data_collection,
            "movieNumber": number,
            "movieFullPath": f"/dls/m02/data/2026/cm1-1/raw/movie_{number:06d}.tiff",
            "createdTimeStamp": f"2026-11-09T{9 + number // 3600 % 10:02d}:"
            f"{number // 60 % 60:02d}:{number % 60:02d}",
            "nominalDefocus": -rng.choice((12000.0, 16000.0, 20000.0)),
            "fluence": 40.0,
            "numberOfFrames": 40,
            "motionCorrection": {
                "autoProcProgramId": programs["motion"],
                "imageNumber": number,
                "firstFrame": 1,
                "lastFrame": 40,
                "totalMotion": rng.randint(16, 480) / 16,
                "averageMotionPerFrame": rng.randint(2, 16) / 16,
                "micrographFullPath": f"/dls/m02/data/2026/cm1-1/mc/movie_{number:06d}.mrc",
            },
            "ctf": {
                "autoProcProgramId": programs["ctf"],
                "estimatedDefocus": float(rng.randint(8000, 25000)),
                "estimatedResolution": rng.randint(40, 160) / 16,
                "astigmatism": float(rng.randint(50, 600)),
                "ccValue": rng.randint(1, 15) / 64,
            },
            "relativeIceThickness": {
                "autoProcProgramId": programs["ice"],
                "minimum": 0.125,
                "q1": 0.25,
                "median": rng.randint(4, 14) / 16,
                "q3": 0.875,
                "maximum": 0.9375,
            },
        }
        if particles:
            record["particlePicker"] = {
                "programId": programs["picking"],
                "particleDiameter": 16.0,
                "numberOfParticles": rng.randint(50, 400),
            }
        records.append(record)
    return records


class EMWorld:
    """Data collection ``dc`` (session on m02, member 'member'); ``other_dc`` (m03, member
    'outsider'); program runs of ``dc``; a pipeline token."""

    def __init__(self, app, core, tokens):
        self.app = app
        self.core = core
        self.tokens = tokens
        self.client = app.test_client()
        self.dc = core.add_data_collection(members=("member",), beamline="m02")
        self.other_dc = core.add_data_collection(
            members=("outsider",), beamline="m03", visit="cm2-1"
        )
        self.pipeline = tokens.machine("pipeline", "em:write", "core:read")
        self.reader = tokens.machine("reader", "em:read", "core:read")
        self.member = tokens.user("member")
        self.programs = self.create_programs(self.dc)

    def create_programs(self, data_collection: str) -> dict[str, int]:
        programs = {}
        for key, name in (
            ("motion", "MotionCor2"),
            ("ctf", "CTFFIND4"),
            ("ice", "RelativeIceThickness"),
            ("picking", "crYOLO"),
            ("class2d", "RELION Class2D"),
        ):
            response = self.post(
                "/programs", {"dataCollectionUUID": data_collection, "processingPrograms": name}
            )
            assert response.status_code == 201, response.json
            programs[key] = response.json["autoProcProgramId"]
        return programs

    def post(self, path: str, body, headers=None):
        return self.client.post(EM + path, json=body, headers=headers or self.pipeline)

    def patch(self, path: str, body, headers=None):
        return self.client.patch(EM + path, json=body, headers=headers or self.pipeline)

    def get(self, path: str, headers=None):
        return self.client.get(EM + path, headers=headers or self.member)

    def ingest(self, records, headers=None):
        return self.post("/movies/batch", {"records": records}, headers)

    def records(self, numbers, **kwargs):
        return movie_records(self.dc, numbers, self.programs, **kwargs)


def row_counts(database) -> dict[str, int]:
    from ispyb_em.models import Base

    return table_row_counts(database, Base.metadata)


class EMFactory:
    """em rows written straight to the database (tests then read them over HTTP)."""

    def __init__(self, database):
        self.database = database

    def _save(self, *rows):
        with self.database.sessionmaker() as session, session.begin():
            session.add_all(rows)
            session.flush()
            return rows[0]

    def program(self, data_collection: str, **values):
        from ispyb_em.programs.models import AutoProcProgram

        return self._save(AutoProcProgram(dataCollectionUUID=data_collection, **values))

    def movie(self, data_collection: str, number: int, program):
        """A movie with motion correction, CTF, ice thickness and picking by ``program``."""
        from ispyb_em.classification.models import ParticlePicker
        from ispyb_em.motion_correction.models import CTF, MotionCorrection, RelativeIceThickness
        from ispyb_em.movies.models import Movie

        movie = self._save(
            Movie(dataCollectionUUID=data_collection, movieNumber=number, fluence=40.0)
        )
        program_id = program.autoProcProgramId
        motion = self._save(
            MotionCorrection(movieId=movie.movieId, autoProcProgramId=program_id, totalMotion=9.5)
        )
        self._save(
            CTF(motionCorrectionId=motion.motionCorrectionId, autoProcProgramId=program_id),
            RelativeIceThickness(
                motionCorrectionId=motion.motionCorrectionId, autoProcProgramId=program_id
            ),
            ParticlePicker(
                firstMotionCorrectionId=motion.motionCorrectionId,
                programId=program_id,
                numberOfParticles=100,
            ),
        )
        return movie

    def rows_of(self, model, **where):
        from sqlalchemy.orm import Session

        with Session(self.database.engine) as session:
            return list(session.execute(select(model).filter_by(**where)).scalars())

    def classification(self, program, classes: int = 3):
        from ispyb_em.classification.models import (
            ParticleClassification,
            ParticleClassificationGroup,
        )

        group = self._save(
            ParticleClassificationGroup(programId=program.autoProcProgramId, type="2D")
        )
        for number in range(1, classes + 1):
            self._save(
                ParticleClassification(
                    particleClassificationGroupId=group.particleClassificationGroupId,
                    classNumber=number,
                    classImageFullPath=f"/class_{number}.png",
                )
            )
        return group

    def initial_model(self, class_ids):
        from ispyb_em.classification.models import (
            CryoemInitialModel,
            ParticleClassificationHasCryoemInitialModel,
        )

        model = self._save(CryoemInitialModel(resolution=15.0))
        for class_id in class_ids:
            self._save(
                ParticleClassificationHasCryoemInitialModel(
                    particleClassificationId=class_id,
                    cryoemInitialModelId=model.cryoemInitialModelId,
                )
            )
        return model

    def tomogram(self, data_collection: str):
        from ispyb_em.tomography.models import Tomogram

        return self._save(Tomogram(dataCollectionUUID=data_collection, sizeX=10))

    def tilt_alignment(self, movie, tomogram):
        from ispyb_em.tomography.models import TiltImageAlignment

        return self._save(TiltImageAlignment(movieId=movie.movieId, tomogramId=tomogram.tomogramId))

    def grid(self, data_collection: str, group: str):
        """An atlas with one grid square holding one foil hole; (atlas, square, hole)."""
        from ispyb_em.grids.models import Atlas, FoilHole, GridSquare

        atlas = self._save(
            Atlas(
                dataCollectionUUID=data_collection,
                dataCollectionGroupUUID=group,
                atlasImage="/atlas.jpg",
                pixelSize=100.0,
            )
        )
        square = self._save(GridSquare(atlasId=atlas.atlasId, gridSquareLabel=1))
        hole = self._save(FoilHole(gridSquareId=square.gridSquareId, foilHoleLabel="FH1"))
        return atlas, square, hole
