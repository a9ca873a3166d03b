"""Idempotency-Key: a create retried with the same key answers what the first one did.

A client that cannot tell whether its POST arrived (a timeout, a dropped connection) sends
it again with the same ``Idempotency-Key`` header. The first request creates and stores
its answer under (caller, key) in the service's ``IdempotencyRecord`` table, in the same
transaction as the create: a create that fails stores nothing, a create that commits
cannot lose its record. A retry with the same key, caller and request (method, path,
query, body) gets the stored answer with status 200 and ``Idempotent-Replayed: true``;
the same key with another request is refused (422, ``IDEMPOTENCY_KEY_REUSED``). Keys are
per caller: the same key sent by someone else is another key.

Two requests racing with one key: the record is claimed (inserted) before the create
runs, under a unique key. The second insert waits for the first transaction (MariaDB's
row lock, SQLite's write lock); when the first commits, the second's insert fails, its
transaction is rolled back and it answers the replay. If the first is still running when
the wait gives up, the second answers 409 ``IDEMPOTENCY_KEY_IN_USE`` (retry later).

Records expire after ``api.idempotency_hours`` (default 24): an expired record is
ignored (and replaced) and each worker deletes the expired ones at most every few
minutes, one indexed ``DELETE``.

Every ``@operation`` with ``status=201`` uses it (``idempotent=False`` opts out, as an
operation whose answer holds a secret must: answers are stored as they are); a service
gives it its table with :func:`init_idempotency` and a model made by
:func:`idempotency_record_model` on its declarative base.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, current_app, request
from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .auth import current_caller
from .db import db_session, get_database
from .errors import ApiError

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_HOURS = 24
MAX_KEY_LENGTH = 255
# Visible ASCII only: what every proxy passes unchanged and every client can type.
_KEY = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")
# How often one worker deletes expired records.
PURGE_INTERVAL_SECONDS = 300
# MariaDB: lock wait timeout, deadlock; SQLite: "database is locked".
_LOCK_ERRORS = (1205, 1213)
_HASH_LENGTH = 64
_TEXT_LENGTH = 255
_EXTENSION = "ispyb_idempotency"


class IdempotencyKeyReused(ApiError):
    status = 422
    code = "IDEMPOTENCY_KEY_REUSED"


class IdempotencyKeyInUse(ApiError):
    status = 409
    code = "IDEMPOTENCY_KEY_IN_USE"


def idempotency_record_model(base: type, *mixins: type) -> type:
    """The ``IdempotencyRecord`` model of a service, on its declarative ``base`` (core
    passes its ``UuidMixin``: every core table has a uuid)."""

    class IdempotencyRecord(*mixins, base):
        """A create answered under a client's Idempotency-Key (one row per caller and
        key), kept for ``api.idempotency_hours``."""

        __tablename__ = "IdempotencyRecord"
        __table_args__ = (
            UniqueConstraint("scopedKeyHash", name="IdempotencyRecord_scopedKeyHash_uq"),
            Index("IdempotencyRecord_createdAt", "createdAt"),
        )

        idempotencyRecordId: Mapped[int] = mapped_column(
            Integer, primary_key=True, doc="Database id."
        )
        scopedKeyHash: Mapped[str] = mapped_column(
            String(_HASH_LENGTH),
            nullable=False,
            doc="SHA-256 of the caller and the key: the unique key (keys are per caller; "
            "a hash, so that the index is short and compares case-sensitively).",
        )
        idempotencyKey: Mapped[str] = mapped_column(
            String(MAX_KEY_LENGTH), nullable=False, doc="The Idempotency-Key header as sent."
        )
        caller: Mapped[str] = mapped_column(
            String(_TEXT_LENGTH), nullable=False, doc="Who sent it: the token's kind:subject."
        )
        operation: Mapped[str] = mapped_column(
            String(_TEXT_LENGTH),
            nullable=False,
            doc="Method and route of the create, e.g. POST /ispyb/api/v1/core/proposals.",
        )
        requestHash: Mapped[str] = mapped_column(
            String(_HASH_LENGTH),
            nullable=False,
            doc="SHA-256 of the method, path, query and body (canonical JSON) of the request.",
        )
        responseStatus: Mapped[int | None] = mapped_column(
            Integer, nullable=True, doc="The status of the first answer (null while it runs)."
        )
        responseBody: Mapped[str | None] = mapped_column(
            Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb"),
            nullable=True,
            doc="The body of the first answer (JSON), replayed to a retry.",
        )
        createdAt: Mapped[dt.datetime] = mapped_column(
            DateTime,
            nullable=False,
            doc="When the first request arrived (UTC); the record expires from it.",
        )

    return IdempotencyRecord


@dataclass
class _Store:
    model: type
    next_purge: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_idempotency(app: Flask, model: type) -> None:
    """Give ``app``'s creates their idempotency records, in ``model``'s table."""
    app.extensions[_EXTENSION] = _Store(model)


def requested_key() -> str | None:
    """The request's Idempotency-Key, None when absent; a malformed one is a 400."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise ApiError(
            f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters.",
            {IDEMPOTENCY_HEADER: ["1 to 255 visible ASCII characters (no spaces)."]},
        )
    if _EXTENSION not in current_app.extensions:
        raise ApiError(
            f"This service does not support {IDEMPOTENCY_HEADER}.",
            {IDEMPOTENCY_HEADER: ["Not supported by this service."]},
        )
    return key


def call_idempotently(key: str | None, produce: Callable[[], Any]) -> Any:
    """``produce()``'s answer, stored under ``key``; or the stored answer of a retry."""
    if key is None:
        return produce()
    store: _Store = current_app.extensions[_EXTENSION]
    _purge_if_due(store)
    session = db_session()
    caller = current_caller()
    caller_name = f"{caller.kind}:{caller.subject}"
    claim = _Claim(
        model=store.model,
        key=key,
        caller=caller_name,
        scoped=_sha256(f"{caller_name}\n{key}".encode()),
        request_hash=_request_hash(),
    )
    record = claim.take(session)
    if not isinstance(record, store.model):
        return record  # the replay
    answer = produce()
    _complete(session, record, answer)
    return answer


@dataclass
class _Claim:
    model: type
    key: str
    caller: str
    scoped: str
    request_hash: str

    def find(self, session: Session):
        return session.scalars(
            select(self.model).where(self.model.scopedKeyHash == self.scoped)
        ).first()

    def take(self, session: Session):
        """The new record, claimed in the request's transaction, or the replay."""
        now = _utcnow()
        found = self.find(session)
        if found is not None:
            if found.createdAt > now - _lifetime():
                return self.replay(found)
            session.delete(found)
            session.flush()
        record = self.model(
            scopedKeyHash=self.scoped,
            idempotencyKey=self.key,
            caller=self.caller[:_TEXT_LENGTH],
            operation=f"{request.method} {request.url_rule.rule}"[:_TEXT_LENGTH],
            requestHash=self.request_hash,
            createdAt=now,
        )
        session.add(record)
        try:
            session.flush()
        except IntegrityError:
            # Another request with this key committed while this one waited.
            session.rollback()
            log.info("idempotency key taken by a concurrent request: answering its replay")
        except OperationalError as exc:
            # The first request held the key longer than the database waits.
            if not _is_lock_error(exc):
                raise
            session.rollback()
        else:
            return record
        winner = self.find(session)
        if winner is None:
            raise self.in_use()
        return self.replay(winner)

    def replay(self, record) -> Any:
        if record.requestHash != self.request_hash:
            raise IdempotencyKeyReused(
                f"This {IDEMPOTENCY_HEADER} was used for another request (another body or "
                "target): use a new key for a new request.",
                {IDEMPOTENCY_HEADER: ["Already used with another request."]},
            )
        if record.responseStatus is None:
            raise self.in_use()
        return json.loads(record.responseBody), 200, {REPLAYED_HEADER: "true"}

    def in_use(self) -> IdempotencyKeyInUse:
        return IdempotencyKeyInUse(
            f"A request with this {IDEMPOTENCY_HEADER} is still being processed: retry later.",
            {IDEMPOTENCY_HEADER: ["A request with this key is in progress."]},
        )


def _complete(session: Session, record, answer: Any) -> None:
    """Store the answer in the claimed record, or drop the claim for one not replayable."""
    status, body = _status_and_body(answer)
    if status is None or not 200 <= status < 300:
        session.delete(record)
    else:
        record.responseStatus = status
        record.responseBody = body
    session.flush()


def _status_and_body(answer: Any) -> tuple[int | None, str | None]:
    if isinstance(answer, Response):
        if not answer.is_json or answer.direct_passthrough:
            return None, None
        return answer.status_code, answer.get_data(as_text=True)
    value, status = answer[0], answer[1]
    return status, current_app.json.dumps(value)


def _request_hash() -> str:
    # A form body is parsed (its raw bytes gone): its fields and files are the body.
    body = _form_digest() if request.mimetype in _FORM_TYPES else _raw_digest()
    query = request.query_string
    target = f"{request.method} {request.path}?".encode() + query + b"\n"
    return _sha256(target + body)


_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _form_digest() -> bytes:
    fields = sorted(request.form.items(multi=True))
    files = []
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        # The loader may have read it already.
        upload.stream.seek(0)
        content = upload.stream.read()
        upload.stream.seek(0)
        files.append([name, upload.filename or "", _sha256(content)])
    return json.dumps([fields, files], ensure_ascii=False).encode()


def _raw_digest() -> bytes:
    raw = request.get_data(cache=True)
    body = raw
    if request.is_json:
        try:
            body = json.dumps(
                json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        except (ValueError, UnicodeDecodeError, RecursionError):
            body = raw
    return body


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _lifetime() -> dt.timedelta:
    hours = current_app.config["ISPYB_CONFIG"]["api"].get("idempotency_hours", DEFAULT_HOURS)
    return dt.timedelta(hours=hours)


def _is_lock_error(exc: OperationalError) -> bool:
    args = getattr(exc.orig, "args", ())
    if args and args[0] in _LOCK_ERRORS:
        return True
    return "database is locked" in str(exc.orig)


def _purge_if_due(store: _Store) -> None:
    now = time.monotonic()
    with store.lock:
        if now < store.next_purge:
            return
        store.next_purge = now + PURGE_INTERVAL_SECONDS
    purge_expired(store.model, lifetime=_lifetime())


def purge_expired(model: type, *, lifetime: dt.timedelta) -> int:
    """Delete the records older than ``lifetime`` (its own short transaction, on the
    createdAt index): the number deleted. A failure is logged, never the create's."""
    cutoff = _utcnow() - lifetime
    try:
        with get_database().engine.begin() as connection:
            deleted = connection.execute(
                delete(model.__table__).where(model.__table__.c.createdAt < cutoff)
            ).rowcount
    except SQLAlchemyError as exc:
        log.warning("idempotency records not purged: %s", exc)
        return 0
    if deleted:
        log.info("purged %d expired idempotency records", deleted)
    return deleted
