"""py-ispyb's beamline write routes (mxcubecore's PyISPyBDataAdapter) translated onto
core: what each answers, bad input, the authorization matrix."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.compat.beamline_app import PYISPYB, build


@pytest.fixture(scope="session")
def compat_app_session(core_app_session, tmp_path_factory):
    app = build(core_app_session, f"sqlite:///{tmp_path_factory.mktemp('compat')}/c.sqlite")
    yield app
    app.extensions["ispyb_database"].dispose()


@pytest.fixture
def compat(compat_app_session, core_app, tokens):
    client = compat_app_session.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.user("bl-staff", "staff", beamlines=["i03"])[
        "Authorization"
    ]
    return client


@pytest.fixture
def world(factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="4001")
    today = dt.datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    session = factory.session(proposalId=proposal.proposalId, startDate=today)
    container = factory.container(code="puck7", sampleChangerLocation="3", beamlineLocation="i03")
    sample = factory.sample(containerId=container.containerId)
    return type("World", (), {"proposal": proposal, "session": session, "sample": sample})


