"""Core can run on a site's ISPyB database: every table and column it maps exists in the
reference schema (``ispyb.sqlalchemy``, Diamond's) with a compatible type.

The only columns core adds are listed in DELIBERATE_ADDITIONS; see docs/ispyb-database.md.
"""

import pytest
from ispyb.sqlalchemy import Base as ReferenceBase
from sqlalchemy import types as sqltypes

from ispyb_core.models import Base

# Tables of core's own, not ISPyB's (see docs/ispyb-database.md, "What the migration adds").
CORE_TABLES = {
    # ISPyB keeps only the current Shipping.shippingStatus; the lifecycle needs every change
    # with its time (dewars have ISPyB's DewarTransportHistory for that).
    "ShippingStatusHistory": "history of shipment status changes",
    # The idempotency record of one-shot shipment documents: (proposal, externalId) ->
    # the shipment created and a hash of the document.
    "ShipmentDocument": "idempotency record of one-shot shipment documents",
    # ISPyB has no anisotropy statistics (docs/data-collections.md).
    "AutoProcScalingAnisotropy": "anisotropy of a scaled result",
    # ISPyB has no record of user-office synchronisations (docs/user-office-sync.md).
    "UserOfficeSyncRun": "record of each user-office synchronisation",
    # A group and its data collection registered in one idempotent call by the caller's
    # key, and the keys cancelled (docs/data-collections.md).
    "DataCollectionRegistration": "idempotency record of one-call data collection registrations",
    # Every create's answer under the client's Idempotency-Key (docs/api-conventions.md).
    "IdempotencyRecord": "answers of creates sent with an Idempotency-Key",
}

# Tables of ESRF's flavour that Diamond's (the reference) no longer has, and the columns
# of Diamond's tables only ESRF's has: checked against ESRF's models instead
# (test_esrf_tables_and_columns_match_esrf_models; docs/workflows.md).
ESRF_TABLES = {"Workflow", "WorkflowStep"}
ESRF_COLUMNS = {"DataCollectionGroup": {"workflowId"}}

ISPYB_TABLES = sorted(
    name for name in Base.metadata.tables if name not in CORE_TABLES and name not in ESRF_TABLES
)

# table -> columns core adds to ISPyB (by migrations 0001 and 0002; see
# docs/ispyb-database.md)
DELIBERATE_ADDITIONS = {name: {"uuid"} for name in ISPYB_TABLES}
# ESRF's column, which Diamond's flavour lacks: the plot of a sweep's per-image analysis
# (migration 0012).
DELIBERATE_ADDITIONS["DataCollection"] |= {"imageQualityIndicatorsPlotPath"}

REFERENCE = ReferenceBase.metadata.tables


def test_core_tables_are_not_ispyb_tables():
    for name in CORE_TABLES:
        assert name in Base.metadata.tables, name
        assert name not in REFERENCE, f"{name} exists in ISPyB: map it instead"


def _family(column_type) -> str:
    if isinstance(column_type, sqltypes.TypeDecorator):
        # What the database stores is the decorated type's (LenientEnum, ProcessingStatus).
        column_type = column_type.impl
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
    if isinstance(column_type, sqltypes.Date):
        return "date"
    if isinstance(column_type, sqltypes.String):
        return "string"
    if isinstance(column_type, sqltypes.LargeBinary | sqltypes._Binary):
        return "binary"
    return type(column_type).__name__


def compatible(ours, reference) -> tuple[bool, str]:
    mine, theirs = _family(ours), _family(reference)
    if mine == "boolean":
        # ISPyB flags are TINYINT(1); SQLAlchemy's Boolean is TINYINT(1) on MariaDB.
        ok = theirs == "integer" and getattr(reference, "display_width", 1) == 1
        return ok, f"Boolean over {reference!r}"
    if mine == "enum":
        return (
            theirs == "enum" and list(getattr(ours, "impl", ours).enums) == list(reference.enums),
            f"{ours.enums} vs {getattr(reference, 'enums', reference)}",
        )
    if mine != theirs:
        return False, f"{ours!r} vs {reference!r}"
    if mine == "string" and ours.length != getattr(reference, "length", None):
        return False, f"length {ours.length} vs {getattr(reference, 'length', None)}"
    return True, ""


@pytest.mark.parametrize("table", ISPYB_TABLES)
def test_table_and_columns_exist_with_compatible_types(table):
    assert table in REFERENCE, f"{table} is not an ISPyB table"
    reference = REFERENCE[table]
    for column in Base.metadata.tables[table].columns:
        if column.name in DELIBERATE_ADDITIONS.get(table, set()):
            assert column.name not in reference.c, f"{table}.{column.name} exists in ISPyB"
            continue
        if column.name in ESRF_COLUMNS.get(table, set()):
            continue
        assert column.name in reference.c, f"{table}.{column.name} is not an ISPyB column"
        ok, why = compatible(column.type, reference.c[column.name].type)
        assert ok, f"{table}.{column.name}: {why}"
        assert column.primary_key == reference.c[column.name].primary_key, column.name


@pytest.mark.parametrize("table", ISPYB_TABLES)
def test_required_reference_columns_are_mapped(table):
    """A NOT NULL ISPyB column without default that core does not map would make core's
    inserts fail on a real ISPyB database."""
    reference = REFERENCE[table]
    ours = Base.metadata.tables[table]
    for column in reference.columns:
        needs_value = (
            not column.nullable
            and column.server_default is None
            and column.default is None
            and not (column.primary_key and column.autoincrement in (True, "auto"))
        )
        if needs_value:
            assert column.name in ours.c, f"{table}.{column.name} must be mapped"


def test_unique_keys_match_the_reference():
    for table in Base.metadata.sorted_tables:
        if table.name in CORE_TABLES or table.name in ESRF_TABLES:
            continue
        ours = {tuple(c.name for c in i.columns) for i in table.indexes if i.unique}
        theirs = {
            tuple(c.name for c in i.columns) for i in REFERENCE[table.name].indexes if i.unique
        }
        assert ours == theirs, table.name


def test_esrf_tables_and_columns_match_esrf_models():
    from tests.support.legacy_ispyb import flavour_schema

    esrf = flavour_schema("esrf", (*sorted(ESRF_TABLES), *ESRF_COLUMNS))["tables"]
    checked = {name: None for name in ESRF_TABLES} | ESRF_COLUMNS
    for table, only in checked.items():
        theirs = esrf[table]["columns"]
        for column in Base.metadata.tables[table].columns:
            if column.name == "uuid" or (only is not None and column.name not in only):
                continue
            assert column.name in theirs, f"{table}.{column.name} is not an ESRF column"
            other = theirs[column.name]
            family = _family(column.type)
            assert family == {"INTEGER": "integer", "String": "string", "Enum": "enum"}.get(
                other["type"], family
            ), f"{table}.{column.name}: {column.type!r} vs {other['sql']}"
            if family == "string":
                assert column.type.length == other["length"], f"{table}.{column.name}"
            if family == "enum":
                assert list(column.type.enums) == other["enums"], f"{table}.{column.name}"
            assert column.primary_key == other["primary_key"], f"{table}.{column.name}"
