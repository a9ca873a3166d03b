"""py-ispyb-ui's data-collection card (notes/clients.md §1a, "DC card"): its
``/processings``, ``/processings/auto-integrations``, ``/processings/attachments(/{id})``
and ``/processings/messages/status`` requests against compat calling the real core → the
fields the UI reads (py-ispyb's schemas, pyispyb/core/schemas/processings.py), with their
types; what another proposal's caller sees; bad input; a fixed number of calls to core."""

from __future__ import annotations

import pytest

from tests.compat.test_contract_pyispyb_ui import NUMBER, OPTIONAL_INT, OPTIONAL_STR, PY, check

OPTIONAL_NUMBER = (int, float, type(None))


def processing_world(world, factory):
    """A finished run of the first sweep (three shells) with two files, a failed one."""
    from ispyb_core.processing.models import AutoProcProgramAttachment

    done = world.dcs[0]
    run = factory.processing_run(done, "xia2 dials")
    failed = factory.processing_run(done, "fast_dp", processingStatus=False)
    files = [
        factory._save(
            AutoProcProgramAttachment(
                autoProcProgramId=run.autoProcProgramId,
                fileType=kind,
                fileName=name,
                filePath="/data/mx1/processed",
                importanceRank=rank,
            )
        )
        for kind, name, rank in (("Log", "xia2.txt", 2), ("Result", "free.mtz", 1))
    ]
    return run, failed, files


def envelope(body):
    check(body, {"results": list, "total": int, "skip": int, "limit": int})
    return body["results"]


def test_processings_of_a_data_collection(compat, world, factory, tokens):
    run, failed, _files = processing_world(world, factory)
    dc = world.dcs[0].dataCollectionId
    body = compat.get(f"{PY}/processings?dataCollectionId={dc}", headers=tokens.user("member"))
    assert body.status_code == 200
    rows = envelope(body.get_json())
    assert [row["autoProcProgramId"] for row in rows] == [
        run.autoProcProgramId,
        failed.autoProcProgramId,
    ]
    for row in rows:
        check(
            row,
            {
                "autoProcProgramId": int,
                "processingPrograms": str,
                "processingStatus": OPTIONAL_INT,
                "processingStartTime": OPTIONAL_STR,
                "processingEndTime": OPTIONAL_STR,
                "processingMessage": OPTIONAL_STR,
                "recordTimeStamp": OPTIONAL_STR,
                "_metadata": dict,
            },
        )
        assert "ProcessingJob" in row
    assert [row["processingStatus"] for row in rows] == [1, 0]
    assert rows[0]["_metadata"] == {
        "attachments": 2,
        "autoProcProgramMessages": [],
        "imageSweepCount": 1,
    }
    # paged by skip/limit
    page = compat.get(
        f"{PY}/processings?dataCollectionId={dc}&skip=1&limit=1", headers=tokens.user("member")
    ).get_json()
    assert page["total"] == 2 and [row["autoProcProgramId"] for row in page["results"]] == [
        failed.autoProcProgramId
    ]
    # a data collection without runs: an empty list
    other = world.dcs[1].dataCollectionId
    empty = compat.get(f"{PY}/processings?dataCollectionId={other}", headers=tokens.user("member"))
    assert envelope(empty.get_json()) == []


def test_auto_integrations_of_a_data_collection(compat, world, factory, tokens):
    _run, _failed, _files = processing_world(world, factory)
    dc = world.dcs[0].dataCollectionId
    body = compat.get(
        f"{PY}/processings/auto-integrations?dataCollectionId={dc}&limit=50",
        headers=tokens.user("member"),
    ).get_json()
    rows = envelope(body)
    assert body["limit"] == 50 and len(rows) == 2
    mine = rows[0]
    check(mine, {"autoProcProgramId": int, "processingStatus": OPTIONAL_INT, "_metadata": dict})
    check(mine, {"AutoProcIntegration": list})
    (integration,) = mine["AutoProcIntegration"]
    check(
        integration,
        {
            "refinedXBeam": OPTIONAL_NUMBER,
            "refinedYBeam": OPTIONAL_NUMBER,
            "AutoProcScalingHasInt": list,
            "DataCollection": dict,
        },
    )
    assert set(integration["DataCollection"]) == {"xBeam", "yBeam"}
    (scaling,) = integration["AutoProcScalingHasInt"]
    auto_proc = scaling["AutoProcScaling"]["AutoProc"]
    assert auto_proc["spaceGroup"] == "P 1"
    for name in ("a", "b", "c", "alpha", "beta", "gamma"):
        assert f"refinedCell_{name}" in auto_proc
    shells = scaling["AutoProcScaling"]["AutoProcScalingStatistics"]
    assert [shell["scalingStatisticsType"] for shell in shells] == [
        "overall",
        "innerShell",
        "outerShell",
    ]
    for shell in shells:
        check(
            shell,
            {
                "resolutionLimitLow": NUMBER,
                "resolutionLimitHigh": NUMBER,
                "completeness": OPTIONAL_NUMBER,
                "rMerge": OPTIONAL_NUMBER,
                "multiplicity": OPTIONAL_NUMBER,
                "ccHalf": OPTIONAL_NUMBER,
            },
        )
    assert shells[0]["resolutionLimitHigh"] == pytest.approx(1.8)


def test_attachments_of_a_run_and_their_files(
    compat, core_app, world, factory, tokens, monkeypatch
):
    run, failed, files = processing_world(world, factory)
    member = tokens.user("member")
    body = compat.get(
        f"{PY}/processings/attachments?autoProcProgramId={run.autoProcProgramId}", headers=member
    ).get_json()
    rows = envelope(body)
    assert [row["fileName"] for row in rows] == ["xia2.txt", "free.mtz"]
    for row in rows:
        check(
            row,
            {
                "autoProcProgramAttachmentId": int,
                "autoProcProgramId": int,
                "fileName": str,
                "fileType": str,
                "importanceRank": OPTIONAL_INT,
                "_metadata": dict,
            },
        )
        assert row["_metadata"]["url"] == (
            f"{PY}/processings/attachments/{row['autoProcProgramAttachmentId']}"
        )
    one = compat.get(
        f"{PY}/processings/attachments?autoProcProgramId={run.autoProcProgramId}"
        f"&autoProcProgramAttachmentId={files[1].autoProcProgramAttachmentId}",
        headers=member,
    ).get_json()
    assert [row["fileName"] for row in envelope(one)] == ["free.mtz"]
    none = compat.get(
        f"{PY}/processings/attachments?autoProcProgramId={failed.autoProcProgramId}",
        headers=member,
    ).get_json()
    assert envelope(none) == []
    # the file: no files served by core (no files.roots) → 404
    url = f"{PY}/processings/attachments/{files[0].autoProcProgramAttachmentId}"
    assert compat.get(url, headers=member).status_code == 404
    # core serving files: a redirection to core's signed URL of the file
    serve_files(core_app, monkeypatch)
    answer = compat.get(url, headers=member)
    assert answer.status_code == 302, answer.get_json()
    location = answer.headers["Location"]
    assert f"/processing-attachments/{files[0].autoProcProgramAttachmentId}/file?" in location
    assert "signature=" in location and "expires=" in location
    # another proposal's caller sees neither the list nor the file
    outsider = tokens.user("outsider")
    assert compat.get(url, headers=outsider).status_code == 404
    assert (
        compat.get(
            f"{PY}/processings/attachments?autoProcProgramId={run.autoProcProgramId}",
            headers=outsider,
        ).status_code
        == 404
    )


def serve_files(core_app, monkeypatch) -> None:
    """Let the in-process core sign file URLs (files.roots and a signing secret)."""
    from ispyb_shared.config import FilesConfig

    files = FilesConfig().load({"roots": ["/data"], "signing_secret": "compat-test-secret" * 2})
    monkeypatch.setitem(core_app.config["ISPYB_CONFIG"], "files", files)


def screening_of(core_app, tokens, collection):
    """A screening of ``collection`` posted to core as beamline control would (one output
    with a lattice, a strategy, a wedge and a sub-wedge)."""
    from tests.core.test_screenings import CORE, document

    control = core_app.test_client()
    made = control.post(
        f"{CORE}/screenings",
        json=document(dataCollectionId=collection.dataCollectionId),
        headers=tokens.machine("mxcube", "core:acquisition:write"),
    )
    assert made.status_code == 201, made.json
    return made.json


def test_screenings_of_a_data_collection(compat, core_app, world, tokens):
    made = screening_of(core_app, tokens, world.dcs[0])
    dc = world.dcs[0].dataCollectionId
    body = compat.get(
        f"{PY}/processings/screenings?dataCollectionId={dc}", headers=tokens.user("member")
    ).get_json()
    (screening,) = envelope(body)
    check(
        screening,
        {
            "screeningId": int,
            "programVersion": str,
            "comments": OPTIONAL_STR,
            "shortComments": OPTIONAL_STR,
            "ScreeningOutput": list,
        },
    )
    assert screening["screeningId"] == made["screeningId"]
    (output,) = screening["ScreeningOutput"]
    check(
        output,
        {
            "screeningOutputId": int,
            "indexingSuccess": int,
            "strategySuccess": int,
            "ScreeningStrategy": list,
            "ScreeningOutputLattice": list,
        },
    )
    assert output["indexingSuccess"] == 1 and output["strategySuccess"] == 1
    (lattice,) = output["ScreeningOutputLattice"]
    check(lattice, {"unitCell_a": NUMBER, "unitCell_gamma": NUMBER, "spaceGroup": str})
    (strategy,) = output["ScreeningStrategy"]
    check(strategy, {"screeningStrategyId": int, "ScreeningStrategyWedge": list})
    (wedge,) = strategy["ScreeningStrategyWedge"]
    check(wedge, {"wedgeNumber": int, "numberOfImages": int, "ScreeningStrategySubWedge": list})
    (sub_wedge,) = wedge["ScreeningStrategySubWedge"]
    check(sub_wedge, {"axisStart": NUMBER, "axisEnd": NUMBER, "exposureTime": NUMBER})
    # the other sweep has none; another proposal's caller sees none
    other = world.dcs[1].dataCollectionId
    none = compat.get(
        f"{PY}/processings/screenings?dataCollectionId={other}", headers=tokens.user("member")
    ).get_json()
    assert envelope(none) == []
    hidden = compat.get(
        f"{PY}/processings/screenings?dataCollectionId={dc}", headers=tokens.user("outsider")
    ).get_json()
    assert envelope(hidden) == [] and hidden["total"] == 0


def test_message_statuses(compat, world, factory, tokens):
    """core keeps no processing messages: zeros for each visible data collection."""
    processing_world(world, factory)
    ids = f"[{world.dcs[0].dataCollectionId},{world.other_dc.dataCollectionId}]"
    body = compat.get(
        f"{PY}/processings/messages/status?dataCollectionIds={ids}",
        headers=tokens.user("member"),
    ).get_json()
    assert body == {
        "statuses": {str(world.dcs[0].dataCollectionId): {"errors": 0, "warnings": 0, "info": 0}}
    }


def test_another_proposals_caller_sees_no_processing(compat, world, factory, tokens):
    _run, _failed, _files = processing_world(world, factory)
    outsider = tokens.user("outsider")
    dc = world.dcs[0].dataCollectionId
    for path in (
        f"/processings?dataCollectionId={dc}",
        f"/processings/auto-integrations?dataCollectionId={dc}",
    ):
        answer = compat.get(PY + path, headers=outsider)
        assert answer.status_code == 404, path
        assert "xia2" not in answer.get_data(as_text=True)
    assert compat.get(
        f"{PY}/processings/messages/status?dataCollectionIds=[{dc}]", headers=outsider
    ).get_json() == {"statuses": {}}


def test_calls_to_core_do_not_grow_with_the_runs(compat, compat_app, world, factory, tokens):
    line = compat_app.extensions["test_core_line"]
    run, _failed, _files = processing_world(world, factory)
    headers = tokens.user("member")
    dc = world.dcs[0].dataCollectionId
    for path, expected in (
        (f"/processings?dataCollectionId={dc}", 2),
        (f"/processings/auto-integrations?dataCollectionId={dc}", 2),
        (f"/processings/attachments?autoProcProgramId={run.autoProcProgramId}", 1),
        (f"/processings/messages/status?dataCollectionIds=[{dc}]", 1),
        (f"/processings/screenings?dataCollectionId={dc}", 1),
    ):
        line.reset()
        assert compat.get(PY + path, headers=headers).status_code == 200
        assert len(line.calls) == expected, path
        for _ in range(3):
            factory.processing_run(world.dcs[0], "autoPROC")
        line.reset()
        compat.get(PY + path, headers=headers)
        assert len(line.calls) == expected, path


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/processings", "dataCollectionId"),
        ("/processings?dataCollectionId=0", "dataCollectionId"),
        ("/processings?dataCollectionId=abc", "dataCollectionId"),
        ("/processings?dataCollectionId=99999999999", "dataCollectionId"),
        ("/processings?dataCollectionId=1&skip=-1", "skip"),
        ("/processings?dataCollectionId=1&limit=0", "limit"),
        ("/processings?dataCollectionId=1&colour=blue", "colour"),
        ("/processings/auto-integrations", "dataCollectionId"),
        ("/processings/auto-integrations?dataCollectionId=-2", "dataCollectionId"),
        ("/processings/auto-integrations?dataCollectionId=1&limit=x", "limit"),
        ("/processings/screenings", "dataCollectionId"),
        ("/processings/screenings?dataCollectionId=0", "dataCollectionId"),
        ("/processings/screenings?dataCollectionId=1&skip=x", "skip"),
        ("/processings/screenings?dataCollectionId=1&sort=x", "sort"),
        ("/processings/attachments", "autoProcProgramId"),
        ("/processings/attachments?autoProcProgramId=x", "autoProcProgramId"),
        ("/processings/attachments?autoProcProgramId=1&autoProcProgramAttachmentId=0",
         "autoProcProgramAttachmentId"),
        ("/processings/attachments?autoProcProgramId=1&dataCollectionId=1", "dataCollectionId"),
        ("/processings/messages/status", "dataCollectionIds"),
        ("/processings/messages/status?dataCollectionIds=[0]", "dataCollectionIds"),
        ('/processings/messages/status?dataCollectionIds=["a"]', "dataCollectionIds"),
        ("/processings/messages/status?dataCollectionIds=[1]&x=1", "x"),
    ],
)  # fmt: skip
def test_bad_parameters_are_400_naming_the_field(compat, world, tokens, path, field):
    answer = compat.get(PY + path, headers=tokens.user("member"))
    assert answer.status_code == 400, answer.get_json()
    body = answer.get_json()
    assert field in body["details"] and body["detail"]


def test_rows_that_are_not_there_are_404(compat, world, tokens):
    member = tokens.user("member")
    for path in (
        "/processings?dataCollectionId=999999",
        "/processings/auto-integrations?dataCollectionId=999999",
        "/processings/attachments?autoProcProgramId=999999",
        "/processings/attachments/999999",
    ):
        answer = compat.get(PY + path, headers=member)
        assert answer.status_code == 404, path
        assert answer.get_json()["detail"]
