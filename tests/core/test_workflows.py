"""Workflows and their steps, processing jobs and processing messages (docs/workflows.md):
beamline control and pipelines write them, whoever sees the data collection reads them."""

from __future__ import annotations

import pytest

from ispyb_shared.testing import count_queries
from tests.support.checks import names_field

CORE = "/ispyb/api/v1/core"
BEAMLINE = ("core:acquisition:write",)
PIPELINE = ("core:processing:write", "core:read")


@pytest.fixture
def world(factory):
    member = factory.person(login="member")
    factory.person(login="outsider")
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1, beamLineName="i03")
    factory.proposal_member(proposal, member)
    group = factory.data_collection_group(session, experimentType="Mesh")
    collection = factory.data_collection(group)
    run = factory.processing_run(collection)
    return {"group": group, "dc": collection, "run": run}


def as_user(core_app, tokens, login, *roles, beamlines=()):
    client = core_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.user(login, *roles, beamlines=beamlines)[
        "Authorization"
    ]
    return client


def as_machine(core_app, tokens, name, *scopes):
    client = core_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine(name, *scopes)["Authorization"]
    return client


def workflow_document(group, **values):
    return {
        "dataCollectionGroupId": group.dataCollectionGroupId,
        "workflowTitle": "MXPressE on sample 1",
        "workflowType": "MXPressE",
        "status": "Started",
        "steps": [
            {"workflowStepType": "Mesh", "status": "Success", "imageResultFilePath": "/d/mesh.png"},
            {"workflowStepType": "Characterisation", "status": "Started"},
        ],
        **values,
    }


def test_beamline_records_a_workflow_and_members_read_it_with_its_steps(core_app, tokens, world):
    beamline = as_machine(core_app, tokens, "mxcube", *BEAMLINE)
    created = beamline.post(f"{CORE}/workflows", json=workflow_document(world["group"]))
    assert created.status_code == 201, created.json
    workflow = created.json
    assert workflow["workflowType"] == "MXPressE" and workflow["recordTimeStamp"]
    assert [step["workflowStepType"] for step in workflow["steps"]] == ["Mesh", "Characterisation"]
    step_url = f"{CORE}/workflows/{workflow['uuid']}/steps"
    added = beamline.post(step_url, json={"workflowStepType": "Collect", "status": "Success"})
    assert added.status_code == 201, added.json
    assert added.json["workflowId"] == workflow["workflowId"]
    done = beamline.patch(f"{CORE}/workflows/{workflow['workflowId']}", json={"status": "Success"})
    assert done.status_code == 200 and done.json["status"] == "Success"
    assert len(done.json["steps"]) == 3

    member = as_user(core_app, tokens, "member")
    group = member.get(f"{CORE}/data-collection-groups/{world['group'].uuid}").json
    assert group["workflowId"] == workflow["workflowId"]
    read = member.get(f"{CORE}/data-collection-groups/{world['group'].uuid}/workflow")
    assert read.status_code == 200
    assert read.json["status"] == "Success" and len(read.json["steps"]) == 3
    steps = member.get(f"{CORE}/workflow-steps?workflowId={workflow['workflowId']}").json
    assert steps["total"] == 3
    first = steps["results"][0]
    one = member.get(f"{CORE}/workflow-steps?workflowStepId={first['workflowStepId']}").json
    assert [s["uuid"] for s in one["results"]] == [first["uuid"]]
    assert member.get(f"{CORE}/workflow-steps/{first['uuid']}").json["status"] == "Success"

    outsider = as_user(core_app, tokens, "outsider")
    assert outsider.get(f"{CORE}/workflows/{workflow['uuid']}").status_code == 404
    assert (
        outsider.get(f"{CORE}/workflow-steps?workflowId={workflow['workflowId']}").json["total"]
        == 0
    )
    assert outsider.get(f"{CORE}/workflow-steps/{first['uuid']}").status_code == 404


def test_who_may_write_workflows(core_app, tokens, world):
    document = workflow_document(world["group"])
    reader = as_machine(core_app, tokens, "reader", "core:read")
    assert reader.post(f"{CORE}/workflows", json=document).status_code == 403
    member = as_user(core_app, tokens, "member")
    assert member.post(f"{CORE}/workflows", json=document).status_code == 403
    elsewhere = as_user(core_app, tokens, "grace", "staff", beamlines=["i04"])
    assert elsewhere.post(f"{CORE}/workflows", json=document).status_code == 403
    staff = as_user(core_app, tokens, "heidi", "staff", beamlines=["i03"])
    created = staff.post(f"{CORE}/workflows", json=document)
    assert created.status_code == 201
    url = f"{CORE}/workflows/{created.json['uuid']}"
    assert member.patch(url, json={"status": "x"}).status_code == 403
    assert member.post(f"{url}/steps", json={"status": "x"}).status_code == 403
    again = staff.post(f"{CORE}/workflows", json=document)
    assert again.status_code == 409
    assert names_field(again.json["details"], "dataCollectionGroupId")


def test_a_group_without_workflow_and_a_step_without_file_are_404(core_app, tokens, world):
    member = as_user(core_app, tokens, "member")
    assert (
        member.get(f"{CORE}/data-collection-groups/{world['group'].uuid}/workflow").status_code
        == 404
    )
    beamline = as_machine(core_app, tokens, "mxcube", *BEAMLINE)
    workflow = beamline.post(f"{CORE}/workflows", json=workflow_document(world["group"])).json
    second = workflow["steps"][1]
    assert member.get(f"{CORE}/workflow-steps/{second['uuid']}/image").status_code == 404
    assert member.get(f"{CORE}/workflow-steps/{second['uuid']}/html/url").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"workflowType": "NotAWorkflow"}, "workflowType"),
        ({"dataCollectionGroupId": "x"}, "dataCollectionGroupId"),
        ({"dataCollectionGroupId": 999999}, "dataCollectionGroupId"),
        ({"workflowTitle": "t" * 256}, "workflowTitle"),
        ({"steps": [{"status": "s" * 46}]}, "steps"),
        ({"steps": "no"}, "steps"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_workflows_are_422_naming_the_field(core_app, tokens, world, change, field):
    beamline = as_machine(core_app, tokens, "mxcube", *BEAMLINE)
    response = beamline.post(f"{CORE}/workflows", json=workflow_document(world["group"], **change))
    assert response.status_code in (400, 422), response.json
    assert names_field(response.json["details"], field), response.json


def test_missing_group_is_named(core_app, tokens, world):
    beamline = as_machine(core_app, tokens, "mxcube", *BEAMLINE)
    document = workflow_document(world["group"])
    del document["dataCollectionGroupId"]
    response = beamline.post(f"{CORE}/workflows", json=document)
    assert response.status_code == 422
    assert names_field(response.json["details"], "dataCollectionGroupId")


def test_pipelines_request_processing_jobs_with_parameters(core_app, tokens, world):
    pipeline = as_machine(core_app, tokens, "zocalo", *PIPELINE)
    document = {
        "dataCollectionId": world["dc"].dataCollectionId,
        "displayName": "xia2 dials",
        "recipe": "autoprocessing-xia2-dials",
        "automatic": True,
        "parameters": [
            {"parameterKey": "resolution", "parameterValue": "1.8"},
            {"parameterKey": "spacegroup", "parameterValue": "P43212"},
        ],
    }
    created = pipeline.post(f"{CORE}/processing-jobs", json=document)
    assert created.status_code == 201, created.json
    job = created.json
    assert job["automatic"] is True and job["recordTimestamp"]
    assert [p["parameterKey"] for p in job["parameters"]] == ["resolution", "spacegroup"]

    member = as_user(core_app, tokens, "member")
    listed = member.get(f"{CORE}/data-collections/{world['dc'].uuid}/processing-jobs").json
    assert [j["uuid"] for j in listed["results"]] == [job["uuid"]]
    assert listed["results"][0]["parameters"][1]["parameterValue"] == "P43212"
    assert member.get(f"{CORE}/processing-jobs/{job['processingJobId']}").status_code == 200
    outsider = as_user(core_app, tokens, "outsider")
    assert outsider.get(f"{CORE}/processing-jobs/{job['uuid']}").status_code == 404
    dc_jobs = f"{CORE}/data-collections/{world['dc'].uuid}/processing-jobs"
    assert outsider.get(dc_jobs).status_code == 404

    assert member.post(f"{CORE}/processing-jobs", json=document).status_code == 403
    beamline = as_machine(core_app, tokens, "mxcube", *BEAMLINE)
    assert beamline.post(f"{CORE}/processing-jobs", json=document).status_code == 403
    bad = pipeline.post(
        f"{CORE}/processing-jobs",
        json={**document, "parameters": [{"parameterKey": "k" * 81}]},
    )
    assert bad.status_code == 422 and names_field(bad.json["details"], "parameters")
    missing = pipeline.post(f"{CORE}/processing-jobs", json={**document, "dataCollectionId": 99999})
    assert missing.status_code == 422 and names_field(missing.json["details"], "dataCollectionId")


def test_pipelines_write_processing_messages_members_read_them(core_app, tokens, world):
    pipeline = as_machine(core_app, tokens, "zocalo", *PIPELINE)
    run_id = world["run"].autoProcProgramId
    for severity, text in (("WARNING", "Ice rings"), ("ERROR", "Indexing failed")):
        created = pipeline.post(
            f"{CORE}/processing-messages",
            json={"autoProcProgramId": run_id, "severity": severity, "message": text},
        )
        assert created.status_code == 201, created.json
    member = as_user(core_app, tokens, "member")
    by_dc = member.get(
        f"{CORE}/processing-messages?dataCollectionId={world['dc'].dataCollectionId}"
    )
    assert [m["message"] for m in by_dc.json["results"]] == ["Ice rings", "Indexing failed"]
    errors = member.get(f"{CORE}/processing-messages?severity=ERROR").json
    assert [m["severity"] for m in errors["results"]] == ["ERROR"]
    of_run = member.get(f"{CORE}/processing-programs/{run_id}/messages").json
    assert of_run["total"] == 2 and of_run["results"][0]["recordTimeStamp"]
    one = of_run["results"][0]
    assert member.get(f"{CORE}/processing-messages/{one['uuid']}").status_code == 200

    outsider = as_user(core_app, tokens, "outsider")
    assert outsider.get(f"{CORE}/processing-messages").json["total"] == 0
    assert outsider.get(f"{CORE}/processing-messages/{one['uuid']}").status_code == 404
    assert outsider.get(f"{CORE}/processing-programs/{run_id}/messages").status_code == 404

    document = {"autoProcProgramId": run_id, "severity": "INFO", "message": "x"}
    assert member.post(f"{CORE}/processing-messages", json=document).status_code == 403
    for change, field in (
        ({"severity": "LOUD"}, "severity"),
        ({"autoProcProgramId": 999999}, "autoProcProgramId"),
        ({"message": "m" * 201}, "message"),
    ):
        bad = pipeline.post(f"{CORE}/processing-messages", json={**document, **change})
        assert bad.status_code == 422 and names_field(bad.json["details"], field), bad.json


def test_lists_cost_a_fixed_number_of_queries(core_app, core_db, tokens, world):
    pipeline = as_machine(core_app, tokens, "zocalo", *PIPELINE)
    beamline = as_machine(core_app, tokens, "mxcube", *BEAMLINE)
    member = as_user(core_app, tokens, "member")
    beamline.post(f"{CORE}/workflows", json=workflow_document(world["group"]))
    urls = (
        f"{CORE}/workflow-steps?limit=100",
        f"{CORE}/processing-messages?limit=100",
        f"{CORE}/data-collections/{world['dc'].uuid}/processing-jobs?limit=100",
    )

    def counts():
        found = []
        for url in urls:
            with count_queries(core_db.engine) as queries:
                assert member.get(url).status_code == 200
            found.append(len(queries.statements))
        return found

    job = {
        "dataCollectionId": world["dc"].dataCollectionId,
        "parameters": [{"parameterKey": "a", "parameterValue": "1"}],
    }
    message = {"autoProcProgramId": world["run"].autoProcProgramId, "severity": "INFO"}

    def add(n):
        for _ in range(n):
            assert pipeline.post(f"{CORE}/processing-jobs", json=job).status_code == 201
            assert pipeline.post(f"{CORE}/processing-messages", json=message).status_code == 201

    add(1)
    before = counts()
    add(3)
    workflow = member.get(f"{CORE}/data-collection-groups/{world['group'].uuid}/workflow").json
    for _ in range(3):
        beamline.post(f"{CORE}/workflows/{workflow['uuid']}/steps", json={"status": "ok"})
    assert counts() == before
