"""py-ispyb-ui's workflow steps and processing messages (notes/clients.md §1a, "DC card"):
``/datacollections/workflows/steps(/{id})`` and ``/processings/messages`` against compat
calling the real core -> py-ispyb's fields (pyispyb/core/schemas/datacollections.py and
processings.py) with their types; what another proposal's caller sees; bad input; a fixed
number of calls to core (docs/compat.md)."""

from __future__ import annotations

import pytest

from tests.compat.test_contract_pyispyb_processings import envelope, serve_files
from tests.compat.test_contract_pyispyb_ui import OPTIONAL_STR, PY, check


def workflow_of(factory, world, steps=2):
    from ispyb_core.models import Workflow, WorkflowStep

    workflow = factory._save(Workflow(workflowType="MXPressE", status="Success"))
    factory.data_collection_group(world.mx1_1, workflowId=workflow.workflowId)
    made = [
        factory._save(
            WorkflowStep(
                workflowId=workflow.workflowId,
                workflowStepType="Mesh",
                status="Success",
                imageResultFilePath="/data/mx1/workflow/mesh.png" if number == 0 else None,
            )
        )
        for number in range(steps)
    ]
    return workflow, made


def messages_of(factory, world, count=2):
    from ispyb_core.models import AutoProcProgramMessage

    run = factory.processing_run(world.dcs[0], "xia2 dials")
    made = [
        factory._save(
            AutoProcProgramMessage(
                autoProcProgramId=run.autoProcProgramId,
                severity=("WARNING", "ERROR")[number % 2],
                message=f"message {number}",
                description="more",
            )
        )
        for number in range(count)
    ]
    return run, made


def test_workflow_steps(compat, world, factory, tokens):
    workflow, steps = workflow_of(factory, world)
    member = tokens.user("member")
    body = compat.get(
        f"{PY}/datacollections/workflows/steps?workflowId={workflow.workflowId}", headers=member
    )
    assert body.status_code == 200, body.get_json()
    rows = envelope(body.get_json())
    assert [row["workflowStepId"] for row in rows] == [step.workflowStepId for step in steps]
    for row in rows:
        check(
            row,
            {
                "workflowId": int,
                "workflowStepId": int,
                "workflowStepType": OPTIONAL_STR,
                "status": OPTIONAL_STR,
                "comments": OPTIONAL_STR,
                "_metadata": dict,
            },
        )
    assert rows[0]["_metadata"] == {
        "attachments": {
            "imageResultFilePath": True,
            "resultFilePath": False,
            "htmlResultFilePath": False,
        }
    }
    one = compat.get(
        f"{PY}/datacollections/workflows/steps?workflowStepId={steps[1].workflowStepId}",
        headers=member,
    ).get_json()
    assert [row["workflowStepId"] for row in one["results"]] == [steps[1].workflowStepId]
    hidden = compat.get(
        f"{PY}/datacollections/workflows/steps?workflowId={workflow.workflowId}",
        headers=tokens.user("outsider"),
    ).get_json()
    assert envelope(hidden) == [] and hidden["total"] == 0


def test_a_workflow_step_file_is_a_redirect_to_cores_signed_url(
    compat, core_app, world, factory, tokens, monkeypatch
):
    serve_files(core_app, monkeypatch)
    _workflow, steps = workflow_of(factory, world)
    url = f"{PY}/datacollections/workflows/steps/{steps[0].workflowStepId}"
    answer = compat.get(f"{url}?attachmentType=imageResultFilePath", headers=tokens.user("member"))
    assert answer.status_code == 302, answer.get_json()
    location = answer.headers["Location"]
    assert f"/workflow-steps/{steps[0].workflowStepId}/image?" in location
    assert "signature=" in location
    # a file the step does not name, another proposal's caller, no attachmentType
    assert (
        compat.get(
            f"{url}?attachmentType=resultFilePath", headers=tokens.user("member")
        ).status_code
        == 404
    )
    assert (
        compat.get(
            f"{url}?attachmentType=imageResultFilePath", headers=tokens.user("outsider")
        ).status_code
        == 404
    )
    assert compat.get(url, headers=tokens.user("member")).status_code == 400


def test_processing_messages(compat, world, factory, tokens):
    run, made = messages_of(factory, world)
    dc = world.dcs[0].dataCollectionId
    body = compat.get(
        f"{PY}/processings/messages?dataCollectionId={dc}", headers=tokens.user("member")
    )
    assert body.status_code == 200, body.get_json()
    rows = envelope(body.get_json())
    assert [row["autoProcProgramMessageId"] for row in rows] == [
        message.autoProcProgramMessageId for message in made
    ]
    for row in rows:
        check(
            row,
            {
                "autoProcProgramMessageId": int,
                "autoProcProgramId": int,
                "description": str,
                "message": str,
                "severity": str,
                "recordTimeStamp": str,
            },
        )
    assert rows[0]["autoProcProgramId"] == run.autoProcProgramId
    assert [row["severity"] for row in rows] == ["WARNING", "ERROR"]
    one = compat.get(
        f"{PY}/processings/messages?autoProcProgramMessageId={made[1].autoProcProgramMessageId}",
        headers=tokens.user("member"),
    ).get_json()
    assert [row["message"] for row in one["results"]] == ["message 1"]
    paged = compat.get(
        f"{PY}/processings/messages?dataCollectionId={dc}&skip=1&limit=1",
        headers=tokens.user("member"),
    ).get_json()
    assert paged["total"] == 2 and paged["skip"] == 1 and len(paged["results"]) == 1
    hidden = compat.get(
        f"{PY}/processings/messages?dataCollectionId={dc}", headers=tokens.user("outsider")
    ).get_json()
    assert envelope(hidden) == [] and hidden["total"] == 0
    other = compat.get(
        f"{PY}/processings/messages?dataCollectionId={world.dcs[1].dataCollectionId}",
        headers=tokens.user("member"),
    ).get_json()
    assert other["total"] == 0


def test_processings_carry_their_runs_messages(compat, world, factory, tokens):
    run, made = messages_of(factory, world)
    dc = world.dcs[0].dataCollectionId
    body = compat.get(f"{PY}/processings?dataCollectionId={dc}", headers=tokens.user("member"))
    (row,) = [
        r for r in envelope(body.get_json()) if r["autoProcProgramId"] == run.autoProcProgramId
    ]
    messages = row["_metadata"]["autoProcProgramMessages"]
    assert [m["autoProcProgramMessageId"] for m in messages] == [
        message.autoProcProgramMessageId for message in made
    ]
    check(messages[0], {"severity": str, "message": str, "recordTimeStamp": str})


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/datacollections/workflows/steps?workflowId=x", "workflowId"),
        ("/datacollections/workflows/steps?workflowStepId=0", "workflowStepId"),
        ("/datacollections/workflows/steps?skip=-1", "skip"),
        ("/datacollections/workflows/steps?unknown=1", "unknown"),
        ("/datacollections/workflows/steps/1?attachmentType=x", "attachmentType"),
        ("/datacollections/workflows/steps/1?attachmentType=resultFilePath&x=1", "x"),
        ("/processings/messages?dataCollectionId=abc", "dataCollectionId"),
        ("/processings/messages?autoProcProgramMessageId=99999999999", "autoProcProgramMessageId"),
        ("/processings/messages?limit=x", "limit"),
        ("/processings/messages?other=1", "other"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(compat, world, tokens, path, field):
    answer = compat.get(PY + path, headers=tokens.user("member"))
    assert answer.status_code == 400, answer.get_json()
    assert field in answer.get_json()["details"], answer.get_json()


def test_calls_to_core_do_not_grow(compat, compat_app, world, factory, tokens):
    line = compat_app.extensions["test_core_line"]
    workflow, _steps = workflow_of(factory, world)
    messages_of(factory, world)
    headers = tokens.user("member")
    dc = world.dcs[0].dataCollectionId
    for path in (
        f"/datacollections/workflows/steps?workflowId={workflow.workflowId}",
        f"/processings/messages?dataCollectionId={dc}",
    ):
        line.reset()
        assert compat.get(PY + path, headers=headers).status_code == 200
        assert len(line.calls) == 1, path
    workflow_of(factory, world, steps=5)
    messages_of(factory, world, count=5)
    for path in (
        "/datacollections/workflows/steps",
        f"/processings/messages?dataCollectionId={dc}",
    ):
        line.reset()
        assert compat.get(PY + path, headers=headers).status_code == 200
        assert len(line.calls) == 1, path
