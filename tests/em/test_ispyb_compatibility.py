"""em's tables are Diamond's ISPyB cryo-EM tables (``ispyb.sqlalchemy``): same table and
column names, compatible types. The differences are deliberate and listed here (and in
docs/em.md): the uuid column of every table, and UUIDs of core's rows where ISPyB has
integer foreign keys into core's tables."""

from __future__ import annotations

import pytest
from ispyb.sqlalchemy import Base as ReferenceBase
from sqlalchemy import types as sqltypes

from ispyb_em.models import Base

REFERENCE = ReferenceBase.metadata.tables
# em's own tables, not ISPyB's, with the reason.
EM_TABLES = {
    "IdempotencyRecord": "answers of creates sent with an Idempotency-Key (api-conventions.md)",
}
ISPYB_TABLES = sorted(name for name in Base.metadata.tables if name not in EM_TABLES)

# ISPyB column -> em column, where ISPyB points into a table core owns.
CROSS_SERVICE = {
    ("Movie", "dataCollectionId"): "dataCollectionUUID",
    ("Tomogram", "dataCollectionId"): "dataCollectionUUID",
    ("Atlas", "dataCollectionGroupId"): "dataCollectionGroupUUID",
}
# em columns ISPyB does not have, with the reason.
ADDITIONS = {
    # every table: the stable cross-service identifier
    **{(table, "uuid"): "stable identifier" for table in ISPYB_TABLES},
    ("AutoProcProgram", "dataCollectionUUID"): "ISPyB links a run through ProcessingJob",
    ("Atlas", "dataCollectionUUID"): "core's contract is per data collection",
}
# ISPyB columns em does not map (nullable, or links to tables em does not have).
NOT_MAPPED = {
    ("AutoProcProgram", "processingJobId"),
    ("AutoProcProgram", "processingPipelineId"),
    ("AutoProcProgram", "parentAutoProcProgramId"),
    ("AutoProcProgram", "jobUuid"),
    ("MotionCorrection", "dataCollectionId"),  # the movie's data collection
}


def _family(column_type) -> str:
    if isinstance(column_type, sqltypes.Boolean):
        return "boolean"
    if isinstance(column_type, sqltypes.Enum):
        return "enum"
    if isinstance(column_type, sqltypes.Integer):
        return "integer"
    if isinstance(column_type, sqltypes.Float | sqltypes.Numeric):
        return "number"
    if isinstance(column_type, sqltypes.DateTime | sqltypes.TIMESTAMP):
        return "datetime"
    if isinstance(column_type, sqltypes.String):
        return "string"
    return type(column_type).__name__


def compatible(ours, reference) -> bool:
    mine, theirs = _family(ours), _family(reference)
    if mine == "boolean":
        # ISPyB flags are TINYINT(1); SQLAlchemy's Boolean is TINYINT(1) on MariaDB.
        return theirs == "integer" and getattr(reference, "display_width", 1) == 1
    if mine == "enum":
        return theirs == "enum" and list(ours.enums) == list(reference.enums)
    if mine == "string":
        return theirs == "string" and ours.length == reference.length
    return mine == theirs


def test_em_tables_are_not_ispyb_tables():
    for name in EM_TABLES:
        assert name in Base.metadata.tables, name
        assert name not in REFERENCE, f"{name} exists in ISPyB: map it instead"


@pytest.mark.parametrize("table", ISPYB_TABLES)
def test_every_table_and_column_is_ispybs(table):
    assert table in REFERENCE, f"{table} is not an ISPyB table"
    reference = REFERENCE[table]
    for column in Base.metadata.tables[table].columns:
        if (table, column.name) in ADDITIONS:
            assert column.name not in reference.c, f"{table}.{column.name} exists in ISPyB"
            continue
        if column.name in CROSS_SERVICE.values():
            (ispyb_name,) = [
                name
                for (t, name), ours in CROSS_SERVICE.items()
                if t == table and ours == column.name
            ]
            assert ispyb_name in reference.c
            continue
        assert column.name in reference.c, f"{table}.{column.name} is not an ISPyB column"
        assert compatible(column.type, reference.c[column.name].type), (
            f"{table}.{column.name}: {column.type!r} vs {reference.c[column.name].type!r}"
        )
        assert column.primary_key == reference.c[column.name].primary_key, column.name


@pytest.mark.parametrize("table", ISPYB_TABLES)
def test_every_ispyb_column_is_mapped_or_listed(table):
    ours = Base.metadata.tables[table].c
    for column in REFERENCE[table].columns:
        mapped = column.name in ours or (table, column.name) in CROSS_SERVICE
        assert mapped or (table, column.name) in NOT_MAPPED, f"{table}.{column.name}"


def test_every_column_says_what_it_means():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            assert column.doc and len(column.doc) > 5, f"{table.name}.{column.name}"
