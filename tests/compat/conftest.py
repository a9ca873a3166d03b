"""Fixtures of compat's tests: compat calling the real core app in-process (the shared
client's requests.Session, tests/support/in_process.py), as the caller, with the test
tokens core and compat both trust; auth answered by a scripted stand-in where a test
needs it (login, refresh, /me)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter

from tests.support.in_process import CORE_URL, CoreLine, FlaskAdapter, to_requests_response

AUTH_URL = "http://auth.test"
PREFIX = "/ispyb/api/v1/compat"


@dataclass
class AuthStandIn(BaseAdapter):
    """auth's answers for compat's tests: each path's (status, body), and the calls."""

    answers: dict[str, tuple[int, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def __post_init__(self):
        super().__init__()

    def send(self, request, **_kwargs):
        import json

        from werkzeug.wrappers import Response

        path = request.path_url.split("?")[0].removeprefix("/ispyb/api/v1/auth")
        body = json.loads(request.body) if request.body else None
        self.calls.append((request.method, path, body, request.headers.get("Authorization")))
        default = (200, {"status": "ok"}) if path == "/health" else (404, {"code": "NOT_FOUND"})
        status, answer = self.answers.get(path, default)
        response = Response(json.dumps(answer), status=status, mimetype="application/json")
        return to_requests_response(request, response)

    def close(self):
        pass


@pytest.fixture(scope="session")
def compat_app_session(core_app_session, tokens):
    from ispyb_compat.app import create_app

    line = CoreLine(FlaskAdapter(core_app_session))
    auth = AuthStandIn()
    session = requests.Session()
    session.mount(CORE_URL + "/", line)
    session.mount(AUTH_URL + "/", auth)
    # ssx: a stand-in with empty vocabularies (the sample editor's lists, fuzzed here);
    # their real answers are tests/compat/test_samples.py's, with ssx in-process
    empty = (200, {"results": [], "total": 0, "limit": 1000, "offset": 0})
    session.mount(
        "http://ssx.test/",
        AuthStandIn(
            answers={
                "/ispyb/api/v1/ssx/component-types": empty,
                "/ispyb/api/v1/ssx/concentration-types": empty,
            }
        ),
    )
    app = create_app(
        {
            "logging": {"level": "INFO"},
            "api": {"warm_up": False},
            "auth": tokens.settings(),
            "core": {"url": CORE_URL, "cache_seconds": 0},
            "auth_service": {"url": AUTH_URL},
            "em": {"url": "http://em.test"},
            "ssx": {"url": "http://ssx.test"},
        },
        transport=session,
    )
    app.extensions["test_core_line"] = line
    app.extensions["test_auth"] = auth
    return app


@pytest.fixture
def compat_app(compat_app_session, core_app):
    compat_app_session.extensions["test_core_line"].reset()
    auth = compat_app_session.extensions["test_auth"]
    auth.answers.clear()
    auth.calls.clear()
    return compat_app_session


@pytest.fixture
def compat(compat_app):
    return compat_app.test_client()


@dataclass
class CompatWorld:
    """Proposal mx1 (session mx1-1 on i03, a group and two sweeps, a sample) with
    'member'; proposal mx2 (session mx2-1 on i04) with 'outsider'."""

    factory: object

    def __post_init__(self):
        f = self.factory
        self.member = f.person(login="member", givenName="Mem", familyName="Ber")
        self.outsider = f.person(login="outsider")
        self.mx1 = f.proposal(proposalCode="mx", proposalNumber="1", title="Lysozyme")
        self.mx2 = f.proposal(proposalCode="mx", proposalNumber="2", title="Other")
        self.mx1_1 = f.session(proposalId=self.mx1.proposalId, visit_number=1, beamLineName="i03")
        self.mx2_1 = f.session(proposalId=self.mx2.proposalId, visit_number=1, beamLineName="i04")
        f.proposal_member(self.mx1, self.member)
        f.session_member(self.mx1_1, self.member)
        f.proposal_member(self.mx2, self.outsider)
        f.session_member(self.mx2_1, self.outsider)
        self.sample = f.shipment_in_proposal(self.mx1, samples=1)["samples"][0]
        self.group = f.data_collection_group(self.mx1_1, experimentType="OSC")
        self.dcs = [f.data_collection(self.group) for _ in range(2)]
        other_group = f.data_collection_group(self.mx2_1, experimentType="OSC")
        self.other_dc = f.data_collection(other_group)


@pytest.fixture
def world(compat_app, factory) -> CompatWorld:
    return CompatWorld(factory)
