"""pyispyb 1.0.0 (the 2021 prototype, from PyPI) beside core in tools/bench.py (``--pyispyb``).

This file runs in pyispyb's own virtual environment (made by tools/bench.py: Flask 1.1,
SQLAlchemy 1.3, marshmallow 2, PyJWT 1.7, the versions it was written for; its wheel declares
no dependencies), never in the project's. It prepares the database pyispyb reads:

    python tools/bench_pyispyb.py prepare ADMIN_URL CORE_DATABASE PYISPYB_DATABASE

pyispyb's models are the 2021 ISPyB schema (core models: 210 tables). Core creates 43 of them,
with fewer columns (DataCollection lacks 51 of pyispyb's, BLSession 9, Person 1). So that
pyispyb reads the same rows as core, without touching core's tables, PYISPYB_DATABASE gets:

- for each table core has, a view over core's table (``CREATE VIEW ... AS SELECT ...
  FROM core.T``), with pyispyb's columns: core's where it has them, NULL where it has not.
  Single-table views without aggregates are merged by MariaDB into the query (a filter on
  a view's column uses core's index);
- for each table core lacks, the table of pyispyb's metadata, empty, without its foreign
  keys (they would point at views).

It prints what it made, as JSON.
"""

from __future__ import annotations

import json
import sys
import warnings


def pyispyb_metadata():
    warnings.simplefilter("ignore")  # flask_marshmallow: marshmallow-sqlalchemy missing
    from pyispyb.app.extensions import db
    from pyispyb.core import models  # noqa: F401  (fills db.metadata)

    return db.metadata


def prepare(admin_url: str, core_database: str, target_database: str) -> dict:
    import sqlalchemy as sa

    metadata = pyispyb_metadata()
    engine = sa.create_engine(admin_url.rstrip("/") + "/" + target_database)
    made = {"views": {}, "tables": [], "failed": {}}
    with engine.connect() as connection:
        existing: dict[str, dict[str, str]] = {}
        for table, column in connection.execute(
            sa.text(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                "WHERE TABLE_SCHEMA = :schema"
            ),
            schema=core_database,
        ):
            existing.setdefault(table.lower(), {})[column.lower()] = column
        for table in metadata.sorted_tables:
            core_columns = existing.get(table.name.lower())
            if core_columns is not None:
                selected, missing = [], []
                for column in table.columns:
                    if column.name.lower() in core_columns:
                        selected.append(f"`{core_columns[column.name.lower()]}` AS `{column.name}`")
                    else:
                        selected.append(f"NULL AS `{column.name}`")
                        missing.append(column.name)
                connection.execute(
                    f"CREATE VIEW `{table.name}` AS SELECT {', '.join(selected)} "
                    f"FROM `{core_database}`.`{table.name}`"
                )
                made["views"][table.name] = missing
                continue
            copy = sa.Table(
                table.name,
                sa.MetaData(),
                *[
                    sa.Column(
                        column.name,
                        # A length-less String (PDB.contents) is no MariaDB type: TEXT.
                        sa.Text()
                        if isinstance(column.type, sa.String) and not column.type.length
                        else column.type,
                        primary_key=column.primary_key,
                        nullable=column.nullable,
                        autoincrement=column.autoincrement,
                    )
                    for column in table.columns
                ],
            )
            try:
                copy.create(connection, checkfirst=True)
                made["tables"].append(table.name)
            except sa.exc.SQLAlchemyError as error:  # reported, not hidden
                made["failed"][table.name] = str(error).splitlines()[0][:200]
    return made


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] != "prepare":
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(prepare(*argv[1:])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
