"""Components of a proposal, their vocabularies and the sample/crystal compositions that use
them, as REST resources (docs/ssx.md); visibility decided by core with the caller's token."""

from __future__ import annotations

from tests.ssx.conftest import SSX


def component_body(world, **overrides) -> dict:
    body = {
        "name": "HEPES",
        "componentType": "Buffer",
        "composition": "C8H18N2O4S",
        "proposalUUID": world.mx1.uuid,
    }
    body.update(overrides)
    return body


def make_component(ssx_app, world, headers, **overrides) -> dict:
    answer = ssx_app.test_client().post(
        f"{SSX}/components", json=component_body(world, **overrides), headers=headers
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def make_crystal(world, proposal):
    protein = world.factory.protein(proposalId=proposal.proposalId)
    return world.factory.crystal(proteinId=protein.proteinId)


def test_vocabularies(ssx_app, world, tokens):
    client = ssx_app.test_client()
    types = client.get(f"{SSX}/component-types", headers=tokens.user("member")).get_json()
    assert {"Ligand", "Buffer", "JetMaterial"} <= {row["name"] for row in types["results"]}
    assert types["total"] == len(types["results"])
    units = client.get(f"{SSX}/concentration-types", headers=tokens.user("member")).get_json()
    assert "mM" in {row["symbol"] for row in units["results"]}
    assert {"total", "limit", "offset", "results", "links"} <= set(units)


def test_create_read_list_and_patch_a_component(ssx_app, world, tokens):
    admin = tokens.admin()
    client = ssx_app.test_client()
    created = make_component(ssx_app, world, admin)
    assert created["componentType"] == "Buffer"
    assert created["proposalUUID"] == world.mx1.uuid
    member = tokens.user("member")
    for ref in (created["uuid"], str(created["componentId"])):
        answer = client.get(f"{SSX}/components/{ref}", headers=member)
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["name"] == "HEPES"
    listed = client.get(f"{SSX}/components?proposalUUID={world.mx1.uuid}", headers=member)
    assert listed.status_code == 200, listed.get_json()
    assert [row["uuid"] for row in listed.get_json()["results"]] == [created["uuid"]]
    assert listed.get_json()["total"] == 1
    patched = client.patch(
        f"{SSX}/components/{created['uuid']}",
        json={"composition": "HEPES pH 7.5", "componentType": "Additive"},
        headers=admin,
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["composition"] == "HEPES pH 7.5"
    assert patched.get_json()["componentType"] == "Additive"
    assert patched.get_json()["name"] == "HEPES"


def test_a_component_type_may_be_given_by_id(ssx_app, world, tokens):
    types = ssx_app.test_client().get(f"{SSX}/component-types", headers=tokens.admin())
    ligand = next(row for row in types.get_json()["results"] if row["name"] == "Ligand")
    body = component_body(world, name="ATP", componentTypeId=ligand["componentTypeId"])
    del body["componentType"]
    answer = ssx_app.test_client().post(f"{SSX}/components", json=body, headers=tokens.admin())
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["componentType"] == "Ligand"


def test_listing_needs_the_proposal_and_shows_only_visible_ones(ssx_app, world, tokens):
    make_component(ssx_app, world, tokens.admin())
    client = ssx_app.test_client()
    missing = client.get(f"{SSX}/components", headers=tokens.user("member"))
    assert missing.status_code == 422
    assert "proposalUUID" in missing.get_json()["details"]
    hidden = client.get(
        f"{SSX}/components?proposalUUID={world.mx1.uuid}", headers=tokens.user("outsider")
    )
    assert hidden.status_code == 404
    other = client.get(
        f"{SSX}/components?proposalUUID={world.mx2.uuid}", headers=tokens.user("outsider")
    )
    assert other.status_code == 200
    assert other.get_json()["results"] == []


def test_listing_asks_core_once(ssx_app, world, tokens, core_calls):
    for name in ("A", "B", "C"):
        make_component(ssx_app, world, tokens.admin(), name=name)
    core_calls.calls.clear()
    answer = ssx_app.test_client().get(
        f"{SSX}/components?proposalUUID={world.mx1.uuid}", headers=tokens.user("member")
    )
    assert answer.get_json()["total"] == 3
    assert len(core_calls.calls) == 1


def test_a_duplicate_component_is_a_conflict(ssx_app, world, tokens):
    make_component(ssx_app, world, tokens.admin())
    again = ssx_app.test_client().post(
        f"{SSX}/components", json=component_body(world), headers=tokens.admin()
    )
    assert again.status_code == 409
    assert "name" in again.get_json()["details"]


def test_sample_composition(ssx_app, world, tokens, core_calls):
    admin = tokens.admin()
    client = ssx_app.test_client()
    component = make_component(ssx_app, world, admin)
    answer = client.post(
        f"{SSX}/sample-compositions",
        json={
            "componentUUID": component["uuid"],
            "blSampleUUID": world.sample.uuid,
            "abundance": 20.0,
            "concentrationType": "mM",
            "pH": 7.5,
            "ratio": 1.0,
        },
        headers=admin,
    )
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert created["component"]["name"] == "HEPES"
    assert created["concentrationType"] == "mM"
    core_calls.calls.clear()
    listed = client.get(
        f"{SSX}/sample-compositions?blSampleUUID={world.sample.uuid}",
        headers=tokens.user("member"),
    )
    assert listed.status_code == 200, listed.get_json()
    assert len(core_calls.calls) == 1
    (row,) = listed.get_json()["results"]
    assert row["uuid"] == created["uuid"]
    assert row["component"]["componentType"] == "Buffer"
    assert row["abundance"] == 20.0
    hidden = client.get(
        f"{SSX}/sample-compositions?blSampleUUID={world.sample.uuid}",
        headers=tokens.user("outsider"),
    )
    assert hidden.status_code == 404


def test_crystal_composition(ssx_app, world, tokens):
    admin = tokens.admin()
    client = ssx_app.test_client()
    component = make_component(ssx_app, world, admin, name="ATP", componentType="Ligand")
    crystal = make_crystal(world, world.mx1)
    answer = client.post(
        f"{SSX}/crystal-compositions",
        json={"componentId": component["componentId"], "crystalUUID": crystal.uuid, "ratio": 2},
        headers=admin,
    )
    assert answer.status_code == 201, answer.get_json()
    listed = client.get(
        f"{SSX}/crystal-compositions?crystalUUID={crystal.uuid}", headers=tokens.user("member")
    )
    assert listed.status_code == 200, listed.get_json()
    (row,) = listed.get_json()["results"]
    assert row["component"]["name"] == "ATP"
    assert row["ratio"] == 2.0
    assert row["concentrationType"] is None


def test_compositions_made_by_run_registration_are_listed(ssx_app, world, tokens):
    from tests.ssx.conftest import run_body

    body = run_body(
        sample_uuid=world.sample.uuid,
        sampleComposition=[
            {"component": {"name": "PEG", "componentType": "Additive"}, "abundance": 10.0}
        ],
    )
    answer = ssx_app.test_client().post(f"{SSX}/runs", json=body, headers=tokens.admin())
    assert answer.status_code == 201, answer.get_json()
    listed = ssx_app.test_client().get(
        f"{SSX}/sample-compositions?blSampleUUID={world.sample.uuid}",
        headers=tokens.user("member"),
    )
    assert [row["component"]["name"] for row in listed.get_json()["results"]] == ["PEG"]
    components = ssx_app.test_client().get(
        f"{SSX}/components?proposalUUID={world.mx1.uuid}", headers=tokens.user("member")
    )
    assert [row["name"] for row in components.get_json()["results"]] == ["PEG"]
