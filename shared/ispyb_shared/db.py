"""One SQLAlchemy engine per service, one session per request, one transaction per write.

On MariaDB/MySQL a read costs only its own statements. Connections run in autocommit
mode, a transaction is opened (``START TRANSACTION``) only by a session that writes: a
request other than GET/HEAD opens it before its view runs, any other session (commands,
tests, a GET that unexpectedly writes) before its first statement that is not a plain
``SELECT``. ``COMMIT`` and ``ROLLBACK`` are sent only when a transaction was opened, so a
list or an item is one statement (listing.py puts a list's total in its page), with no
ping, no ``COMMIT``, no ``ROLLBACK`` around it. Each read statement of a request sees
its own consistent snapshot (autocommit), not one shared by the request's statements.

Dropped connections (MariaDB restarted, ``wait_timeout``): no ping per checkout; the pool
replaces connections older than ``pool_recycle``, a read that meets a dropped
connection is run again once on a fresh one (SQLAlchemy then replaces the whole pool),
and a write finds out at its ``START TRANSACTION``, before its view runs, and starts
again on a fresh connection.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from .errors import Conflict, ValidationFailed

# Requests that change nothing: their sessions open no transaction, and they are run
# again once when they meet a dropped connection.
READ_METHODS = frozenset({"GET", "HEAD"})
# Execution option of the engine that read sessions use (see Database.read_engine).
READ_ONLY_OPTION = "ispyb_read_only"
# Set in a pooled connection's info while the server holds a transaction open for it.
_TRANSACTION_OPEN = "ispyb_transaction_open"
_START_TRANSACTION = "START TRANSACTION"
_MYSQL_DRIVERS = ("pymysql", "mysqldb")


class Database:
    """Engine and session factory for one service's database."""

    def __init__(self, config: Mapping[str, Any]):
        url = make_url(config["url"])
        # hide_parameters: SQL errors end up in logs, and bound values can be secrets
        # (password or token hashes in auth) or personal data.
        options: dict[str, Any] = {"echo": config.get("echo", False), "hide_parameters": True}
        self.lazy_transactions = False
        if url.get_backend_name() == "sqlite":
            if url.database and url.database != ":memory:":
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            connect_args: dict[str, Any] = {}
            if url.get_driver_name() in _MYSQL_DRIVERS:
                # The server's default: no SET AUTOCOMMIT at connect, and a read opens no
                # transaction (see the module docstring).
                connect_args["autocommit"] = True
                self.lazy_transactions = True
            if url.get_driver_name() == "pymysql":
                connect_args["conv"] = legacy_safe_conversions()
            options["connect_args"] = connect_args
            # No pre-ping (a round trip per request): recycle, retry (module docstring).
            options.update(
                pool_size=config.get("pool_size", 5),
                max_overflow=config.get("max_overflow", 10),
                pool_timeout=config.get("pool_timeout", 30),
                pool_recycle=config.get("pool_recycle", 3600),
            )
        self.engine: Engine = create_engine(url, **options)
        if url.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if self.lazy_transactions:
            _open_transactions_when_needed(self.engine)
        # Same pool; its sessions open a transaction only if they write.
        self.read_engine: Engine = self.engine.execution_options(**{READ_ONLY_OPTION: True})
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessionmaker = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ping(self) -> bool:
        try:
            with self.read_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def begin(session: Session) -> None:
    """Open the session's transaction now (MariaDB/MySQL; elsewhere the driver does)."""
    connection = session.connection()
    if not connection.connection.info.get(_TRANSACTION_OPEN):
        connection.exec_driver_sql(_START_TRANSACTION)


def _is_plain_read(statement: str) -> bool:
    # Runs before every statement: look at its ends only, not the whole text.
    head = statement.lstrip(" \t\r\n(")[:6].upper()
    if head != "SELECT" and not head.startswith("SHOW"):
        return False
    tail = statement[-24:].rstrip().upper()
    return not tail.endswith(("FOR UPDATE", "LOCK IN SHARE MODE", "NOWAIT", "SKIP LOCKED"))


def _open_transactions_when_needed(engine: Engine) -> None:
    """Autocommit connections that open a transaction only for sessions that may write,
    and send COMMIT/ROLLBACK only when one is open (module docstring)."""
    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def transaction_was_open(dbapi_connection) -> bool:
        try:
            info = dbapi_connection.info
        except (AttributeError, NotImplementedError):
            return True  # not a pooled connection (the dialect's first connect): send it
        return bool(info.pop(_TRANSACTION_OPEN, False))

    def do_commit(dbapi_connection) -> None:
        if transaction_was_open(dbapi_connection):
            commit(dbapi_connection)

    def do_rollback(dbapi_connection) -> None:
        if transaction_was_open(dbapi_connection):
            rollback(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_when_needed(connection, cursor, statement, _params, _context, _many) -> None:
        info = connection.connection.info
        if info.get(_TRANSACTION_OPEN):
            return
        if statement == _START_TRANSACTION:
            info[_TRANSACTION_OPEN] = True
            return
        if connection.get_execution_options().get(READ_ONLY_OPTION) and _is_plain_read(statement):
            return
        cursor.execute(_START_TRANSACTION)
        info[_TRANSACTION_OPEN] = True


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
    """The session of the current request (created on first use): a read session for
    GET and HEAD (no transaction unless it writes), a transactional one otherwise."""
    if "_db_session" not in g:
        database = get_database()
        reading = has_request_context() and request.method in READ_METHODS
        g._db_session = (database.read_sessionmaker if reading else database.sessionmaker)()
    return g._db_session


def _discard_session() -> None:
    session = g.pop("_db_session", None)
    if session is not None:
        session.close()


def _begin_on_a_live_connection() -> None:
    if not get_database().lazy_transactions:
        return
    try:
        begin(db_session())
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        _discard_session()
        begin(db_session())


def transactional(view: Callable) -> Callable:
    """Commit the request's session when the view returns; errors roll it back.

    Applied to every flask-restx resource, so service functions only ``flush``: a write
    spanning several rows is one transaction and a failure leaves nothing half-written.
    A read that meets a dropped database connection runs once more on a fresh one; a
    write opens its transaction before the view runs, so that a dropped connection is
    found (and replaced) before anything of the view happened.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if has_request_context() and request.method in READ_METHODS:
            try:
                result = view(*args, **kwargs)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                _discard_session()
                result = view(*args, **kwargs)
        else:
            _begin_on_a_live_connection()
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
