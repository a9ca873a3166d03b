"""Bad input is refused with 422 naming the field, and nothing is written (core included)."""

from __future__ import annotations

import pytest

from tests.ssx.conftest import SSX, run_body

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
    assert field in str(answer.get_json()["details"]["eventChains"])
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
    assert "sampleComposition.0.blSampleUUID" in answer.get_json()["details"]


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
    assert field in answer.get_json()["details"]


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
