"""Site databases for the tests: ISPyB as Diamond and ESRF have it, on MariaDB.

The DDL and generic rows come from the public schema packages with the real-world traits
of tests/support/legacy_flavours.py (TRAITS) applied, in a subprocess per flavour (the two
packages share the ``ispyb`` namespace). On top, CURATED_TRAITS adds rows whose meaning
the tests check: proposals and people that can be named, and processing results in both
conventions pipelines use for correlation coefficients.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymysql
from sqlalchemy.engine import make_url

FLAVOURS = ("diamond", "esrf")
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("legacy_flavours.py")
# ESRF's models (ispyb-models-pyispyb) install into the ``ispyb`` namespace Diamond's
# package owns, so `make install` puts them in a folder of their own.
ESRF_MODELS = Path(sys.prefix) / "flavours" / "esrf"

CURATED_TRAITS = (
    "proposals are mx901..mx904 and people legacy1..legacy4, so that they can be named",
    "processing results of xia2 and autoPROC store CC½ and CCanom as fractions (0.998), "
    "fast_dp's as percentages (99.8): two programs per flavour on data collection 1, with "
    "their own scalings and three shells each",
    "AutoProcProgram.processingStatus as each flavour writes it: 1/0/NULL at Diamond "
    "(TINYINT), 'SUCCESS'/'FAILED'/'RUNNING' and '1'/'0' at ESRF (ENUM)",
)

# Programs added by the curated layer: id -> (programs, convention, ccHalf per shell,
# ccAnomalous per shell). Shells: overall, innerShell, outerShell.
CURATED_PROGRAMS = {
    11: ("xia2 dials", "fraction", (0.998, 0.9995, 0.412), (0.544, 0.791, -0.297)),
    12: ("fast_dp", "percent", (99.8, 99.95, 41.2), (54.4, 79.1, -29.7)),
    13: ("autoPROC", "fraction", (0.991, 0.999, 0.35), (None, None, None)),
}
SHELLS = ("overall", "innerShell", "outerShell")


@functools.cache
def flavour_schema(flavour: str, tables: tuple[str, ...]) -> dict[str, Any]:
    """DDL and rows of ``flavour`` for ``tables`` and what their foreign keys reach."""
    environment = {"PYTHONPATH": ""}
    if flavour == "esrf":
        if not (ESRF_MODELS / "ispyb" / "models").is_dir():
            raise RuntimeError(f"ESRF's models are not in {ESRF_MODELS}: run `make install`")
        environment["PYTHONPATH"] = str(ESRF_MODELS)
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), flavour, *tables],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **environment},
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{SCRIPT.name} {flavour} failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


def _value(value: Any) -> Any:
    if isinstance(value, dict) and "$hex" in value:
        return bytes.fromhex(value["$hex"])
    return value


def _insert(cursor, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f"`{column}`" for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO `{table}` ({names}) VALUES ({marks})",
        [tuple(_value(row[column]) for column in columns) for row in rows],
    )


@dataclass
class LegacyDatabase:
    """A site's ISPyB database on MariaDB, before core migrated it."""

    flavour: str
    url: str
    schema: dict[str, Any]

    def connect(self) -> pymysql.Connection:
        url = make_url(self.url)
        connection = pymysql.connect(
            host=url.host or "localhost",
            port=url.port or 3306,
            user=url.username or "",
            password=url.password or "",
            database=url.database,
            unix_socket=url.query.get("unix_socket"),
            charset="utf8mb4",
            autocommit=True,
        )
        with connection.cursor() as cursor:
            # As SynchWeb and the pipelines write.
            cursor.execute("SET SESSION sql_mode = ''")
        return connection

    @property
    def tables(self) -> dict[str, Any]:
        return self.schema["tables"]

    def insert_later_rows(self) -> None:
        """Rows other programs write after core migrated, naming only their own columns."""
        with self.connect() as connection, connection.cursor() as cursor:
            for table, rows in self.schema["later_rows"].items():
                _insert(cursor, table, rows)
            connection.commit()

    def query(self, sql: str, *args) -> list[dict[str, Any]]:
        with self.connect() as connection, connection.cursor(pymysql.cursors.DictCursor) as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())


def build_legacy_database(url: str, flavour: str, core_tables: tuple[str, ...]) -> LegacyDatabase:
    """Load ``flavour``'s schema and rows into the empty database at ``url``."""
    schema = flavour_schema(flavour, core_tables)
    database = LegacyDatabase(flavour, url, schema)
    with database.connect() as connection, connection.cursor() as cursor:
        cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
        for statement in schema["statements"]:
            cursor.execute(statement)
        for statement in schema["foreign_keys"]:
            cursor.execute(statement)
        for table, rows in schema["rows"].items():
            _insert(cursor, table, rows)
        _curate(cursor, database)
        cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        connection.commit()
    return database


def _curate(cursor, database: LegacyDatabase) -> None:
    cursor.execute(
        "UPDATE Proposal SET proposalCode = 'mx', proposalNumber = CONCAT('90', proposalId)"
    )
    cursor.execute("UPDATE Person SET login = CONCAT('legacy', personId)")
    status = {
        "diamond": {"fraction": 1, "percent": 1},
        "esrf": {"fraction": "SUCCESS", "percent": "1"},
    }[database.flavour]
    for program_id, (programs, convention, cc_half, cc_anomalous) in CURATED_PROGRAMS.items():
        cursor.execute(
            "INSERT INTO AutoProcProgram (autoProcProgramId, processingPrograms, "
            "processingStatus, processingStartTime, processingEndTime) "
            "VALUES (%s, %s, %s, '2024-03-01 10:00:00', '2024-03-01 10:20:00')",
            (program_id, programs, status[convention]),
        )
        cursor.execute(
            "INSERT INTO AutoProcIntegration (autoProcIntegrationId, dataCollectionId, "
            "autoProcProgramId) VALUES (%s, 1, %s)",
            (program_id, program_id),
        )
        cursor.execute(
            "INSERT INTO AutoProc (autoProcId, autoProcProgramId, spaceGroup, refinedCell_a, "
            "refinedCell_b, refinedCell_c, refinedCell_alpha, refinedCell_beta, "
            "refinedCell_gamma) VALUES (%s, %s, 'P 43 21 2', 78.9, 78.9, 37.1, 90, 90, 90)",
            (program_id, program_id),
        )
        cursor.execute(
            "INSERT INTO AutoProcScaling (autoProcScalingId, autoProcId) VALUES (%s, %s)",
            (program_id, program_id),
        )
        cursor.execute(
            "INSERT INTO AutoProcScaling_has_Int (autoProcScaling_has_IntId, "
            "autoProcScalingId, autoProcIntegrationId) VALUES (%s, %s, %s)",
            (program_id, program_id, program_id),
        )
        anomalous = "ccAnomalous" if database.flavour == "diamond" else "ccAno"
        for offset, shell in enumerate(SHELLS):
            low, high = {"overall": (129.88, 1.42), "innerShell": (129.88, 3.85)}.get(
                shell, (1.46, 1.42)
            )
            cursor.execute(
                "INSERT INTO AutoProcScalingStatistics (autoProcScalingStatisticsId, "
                f"autoProcScalingId, scalingStatisticsType, resolutionLimitLow, "
                f"resolutionLimitHigh, completeness, multiplicity, meanIOverSigI, rMerge, "
                f"ccHalf, {anomalous}) VALUES (%s, %s, %s, %s, %s, 99.1, 6.8, 14.2, 0.061, "
                "%s, %s)",
                (
                    program_id * 10 + offset,
                    program_id,
                    shell,
                    low,
                    high,
                    cc_half[offset],
                    cc_anomalous[offset],
                ),
            )
