"""Undoing, later, the registrations that failed without core confirming their undo.

An SSXRegistrationAttempt left in the table is work to do: ``undoing`` (the undo failed:
core was unreachable) or ``started`` for longer than a registration can take (ssx
stopped half-way). :func:`retry_undos` claims each one (a conditional update, so two
workers or a late request never both act on it), asks core to undo its key and removes it
once core confirms; a failure pushes the next try back (doubling, at most an hour).

The caller's token is long gone by then, so these undos are sent with ssx's own client
credentials (``core.undo`` in the configuration; :class:`ClientCredentials`). The loop
runs in every ssx process, first at start-up, then every ``core.undo.retry_seconds``;
``ispyb-ssx undo-pending`` runs it once by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy import delete, or_, select, update

from ispyb_shared.core_client import Credentials
from ispyb_shared.db import Database

from ..core import SSXCoreClient
from .models import STARTED, UNDOING, SSXRegistrationAttempt
from .service import utc_now

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


class ClientCredentials:
    """ssx's own access token from the auth service (client credentials grant), renewed
    shortly before it expires."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str,
        timeout_seconds: float = 10,
        transport: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.timeout_seconds = timeout_seconds
        self.transport = transport if transport is not None else requests.Session()
        self.clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires = 0.0

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> ClientCredentials | None:
        """None when the configuration names no client (undos cannot be retried)."""
        if not settings.get("client_id"):
            return None
        return cls(
            token_url=settings["token_url"],
            client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            scope=settings["scope"],
        )

    def __call__(self, request_id: str | None = None) -> Credentials:
        with self._lock:
            if self._token is None or self.clock() >= self._expires:
                response = self.transport.request(
                    "POST",
                    self.token_url,
                    json={
                        "client_id": self.client_id,
                        "client_secret": self._secret,
                        "scope": self.scope,
                    },
                    timeout=self.timeout_seconds,
                )
                if response.status_code != 200:
                    raise RuntimeError(
                        f"the auth service refused ssx's client credentials "
                        f"({response.status_code})"
                    )
                answer = response.json()
                self._token = answer["access_token"]
                self._expires = self.clock() + max(int(answer.get("expires_in", 60)) - 30, 1)
            return Credentials(f"Bearer {self._token}", request_id)


@dataclass
class UndoReport:
    undone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: int = 0


def _due(now: dt.datetime, stale_before: dt.datetime):
    return or_(
        (SSXRegistrationAttempt.state == UNDOING)
        & (
            SSXRegistrationAttempt.nextAttemptAt.is_(None)
            | (SSXRegistrationAttempt.nextAttemptAt <= now)
        ),
        (SSXRegistrationAttempt.state == STARTED)
        & (SSXRegistrationAttempt.createdAt <= stale_before),
    )


def retry_undos(
    *,
    database: Database,
    core: SSXCoreClient,
    credentials: Callable[[str | None], Credentials],
    stale_after_seconds: float,
    retry_seconds: float,
    now: dt.datetime | None = None,
) -> UndoReport:
    """Undo in core every registration due (see the module's docstring)."""
    now = now or utc_now()
    stale_before = now - dt.timedelta(seconds=stale_after_seconds)
    report = UndoReport()
    with database.sessionmaker() as db:
        keys = db.scalars(
            select(SSXRegistrationAttempt.registrationKey).where(_due(now, stale_before))
        ).all()
        for key in keys:
            attempt = db.scalars(
                select(SSXRegistrationAttempt).where(SSXRegistrationAttempt.registrationKey == key)
            ).first()
            if attempt is None:
                continue
            tries = attempt.undoAttempts + 1
            backoff = min(max(retry_seconds, 1) * 2 ** (tries - 1), MAX_BACKOFF_SECONDS)
            claimed = db.execute(
                update(SSXRegistrationAttempt)
                .where(SSXRegistrationAttempt.registrationKey == key, _due(now, stale_before))
                .values(
                    state=UNDOING,
                    undoAttempts=tries,
                    nextAttemptAt=now + dt.timedelta(seconds=backoff),
                )
            )
            db.commit()
            if claimed.rowcount != 1:
                continue  # another process took it, or the registration finished
            try:
                core.cancel(key, credentials(attempt.requestId))
            except Exception as exc:
                db.execute(
                    update(SSXRegistrationAttempt)
                    .where(SSXRegistrationAttempt.registrationKey == key)
                    .values(lastError=f"{type(exc).__name__}: {exc}"[:255])
                )
                db.commit()
                log.error("undo of registration %s failed again (try %d): %s", key, tries, exc)
                report.failed.append(key)
                continue
            db.execute(
                delete(SSXRegistrationAttempt).where(SSXRegistrationAttempt.registrationKey == key)
            )
            db.commit()
            log.warning("registration %s undone in core by the retry loop", key)
            report.undone.append(key)
        report.waiting = len(db.scalars(select(SSXRegistrationAttempt.registrationKey)).all())
    return report


class RetryLoop:
    """:func:`retry_undos` at start-up, then every ``retry_seconds``, in a daemon thread."""

    def __init__(self, run: Callable[[], UndoReport], retry_seconds: float):
        self._run = run
        self.retry_seconds = retry_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ssx-undo-retry", daemon=True)

    def start(self) -> RetryLoop:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            try:
                report = self._run()
                if report.undone or report.failed:
                    log.info(
                        "undo retry: %d undone, %d failed, %d waiting",
                        len(report.undone),
                        len(report.failed),
                        report.waiting,
                    )
            except Exception:
                log.exception("undo retry loop failed; trying again later")
            if self._stop.wait(self.retry_seconds):
                return
