"""Auth's revocation list: subjects and keys whose tokens are void before they expire."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from ..errors import ApiError, ServiceUnavailable
from ..metrics import timed_outbound
from .settings import REVOCATION_POLL_SECONDS

log = logging.getLogger(__name__)


def revocation_key(kind: str, subject: str) -> str:
    """How the revocation list names a subject: a SHA-256, so it does not list logins."""
    return hashlib.sha256(f"{kind}:{subject}".encode()).hexdigest()


@dataclass(frozen=True)
class Revocations:
    """One version of auth's revocation list."""

    subjects: Mapping[str, int]  # revocation_key(kind, sub) -> tokens issued up to then
    retired_keys: frozenset[str]

    @classmethod
    def parse(cls, document: Any) -> Revocations:
        if not isinstance(document, Mapping):
            raise ValueError("not a revocation list")
        subjects, retired = document.get("subjects"), document.get("retiredKeys")
        if not isinstance(subjects, Mapping) or not isinstance(retired, list):
            raise ValueError("not a revocation list")
        parsed = {}
        for key, not_before in subjects.items():
            if not isinstance(key, str) or isinstance(not_before, bool):
                raise ValueError("not a revocation list")
            if not isinstance(not_before, int):
                raise ValueError("not a revocation list")
            parsed[key] = not_before
        if not all(isinstance(kid, str) for kid in retired):
            raise ValueError("not a revocation list")
        return cls(subjects=parsed, retired_keys=frozenset(retired))

    def refusal(self, claims: Mapping[str, Any], kid: str | None) -> str | None:
        """Why the token is revoked, or None."""
        if kid is not None and kid in self.retired_keys:
            return "The access token is signed with a retired key."
        not_before = self.subjects.get(revocation_key(str(claims["kind"]), str(claims["sub"])))
        if not_before is None:
            return None
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or isinstance(issued, bool) or issued <= not_before:
            return "The access token has been revoked."
        return None


class RevocationList:
    """Auth's revocation list, fetched again every ``poll_seconds`` (thread-safe).

    While a fetch runs, other threads use the list they have. When a fetch fails, the last
    list keeps being used (logged); before any list was ever fetched, tokens get a 503, as
    they do when no signing key can be fetched.
    """

    def __init__(
        self,
        fetch: Callable[[], Any],
        *,
        poll_seconds: float = REVOCATION_POLL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        retry_seconds: float = 1,
        source: str = "the auth service",
    ):
        self._fetch = fetch
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.clock = clock
        self.source = source
        self._lock = threading.Lock()
        self._current: Revocations | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self.fetch_count = 0

    @classmethod
    def from_url(cls, url: str, *, http_timeout: float = 5, **kwargs: Any) -> RevocationList:
        def fetch() -> Any:
            response = timed_outbound(
                "auth",
                requests.get,
                url,
                timeout=http_timeout,
                headers={"Accept": "application/json"},
            )
            if response.status_code == 404:
                # An auth service older than revocation lists: it has nothing to revoke.
                # (Refusing every token instead would stop a service upgraded first.)
                log.warning("no token revocation list at %s (404): none is applied", url)
                return {"subjects": {}, "retiredKeys": []}
            response.raise_for_status()
            return response.json()

        return cls(fetch, **kwargs)

    def _fresh(self) -> bool:
        return self._current is not None and (self.clock() - self._fetched_at < self.poll_seconds)

    def current(self) -> Revocations:
        if self._fresh():
            return self._current  # type: ignore[return-value]
        if not self._lock.acquire(blocking=self._current is None):
            return self._current  # type: ignore[return-value]  # another thread fetches
        try:
            if self._fresh():
                return self._current  # type: ignore[return-value]
            recently = (
                self._last_attempt is not None
                and self.clock() - self._last_attempt < self.retry_seconds
            )
            if not recently:
                self._refresh()
            if self._current is None:
                raise ServiceUnavailable(
                    f"The token revocation list cannot be fetched from {self.source}."
                )
            return self._current
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        self._last_attempt = self.clock()
        self.fetch_count += 1
        try:
            revocations = Revocations.parse(self._fetch())
        except ApiError:
            raise
        except Exception as exc:  # any failure of the fetch: keep what we have
            text = f"{exc.__class__.__name__}: {exc}"
            if self._current is None:
                log.error("token revocation list unavailable: %s", text)
            else:
                log.warning("token revocation list refresh failed, using the last: %s", text)
            return
        self._current = revocations
        self._fetched_at = self.clock()
