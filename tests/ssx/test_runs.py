"""Registration in one request, compensation, idempotency, results, chunks, reading."""

from __future__ import annotations

import pytest

from ispyb_shared.testing import count_queries
from tests.ssx.conftest import SSX, run_body

CORE = "/ispyb/api/v1/core"


@pytest.fixture
def staff(tokens):
    return tokens.user("staff1", "staff")


@pytest.fixture
def pipeline(tokens):
    return tokens.machine("pipe", "ssx:write", "core:read", "core:acquisition:write")


def core_dcs(core_app, tokens):
    answer = core_app.test_client().get(
        f"{CORE}/data-collections?limit=1000", headers=tokens.admin()
    )
    return answer.get_json()["results"]


def core_groups(core_app, tokens):
    answer = core_app.test_client().get(
        f"{CORE}/data-collection-groups?limit=1000", headers=tokens.admin()
    )
    return answer.get_json()["results"]


def register(ssx_app, headers, body, **extra):
    return ssx_app.test_client().post(f"{SSX}/runs", json=body, headers={**headers, **extra})


def test_register_a_run_creates_core_rows_and_ssx_rows(ssx_app, core_app, world, pipeline, tokens):
    answer = register(ssx_app, pipeline, run_body(sample_uuid=world.sample.uuid))
    assert answer.status_code == 201, answer.get_json()
    run = answer.get_json()
    (dc,) = core_dcs(core_app, tokens)
    assert dc["uuid"] == run["dataCollectionUUID"]
    assert dc["experimentType"] == "SSX-Chip"
    assert dc["blSampleId"] == world.sample.blSampleId
    described = ssx_app.test_client().get(f"{SSX}/runs/{run['uuid']}", headers=pipeline)
    body = described.get_json()
    assert described.status_code == 200, body
    assert body["chipModel"] == "Oxford"
    assert body["dataCollection"]["numberOfImages"] == 25600
    events = body["eventChains"][0]["events"]
    assert [e["eventType"] for e in events] == ["LaserExcitation", "XrayDetection"]


def test_events_timeline_is_sorted_by_offset(ssx_app, world, staff):
    chains = [
        {
            "name": "c",
            "events": [
                {"eventType": "XrayDetection", "offset": 0.5, "duration": 0.01},
                {"eventType": "ReactionTrigger", "offset": 0.0, "duration": 0.1},
                {
                    "eventType": "LaserExcitation",
                    "offset": 0.2,
                    "duration": 0.001,
                    "period": 0.01,
                    "repetition": 5,
                },
            ],
        }
    ]
    run = register(ssx_app, staff, run_body(eventChains=chains)).get_json()
    body = ssx_app.test_client().get(f"{SSX}/runs/{run['uuid']}", headers=staff).get_json()
    events = body["eventChains"][0]["events"]
    assert [e["offset"] for e in events] == [0.0, 0.2, 0.5]
    assert events[1]["end"] == pytest.approx(0.2 + 4 * 0.01 + 0.001)


def test_a_failure_after_core_writes_leaves_nothing_behind(
    ssx_app, core_app, world, staff, tokens, core_calls
):
    def fail_once_core_has_registered(call, response):
        if call.method == "PUT":
            core_calls.after_delivery = None
            raise RuntimeError("failure injected after core's writes (test)")

    core_calls.after_delivery = fail_once_core_has_registered
    answer = register(ssx_app, staff, run_body())
    assert answer.status_code == 500
    assert core_dcs(core_app, tokens) == []
    assert core_groups(core_app, tokens) == []
    listed = ssx_app.test_client().get(f"{SSX}/sessions/mx1-1/runs", headers=staff).get_json()
    assert listed["results"] == []


def test_a_local_failure_is_compensated(ssx_app, core_app, world, staff, tokens, monkeypatch):
    from ispyb_ssx.runs import service

    def broken(**_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_store_run", broken)
    answer = register(ssx_app, staff, run_body())
    assert answer.status_code == 500
    assert core_dcs(core_app, tokens) == []
    assert core_groups(core_app, tokens) == []


def test_a_retry_with_the_same_client_request_id_returns_the_same_run(
    ssx_app, core_app, world, pipeline, tokens
):
    body = run_body(clientRequestId="req-42")
    first = register(ssx_app, pipeline, body)
    second = register(ssx_app, pipeline, body)
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.get_json()["uuid"] == second.get_json()["uuid"]
    assert len(core_dcs(core_app, tokens)) == 1


def test_core_unreachable_is_503_and_nothing_written(ssx_app, core_app, world, staff, tokens):
    ssx_app.extensions["test_core_transport"].down = True
    answer = register(ssx_app, staff, run_body())
    assert answer.status_code == 503
    assert answer.get_json()["code"] == "SERVICE_UNAVAILABLE"
    ssx_app.extensions["test_core_transport"].down = False
    assert core_dcs(core_app, tokens) == []


def test_preliminary_then_final_results_and_chunks(ssx_app, world, pipeline, tokens):
    run = register(ssx_app, pipeline, run_body()).get_json()
    client = ssx_app.test_client()
    for kind, rate in (("Preliminary", 12.5), ("Final", 14.0)):
        answer = client.post(
            f"{SSX}/runs/{run['uuid']}/results",
            json={
                "indexingType": kind,
                "status": "Success",
                "hitRate": rate,
                "indexingRate": 60.0,
                "nbCrystals": 3000,
                "cellA": 78.9,
                "cellASd": 0.2,
                "attachments": [{"fileType": "Log", "filePath": "/p", "fileName": "x.log"}],
            },
            headers=pipeline,
        )
        assert answer.status_code == 201, answer.get_json()
    for first in (1, 1001):
        answer = client.post(
            f"{SSX}/runs/{run['uuid']}/chunks",
            json={
                "firstImage": first,
                "lastImage": first + 999,
                "numberOfHits": 100,
                "numberOfIndexed": 50,
            },
            headers=pipeline,
        )
        assert answer.status_code == 201, answer.get_json()
    chunks = client.get(f"{SSX}/runs/{run['uuid']}/chunks", headers=pipeline).get_json()["results"]
    assert [c["firstImage"] for c in chunks] == [1, 1001]
    assert chunks[0]["hitRate"] == pytest.approx(10.0)
    assert chunks[0]["indexingRate"] == pytest.approx(50.0)
    member = tokens.user("member")
    body = client.get(f"{SSX}/runs/{run['uuid']}", headers=member).get_json()
    assert [r["indexingType"] for r in body["results"]] == ["Preliminary", "Final"]
    assert body["results"][0]["attachments"][0]["fileName"] == "x.log"
    summary = client.get(f"{SSX}/sessions/mx1-1/runs", headers=member).get_json()
    assert summary["results"][0]["latestResult"]["indexingType"] == "Final"
    assert summary["results"][0]["latestResult"]["hitRate"] == 14.0


def test_results_name_the_cell_like_core_and_still_read_the_former_names(ssx_app, world, pipeline):
    run = register(ssx_app, pipeline, run_body()).get_json()
    client = ssx_app.test_client()
    url = f"{SSX}/runs/{run['uuid']}/results"
    base = {"indexingType": "Final", "status": "Success"}
    former = client.post(url, json={**base, "cellA": 78.9, "cellGammaSd": 0.5}, headers=pipeline)
    assert former.status_code == 201, former.get_json()
    now = client.post(url, json={**base, "cell_a": 79.1, "cell_gamma_sd": 0.25}, headers=pipeline)
    assert now.status_code == 201, now.get_json()
    results = client.get(f"{SSX}/runs/{run['uuid']}", headers=pipeline).get_json()["results"]
    assert [(r["cell_a"], r["cell_gamma_sd"]) for r in results] == [(78.9, 0.5), (79.1, 0.25)]
    assert not any(key.startswith("cellA") for key in results[0])
    both = client.post(url, json={**base, "cellA": 1.0, "cell_a": 1.0}, headers=pipeline)
    assert both.status_code == 422
    assert both.get_json()["details"] == {
        "cellA": ["Sent twice: cellA is the former name of cell_a."]
    }


@pytest.mark.parametrize("runs", [1, 4])
def test_session_summary_makes_fixed_queries_and_core_calls(
    ssx_app, world, staff, core_calls, runs, request
):
    client = ssx_app.test_client()
    for index in range(runs):
        run = register(ssx_app, staff, run_body(sample_uuid=world.sample.uuid)).get_json()
        client.post(
            f"{SSX}/runs/{run['uuid']}/results",
            json={"indexingType": "Final", "status": "Success", "hitRate": float(index)},
            headers=staff,
        )
    ssx_app.extensions["ssx_core_client"].clear_cache()
    core_calls.calls.clear()
    engine = ssx_app.extensions["ispyb_database"].engine
    with count_queries(engine) as counter:
        answer = client.get(f"{SSX}/sessions/mx1-1/runs", headers=staff)
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    assert len(results) == runs
    assert results[0]["sampleName"] == world.sample.name
    assert results[0]["startTime"] == "2026-01-01T10:00:00"
    # The page, and the count only when the page is full (a short page tells the total).
    assert counter.count == 1, counter.statements
    assert [method for method, _ in core_calls.calls] == ["GET", "GET", "GET"]
    assert sum("uuid.in=" in path for _, path in core_calls.calls) == 1


def test_a_concurrent_retry_that_loses_the_race_is_undone_and_answers_the_winner(
    ssx_app, core_app, world, pipeline, tokens, monkeypatch
):
    """Two registrations with one clientRequestId pass the look-up at once: the loser's
    local insert violates (requestedBy, clientRequestId); its core rows are deleted and
    it answers the winner's run."""
    from ispyb_ssx.runs import service

    body = run_body(clientRequestId="race")
    first = register(ssx_app, pipeline, body).get_json()
    lookups = iter([None])
    original = service.find_by_request_key

    def first_lookup_misses(**kwargs):
        return next(lookups, "real") and original(**kwargs)

    monkeypatch.setattr(service, "find_by_request_key", first_lookup_misses)
    second = register(ssx_app, pipeline, body)
    assert second.status_code == 200, second.get_json()
    assert second.get_json()["uuid"] == first["uuid"]
    assert len(core_dcs(core_app, tokens)) == 1
    assert len(core_groups(core_app, tokens)) == 1


def test_openapi_documents_the_ssx_endpoints(ssx_app):
    answer = ssx_app.test_client().get(f"{SSX}/swagger.json")
    assert answer.status_code == 200
    paths = answer.get_json()["paths"]
    assert {"/runs", "/runs/{ref}", "/runs/{ref}/results", "/runs/{ref}/chunks"} <= set(paths)
    assert "/sessions/{ref}/runs" in paths
    schema = answer.get_json()["definitions"]["RunCreate"]
    assert "clientRequestId" in schema["properties"]


def test_core_answers_are_cached_per_token_only(ssx_app, world, staff, tokens, core_calls):
    run = register(ssx_app, staff, run_body()).get_json()
    client = ssx_app.test_client()
    member = tokens.user("member")
    core_calls.calls.clear()
    assert client.get(f"{SSX}/runs/{run['uuid']}", headers=member).status_code == 200
    assert client.get(f"{SSX}/runs/{run['uuid']}", headers=member).status_code == 200
    assert sum("uuid.in=" in path for _, path in core_calls.calls) == 1
    outsider = tokens.user("outsider")
    assert client.get(f"{SSX}/runs/{run['uuid']}", headers=outsider).status_code == 404
    assert sum("uuid.in=" in path for _, path in core_calls.calls) == 2


def test_reading_while_core_is_down_is_503(ssx_app, world, staff, core_calls):
    run = register(ssx_app, staff, run_body()).get_json()
    ssx_app.extensions["ssx_core_client"].clear_cache()
    core_calls.down = True
    client = ssx_app.test_client()
    for path in (f"/runs/{run['uuid']}", "/sessions/mx1-1/runs"):
        answer = client.get(f"{SSX}{path}", headers=staff)
        assert answer.status_code == 503
        assert answer.get_json()["code"] == "SERVICE_UNAVAILABLE"


def test_every_ssx_operation_documents_its_answer(ssx_app):
    """Swagger shows the answer's model for every operation (ssx's own, not health)."""
    paths = ssx_app.test_client().get(f"{SSX}/swagger.json").get_json()["paths"]
    for path, operations in paths.items():
        if path in {"/health", "/ready"}:
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            answers = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
            assert answers, (method, path)
            for code, answer in answers.items():
                assert "schema" in answer, (method, path, code)
