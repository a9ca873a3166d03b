"""Bad input is refused with 422 naming the field, and nothing is written (core included)."""

from __future__ import annotations

import pytest

from tests.ssx.conftest import SSX, run_body
from tests.support.checks import names_field

CORE = "/ispyb/api/v1/core"


def event(**values):
    return {"eventType": "LaserExcitation", "offset": 0.0, "duration": 0.001, **values}


def chains(*events):
    return [{"name": "c", "events": list(events)}]


@pytest.mark.parametrize(
    ("chain", "field"),
    [
        (chains(event(duration=-1.0)), "duration"),
        (chains(event(offset=-0.5)), "offset"),
        (chains(event(period=-0.1, repetition=2)), "period"),
        (chains(event(repetition=0)), "repetition"),
        (chains(event(repetition=5)), "period"),
        (chains(event(period=0.01)), "repetition"),
        (chains(event(duration=0.02, period=0.01, repetition=3)), "duration"),
        (chains(event(offset=0.0, duration=0.01), event(offset=0.005, duration=0.01)), "1"),
        (chains(event(eventType="Explosion")), "eventType"),
    ],
)
def test_bad_event_timing_is_refused(ssx_app, core_app, world, tokens, chain, field):
    admin = tokens.admin()
    answer = ssx_app.test_client().post(
        f"{SSX}/runs", json=run_body(eventChains=chain), headers=admin
    )
    assert answer.status_code == 422, answer.get_json()
    details = answer.get_json()["details"]
    assert names_field(details, "eventChains") and field in str(details), details
    dcs = core_app.test_client().get(f"{CORE}/data-collections", headers=admin).get_json()
    assert dcs["results"] == []


def test_repeated_events_that_do_not_overlap_are_accepted(ssx_app, world, tokens):
    chain = chains(
        event(offset=0.0, duration=0.001, period=0.01, repetition=3),
        event(offset=0.005, duration=0.001, period=0.01, repetition=3),
    )
    answer = ssx_app.test_client().post(
        f"{SSX}/runs", json=run_body(eventChains=chain), headers=tokens.admin()
    )
    assert answer.status_code == 201, answer.get_json()


def test_a_sample_of_another_proposal_is_refused(ssx_app, core_app, world, tokens):
    admin = tokens.admin()
    answer = ssx_app.test_client().post(
        f"{SSX}/runs", json=run_body(sample_uuid=world.other_sample.uuid), headers=admin
    )
    assert answer.status_code == 422
    assert "blSampleUUID" in answer.get_json()["details"]


def test_a_composition_for_a_sample_of_another_proposal_is_refused(ssx_app, world, tokens):
    body = run_body(
        sample_uuid=world.sample.uuid,
        sampleComposition=[
            {
                "component": {"name": "HEPES", "componentType": "Buffer"},
                "concentrationType": "mM",
                "abundance": 50,
                "blSampleUUID": world.other_sample.uuid,
            }
        ],
    )
    answer = ssx_app.test_client().post(f"{SSX}/runs", json=body, headers=tokens.admin())
    assert answer.status_code == 422
    assert "sampleComposition[0].blSampleUUID" in answer.get_json()["details"]


def test_an_invisible_sample_is_refused_for_a_member(ssx_app, world, tokens):
    body = run_body(sample_uuid=world.other_sample.uuid)
    staff = tokens.user("staff1", "staff", beamlines=["i03"])
    answer = ssx_app.test_client().post(f"{SSX}/runs", json=body, headers=staff)
    assert answer.status_code == 422
    assert answer.get_json()["details"]["blSampleUUID"]


def test_sample_composition_is_stored_and_shown(ssx_app, world, tokens):
    body = run_body(
        sample_uuid=world.sample.uuid,
        sampleComposition=[
            {
                "component": {"name": "HEPES", "componentType": "Buffer"},
                "concentrationType": "mM",
                "abundance": 50,
                "pH": 7.5,
            }
        ],
    )
    admin = tokens.admin()
    run = ssx_app.test_client().post(f"{SSX}/runs", json=body, headers=admin).get_json()
    shown = ssx_app.test_client().get(f"{SSX}/runs/{run['uuid']}", headers=admin).get_json()
    (composition,) = shown["sampleComposition"]
    assert composition["component"]["name"] == "HEPES"
    assert composition["component"]["componentType"] == "Buffer"
    assert composition["concentrationType"] == "mM"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"session": "nosuch-1"}, "session"),
        ({"experimentType": "OSC"}, "experimentType"),
        ({"acquisition": {"startTime": "2026-01-01T10:00:00"}}, "acquisition"),
        ({"unknownField": 1}, "unknownField"),
    ],
)
def test_bad_run_fields(ssx_app, world, tokens, overrides, field):
    answer = ssx_app.test_client().post(
        f"{SSX}/runs", json=run_body(**overrides), headers=tokens.admin()
    )
    assert answer.status_code == 422
    assert names_field(answer.get_json()["details"], field)


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("results", {"indexingType": "Guess", "status": "Success"}, "indexingType"),
        ("results", {"indexingType": "Final", "status": "Success", "hitRate": 120}, "hitRate"),
        (
            "results",
            {"indexingType": "Final", "status": "Success", "numberOfImages": 5, "numberOfHits": 9},
            "numberOfHits",
        ),
        (
            "chunks",
            {"firstImage": 10, "lastImage": 5, "numberOfHits": 0, "numberOfIndexed": 0},
            "lastImage",
        ),
        (
            "chunks",
            {"firstImage": 1, "lastImage": 5, "numberOfHits": 9, "numberOfIndexed": 0},
            "numberOfHits",
        ),
        (
            "chunks",
            {"firstImage": 1, "lastImage": 5, "numberOfHits": 2, "numberOfIndexed": 3},
            "numberOfIndexed",
        ),
    ],
)
def test_bad_results_and_chunks(ssx_app, world, tokens, kind, body, field):
    admin = tokens.admin()
    run = ssx_app.test_client().post(f"{SSX}/runs", json=run_body(), headers=admin).get_json()
    answer = ssx_app.test_client().post(
        f"{SSX}/runs/{run['uuid']}/{kind}", json=body, headers=admin
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["details"]


def test_a_chunk_posted_twice_is_a_conflict(ssx_app, world, tokens):
    admin = tokens.admin()
    run = ssx_app.test_client().post(f"{SSX}/runs", json=run_body(), headers=admin).get_json()
    chunk = {"firstImage": 1, "lastImage": 5, "numberOfHits": 2, "numberOfIndexed": 1}
    client = ssx_app.test_client()
    assert (
        client.post(f"{SSX}/runs/{run['uuid']}/chunks", json=chunk, headers=admin).status_code
        == 201
    )
    assert (
        client.post(f"{SSX}/runs/{run['uuid']}/chunks", json=chunk, headers=admin).status_code
        == 409
    )


def test_unknown_run_is_404(ssx_app, world, tokens):
    answer = ssx_app.test_client().get(f"{SSX}/runs/not-a-uuid", headers=tokens.admin())
    assert answer.status_code == 404


# --- components and compositions ------------------------------------------------------------


def _component(ssx_app, world, tokens, proposal=None, **values) -> dict:
    body = {
        "name": "HEPES",
        "componentType": "Buffer",
        "proposalUUID": (proposal or world.mx1).uuid,
    }
    answer = ssx_app.test_client().post(
        f"{SSX}/components", json={**body, **values}, headers=tokens.admin()
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"name": 12}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"componentType": "Explosive"}, "componentType"),
        ({"componentTypeId": "1"}, "componentTypeId"),
        ({"componentTypeId": 999}, "componentTypeId"),
        ({"componentTypeId": 1, "componentType": "Buffer"}, "componentType"),  # not both
        ({"proposalUUID": "mx1"}, "proposalUUID"),
        ({"proposalUUID": "00000000-0000-4000-8000-000000000000"}, "proposalUUID"),
    ],
)
def test_bad_components_are_refused(ssx_app, world, tokens, values, field):
    body = {"name": "HEPES", "componentType": "Buffer", "proposalUUID": world.mx1.uuid}
    if "componentTypeId" in values:
        del body["componentType"]
    body.update(values)
    answer = ssx_app.test_client().post(f"{SSX}/components", json=body, headers=tokens.admin())
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["details"]
    listed = ssx_app.test_client().get(
        f"{SSX}/components?proposalUUID={world.mx1.uuid}", headers=tokens.admin()
    )
    assert listed.get_json()["total"] == 0


def test_a_component_needs_a_type(ssx_app, world, tokens):
    body = {"name": "HEPES", "proposalUUID": world.mx1.uuid}
    answer = ssx_app.test_client().post(f"{SSX}/components", json=body, headers=tokens.admin())
    assert answer.status_code == 422
    assert "componentType" in answer.get_json()["details"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"proposalUUID": "00000000-0000-4000-8000-000000000000"}, "proposalUUID"),
        ({"name": None}, "name"),
        ({"componentType": "Explosive"}, "componentType"),
        ({"uuid": "00000000-0000-4000-8000-000000000000"}, "uuid"),
    ],
)
def test_bad_component_changes_are_refused(ssx_app, world, tokens, values, field):
    component = _component(ssx_app, world, tokens)
    answer = ssx_app.test_client().patch(
        f"{SSX}/components/{component['uuid']}", json=values, headers=tokens.admin()
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["details"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("", 422, "proposalUUID"),
        ("?proposalUUID=mx1", 400, "proposalUUID"),
        ("?proposalUUID.in=x", 400, "proposalUUID.in"),
        ("?colour=blue", 400, "colour"),
        ("?limit=0", 400, "limit"),
    ],
)
def test_bad_component_lists_are_refused(ssx_app, world, tokens, query, status, field):
    answer = ssx_app.test_client().get(f"{SSX}/components{query}", headers=tokens.admin())
    assert answer.status_code == status, answer.get_json()
    assert field in answer.get_json()["details"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"colour": "blue"}, "colour"),
        ({"abundance": -1.0}, "abundance"),
        ({"abundance": "lots"}, "abundance"),
        ({"ratio": -0.5}, "ratio"),
        ({"pH": -0.1}, "pH"),
        ({"pH": 14.5}, "pH"),
        ({"concentrationType": "furlongs"}, "concentrationType"),
        ({"componentId": "1"}, "componentId"),
        ({"componentId": 999999}, "componentId"),
        ({"blSampleUUID": "not-a-uuid"}, "blSampleUUID"),
        ({"blSampleUUID": "00000000-0000-4000-8000-000000000000"}, "blSampleUUID"),
    ],
)
def test_bad_sample_compositions_are_refused(ssx_app, world, tokens, values, field):
    component = _component(ssx_app, world, tokens)
    body = {"componentId": component["componentId"], "blSampleUUID": world.sample.uuid, **values}
    answer = ssx_app.test_client().post(
        f"{SSX}/sample-compositions", json=body, headers=tokens.admin()
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["details"]
    listed = ssx_app.test_client().get(
        f"{SSX}/sample-compositions?blSampleUUID={world.sample.uuid}", headers=tokens.admin()
    )
    assert listed.get_json()["total"] == 0


def test_a_component_is_named_once(ssx_app, world, tokens):
    component = _component(ssx_app, world, tokens)
    body = {
        "componentId": component["componentId"],
        "componentUUID": component["uuid"],
        "blSampleUUID": world.sample.uuid,
    }
    answer = ssx_app.test_client().post(
        f"{SSX}/sample-compositions", json=body, headers=tokens.admin()
    )
    assert answer.status_code == 422
    assert "componentUUID" in answer.get_json()["details"]
    del body["componentId"], body["componentUUID"]
    answer = ssx_app.test_client().post(
        f"{SSX}/sample-compositions", json=body, headers=tokens.admin()
    )
    assert answer.status_code == 422
    assert "componentId" in answer.get_json()["details"]


def test_a_component_of_another_proposal_is_refused(ssx_app, world, tokens):
    """The sample (or crystal) must be in the component's proposal."""
    other = _component(ssx_app, world, tokens, proposal=world.mx2)
    answer = ssx_app.test_client().post(
        f"{SSX}/sample-compositions",
        json={"componentUUID": other["uuid"], "blSampleUUID": world.sample.uuid},
        headers=tokens.admin(),
    )
    assert answer.status_code == 422, answer.get_json()
    assert "blSampleUUID" in answer.get_json()["details"]
    protein = world.factory.protein(proposalId=world.mx1.proposalId)
    crystal = world.factory.crystal(proteinId=protein.proteinId)
    answer = ssx_app.test_client().post(
        f"{SSX}/crystal-compositions",
        json={"componentUUID": other["uuid"], "crystalUUID": crystal.uuid},
        headers=tokens.admin(),
    )
    assert answer.status_code == 422, answer.get_json()
    assert "crystalUUID" in answer.get_json()["details"]


def test_a_component_the_caller_cannot_see_is_refused(ssx_app, world, tokens):
    """A component whose proposal core does not show the caller (staff of i03, component of
    mx2) is a 422 naming componentUUID."""
    other = _component(ssx_app, world, tokens, proposal=world.mx2)
    staff = tokens.user("staff1", "staff", beamlines=["i03"])
    answer = ssx_app.test_client().post(
        f"{SSX}/sample-compositions",
        json={"componentUUID": other["uuid"], "blSampleUUID": world.sample.uuid},
        headers=staff,
    )
    assert answer.status_code == 422, answer.get_json()
    assert "componentUUID" in answer.get_json()["details"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"pH": 15}, "pH"),
        ({"abundance": -2}, "abundance"),
        ({"crystalUUID": None}, "crystalUUID"),
        ({"blSampleUUID": "00000000-0000-4000-8000-000000000000"}, "blSampleUUID"),
        ({"crystalUUID": "00000000-0000-4000-8000-000000000000"}, "crystalUUID"),
    ],
)
def test_bad_crystal_compositions_are_refused(ssx_app, world, tokens, values, field):
    component = _component(ssx_app, world, tokens)
    protein = world.factory.protein(proposalId=world.mx1.proposalId)
    crystal = world.factory.crystal(proteinId=protein.proteinId)
    body = {"componentId": component["componentId"], "crystalUUID": crystal.uuid, **values}
    answer = ssx_app.test_client().post(
        f"{SSX}/crystal-compositions", json=body, headers=tokens.admin()
    )
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["details"]


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        ("/sample-compositions", 422, "blSampleUUID"),
        ("/sample-compositions?blSampleUUID=x", 400, "blSampleUUID"),
        ("/crystal-compositions", 422, "crystalUUID"),
        ("/crystal-compositions?crystalUUID=x", 400, "crystalUUID"),
        (
            "/crystal-compositions?blSampleUUID=00000000-0000-4000-8000-000000000000",
            400,
            "blSampleUUID",
        ),
    ],
)
def test_bad_composition_lists_are_refused(ssx_app, world, tokens, path, status, field):
    answer = ssx_app.test_client().get(f"{SSX}{path}", headers=tokens.admin())
    assert answer.status_code == status, answer.get_json()
    assert field in answer.get_json()["details"]
