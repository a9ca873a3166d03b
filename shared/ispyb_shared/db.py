"""One SQLAlchemy engine per service, one session and one transaction per request."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .errors import Conflict, ValidationFailed


class Database:
    """Engine and session factory for one service's database."""

    def __init__(self, config: Mapping[str, Any]):
        url = make_url(config["url"])
        # hide_parameters: SQL errors end up in logs, and bound values can be secrets
        # (password or token hashes in auth) or personal data.
        options: dict[str, Any] = {
            "echo": config.get("echo", False),
            "pool_pre_ping": True,
            "hide_parameters": True,
        }
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            if url.get_driver_name() == "pymysql":
                options["connect_args"] = {"conv": legacy_safe_conversions()}
            # pre-ping + recycle: a restarted or idle-timed-out MariaDB costs one retry on
            # checkout, never a failed request or a service restart.
            options.update(
                pool_size=config.get("pool_size", 5),
                max_overflow=config.get("max_overflow", 10),
                pool_timeout=config.get("pool_timeout", 30),
                pool_recycle=config.get("pool_recycle", 3600),
            )
        self.engine: Engine = create_engine(url, **options)
        if url.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def legacy_safe_conversions() -> dict:
    """pymysql's conversions, with dates it cannot parse read as None.

    Real ISPyB databases hold zero dates ('0000-00-00 00:00:00', written by programs that
    run without strict mode) in any datetime column; pymysql returns them as strings,
    which would reach the API as a 500. As a date they mean "no date": they are served as
    null (MySQLdb does the same by default).
    """
    from pymysql import converters
    from pymysql.constants import FIELD_TYPE

    conversions = dict(converters.conversions)
    for field_type in (FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATE):
        conversions[field_type] = _none_when_unparsed(conversions[field_type])
    return conversions


def _none_when_unparsed(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def converted(value):
        result = convert(value)
        return None if isinstance(result, str | bytes) else result

    return converted


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless asked; WAL lets readers and a writer overlap
    # between gunicorn workers.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_database(app: Flask, database: Database) -> None:
    app.extensions["ispyb_database"] = database

    @app.teardown_appcontext
    def _close_session(_exc) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()  # rolls back anything not committed


def get_database() -> Database:
    return current_app.extensions["ispyb_database"]


def db_session() -> Session:
    """The session of the current request (created on first use)."""
    if "_db_session" not in g:
        g._db_session = get_database().sessionmaker()
    return g._db_session


def transactional(view: Callable) -> Callable:
    """Commit the request's session when the view returns; errors roll it back.

    Applied to every flask-restx resource, so service functions only ``flush``: a write
    spanning several rows is one transaction and a failure leaves nothing half-written.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        result = view(*args, **kwargs)
        session = g.get("_db_session")
        if session is not None and session.in_transaction():
            session.commit()
        return result

    return wrapper


def check_references(session: Session, model: type[DeclarativeBase], values: Mapping) -> None:
    """Refuse values that point at rows that do not exist, naming the field.

    The database would refuse them too, but only with an anonymous integrity error.
    """
    problems: dict[str, list[str]] = {}
    for column in model.__table__.columns:
        value = values.get(column.key)
        if value is None:
            continue
        for foreign_key in column.foreign_keys:
            target = foreign_key.column
            found = session.execute(select(target).where(target == value).limit(1)).first()
            if found is None:
                problems.setdefault(column.key, []).append(
                    f"No {target.table.name} with {target.key} {value!r}."
                )
    if problems:
        raise ValidationFailed("A referenced row does not exist.", problems)


def check_unique(
    session: Session,
    model: type[DeclarativeBase],
    values: Mapping,
    *,
    current: DeclarativeBase | None = None,
) -> None:
    """Refuse values that duplicate a unique key of another row, naming the fields."""
    table = model.__table__
    unique_sets = [tuple(c.key for c in index.columns) for index in table.indexes if index.unique]
    unique_sets += [
        tuple(c.key for c in constraint.columns)
        for constraint in table.constraints
        if constraint.__class__.__name__ == "UniqueConstraint"
    ]
    unique_sets += [(column.key,) for column in table.columns if column.unique]
    primary_key = [c for c in table.primary_key.columns]
    for keys in dict.fromkeys(unique_sets):
        if not any(key in values for key in keys):
            continue
        merged = {
            key: values[key] if key in values else getattr(current, key, None) for key in keys
        }
        if any(value is None for value in merged.values()):
            continue
        query = select(*primary_key).where(*(table.c[key] == merged[key] for key in keys))
        if current is not None:
            query = query.where(*(column != getattr(current, column.key) for column in primary_key))
        if session.execute(query.limit(1)).first() is not None:
            described = ", ".join(f"{key}={merged[key]!r}" for key in keys)
            raise Conflict(
                f"A {table.name} with {described} already exists.",
                {key: ["Already used by another row."] for key in keys},
            )
