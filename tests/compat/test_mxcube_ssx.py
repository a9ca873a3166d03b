"""mxcubecore's SSX client (PyISPyBClient: py-ispyb's /webservices/ssx/*) onto ssx's
POST /runs: what each call answers, the defaults compat fills, bad input and the
authorization matrix. compat reaches the real core app and the real ssx app in-process
(ssx reaching the same core), so each rule is core's and ssx's own."""

from __future__ import annotations

import pytest
import requests

from tests.compat.beamline_app import COMPAT, PYISPYB
from tests.ssx.conftest import (  # noqa: F401 (the ssx app's fixtures)
    SSX,
    empty_ssx_tables,
    ssx_app_session,
    ssx_database_url,
)
from tests.support.in_process import CORE_URL, FlaskAdapter, in_process_core

SSX_ROOT = f"{PYISPYB}/ispyb/api/v1"
GROUP = f"{SSX_ROOT}/webservices/ssx/datacollectiongroup"
COLLECTION = f"{SSX_ROOT}/webservices/ssx/datacollection"
SSX_URL = "http://ssx.test"


@pytest.fixture(scope="session")
def ssx_compat_session(core_app_session, ssx_app_session, tokens):  # noqa: F811
    from ispyb_compat.app import create_app

    transport, _line = in_process_core(core_app_session)
    assert isinstance(transport, requests.Session)
    transport.mount(SSX_URL + "/", FlaskAdapter(ssx_app_session))
    return create_app(
        {
            "logging": {"level": "INFO"},
            "api": {"warm_up": False},
            "auth": tokens.settings(),
            "core": {"url": CORE_URL, "cache_seconds": 0},
            "auth_service": {"url": "http://auth.test"},
            "em": {"url": "http://em.test"},
            "ssx": {"url": SSX_URL},
        },
        transport=transport,
    )


@pytest.fixture
def compat_ssx(ssx_compat_session, ssx_app_session, core_app):  # noqa: F811
    empty_ssx_tables(ssx_app_session)
    ssx_app_session.extensions["ssx_core_client"].clear_cache()
    return ssx_compat_session.test_client()


@pytest.fixture
def ssx(compat_ssx, ssx_app_session):  # noqa: F811
    """ssx itself, where a user reads the run back."""
    return ssx_app_session.test_client()


@pytest.fixture
def session(factory, compat_ssx):
    member = factory.person(login="crystal-grower")
    proposal = factory.proposal(proposalCode="mx", proposalNumber="4101")
    factory.proposal_member(proposal, member)
    visit = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    factory.session_member(visit, member)
    return visit


CALLERS = (
    "anonymous",
    "outsider",
    "member",
    "staff",
    "staff_i04",
    "admin",
    "core_writer",
    "ssx_writer",
)


def headers_of(caller: str, tokens) -> dict:
    return {
        "anonymous": {},
        "outsider": tokens.user("outsider"),
        "member": tokens.user("crystal-grower"),
        "staff": tokens.user("staff1", "staff", beamlines=["i03"]),
        "staff_i04": tokens.user("staff2", "staff", beamlines=["i04"]),
        "admin": tokens.admin(),
        "core_writer": tokens.machine("mxcube-i03", "core:acquisition:write", "core:read"),
        "ssx_writer": tokens.machine(
            "mxcube-ssx", "core:acquisition:write", "core:read", "ssx:write", "ssx:read"
        ),
    }[caller]


def group_body(session, **overrides) -> dict:
    """As PyISPyBClient.create_ssx_data_collection_group sends it (the generated client
    serialises the datetime as ISO 8601)."""
    body = {
        "sessionId": session.sessionId,
        "startTime": "2026-12-03T10:15:30.123456",
        "experimentType": "SSX-CHIP",
        "experimentName": "chip scan",
        "sample": {
            "name": "lyso1",
            "support": "support_example",
            "crystal": {"protein": {"name": "lyso1", "acronym": "hewl"}, "components": []},
            "components": [],
        },
    }
    body.update(overrides)
    return body


def collection_body(group_id: int, **overrides) -> dict:
    """As PyISPyBClient.create_ssx_data_collection sends it: no image directory or file
    template, zeros for what MXCuBE does not know."""
    body = {
        "dataCollectionGroupId": group_id,
        "exposureTime": 0.01,
        "transmission": 50.0,
        "flux": 1e12,
        "xBeam": 80.0,
        "yBeam": 82.0,
        "wavelength": 0.9763,
        "detectorDistance": 150.0,
        "beamSizeAtSampleX": 0.01,
        "beamSizeAtSampleY": 0.0,
        "average_temperature": 0.0,
        "xtalSnapshotFullPath1": "",
        "imagePrefix": "hewl-lyso1",
        "numberOfPasses": 1,
        "numberOfImages": 25600,
        "resolution": 1.8,
        "resolutionAtCorner": 0.0,
        "flux_end": 1e12,
        "detector_id": None,
        "startTime": "2026-12-03T10:16:00",
        "endTime": "2026-12-03T10:20:00",
        "repetitionRate": 0.0,
        "energyBandwidth": 0.01,
        "monoStripe": "Si111",
        "jetSize": 0,
        "jetSpeed": 0,
        "laserEnergy": 0,
        "chipModel": "Oxford",
        "chipPattern": "",
        "beamShape": "ellipse",
        "polarisation": 0.99,
        "underlator_gap1": 0,
        "event_chains": [
            {
                "name": "name",
                "events": [
                    {
                        "type": "XrayDetection",
                        "name": "name",
                        "offset": 0.0,
                        "duration": 0.0,
                        "period": 0.0,
                        "repetition": 0.0,
                    }
                ],
            }
        ],
    }
    body.update(overrides)
    return body


def _admin(tokens) -> dict:
    return tokens.admin()


def test_a_run_in_two_calls_is_one_ssx_run_with_compat_defaults(compat_ssx, ssx, session, tokens):
    staff = headers_of("staff", tokens)
    answer = compat_ssx.post(GROUP, json=group_body(session), headers=staff)
    assert answer.status_code == 200, answer.get_json()
    group_id = answer.get_json()
    assert isinstance(group_id, int)
    answer = compat_ssx.post(COLLECTION, json=collection_body(group_id), headers=staff)
    assert answer.status_code == 200, answer.get_json()
    collection_id = answer.get_json()
    assert isinstance(collection_id, int)

    # the run, read back through ssx by the proposal's member
    member = headers_of("member", tokens)
    runs = ssx.get(f"{SSX}/sessions/{session.uuid}/runs", headers=member).get_json()["results"]
    (run,) = runs
    assert run["experimentType"] == "SSX-Chip"
    assert run["experimentName"] == "chip scan"
    assert run["chipModel"] == "Oxford" and run["monoStripe"] == "Si111"
    assert run["repetitionRate"] is None and run["jetSpeed"] is None  # MXCuBE's zeros
    assert run["clientRequestId"] == f"pyispyb-ssx-group-{group_id}"
    detail = ssx.get(f"{SSX}/runs/{run['uuid']}", headers=member).get_json()
    assert detail["dataCollection"]["dataCollectionId"] == collection_id
    assert detail["dataCollection"]["imageDirectory"] == "/data/i03/mx4101-1/ssx/hewl-lyso1"
    assert detail["dataCollection"]["fileTemplate"] == "hewl-lyso1_master.h5"
    assert detail["dataCollection"]["numberOfImages"] == 25600
    ((event,),) = [chain["events"] for chain in detail["eventChains"]]
    assert (event["eventType"], event["period"], event["repetition"]) == (
        "XrayDetection",
        None,
        None,
    )


def test_the_empty_group_is_removed(compat_ssx, session, tokens, core_app):
    staff = headers_of("staff", tokens)
    group_id = compat_ssx.post(GROUP, json=group_body(session), headers=staff).get_json()
    compat_ssx.post(COLLECTION, json=collection_body(group_id), headers=staff)
    core = core_app.test_client()
    groups = core.get(
        f"/ispyb/api/v1/core/data-collection-groups?sessionId={session.sessionId}",
        headers=_admin(tokens),
    ).get_json()["results"]
    assert [
        g["dataCollectionGroupId"] for g in groups if g["dataCollectionGroupId"] == group_id
    ] == []
    assert len(groups) == 1  # ssx's group of the run
    # the group answered in step 1 has its run: a second data collection in it is refused
    again = compat_ssx.post(COLLECTION, json=collection_body(group_id), headers=staff)
    assert again.status_code == 422
    assert "dataCollectionGroupId" in again.get_json()["details"]


def test_the_client_may_send_the_paths(compat_ssx, ssx, session, tokens):
    staff = headers_of("staff", tokens)
    group_id = compat_ssx.post(GROUP, json=group_body(session), headers=staff).get_json()
    body = collection_body(group_id, imageDirectory="/beamline/own", fileTemplate="own_%06d.h5")
    collection_id = compat_ssx.post(COLLECTION, json=body, headers=staff).get_json()
    member = headers_of("member", tokens)
    run = ssx.get(f"{SSX}/sessions/{session.uuid}/runs", headers=member).get_json()["results"][0]
    detail = ssx.get(f"{SSX}/runs/{run['uuid']}", headers=member).get_json()
    assert detail["dataCollection"]["dataCollectionId"] == collection_id
    assert detail["dataCollection"]["imageDirectory"] == "/beamline/own"
    assert detail["dataCollection"]["fileTemplate"] == "own_%06d.h5"


def test_the_path_templates_are_configuration():
    from ispyb_compat.config import CompatConfig

    loaded = CompatConfig().load(
        {
            "auth": {"jwks_url": "http://auth.test/jwks.json"},
            "pyispyb_ssx": {"image_directory": "/gpfs/{beamLineName}/{visit}"},
        }
    )
    assert loaded["pyispyb_ssx"] == {
        "image_directory": "/gpfs/{beamLineName}/{visit}",
        "file_template": "{imagePrefix}_master.h5",
    }


# who may call: core decides the group (acquisition writers of the beamline), ssx the run
# (staff, or clients with ssx:write); the matrix's statuses are core's and ssx's own.
MATRIX = {
    "group": ("POST", GROUP, "401 403 403 200 403 200 200 200"),
    "data collection": ("POST", COLLECTION, "401 422 403 200 422 200 403 200"),
}


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_matrix(compat_ssx, session, tokens, endpoint):
    method, path, expected = MATRIX[endpoint]
    seen = {}
    for caller in CALLERS:
        if endpoint == "group":
            body = group_body(session)
        else:
            admin_group = compat_ssx.post(
                GROUP, json=group_body(session), headers=_admin(tokens)
            ).get_json()
            body = collection_body(admin_group)
        answer = compat_ssx.open(path, method=method, json=body, headers=headers_of(caller, tokens))
        seen[caller] = str(answer.status_code)
    assert seen == dict(zip(CALLERS, expected.split(), strict=True))


def test_the_matrix_covers_every_ssx_route(ssx_compat_session):
    served = {
        (method, rule.rule)
        for rule in ssx_compat_session.url_map.iter_rules()
        if "mxcube-ssx" in rule.endpoint
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(m, p) for m, p, _ in MATRIX.values()} | {("POST", f"{SSX_ROOT}/auth/login")}
    assert served == covered


BAD_INPUT = [
    (GROUP, lambda s, g: group_body(s, sessionId="abc"), "sessionId"),
    (GROUP, lambda s, g: group_body(s, sessionId=None), "sessionId"),
    (GROUP, lambda s, g: group_body(s, experimentType="OSC"), "experimentType"),
    (GROUP, lambda s, g: group_body(s, startTime="yesterday"), "startTime"),
    (GROUP, lambda s, g: group_body(s, startTime=None), "startTime"),
    (GROUP, lambda s, g: group_body(s, experimentName=["x"]), "experimentName"),
    (GROUP, lambda s, g: group_body(s, sessionId=999999), "sessionId"),
    (COLLECTION, lambda s, g: collection_body(0), "dataCollectionGroupId"),
    (COLLECTION, lambda s, g: collection_body(999999), "dataCollectionGroupId"),
    (COLLECTION, lambda s, g: collection_body(g, imagePrefix=""), "imagePrefix"),
    (COLLECTION, lambda s, g: collection_body(g, event_chains={}), "event_chains"),
    (COLLECTION, lambda s, g: collection_body(g, event_chains=[{"name": "x"}]), "event_chains[0]"),
    (COLLECTION, lambda s, g: collection_body(g, endTime="later"), "endTime"),
    (COLLECTION, lambda s, g: collection_body(g, numberOfImages=0), "acquisition.numberOfImages"),
    (COLLECTION, lambda s, g: collection_body(g, exposureTime="x"), "acquisition.exposureTime"),
]


@pytest.mark.parametrize("index", range(len(BAD_INPUT)))
def test_bad_input_is_a_4xx_naming_the_field(compat_ssx, session, tokens, index):
    path, body, field = BAD_INPUT[index]
    staff = headers_of("staff", tokens)
    group_id = compat_ssx.post(GROUP, json=group_body(session), headers=staff).get_json()
    answer = compat_ssx.post(path, json=body(session, group_id), headers=staff)
    assert 400 <= answer.status_code < 500, answer.get_json()
    details = answer.get_json().get("details") or {}
    flat = set(details) | {
        f"{key}.{sub}" for key, value in details.items() if isinstance(value, dict) for sub in value
    }
    assert field in flat, (field, answer.get_json())


def test_the_login_is_where_the_ssx_client_looks(ssx_compat_session):
    """The generated client's paths are /ispyb/api/v1/... under its host: with host the
    dialect's root, they are these."""
    rules = {rule.rule for rule in ssx_compat_session.url_map.iter_rules()}
    for path in (
        "auth/login",
        "webservices/ssx/datacollectiongroup",
        "webservices/ssx/datacollection",
    ):
        assert f"{COMPAT}/pyispyb/ispyb/api/v1/{path}" in rules
