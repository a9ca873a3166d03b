"""Faults at every step of the one cross-service write (``POST /ssx/runs``: core's
session, sample and crystal looked up, core's group and data collection registered by
key, the SSX rows stored, the registration undone by key on failure): 0 orphans in core
and a true answer every time.

The line between ssx and the real core (in-process) is a requests adapter that stalls
(times out before or after core did the work), kills (connection refused, reset before
or after the work), delays (an answer within the timeout, or a request held back and
delivered to core only after ssx has answered), or answers 503, 502 or nonsense, at one
call, from one call on (core gone for the rest of the request), or at the registration
and its retry. Local failures (ssx's own write) and a crash of ssx between core's write
and its own are injected too. After each answer the held requests are delivered and the
retry loop is run with core healthy.

An answer is true when:
- 200/201: the run is in ssx and its group and data collection are in core, once;
- anything else: the run is not in ssx, and core holds nothing for it, at once unless the
  answer says the undo is pending (details.registration), and in every case once the
  late requests have arrived and the retry loop has run.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import pytest
import requests
from requests.adapters import BaseAdapter
from sqlalchemy import func, select
from urllib3.exceptions import NewConnectionError

from tests.ssx.conftest import SSX, run_body
from tests.support.in_process import CORE_URL, FlaskAdapter

KINDS = (
    "connect-timeout",  # never reached core
    "refused",  # nothing listening: never reached core
    "reset-before",  # connection reset while sending: core never saw it
    "reset-after",  # core did the work, the connection dropped before the answer
    "stall",  # core stalled and gave up (its transaction rolled back): timeout
    "timeout-after",  # core did the work too slowly: timeout
    "late",  # timeout; the request reaches core only after ssx has answered
    "late-reordered",  # the same, the held requests arriving in reverse order
    "slow",  # a slow answer, within the timeout
    "core-503",  # core answered 503 (its transaction rolled back)
    "bad-gateway",  # core did the work, a proxy answered 502
    "garbage",  # core did the work, the answer is not JSON
)
# Calls of one registration: session, sample, crystal, registration, its retry, undo.
CALLS = 6


class Crash(BaseException):
    """ssx stops in the middle of a request (no cleanup code runs)."""


def _response(request, status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.url = request.url
    response.request = request
    return response


@dataclass
class FaultyLine(BaseAdapter):
    """The line to core, faulty at the calls of ``at`` (1-based) with ``kind``."""

    target: FlaskAdapter
    kind: str | None = None
    at: frozenset[int] = frozenset()
    crash_after_registration: bool = False
    calls: list[str] = field(default_factory=list)
    held: list[requests.PreparedRequest] = field(default_factory=list)
    injected: int = 0

    def __post_init__(self):
        super().__init__()

    def heal(self) -> None:
        self.reordered = self.kind == "late-reordered"
        self.kind, self.at, self.crash_after_registration = None, frozenset(), False

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.calls.append(f"{request.method} {request.path_url}")
        number = len(self.calls)
        if self.crash_after_registration and request.method == "PUT":
            self.target.send(request)
            raise Crash("ssx stopped after core registered")
        if self.kind is None or number not in self.at:
            return self.target.send(request)
        self.injected += 1
        kind = self.kind
        if kind == "connect-timeout":
            raise requests.ConnectTimeout("connect timeout (test)", request=request)
        if kind == "refused":
            raise requests.ConnectionError(
                NewConnectionError(None, "Connection refused (test)"), request=request
            )
        if kind == "reset-before":
            raise requests.ConnectionError("Connection reset by peer (test)", request=request)
        if kind == "reset-after":
            self.target.send(request)
            raise requests.ConnectionError("Connection reset by peer (test)", request=request)
        if kind == "stall":
            raise requests.ReadTimeout("read timeout (test)", request=request)
        if kind == "timeout-after":
            self.target.send(request)
            raise requests.ReadTimeout("read timeout (test)", request=request)
        if kind in ("late", "late-reordered"):
            self.held.append(request)
            raise requests.ReadTimeout("read timeout (test)", request=request)
        if kind == "slow":
            time.sleep(0.02)
            return self.target.send(request)
        if kind == "core-503":
            body = b'{"code": "SERVICE_UNAVAILABLE", "message": "database down (test)"}'
            return _response(request, 503, body)
        if kind == "bad-gateway":
            self.target.send(request)
            return _response(request, 502, b"<html>502 Bad Gateway</html>")
        if kind == "garbage":
            self.target.send(request)
            return _response(request, 200, b"<html>not json</html>")
        raise AssertionError(kind)

    def deliver_held(self) -> int:
        """The held requests reach core at last (their answers go nowhere)."""
        held, self.held = self.held, []
        for request in reversed(held) if getattr(self, "reordered", False) else held:
            self.target.send(request)
        return len(held)

    def close(self):
        pass


@pytest.fixture
def line(ssx_app, core_app):
    """ssx's core client sends through a FaultyLine for the test."""
    client = ssx_app.extensions["ssx_core_client"]
    faulty = FaultyLine(FlaskAdapter(core_app))
    session = requests.Session()
    session.mount(CORE_URL + "/", faulty)
    saved = client.transport
    client.transport = session
    yield faulty
    client.transport = saved


@pytest.fixture
def body(world):
    """A run naming a sample and a crystal, so that every look-up is a step too."""
    protein = world.factory.protein(proposalId=world.mx1.proposalId)
    crystal = world.factory.crystal(proteinId=protein.proteinId)
    return run_body(
        sample_uuid=world.sample.uuid,
        crystalComposition=[
            {"component": {"name": "NADH", "componentType": "Ligand"}, "crystalUUID": crystal.uuid}
        ],
    )


@dataclass
class Counts:
    groups: int
    collections: int
    registered: int
    runs: int
    attempts: int


def counts(ssx_app, core_app) -> Counts:
    from ispyb_core.data_collections.models import (
        DataCollection,
        DataCollectionGroup,
        DataCollectionRegistration,
    )
    from ispyb_ssx.models import SSXDataCollection, SSXRegistrationAttempt

    def count(database, model, *where):
        with database.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(model).where(*where))

    core_db = core_app.extensions["ispyb_database"]
    ssx_db = ssx_app.extensions["ispyb_database"]
    return Counts(
        groups=count(core_db, DataCollectionGroup),
        collections=count(core_db, DataCollection),
        registered=count(
            core_db, DataCollectionRegistration, DataCollectionRegistration.status == "registered"
        ),
        runs=count(ssx_db, SSXDataCollection),
        attempts=count(ssx_db, SSXRegistrationAttempt),
    )


NOTHING = Counts(groups=0, collections=0, registered=0, runs=0, attempts=0)
DONE = Counts(groups=1, collections=1, registered=1, runs=1, attempts=0)


def run_the_retry_loop(ssx_app) -> None:
    """The loop as it runs later, with core back: everything is due by then."""
    from ispyb_ssx.app import stale_after
    from ispyb_ssx.runs.recovery import retry_undos

    settings = ssx_app.config["ISPYB_CONFIG"]["core"]
    retry_undos(
        database=ssx_app.extensions["ispyb_database"],
        core=ssx_app.extensions["ssx_core_client"],
        credentials=ssx_app.extensions["ssx_undo_credentials"],
        stale_after_seconds=stale_after(settings),
        retry_seconds=settings["undo"]["retry_seconds"],
        now=dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1),
    )


@dataclass
class Outcome:
    status: int | None
    body: dict | None

    @property
    def done(self) -> bool:
        return self.status in (200, 201)

    @property
    def undo_pending(self) -> bool:
        details = (self.body or {}).get("details") or {}
        return "undo pending" in " ".join(details.get("registration", []))


def check_scenario(ssx_app, core_app, line, headers, body, describe: str) -> Outcome:
    try:
        answer = ssx_app.test_client().post(f"{SSX}/runs", json=body, headers=headers)
        outcome = Outcome(answer.status_code, answer.get_json())
    except Crash:
        outcome = Outcome(None, None)  # the caller got no answer at all
    now = counts(ssx_app, core_app)
    context = f"{describe}: answered {outcome.status} {outcome.body}; calls {line.calls}"
    if outcome.done:
        assert now == DONE, f"{context}; now {now}"
        run = ssx_app.test_client().get(f"{SSX}/runs/{outcome.body['uuid']}", headers=headers)
        assert run.status_code == 200, context
        assert run.get_json()["dataCollection"]["uuid"] == outcome.body["dataCollectionUUID"]
    else:
        assert outcome.status is None or outcome.status >= 400, context
        assert now.runs == 0, f"{context}; now {now}"
        if outcome.status is not None and not outcome.undo_pending:
            # "nothing was done" (or a refusal): nothing in core, nothing to retry.
            assert (now.groups, now.collections, now.registered) == (0, 0, 0), (
                f"{context}; now {now}"
            )
            assert now.attempts == 0, f"{context}; now {now}"
        if outcome.status == 503 and not outcome.undo_pending:
            assert "nothing was done" in outcome.body["message"], context
    line.heal()
    line.deliver_held()
    run_the_retry_loop(ssx_app)
    final = counts(ssx_app, core_app)
    assert final == (DONE if outcome.done else NOTHING), f"{context}; finally {final}"
    return outcome


# Which calls fail: one of them; every one from it on (core gone for the rest of the
# request, the undo included); the registration and its retry by key (the undo gets
# through).
PATTERNS = {
    **{f"at-{n}": frozenset({n}) for n in range(1, 5)},
    **{f"from-{n}-on": frozenset(range(n, CALLS + 1)) for n in range(1, 5)},
    "at-registration-and-retry": frozenset({4, 5}),
}


@pytest.mark.parametrize("pattern", list(PATTERNS))
@pytest.mark.parametrize("kind", KINDS)
def test_a_fault_on_the_line_to_core(
    ssx_app, core_app, line, body, tokens, record_property, kind, pattern
):
    line.kind, line.at = kind, PATTERNS[pattern]
    headers = tokens.machine("pipe", "ssx:write", "core:read", "core:acquisition:write")
    outcome = check_scenario(ssx_app, core_app, line, headers, body, f"{kind} {pattern}")
    record_property("faults", line.injected)
    assert line.injected >= 1
    if kind == "slow" or pattern in {"at-4"}:
        # Slow is not a failure; a lost registration is retried by key.
        assert outcome.done, outcome


@pytest.mark.parametrize("kind", KINDS)
def test_a_local_failure_then_a_fault_on_the_undo(
    ssx_app, core_app, line, body, tokens, monkeypatch, record_property, kind
):
    """ssx's own write fails after core registered; the undo meets the fault."""
    from ispyb_ssx.runs import service

    def disk_full(**_kwargs):
        raise RuntimeError("disk full (test)")

    monkeypatch.setattr(service, "_store_run", disk_full)
    line.kind, line.at = kind, frozenset({5})
    headers = tokens.machine("pipe", "ssx:write", "core:read", "core:acquisition:write")
    outcome = check_scenario(ssx_app, core_app, line, headers, body, f"local, undo {kind}")
    record_property("faults", line.injected)
    assert not outcome.done
    assert line.injected == 1


def test_a_crash_between_cores_write_and_ssxs_is_undone_at_start_up(
    ssx_app, core_app, line, body, tokens, record_property
):
    line.crash_after_registration = True
    record_property("faults", 1)
    headers = tokens.machine("pipe", "ssx:write", "core:read", "core:acquisition:write")
    with pytest.raises(Crash):
        ssx_app.test_client().post(f"{SSX}/runs", json=body, headers=headers)
    left = counts(ssx_app, core_app)
    assert (left.collections, left.runs, left.attempts) == (1, 0, 1)
    line.heal()
    run_the_retry_loop(ssx_app)  # as at the next start-up
    assert counts(ssx_app, core_app) == NOTHING
