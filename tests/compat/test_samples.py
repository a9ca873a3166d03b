"""py-ispyb's sample routes (pyispyb/samples): the sample editor's writes (POST, PATCH,
DELETE), its vocabularies from ssx (components, component and concentration types), and
the sample changer's list (assigned=true&beamLineName): the fields py-ispyb-ui reads, bad
input, the authorization matrix, a fixed number of calls. compat reaches the real core app
and the real ssx app in-process (ssx reaching the same core)."""

from __future__ import annotations

import pytest
import requests

from tests.compat.conftest import PREFIX, CompatWorld
from tests.compat.test_authorization import CALLERS, LIST, expect
from tests.ssx.conftest import (  # noqa: F401 (the ssx app's fixtures)
    empty_ssx_tables,
    ssx_app_session,
    ssx_database_url,
)
from tests.support.in_process import CORE_URL, CoreLine, FlaskAdapter

PY = f"{PREFIX}/pyispyb"
SSX_URL = "http://ssx.test"


@pytest.fixture(scope="session")
def samples_compat_session(core_app_session, ssx_app_session, tokens):  # noqa: F811
    from ispyb_compat.app import create_app

    line = CoreLine(FlaskAdapter(core_app_session))
    transport = requests.Session()
    transport.mount(CORE_URL + "/", line)
    transport.mount(SSX_URL + "/", FlaskAdapter(ssx_app_session))
    app = create_app(
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
    app.extensions["test_core_line"] = line
    return app


@pytest.fixture
def samples_app(samples_compat_session, ssx_app_session, core_app):  # noqa: F811
    empty_ssx_tables(ssx_app_session)
    ssx_app_session.extensions["ssx_core_client"].clear_cache()
    samples_compat_session.extensions["test_core_line"].reset()
    return samples_compat_session


@pytest.fixture
def compat(samples_app):
    return samples_app.test_client()


class SampleWorld(CompatWorld):
    """The compat world, plus a container of mx1 in position 2 of i03's sample changer
    with two samples, and a container of mx2 in i04's."""

    def __post_init__(self):
        super().__post_init__()
        f = self.factory
        self.crystal_id = self.sample.crystalId
        dewar = f.dewar(shippingId=f.shipment(proposalId=self.mx1.proposalId).shippingId)
        self.puck = f.container(
            dewarId=dewar.dewarId,
            code="i03-puck",
            beamlineLocation="i03",
            sampleChangerLocation="2",
        )
        self.loaded = [
            f.sample(
                containerId=self.puck.containerId,
                crystalId=self.crystal_id,
                location=str(n),
                name=f"loaded{n}",
            )
            for n in (1, 2)
        ]
        # on i03 once, out of the sample changer now: not assigned
        f.container(dewarId=dewar.dewarId, code="shelf", beamlineLocation="i03")
        other = f.dewar(shippingId=f.shipment(proposalId=self.mx2.proposalId).shippingId)
        f.container(dewarId=other.dewarId, beamlineLocation="i04", sampleChangerLocation="1")


@pytest.fixture
def world(samples_app, factory) -> SampleWorld:
    return SampleWorld(factory)


def component(ssx_app_session, world, tokens, name="HEPES"):  # noqa: F811
    answer = ssx_app_session.test_client().post(
        "/ispyb/api/v1/ssx/components",
        json={"name": name, "componentType": "Buffer", "proposalUUID": str(world.mx1.uuid)},
        headers=tokens.admin(),
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def new_sample(w, **changes):
    return {
        "name": "editor1",
        "containerId": w.sample.containerId,
        "location": 9,
        "comments": "from the editor",
        "Crystal": {"crystalId": w.crystal_id},
        "sample_compositions": [],
        **changes,
    }


# --- what py-ispyb-ui reads ----------------------------------------------------------------


def test_the_sample_changer_lists_the_samples_in_its_positions(compat, world, tokens):
    answer = compat.get(
        f"{PY}/samples?assigned=true&beamLineName=i03&limit=9999&proposal=mx1&skip=0",
        headers=tokens.user("member"),
    )
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["total"] == 2 and body["skip"] == 0 and body["limit"] == 1000
    assert [row["name"] for row in body["results"]] == ["loaded2", "loaded1"]
    row = body["results"][0]
    assert row["Container"] == {
        "containerId": world.puck.containerId,
        "code": "i03-puck",
        "sampleChangerLocation": "2",
        "beamlineLocation": "i03",
    }
    assert isinstance(row["blSampleId"], int) and row["location"] == "2"
    assert isinstance(row["Crystal"]["Protein"]["acronym"], str)
    assert row["Crystal"]["crystalId"] == world.crystal_id
    assert row["_metadata"]["datacollections"] == 0
    # staff of i03 see it without a proposal; i04's beamline has mx2's puck only
    staff = compat.get(f"{PY}/samples?assigned=true&beamLineName=i03", headers=tokens.admin())
    assert staff.json["total"] == 2
    i04 = compat.get(f"{PY}/samples?assigned=1&beamLineName=i04", headers=tokens.admin())
    assert i04.json["total"] == 0
    paged = compat.get(
        f"{PY}/samples?assigned=true&beamLineName=i03&skip=1&limit=1", headers=tokens.admin()
    )
    assert [row["name"] for row in paged.json["results"]] == ["loaded1"]
    assert paged.json["total"] == 2


def test_the_sample_changer_page_costs_two_core_calls(samples_app, compat, world, factory, tokens):
    line = samples_app.extensions["test_core_line"]
    url = f"{PY}/samples?assigned=true&beamLineName=i03&limit=9999"
    line.reset()
    compat.get(url, headers=tokens.user("member"))
    assert len(line.calls) == 2
    for n in range(3, 9):
        factory.sample(
            containerId=world.puck.containerId, crystalId=world.crystal_id, location=str(n)
        )
    line.reset()
    assert compat.get(url, headers=tokens.user("member")).json["total"] == 8
    assert len(line.calls) == 2


def test_the_editor_creates_changes_and_deletes_a_sample(compat, world, tokens):
    headers = tokens.user("member")
    created = compat.post(f"{PY}/samples", json=new_sample(world), headers=headers)
    assert created.status_code == 200, created.json
    sample = created.json
    assert sample["name"] == "editor1" and sample["location"] == "9"
    assert sample["Crystal"]["crystalId"] == world.crystal_id
    assert sample["Container"]["containerId"] == world.sample.containerId
    assert isinstance(sample["Container"]["code"], str)
    sample_id = sample["blSampleId"]
    changed = compat.patch(
        f"{PY}/samples/{sample_id}",
        json={
            "blSampleId": sample_id,
            "name": "editor2",
            "location": 10,
            "Crystal": {"crystalId": world.crystal_id, "cell_a": 79, "space_group": "P43212"},
            "sample_compositions": [],
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["name"] == "editor2" and changed.json["location"] == "10"
    assert changed.json["Crystal"]["cell_a"] == 79
    assert changed.json["Crystal"]["space_group"] == "P43212"
    deleted = compat.delete(f"{PY}/samples/{sample_id}", headers=headers)
    assert deleted.status_code == 204
    gone = compat.patch(f"{PY}/samples/{sample_id}", json={"name": "x"}, headers=headers)
    assert gone.status_code == 404 and gone.json["detail"]


def test_a_new_crystal_is_made_for_a_crystal_without_id(compat, world, tokens):
    protein = world.factory.protein(proposalId=world.mx1.proposalId)
    body = new_sample(world, Crystal={"Protein": {"proteinId": protein.proteinId}, "cell_b": 40})
    created = compat.post(f"{PY}/samples", json=body, headers=tokens.user("member"))
    assert created.status_code == 200, created.json
    crystal = created.json["Crystal"]
    assert crystal["crystalId"] != world.crystal_id and crystal["cell_b"] == 40
    assert crystal["Protein"]["proteinId"] == protein.proteinId


def test_a_sample_with_data_collections_is_not_deleted(compat, world, tokens):
    group = world.factory.data_collection_group(world.mx1_1, blSampleId=world.loaded[0].blSampleId)
    world.factory.data_collection(group)
    refused = compat.delete(f"{PY}/samples/{world.loaded[0].blSampleId}", headers=tokens.admin())
    assert refused.status_code == 409
    assert "DataCollectionGroup" in refused.json["detail"]


def test_the_editor_vocabularies(compat, world, tokens, ssx_app_session):  # noqa: F811
    made = component(ssx_app_session, world, tokens)
    headers = tokens.user("member")
    listed = compat.get(f"{PY}/samples/components?proposal=mx1&skip=0&limit=10", headers=headers)
    assert listed.status_code == 200, listed.json
    assert listed.json["total"] == 1
    assert listed.json["results"] == [
        {
            "componentId": made["componentId"],
            "name": "HEPES",
            "composition": None,
            "ComponentType": {"componentTypeId": made["componentTypeId"], "name": "Buffer"},
        }
    ]
    none = compat.get(f"{PY}/samples/components", headers=headers)
    assert none.status_code == 200 and none.json["results"] == []
    units = compat.get(f"{PY}/samples/concentration/types", headers=headers)
    assert units.status_code == 200
    assert {"concentrationTypeId", "name", "symbol"} <= set(units.json[0])
    assert "mM" in {unit["symbol"] for unit in units.json}
    kinds = compat.get(f"{PY}/samples/components/types", headers=headers).json
    assert "Buffer" in {kind["name"] for kind in kinds}


# --- bad input: 4xx in py-ispyb's {detail} shape, naming the field --------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("get", "/samples?assigned=true", None, 400, "beamLineName"),
        ("get", "/samples?assigned=true&beamLineName=i03&limit=0", None, 400, "limit"),
        ("get", "/samples?assigned=true&beamLineName=i03&skip=-1", None, 400, "skip"),
        ("get", "/samples/components?proposal=mx1&limit=x", None, 400, "limit"),
        ("post", "/samples", lambda w: new_sample(w, name=None), 422, "name"),
        ("post", "/samples", lambda w: new_sample(w, containerId="abc"), 422, "containerId"),
        ("post", "/samples", lambda w: new_sample(w, location=[1]), 422, "location"),
        ("post", "/samples", lambda w: new_sample(w, Crystal=None), 422, "Crystal"),
        ("post", "/samples", lambda w: new_sample(w, Crystal=[1]), 422, "Crystal"),
        ("post", "/samples", lambda w: new_sample(w, Crystal={}), 422, "Crystal"),
        (
            "post",
            "/samples",
            lambda w: new_sample(w, Crystal={"cell_a": 3}),
            422,
            "Crystal.Protein.proteinId",
        ),
        (
            "post",
            "/samples",
            lambda w: new_sample(w, Crystal={"Protein": {"proteinId": "x"}}),
            422,
            "Crystal.Protein.proteinId",
        ),
        (
            "post",
            "/samples",
            lambda w: new_sample(w, sample_compositions=[{"abundance": 1}]),
            422,
            "sample_compositions",
        ),
        ("post", "/samples", lambda w: new_sample(w, location=99), 422, "location"),
        (
            "patch",
            "/samples/{sample}",
            lambda w: {"Crystal": {"crystalId": -1}},
            422,
            "Crystal.crystalId",
        ),
        ("patch", "/samples/{sample}", lambda w: {"Crystal": {"cell_a": "wide"}}, 422, None),
        (
            "patch",
            "/samples/{sample}",
            lambda w: {"Crystal": {"crystalId": w.crystal_id, "crystal_compositions": [{}]}},
            422,
            "Crystal.crystal_compositions",
        ),
        (
            "patch",
            "/samples/{sample}",
            lambda w: {"Crystal": {"crystalId": 99_999_999, "cell_a": 3}},
            422,
            "Crystal.crystalId",
        ),
        ("patch", "/samples/{sample}", lambda w: {"containerId": 0}, 422, "containerId"),
        ("patch", "/samples/{sample}", lambda w: {"location": "1"}, 409, "location"),
        ("patch", "/samples/{sample}", lambda w: ["name"], 422, None),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(
    compat, world, tokens, method, path, body, status, field
):
    kwargs = {"headers": tokens.user("member")}
    if body is not None:
        kwargs["json"] = body(world)
    url = PY + path.format(sample=world.loaded[1].blSampleId)
    answer = getattr(compat, method)(url, **kwargs)
    assert answer.status_code == status, answer.json
    assert answer.json["detail"]
    if field:
        assert field in (answer.json.get("details") or {}), answer.json


# --- who may do what: core and ssx decide ---------------------------------------------------

# ssx's reads: users, and clients with an ssx scope (not core:read alone)
SSX_ONE = expect(404, 200, 200, 404, 200, 403, 403)
WRITE = expect(404, 200, 200, 404, 200, 403, 403)
MATRIX = {
    "sample changer": (
        "get",
        lambda w: "/pyispyb/samples?assigned=true&beamLineName=i03",
        None,
        LIST,
    ),
    "create sample": (
        "post",
        lambda w: "/pyispyb/samples",
        new_sample,
        expect(422, 200, 200, 422, 200, 403, 403),
    ),
    "change sample": (
        "patch",
        lambda w: f"/pyispyb/samples/{w.loaded[0].blSampleId}",
        lambda w: {"name": "renamed", "Crystal": {"crystalId": w.crystal_id, "cell_c": 5}},
        WRITE,
    ),
    "delete sample": (
        "delete",
        lambda w: f"/pyispyb/samples/{w.loaded[0].blSampleId}",
        None,
        expect(404, 204, 204, 404, 204, 403, 403),
    ),
    "components": ("get", lambda w: "/pyispyb/samples/components?proposal=mx1", None, SSX_ONE),
    "component types": (
        "get",
        lambda w: "/pyispyb/samples/components/types",
        None,
        expect(200, 200, 200, 200, 200, 403, 403),
    ),
    "concentration types": (
        "get",
        lambda w: "/pyispyb/samples/concentration/types",
        None,
        expect(200, 200, 200, 200, 200, 403, 403),
    ),
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(MATRIX))
def test_sample_authorization_matrix(compat, world, tokens, operation, caller):
    method, path, body, expected = MATRIX[operation]
    kwargs = {"headers": CALLERS[caller](tokens)}
    if body is not None:
        kwargs["json"] = body(world)
    answer = getattr(compat, method)(PREFIX + path(world), **kwargs)
    assert answer.status_code == expected[caller], (operation, caller, answer.get_json())
    if answer.status_code >= 400:
        assert answer.json["code"] in {"UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "VALIDATION_ERROR"}
        assert answer.json["detail"] == answer.json["message"]
    elif caller in ("outsider", "staff-i04"):
        text = answer.get_data(as_text=True)
        assert "loaded" not in text and "i03-puck" not in text and "HEPES" not in text


def sample_routes(compat_app) -> set[tuple[str, str]]:
    """The routes of this module's matrix (tests/compat/test_authorization.py adds them to
    its coverage check)."""
    adapter = compat_app.url_map.bind("localhost")
    ids = type("World", (), {"loaded": [type("S", (), {"blSampleId": 1})], "crystal_id": 1})
    return {
        (
            method.upper(),
            adapter.match(
                PREFIX + path(ids).split("?")[0], method=method.upper(), return_rule=True
            )[0].rule,
        )
        for method, path, _body, _expected in MATRIX.values()
    }
