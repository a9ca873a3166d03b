"""py-ispyb's beamline write routes (mxcubecore's PyISPyBDataAdapter) translated onto
core: what each answers, bad input, the authorization matrix."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest

from ispyb_compat.pyispyb.beamline.api import NAMESPACES as BEAMLINE_NAMESPACES
from tests.compat.beamline_app import PYISPYB, build


@pytest.fixture(scope="session")
def compat_app_session(core_app_session):
    return build(core_app_session)


CALLERS = (
    "anonymous",
    "outsider",
    "member",
    "staff",
    "staff_other_beamline",
    "admin",
    "writer_client",
    "reader_client",
)


def headers_of(caller: str, tokens) -> dict:
    return {
        "anonymous": {},
        "outsider": tokens.user("outsider"),
        "member": tokens.user("crystal-grower"),
        "staff": tokens.user("staff1", "staff", beamlines=["i03"]),
        "staff_other_beamline": tokens.user("staff2", "staff", beamlines=["i04"]),
        "admin": tokens.admin(),
        "writer_client": tokens.machine("mxcube-i03", "core:acquisition:write", "core:read"),
        "reader_client": tokens.machine("viewer", "core:read"),
    }[caller]


@dataclass
class World:
    proposal: object
    session: object
    sample: object
    collection: int
    scan: int


@pytest.fixture
def world(factory, admin_compat) -> World:
    member = factory.person(login="crystal-grower")
    proposal = factory.proposal(proposalCode="mx", proposalNumber="4001")
    factory.proposal_member(proposal, member)
    today = dt.datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    session = factory.session(proposalId=proposal.proposalId, startDate=today)
    pid = proposal.proposalId
    dewar = factory.dewar(shippingId=factory.shipment(proposalId=pid).shippingId)
    container = factory.container(
        dewarId=dewar.dewarId, code="puck7", sampleChangerLocation="3", beamlineLocation="i03"
    )
    crystal = factory.crystal(proteinId=factory.protein(proposalId=pid).proteinId)
    sample = factory.sample(containerId=container.containerId, crystalId=crystal.crystalId)
    collection = admin_compat.post(
        f"{PYISPYB}/datacollections/datacollection",
        json={"sessionId": session.sessionId, "experimentType": "OSC", "numberOfImages": 10},
    ).get_json()["dataCollectionId"]
    scan = admin_compat.post(
        f"{PYISPYB}/events/energyscan", json={"sessionId": session.sessionId, "element": "Se"}
    ).get_json()["results"]
    return World(proposal, session, sample, collection, scan)


@pytest.fixture
def admin_compat(compat_app_session, core_app, tokens):
    client = compat_app_session.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    return client


def _today(w: World) -> dict:
    return {"sessionId": w.session.sessionId}


# endpoint -> (method, path template, body(world) or None, the answer of each of CALLERS
# in order: its status, and /n for a list of n rows: core's own visibility, never wider)
MATRIX = {
    "create session": (
        "POST",
        "/sessions",
        lambda w: {
            "proposalId": str(w.proposal.proposalId),
            "startDate": "2026-12-02T00:00:00.000000Z",
            "endDate": "2026-12-04T07:59:59.000000Z",
            "beamLineName": "i03",
            "scheduled": False,
        },
        "401 403 403 201 403 201 403 403",
    ),
    "associate setup": (
        "PATCH",
        "/sessions/{session}/associate-beamline-setup?beamLineSetupId=7",
        None,
        "401 404 403 200 404 200 403 403",
    ),
    "beamline setup": (
        "POST",
        "/beamline-setups/beamline-setup",
        lambda w: {},
        "401 404 404 404 404 404 404 404",
    ),
    "detectors": (
        "GET",
        "/detectors?manufacturer=Dectris&model=&mode=&type=",
        None,
        "401 200/0 200/0 200/0 200/0 200/0 200/0 200/0",
    ),
    "group": (
        "POST",
        "/datacollections/group",
        lambda w: {**_today(w), "experimentType": "OSC"},
        "401 403 403 201 403 201 201 403",
    ),
    "data collection": (
        "POST",
        "/datacollections/datacollection",
        lambda w: {**_today(w), "experiment_type": "OSC", "fileinfo": {"prefix": "x"}},
        "401 403 403 201 403 201 201 403",
    ),
    "read data collection": (
        "GET",
        "/datacollections/{collection}",
        None,
        "401 404 200 200 404 200 200 200",
    ),
    "image": (
        "POST",
        "/images/image",
        lambda w: {"dataCollectionId": w.collection, "fileName": "x_0001.cbf"},
        "401 403 403 201 403 201 201 403",
    ),
    "update sample": (
        "PATCH",
        "/samples/{sample}",
        lambda w: {"comments": "seen"},
        "401 404 200 200 404 200 403 403",
    ),
    "robot action": (
        "POST",
        "/events/robot-action",
        lambda w: {**_today(w), "blSampleId": w.sample.blSampleId, "actionType": "LOAD"},
        "401 403 403 201 403 201 201 403",
    ),
    "energy scan": (
        "POST",
        "/events/energyscan",
        lambda w: {**_today(w), "element": "Se"},
        "401 403 403 201 403 201 201 403",
    ),
    "scan sample": (
        "PATCH",
        "/events/energyscan/associate-bl-sample",
        lambda w: {"energyScanId": w.scan, "blSampleId": w.sample.blSampleId},
        "401 404 403 200 404 200 200 403",
    ),
    "xrf spectrum": (
        "POST",
        "/events/xfe-fluorescence-spectrum",
        lambda w: {**_today(w), "energy": 13.5},
        "401 403 403 201 403 201 201 403",
    ),
}


def _call(compat_app, world, tokens, endpoint, caller):
    method, template, body, _expected = MATRIX[endpoint]
    path = PYISPYB + template.format(
        session=world.session.sessionId,
        collection=world.collection,
        sample=world.sample.blSampleId,
    )
    return compat_app.test_client().open(
        path,
        method=method,
        json=body(world) if body else None,
        headers=headers_of(caller, tokens),
    )


def _answer(answer) -> str:
    body = answer.get_json()
    listed = isinstance(body, dict) and isinstance(body.get("results"), list)
    return f"{answer.status_code}/{len(body['results'])}" if listed else str(answer.status_code)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_matrix(compat_app_session, world, tokens, endpoint):
    expected = dict(zip(CALLERS, MATRIX[endpoint][3].split(), strict=True))
    seen = {
        caller: _answer(_call(compat_app_session, world, tokens, endpoint, caller))
        for caller in CALLERS
    }
    assert seen == expected


def test_the_matrix_covers_every_beamline_route(compat_app_session):
    beamline = tuple(f"{ns.name}_" for ns in BEAMLINE_NAMESPACES)
    routes = set()
    for rule in compat_app_session.url_map.iter_rules():
        if not rule.rule.startswith(PYISPYB) or not rule.endpoint.rpartition(".")[2].startswith(
            beamline
        ):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix(PYISPYB))))
    covered = {
        (method, re.sub(r"\{\w+\}", "{}", template.partition("?")[0]))
        for method, template, _body, _expected in MATRIX.values()
    }
    # mxcubecore's PATCH samples/{id} is served by the sample routes (pyispyb/samples/api.py)
    assert routes == covered - {("PATCH", "/samples/{}")}


# (method, path template, body(world) or None, status, the field the error names)
BAD_INPUT = [
    ("POST", "/sessions", lambda w: {"beamLineName": "i03"}, 422, "proposalId"),
    ("POST", "/sessions", lambda w: {"proposalId": "mx4001"}, 422, "proposalId"),
    (
        "POST",
        "/sessions",
        lambda w: {
            "proposalId": w.proposal.proposalId,
            "startDate": "yesterday",
            "endDate": "2026-12-04T00:00:00",
            "beamLineName": "i03",
        },
        422,
        "startDate",
    ),
    ("PATCH", "/sessions/{session}/associate-beamline-setup", None, 400, "beamLineSetupId"),
    (
        "PATCH",
        "/sessions/{session}/associate-beamline-setup?beamLineSetupId=0",
        None,
        422,
        "beamLineSetupId",
    ),
    ("GET", "/detectors?serial=1", None, 400, "serial"),
    ("POST", "/datacollections/group", lambda w: {"experimentType": "OSC"}, 422, "sessionId"),
    (
        "POST",
        "/datacollections/group",
        lambda w: {"sessionId": w.session.sessionId},
        422,
        "experimentType",
    ),
    (
        "POST",
        "/datacollections/group",
        lambda w: {
            "sessionId": w.session.sessionId,
            "experimentType": "OSC",
            "sample_reference": "lyso",
        },
        422,
        "sample_reference",
    ),
    ("POST", "/datacollections/group", lambda w: {"group_id": True}, 422, "group_id"),
    (
        "POST",
        "/datacollections/datacollection",
        lambda w: {**_today(w), "experimentType": "OSC", "oscillation_sequence": {"start": 0}},
        422,
        "oscillation_sequence",
    ),
    (
        "POST",
        "/datacollections/datacollection",
        lambda w: {**_today(w), "experimentType": "OSC", "numberOfImages": "many"},
        422,
        "numberOfImages",
    ),
    (
        "POST",
        "/datacollections/datacollection",
        lambda w: {"collection_id": "x"},
        422,
        "collection_id",
    ),
    (
        "POST",
        "/datacollections/datacollection",
        lambda w: {"experimentType": "OSC"},
        422,
        "sessionId",
    ),
    ("POST", "/images/image", lambda w: {"fileName": "x.cbf"}, 422, "dataCollectionId"),
    ("POST", "/images/image", lambda w: {"dataCollectionId": 2**31}, 422, "dataCollectionId"),
    ("PATCH", "/samples/{sample}", lambda w: {"location": ["1"]}, 422, "location"),
    ("POST", "/events/robot-action", lambda w: {"actionType": "LOAD"}, 422, "sessionId"),
    ("POST", "/events/robot-action", lambda w: {**_today(w), "blSampleId": -3}, 422, "blSampleId"),
    (
        "POST",
        "/events/energyscan",
        lambda w: {**_today(w), "peakEnergy": "high"},
        422,
        "peakEnergy",
    ),
    (
        "PATCH",
        "/events/energyscan/associate-bl-sample",
        lambda w: {"blSampleId": 1},
        422,
        "energyScanId",
    ),
    (
        "POST",
        "/events/xfe-fluorescence-spectrum",
        lambda w: {**_today(w), "energy": "hot"},
        422,
        "energy",
    ),
]


@pytest.mark.parametrize(("method", "template", "body", "status", "field"), BAD_INPUT)
def test_bad_input_is_refused_naming_the_field(
    compat_app_session, world, tokens, method, template, body, status, field
):
    path = PYISPYB + template.format(
        session=world.session.sessionId, sample=world.sample.blSampleId
    )
    answer = compat_app_session.test_client().open(
        path, method=method, json=body(world) if body else None, headers=tokens.admin()
    )
    assert answer.status_code == status, answer.get_json()
    error = answer.get_json()
    assert set(error) >= {"code", "message", "details", "requestId"}
    assert field in (error["details"] or {}), error


@pytest.mark.parametrize(
    "path",
    [
        "/sessions",
        "/datacollections/group",
        "/datacollections/datacollection",
        "/images/image",
        "/events/robot-action",
        "/events/energyscan",
        "/events/xfe-fluorescence-spectrum",
    ],
)
def test_a_body_that_is_not_an_object_is_refused(compat_app_session, world, tokens, path):
    for body in ([1, 2], "text", 3):
        answer = compat_app_session.test_client().post(
            PYISPYB + path, json=body, headers=tokens.admin()
        )
        assert 400 <= answer.status_code < 500, answer.get_json()


def test_rows_that_are_not_there_are_404(admin_compat, world):
    assert admin_compat.get(f"{PYISPYB}/datacollections/999999").status_code == 404
    assert (
        admin_compat.patch(f"{PYISPYB}/samples/999999", json={"comments": "x"}).status_code == 404
    )
    update = admin_compat.post(
        f"{PYISPYB}/datacollections/datacollection", json={"collection_id": 999999}
    )
    assert update.status_code == 404


def test_nothing_is_written_when_core_refuses(admin_compat, world, client):
    """A refused data collection leaves no group behind: core creates both in one call."""
    before = client.get(
        f"/ispyb/api/v1/core/data-collection-groups?sessionId={world.session.sessionId}"
    ).get_json()["total"]
    answer = admin_compat.post(
        f"{PYISPYB}/datacollections/datacollection",
        json={**_today(world), "experimentType": "OSC", "numberOfImages": -1},
    )
    assert answer.status_code == 422
    after = client.get(
        f"/ispyb/api/v1/core/data-collection-groups?sessionId={world.session.sessionId}"
    ).get_json()["total"]
    assert after == before


def test_core_is_asked_with_the_callers_token_and_request_id(compat_app_session, world, tokens):
    line = compat_app_session.extensions["test_core_transport"]
    line.reset()
    headers = {**tokens.user("staff1", "staff", beamlines=["i03"]), "X-Request-ID": "mx-rid-1"}
    answer = compat_app_session.test_client().post(
        f"{PYISPYB}/events/robot-action",
        json={**_today(world), "actionType": "LOAD"},
        headers=headers,
    )
    assert answer.status_code == 201
    (call,) = line.calls
    assert (call.method, call.path) == ("POST", "/ispyb/api/v1/core/robot-actions")
    assert (call.authorization, call.requestId) == (headers["Authorization"], "mx-rid-1")


def test_core_unreachable_is_503_in_the_envelope(compat_app_session, world, tokens):
    line = compat_app_session.extensions["test_core_transport"]
    line.reset()
    line.down = True
    try:
        answer = compat_app_session.test_client().post(
            f"{PYISPYB}/events/energyscan", json=_today(world), headers=tokens.admin()
        )
    finally:
        line.reset()
    assert answer.status_code == 503
    assert answer.get_json()["message"].startswith("Core cannot be reached")
