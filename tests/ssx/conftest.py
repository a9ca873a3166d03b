"""Fixtures of ssx's tests: ssx on SQLite and MariaDB, talking to the real core app
in-process (its Flask test client behind the core client's requests.Session: tests/
support/in_process.py), so registration, undo and visibility are checked against core's
real rules without servers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ispyb_shared.migrations import upgrade
from tests.conftest import fresh_database_url, service_config
from tests.support.in_process import CORE_URL, CoreLine, in_process_core

SSX = "/ispyb/api/v1/ssx"


@pytest.fixture(scope="session")
def ssx_database_url(backend, request, tmp_path_factory) -> str:
    url = fresh_database_url(backend, request, tmp_path_factory, "ssx")
    upgrade(package="ispyb_ssx", database_url=url, version_table="ssx_alembic_version")
    return url


UNDO_CLIENT = ("ssx-undo", "core:acquisition:write")


def ssx_config(database_url: str) -> dict:
    """ssx under test: no retry loop of its own (tests run it: retry_pending_undos)."""
    return service_config(database_url, core={"url": CORE_URL, "undo": {"retry_seconds": 0}})


@pytest.fixture(scope="session")
def ssx_app_session(ssx_database_url, core_app_session, tokens):
    from ispyb_shared.core_client import Credentials
    from ispyb_ssx.app import create_app
    from ispyb_ssx.core import SSXCoreClient

    transport, line = in_process_core(core_app_session)
    client = SSXCoreClient(url=CORE_URL, transport=transport)
    app = create_app(
        ssx_config(ssx_database_url),
        core_client=client,
        undo_credentials=lambda request_id: Credentials(
            tokens.machine(*UNDO_CLIENT)["Authorization"], request_id
        ),
    )
    app.extensions["test_core_transport"] = line
    yield app
    app.extensions["ispyb_database"].dispose()


def empty_ssx_tables(app) -> None:
    from ispyb_ssx.models import Base

    keep = {"EventType", "ComponentType", "ConcentrationType"}
    with app.extensions["ispyb_database"].engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in keep:
                connection.execute(table.delete())


@pytest.fixture
def ssx_app(ssx_app_session, core_app):
    empty_ssx_tables(ssx_app_session)
    ssx_app_session.extensions["ssx_core_client"].clear_cache()
    ssx_app_session.extensions["test_core_transport"].reset()
    return ssx_app_session


@pytest.fixture
def core_calls(ssx_app) -> CoreLine:
    return ssx_app.extensions["test_core_transport"]


@dataclass
class SSXWorld:
    """Proposal mx1 (session mx1-1, i03) with member 'member' and a sample; proposal mx2
    (session mx2-1, i04) with 'outsider' and a sample of its own."""

    factory: object

    def __post_init__(self):
        f = self.factory
        self.member = f.person(login="member")
        self.outsider = f.person(login="outsider")
        self.mx1 = f.proposal(proposalCode="mx", proposalNumber="1")
        self.mx2 = f.proposal(proposalCode="mx", proposalNumber="2")
        self.mx1_1 = f.session(proposalId=self.mx1.proposalId, visit_number=1, beamLineName="i03")
        self.mx2_1 = f.session(proposalId=self.mx2.proposalId, visit_number=1, beamLineName="i04")
        f.proposal_member(self.mx1, self.member)
        f.session_member(self.mx1_1, self.member)
        f.proposal_member(self.mx2, self.outsider)
        f.session_member(self.mx2_1, self.outsider)
        self.sample = f.shipment_in_proposal(self.mx1, samples=1)["samples"][0]
        self.other_sample = f.shipment_in_proposal(self.mx2, samples=1)["samples"][0]


@pytest.fixture
def world(ssx_app, factory) -> SSXWorld:
    return SSXWorld(factory)


def run_body(session="mx1-1", sample_uuid=None, **overrides) -> dict:
    body = {
        "session": session,
        "experimentType": "SSX-Chip",
        "acquisition": {
            "startTime": "2026-01-01T10:00:00",
            "numberOfImages": 25600,
            "exposureTime": 0.01,
            "wavelength": 0.9763,
            "detectorDistance": 150.0,
            "imageDirectory": "/data/mx1-1/ssx",
            "imagePrefix": "chip1",
            "fileTemplate": "chip1_#####.cbf",
        },
        "ssx": {"repetitionRate": 100.0, "chipModel": "Oxford", "chipPattern": "full"},
        "eventChains": [
            {
                "name": "pump-probe",
                "events": [
                    {"eventType": "LaserExcitation", "offset": 0.0, "duration": 0.001},
                    {"eventType": "XrayDetection", "offset": 0.005, "duration": 0.01},
                ],
            }
        ],
    }
    if sample_uuid:
        body["blSampleUUID"] = sample_uuid
    body.update(overrides)
    return body
