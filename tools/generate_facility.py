"""A facility's worth of data in MariaDB, in minutes: for benchmarks at scale.

    .venv/bin/python tools/generate_facility.py --core-url URL [--em-url URL]
        [--ssx-url URL] [--scale 1]

At ``--scale 1`` (what docs/performance.md measures):

  10,000 proposals (one principal investigator each; every tenth is cryo-EM, "cm"),
  200,000 sessions (20 per proposal, on five beamlines, over about six years),
  1,000,000 data collection groups with one data collection each (5 per session),
  3,000,000 processing runs, one per program (xia2 DIALS, autoPROC, fast_dp) and data
  collection, each with its integration, result, scaling and 3 shells (9,000,000
  statistics rows; fast_dp writes CC½ in percent, the others as fractions),
  with --em-url: 5,000,000 movies (5,000 for each of 1,000 data collections), each with
  its motion correction and CTF (both counts scale by the square root of --scale);
  with --ssx-url: 10 SSX runs in the first session, each with 2 results.

``--scale 0.01`` is the small mode the test suite uses (100 proposals, 10,000 data
collections, 50,000 movies: 500 for each of 100 data collections). The databases must
have been migrated and hold no rows of these tables (``ispyb-<svc> migrate`` on empty
databases).

Rows are made by the database itself: ``INSERT ... SELECT`` over MariaDB's sequence
tables (``seq_1_to_N``), 200,000 rows a statement, with unique and foreign-key checks off
for the session. Ids are consecutive from 1 and every UUID is computed from its table
and id (``entity_uuid``), so a benchmark knows any row's id and UUID without asking.
The same run on the same scale makes the same rows (the times and figures too).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pymysql
from sqlalchemy.engine import make_url

CHUNK = 200_000
BEAMLINES = ("i03", "i04", "i04-1", "i24", "m02")
PROGRAMS = ("xia2 dials", "autoPROC", "fast_dp")
SESSIONS_PER_PROPOSAL = 20
COLLECTIONS_PER_SESSION = 5
MOVIES_PER_EM_COLLECTION = 5_000
SSX_RUNS = 10
# Table numbers in the generated UUIDs.
TABLES = {
    "Person": 1,
    "Proposal": 2,
    "ProposalHasPerson": 3,
    "BLSession": 4,
    "DataCollectionGroup": 5,
    "DataCollection": 6,
    "AutoProcProgram": 7,
    "AutoProcIntegration": 8,
    "AutoProc": 9,
    "AutoProcScaling": 10,
    "AutoProcScaling_has_Int": 11,
    "AutoProcScalingStatistics": 12,
    "Movie": 13,
    "MotionCorrection": 14,
    "CTF": 15,
    "SSXDataCollection": 16,
    "SSXProcessingResult": 17,
}
EPOCH = "2020-01-06 08:00:00"


def entity_uuid(table: str, row_id: int) -> str:
    """The UUID the generator gives row ``row_id`` of ``table`` (ascending with the id,
    so the unique index is filled in order)."""
    return f"{row_id:08x}-0000-4000-8000-{TABLES[table]:012x}"


def _uuid_sql(table: str, id_sql: str) -> str:
    return (
        f"CONCAT(LPAD(LOWER(HEX({id_sql})), 8, '0'), '-0000-4000-8000-', "
        f"LPAD(LOWER(HEX({TABLES[table]})), 12, '0'))"
    )


def _fraction(id_sql: str, salt: int) -> str:
    """A reproducible pseudo-random number in [0, 1) from an id."""
    return f"((({id_sql}) * 2654435761 + {salt * 40503}) MOD 1000003) / 1000003"


@dataclass(frozen=True)
class Scale:
    proposals: int
    sessions: int
    collections: int
    em_collections: int
    movies_per_collection: int

    @property
    def movies(self) -> int:
        return self.em_collections * self.movies_per_collection

    @classmethod
    def of(cls, factor: float) -> Scale:
        proposals = max(1, round(10_000 * factor))
        sessions = proposals * SESSIONS_PER_PROPOSAL
        collections = sessions * COLLECTIONS_PER_SESSION
        # Movies scale as data collections times movies each, both by the square root, so
        # that one data collection is as small a part of the table at every scale as the
        # database's plans need it to be (at 0.01: 100 of 500 movies; at 1: 1,000 of 5,000).
        root = factor**0.5
        em_collections = max(1, min(collections, round(1_000 * root)))
        per = max(1, round(MOVIES_PER_EM_COLLECTION * root))
        return cls(
            proposals=proposals,
            sessions=sessions,
            collections=collections,
            em_collections=em_collections,
            movies_per_collection=per,
        )


def _chunks(total: int) -> Iterator[tuple[int, int]]:
    for start in range(1, total + 1, CHUNK):
        yield start, min(total, start + CHUNK - 1)


class Loader:
    def __init__(self, url: str, *, log: Callable[[str], None]):
        parts = make_url(url)
        self.connection = pymysql.connect(
            host=parts.host or "127.0.0.1",
            port=parts.port or 3306,
            user=parts.username,
            password=parts.password or "",
            database=parts.database,
            charset="utf8mb4",
            autocommit=True,
        )
        self.log = log
        with self.connection.cursor() as cursor:
            cursor.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
            cursor.execute("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'")

    def empty(self, table: str) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM `{table}` LIMIT 1")
            return cursor.fetchone() is None

    def fill(self, table: str, columns: dict[str, str], total: int) -> None:
        """``total`` rows of ``table``, column values as SQL expressions of ``seq`` (the id)."""
        started = time.perf_counter()
        names = ", ".join(f"`{name}`" for name in columns)
        values = ", ".join(columns.values())
        with self.connection.cursor() as cursor:
            for low, high in _chunks(total):
                cursor.execute(
                    f"INSERT INTO `{table}` ({names}) SELECT {values} FROM seq_{low}_to_{high}"
                )
        elapsed = time.perf_counter() - started
        self.log(f"  {table:<28} {total:>11,} rows  {elapsed:7.1f} s")

    def analyze(self, tables: list[str]) -> None:
        with self.connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE TABLE `{table}`")
                cursor.fetchall()

    def close(self) -> None:
        self.connection.close()


def session_start(session_sql: str) -> str:
    """Sessions start every 15 minutes from EPOCH (five beamlines in turn)."""
    return f"TIMESTAMP '{EPOCH}' + INTERVAL (({session_sql}) * 15) MINUTE"


def fill_core(loader: Loader, scale: Scale) -> None:
    for table in ("Proposal", "BLSession", "DataCollection", "AutoProcProgram"):
        if not loader.empty(table):
            raise SystemExit(f"core's {table} is not empty: generate into a fresh database")
    n_p, n_s, n_dc = scale.proposals, scale.sessions, scale.collections
    loader.fill(
        "Person",
        {
            "personId": "seq",
            "familyName": "CONCAT('Family', seq)",
            "givenName": "'Pat'",
            "login": "CONCAT('user', seq)",
            "emailAddress": "CONCAT('user', seq, '@example.org')",
            "uuid": _uuid_sql("Person", "seq"),
        },
        n_p,
    )
    loader.fill(
        "Proposal",
        {
            "proposalId": "seq",
            "personId": "seq",
            "title": "CONCAT('Structure of protein ', seq)",
            "proposalCode": "IF(seq MOD 10 = 0, 'cm', 'mx')",
            "proposalNumber": "CAST(seq AS CHAR)",
            "proposalType": "IF(seq MOD 10 = 0, 'EM', 'MX')",
            "state": "'Open'",
            "startDate": f"TIMESTAMP '{EPOCH}' + INTERVAL (seq MOD 300) DAY",
            "endDate": f"TIMESTAMP '{EPOCH}' + INTERVAL (seq MOD 300 + 2000) DAY",
            "uuid": _uuid_sql("Proposal", "seq"),
        },
        n_p,
    )
    loader.fill(
        "ProposalHasPerson",
        {
            "proposalHasPersonId": "seq",
            "proposalId": "seq",
            "personId": "seq",
            "role": "'Principal Investigator'",
            "uuid": _uuid_sql("ProposalHasPerson", "seq"),
        },
        n_p,
    )
    beamline = "ELT(seq MOD 5 + 1, " + ", ".join(f"'{b}'" for b in BEAMLINES) + ")"
    loader.fill(
        "BLSession",
        {
            "sessionId": "seq",
            "proposalId": f"(seq - 1) DIV {SESSIONS_PER_PROPOSAL} + 1",
            "visit_number": f"(seq - 1) MOD {SESSIONS_PER_PROPOSAL} + 1",
            "startDate": session_start("seq"),
            "endDate": session_start("seq") + " + INTERVAL 1 DAY",
            "beamLineName": beamline,
            "scheduled": "1",
            "nbShifts": "3",
            "uuid": _uuid_sql("BLSession", "seq"),
        },
        n_s,
    )
    session = f"((seq - 1) DIV {COLLECTIONS_PER_SESSION} + 1)"
    offset = f"((seq - 1) MOD {COLLECTIONS_PER_SESSION}) * 7"
    started = f"{session_start(session)} + INTERVAL ({offset}) MINUTE"
    loader.fill(
        "DataCollectionGroup",
        {
            "dataCollectionGroupId": "seq",
            "sessionId": session,
            "experimentType": "'OSC'",
            "startTime": started,
            "endTime": f"{started} + INTERVAL 5 MINUTE",
            "uuid": _uuid_sql("DataCollectionGroup", "seq"),
        },
        n_dc,
    )
    loader.fill(
        "DataCollection",
        {
            "dataCollectionId": "seq",
            "dataCollectionGroupId": "seq",
            "SESSIONID": session,
            "dataCollectionNumber": "1",
            "startTime": started,
            "endTime": f"{started} + INTERVAL 5 MINUTE",
            "runStatus": "'Successful'",
            "numberOfImages": "3600",
            "startImageNumber": "1",
            "numberOfPasses": "1",
            "imageDirectory": f"CONCAT('/data/visit', {session}, '/sample', seq)",
            "imagePrefix": "CONCAT('xtal', seq)",
            "imageSuffix": "'h5'",
            "fileTemplate": "CONCAT('xtal', seq, '_master.h5')",
            "axisStart": "0",
            "axisEnd": "360",
            "axisRange": "0.1",
            "overlap": "0",
            "exposureTime": "0.002",
            "wavelength": f"0.9 + {_fraction('seq', 1)} * 0.4",
            "resolution": f"1.2 + {_fraction('seq', 2)}",
            "detectorDistance": f"150 + {_fraction('seq', 3)} * 200",
            "xBeam": "214.5",
            "yBeam": "220.1",
            "transmission": "10",
            "uuid": _uuid_sql("DataCollection", "seq"),
        },
        n_dc,
    )
    runs = n_dc * len(PROGRAMS)
    program = f"ELT((seq - 1) MOD 3 + 1, {', '.join(repr(p) for p in PROGRAMS)})"
    collection = "((seq - 1) DIV 3 + 1)"
    done = f"TIMESTAMP '{EPOCH}' + INTERVAL ({collection} * 3 + 30) MINUTE"
    loader.fill(
        "AutoProcProgram",
        {
            "autoProcProgramId": "seq",
            "processingCommandLine": f"CONCAT({program}, ' /data/dc', {collection})",
            "processingPrograms": program,
            "processingStatus": "1",
            "processingStartTime": done,
            "processingEndTime": f"{done} + INTERVAL 20 MINUTE",
            "recordTimeStamp": done,
            "uuid": _uuid_sql("AutoProcProgram", "seq"),
        },
        runs,
    )
    cell = {"a": 78.1, "b": 78.1, "c": 37.2, "alpha": 90, "beta": 90, "gamma": 90}
    loader.fill(
        "AutoProcIntegration",
        {
            "autoProcIntegrationId": "seq",
            "dataCollectionId": collection,
            "autoProcProgramId": "seq",
            "startImageNumber": "1",
            "endImageNumber": "3600",
            **{f"cell_{k}": f"{v} + {_fraction('seq', 4)} * 0.2" for k, v in cell.items()},
            "recordTimeStamp": done,
            "anomalous": "0",
            "uuid": _uuid_sql("AutoProcIntegration", "seq"),
        },
        runs,
    )
    loader.fill(
        "AutoProc",
        {
            "autoProcId": "seq",
            "autoProcProgramId": "seq",
            "spaceGroup": "IF(seq MOD 7 = 0, 'P 21 21 21', 'P 43 21 2')",
            **{f"refinedCell_{k}": f"{v} + {_fraction('seq', 5)} * 0.2" for k, v in cell.items()},
            "recordTimeStamp": done,
            "uuid": _uuid_sql("AutoProc", "seq"),
        },
        runs,
    )
    loader.fill(
        "AutoProcScaling",
        {
            "autoProcScalingId": "seq",
            "autoProcId": "seq",
            "recordTimeStamp": done,
            "uuid": _uuid_sql("AutoProcScaling", "seq"),
        },
        runs,
    )
    loader.fill(
        "AutoProcScaling_has_Int",
        {
            "autoProcScaling_has_IntId": "seq",
            "autoProcIntegrationId": "seq",
            "autoProcScalingId": "seq",
            "recordTimeStamp": done,
            "uuid": _uuid_sql("AutoProcScaling_has_Int", "seq"),
        },
        runs,
    )
    scaling = "((seq - 1) DIV 3 + 1)"
    shell = "((seq - 1) MOD 3)"  # 0 overall, 1 inner, 2 outer
    high = f"(1.3 + {_fraction(scaling, 6)} * 1.2)"
    # fast_dp (every third run) writes CC½ in percent, the others as fractions.
    percent = f"IF(({scaling} - 1) MOD 3 = 2, 100, 1)"
    loader.fill(
        "AutoProcScalingStatistics",
        {
            "autoProcScalingStatisticsId": "seq",
            "scalingStatisticsType": f"ELT({shell} + 1, 'overall', 'innerShell', 'outerShell')",
            "autoProcScalingId": scaling,
            "nTotalObservations": f"ELT({shell} + 1, 412000, 4100, 19800)",
            "nTotalUniqueObservations": f"ELT({shell} + 1, 60300, 610, 2950)",
            "resolutionLimitLow": f"ELT({shell} + 1, 45.0, 45.0, {high} + 0.05)",
            "resolutionLimitHigh": f"ELT({shell} + 1, {high}, 4.8, {high})",
            "rMerge": f"ELT({shell} + 1, 0.071, 0.032, 0.94)",
            "rMeasAllIPlusIMinus": f"ELT({shell} + 1, 0.077, 0.035, 1.02)",
            "rPimAllIPlusIMinus": f"ELT({shell} + 1, 0.029, 0.013, 0.39)",
            "meanIOverSigI": f"ELT({shell} + 1, 14.2, 41.0, 1.1)",
            "completeness": f"ELT({shell} + 1, 85 + {_fraction(scaling, 7)} * 15, 99.1, 80.5)",
            "multiplicity": f"ELT({shell} + 1, 6.8, 6.6, 6.7)",
            "anomalousCompleteness": f"ELT({shell} + 1, 97.9, 98.8, 79.0)",
            "anomalousMultiplicity": f"ELT({shell} + 1, 3.5, 3.5, 3.4)",
            "ccHalf": f"ELT({shell} + 1, 0.998, 0.999, 0.61) * {percent}",
            "ccAnomalous": f"ELT({shell} + 1, 0.12, 0.31, 0.02) * {percent}",
            "recordTimeStamp": done,
            "anomalous": "0",
            "uuid": _uuid_sql("AutoProcScalingStatistics", "seq"),
        },
        runs * 3,
    )
    loader.analyze(list(TABLES)[:12])


def fill_em(loader: Loader, scale: Scale) -> None:
    if not loader.empty("Movie"):
        raise SystemExit("em's Movie is not empty: generate into a fresh database")
    per = scale.movies_per_collection
    collection = f"((seq - 1) DIV {per} + 1)"
    number = f"((seq - 1) MOD {per} + 1)"
    loader.fill(
        "Movie",
        {
            "movieId": "seq",
            "dataCollectionUUID": _uuid_sql("DataCollection", collection),
            "movieNumber": number,
            "movieFullPath": f"CONCAT('/data/em/dc', {collection}, '/movie_', {number}, '.tiff')",
            "createdTimeStamp": (
                f"TIMESTAMP '{EPOCH}' + INTERVAL ({collection} * 86400 + {number} * 12) SECOND"
            ),
            "positionX": f"{_fraction('seq', 8)} * 1000",
            "positionY": f"{_fraction('seq', 9)} * 1000",
            "nominalDefocus": f"-1.0 - ({number} MOD 5) * 0.25",
            "angle": "0",
            "fluence": "50",
            "numberOfFrames": "40",
            "uuid": _uuid_sql("Movie", "seq"),
        },
        scale.movies,
    )
    loader.fill(
        "MotionCorrection",
        {
            "motionCorrectionId": "seq",
            "movieId": "seq",
            "imageNumber": number,
            "firstFrame": "1",
            "lastFrame": "40",
            "dosePerFrame": "1.25",
            "totalMotion": f"5 + {_fraction('seq', 10)} * 20",
            "averageMotionPerFrame": f"0.1 + {_fraction('seq', 11)} * 0.5",
            "micrographFullPath": f"CONCAT('/data/em/dc', {collection}, '/mc_', {number}, '.mrc')",
            "uuid": _uuid_sql("MotionCorrection", "seq"),
        },
        scale.movies,
    )
    loader.fill(
        "CTF",
        {
            "ctfId": "seq",
            "motionCorrectionId": "seq",
            "boxSizeX": "512",
            "boxSizeY": "512",
            "minResolution": "30",
            "maxResolution": "3",
            "astigmatism": f"{_fraction('seq', 12)} * 400",
            "astigmatismAngle": f"{_fraction('seq', 13)} * 180",
            "estimatedResolution": f"2.5 + {_fraction('seq', 14)} * 5",
            "estimatedDefocus": f"10000 + {_fraction('seq', 15)} * 15000",
            "amplitudeContrast": "0.1",
            "ccValue": f"0.1 + {_fraction('seq', 16)} * 0.2",
            "uuid": _uuid_sql("CTF", "seq"),
        },
        scale.movies,
    )
    loader.analyze(["Movie", "MotionCorrection", "CTF"])


def fill_ssx(loader: Loader, scale: Scale) -> None:
    """SSX runs on the first data collections (in the first session)."""
    if not loader.empty("SSXDataCollection"):
        raise SystemExit("ssx's SSXDataCollection is not empty: generate into a fresh database")
    runs = min(SSX_RUNS, scale.collections)
    session = f"((seq - 1) DIV {COLLECTIONS_PER_SESSION} + 1)"
    loader.fill(
        "SSXDataCollection",
        {
            "ssxDataCollectionId": "seq",
            "dataCollectionUUID": _uuid_sql("DataCollection", "seq"),
            "dataCollectionGroupUUID": _uuid_sql("DataCollectionGroup", "seq"),
            "sessionUUID": _uuid_sql("BLSession", "1"),
            "experimentType": "IF(seq MOD 2 = 0, 'SSX-Jet', 'SSX-Chip')",
            "repetitionRate": "120",
            "jetSpeed": "IF(seq MOD 2 = 0, 8, NULL)",
            "experimentName": f"CONCAT('run ', seq, ' of session ', {session})",
            "requestedBy": "'generator'",
            "clientRequestId": "CONCAT('generated-', seq)",
            "recordTimeStamp": f"TIMESTAMP '{EPOCH}' + INTERVAL seq MINUTE",
            "uuid": _uuid_sql("SSXDataCollection", "seq"),
        },
        runs,
    )
    loader.fill(
        "SSXProcessingResult",
        {
            "ssxProcessingResultId": "seq",
            "ssxDataCollectionId": "(seq - 1) DIV 2 + 1",
            "indexingType": "IF(seq MOD 2 = 0, 'Final', 'Preliminary')",
            "status": "'Success'",
            "programs": "'CrystFEL'",
            "numberOfImages": "100000",
            "numberOfHits": "12000",
            "numberOfIndexed": "8000",
            "hitRate": "12",
            "indexingRate": "66.7",
            "nbCrystals": "8100",
            "spaceGroup": "'P 43 21 2'",
            "cellA": "79.1",
            "cellB": "79.1",
            "cellC": "38.0",
            "cellAlpha": "90",
            "cellBeta": "90",
            "cellGamma": "90",
            "postedBy": "'generator'",
            "recordTimeStamp": f"TIMESTAMP '{EPOCH}' + INTERVAL seq MINUTE",
            "uuid": _uuid_sql("SSXProcessingResult", "seq"),
        },
        runs * 2,
    )


def generate(
    *,
    core_url: str,
    em_url: str | None = None,
    ssx_url: str | None = None,
    scale: float = 1.0,
    log: Callable[[str], None] = print,
) -> Scale:
    sizes = Scale.of(scale)
    started = time.perf_counter()
    for name, url, fill in (("core", core_url, fill_core), ("em", em_url, fill_em)):
        if url is None:
            continue
        log(f"{name}:")
        loader = Loader(url, log=log)
        try:
            fill(loader, sizes)
        finally:
            loader.close()
    if ssx_url is not None:
        log("ssx:")
        loader = Loader(ssx_url, log=log)
        try:
            fill_ssx(loader, sizes)
        finally:
            loader.close()
    log(f"done in {time.perf_counter() - started:.0f} s")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/generate_facility.py",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--core-url", required=True, help="migrated, empty core database")
    parser.add_argument("--em-url", help="migrated, empty em database (movies)")
    parser.add_argument("--ssx-url", help="migrated, empty ssx database (runs)")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = facility scale")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale: from 0 (excluded) to 10")
    generate(core_url=args.core_url, em_url=args.em_url, ssx_url=args.ssx_url, scale=args.scale)
    return 0


if __name__ == "__main__":
    sys.exit(main())
