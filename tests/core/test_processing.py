"""Processing results: pipelines write one document in one transaction; users read the
full results, a session summary, a comparison, and an mmCIF fragment."""

import copy

import gemmi
import pytest

from ispyb_shared.testing import count_queries
from tests.core.test_bad_input import row_counts

CORE = "/ispyb/api/v1/core"
PIPELINE = ("core:processing:write", "core:read")


def shells(high, completeness=99.5, cc_half=99.8, i_sig=15.0, r_merge=0.05):
    def shell(low, high_, comp, cc, isig, rm, n_obs, n_unique):
        return {
            "resolutionLimitLow": low,
            "resolutionLimitHigh": high_,
            "completeness": comp,
            "multiplicity": 6.8,
            "meanIOverSigI": isig,
            "ccHalf": cc,
            "rMerge": rm,
            "rMeasAllIPlusIMinus": rm * 1.08,
            "rPimAllIPlusIMinus": rm * 0.41,
            "nTotalObservations": n_obs,
            "nTotalUniqueObservations": n_unique,
        }

    return {
        "overall": shell(48.2, high, completeness, cc_half, i_sig, r_merge, 240000, 35000),
        "innerShell": shell(48.2, 5.2, 99.9, 99.9, 45.0, 0.031, 12000, 1800),
        "outerShell": shell(high + 0.05, high, completeness - 3, 61.0, 1.9, 0.92, 11000, 1700),
    }


def result_document(dc_refs, high=1.6, space_group="P 43 21 2", anisotropy=None, **stats):
    document = {
        "integrations": [
            {
                "dataCollection": str(ref),
                "cell_a": 79.1,
                "cell_b": 79.1,
                "cell_c": 37.9,
                "cell_alpha": 90.0,
                "cell_beta": 90.0,
                "cell_gamma": 90.0,
                "refinedXBeam": 155.2,
                "refinedYBeam": 163.8,
            }
            for ref in dc_refs
        ],
        "autoProc": {
            "spaceGroup": space_group,
            "refinedCell_a": 79.1,
            "refinedCell_b": 79.1,
            "refinedCell_c": 37.9,
            "refinedCell_alpha": 90.0,
            "refinedCell_beta": 90.0,
            "refinedCell_gamma": 90.0,
        },
        "statistics": shells(high, **stats),
        "attachments": [
            {
                "fileType": "Log",
                "fileName": "xia2.txt",
                "filePath": "/processed/xia2/",
                "importanceRank": 1,
            },
            {"fileType": "Result", "fileName": "free.mtz", "filePath": "/processed/xia2/"},
        ],
        "program": {"processingStatus": True, "processingEndTime": "2026-03-01T11:00:00"},
    }
    if anisotropy:
        document["anisotropy"] = anisotropy
    return document


ANISOTROPY = {
    "resolutionLimit1": 1.45,
    "resolutionLimit2": 1.62,
    "resolutionLimit3": 2.05,
    "direction1": "a*",
    "direction2": "b*",
    "direction3": "c*",
    "ellipsoidalCompleteness": 93.4,
    "sphericalCompleteness": 71.2,
    "anisotropicResolutionCutoffHigh": 1.45,
    "anisotropicResolutionCutoffLow": 2.05,
    "cutoffCriterion": "local <I/sigmaI> >= 1.2",
    "anisotropyProgram": "STARANISO 2.3",
}


@pytest.fixture
def sweeps(client, factory):
    proposal = factory.proposal(proposalCode="mx", proposalNumber="1")
    session = factory.session(proposalId=proposal.proposalId, visit_number=1)
    group = client.post(
        f"{CORE}/data-collection-groups",
        json={"sessionId": session.sessionId, "experimentType": "OSC"},
    ).json
    made = []
    for number in (1, 2, 3):
        response = client.post(
            f"{CORE}/data-collections",
            json={
                "dataCollectionGroupId": group["dataCollectionGroupId"],
                "dataCollectionNumber": number,
                "startTime": f"2026-03-01T0{number}:00:00",
                "wavelength": 0.9763,
                "numberOfImages": 1800,
            },
        )
        made.append(response.json)
    return {"session": session, "group": group, "sweeps": made}


@pytest.fixture
def pipeline(core_app, tokens):
    test_client = core_app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = tokens.machine("xia2", *PIPELINE)[
        "Authorization"
    ]
    return test_client


def register(pipeline, refs, programs="xia2 dials", result=None):
    body = {
        "processingPrograms": programs,
        "processingStartTime": "2026-03-01T10:00:00",
        "processingCommandLine": "xia2 pipeline=dials",
        "dataCollections": [str(r) for r in refs],
    }
    if result is not None:
        body["result"] = result
    response = pipeline.post(f"{CORE}/processing-programs", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_pipeline_writes_a_complete_result_in_one_request(client, pipeline, sweeps):
    sweep = sweeps["sweeps"][0]
    run = register(
        pipeline, [sweep["uuid"]], result=result_document([sweep["uuid"]], anisotropy=ANISOTROPY)
    )
    assert run["program"]["processingStatus"] is True
    (result,) = run["results"]
    assert result["autoProc"]["spaceGroup"] == "P 43 21 2"
    assert set(result["statistics"]) == {"overall", "innerShell", "outerShell"}
    assert result["statistics"]["outerShell"]["ccHalf"] == 61.0
    assert result["anisotropy"]["resolutionLimit3"] == 2.05
    assert [a["fileName"] for a in run["attachments"]] == ["xia2.txt", "free.mtz"]
    assert run["integrations"][0]["dataCollectionUUID"] == sweep["uuid"]

    full = client.get(f"{CORE}/data-collections/{sweep['dataCollectionId']}/processing").json
    # Every run at once, in the list envelope of every list.
    assert full["total"] == full["limit"] == 1 and full["offset"] == 0
    assert full["links"]["next"] is None and full["links"]["prev"] is None
    full = full["results"]
    assert len(full) == 1 and full[0]["results"][0]["statistics"]["overall"]["completeness"] == 99.5


def test_register_then_update_status_then_post_result(client, pipeline, sweeps):
    sweep = sweeps["sweeps"][0]
    run = register(pipeline, [sweep["dataCollectionId"]], programs="autoPROC")
    program_id = run["program"]["autoProcProgramId"]
    assert run["program"]["processingStatus"] is None  # running
    assert run["results"] == []
    status = pipeline.patch(
        f"{CORE}/processing-programs/{program_id}", json={"processingMessage": "scaling"}
    )
    assert status.status_code == 200 and status.json["program"]["processingMessage"] == "scaling"
    posted = pipeline.post(
        f"{CORE}/processing-programs/{run['program']['uuid']}/results",
        json=result_document([sweep["uuid"]], high=1.9),
    )
    assert posted.status_code == 201, posted.json
    assert posted.json["program"]["processingStatus"] is True
    assert len(posted.json["integrations"]) == 1  # the registered one was completed
    assert posted.json["integrations"][0]["cell_a"] == 79.1


def test_a_document_with_errors_reports_them_all_and_writes_nothing(
    client, pipeline, core_db, sweeps
):
    sweep = sweeps["sweeps"][0]
    document = result_document([sweep["uuid"], "3f8a1c52-0d33-4d5f-9a51-7a3c1f0e8d11"])
    document["statistics"]["outerShell"]["completeness"] = 120.0
    document["statistics"]["overall"]["resolutionLimitHigh"] = -1.6
    before = row_counts(core_db)
    response = pipeline.post(
        f"{CORE}/processing-programs",
        json={"processingPrograms": "xia2", "dataCollections": [sweep["uuid"]], "result": document},
    )
    assert response.status_code == 422, response.json
    # One answer, one shape: the bad values and the missing sweep, each by its JSON path.
    assert set(response.json["details"]) == {
        "result.statistics.outerShell.completeness",
        "result.statistics.overall.resolutionLimitHigh",
        "result.integrations[1].dataCollection",
    }
    assert row_counts(core_db) == before
    missing = pipeline.post(
        f"{CORE}/processing-programs",
        json={"processingPrograms": 7, "dataCollections": [sweep["uuid"], 999999, "x"]},
    )
    assert set(missing.json["details"]) == {
        "processingPrograms",
        "dataCollections[1]",
        "dataCollections[2]",
    }
    assert missing.json["details"]["dataCollections[1]"] == ["No data collection 999999."]

    # Schema-valid but referring to a missing sweep: refused at its path, nothing written.
    document = result_document([sweep["uuid"], "3f8a1c52-0d33-4d5f-9a51-7a3c1f0e8d11"])
    response = pipeline.post(
        f"{CORE}/processing-programs",
        json={"processingPrograms": "xia2", "dataCollections": [sweep["uuid"]], "result": document},
    )
    assert response.status_code == 422
    assert "result.integrations[1].dataCollection" in response.json["details"]
    assert row_counts(core_db) == before


@pytest.mark.parametrize(
    "shell, field, value",
    [
        ("overall", "completeness", 100.1),
        ("overall", "completeness", -1),
        ("outerShell", "resolutionLimitHigh", 0),
        ("overall", "rMerge", -0.1),
        ("innerShell", "ccHalf", 101),
        ("overall", "multiplicity", -2),
        ("overall", "resolutionLimitLow", 1.0),  # below the high limit (1.6 Å)
    ],
)
def test_statistics_out_of_physical_range_are_refused(pipeline, sweeps, shell, field, value):
    sweep = sweeps["sweeps"][0]
    run = register(pipeline, [sweep["uuid"]])
    document = result_document([sweep["uuid"]])
    document["statistics"][shell][field] = value
    response = pipeline.post(
        f"{CORE}/processing-programs/{run['program']['autoProcProgramId']}/results", json=document
    )
    assert response.status_code == 422, response.json
    details = response.json["details"]
    assert f"statistics.{shell}.{field}" in details or (
        f"statistics.{shell}.resolutionLimitHigh" in details
    )


def test_only_pipelines_and_staff_write_members_read(core_app, factory, tokens, pipeline, sweeps):
    sweep = sweeps["sweeps"][0]
    member = factory.person(login="member")
    factory.session_member(sweeps["session"], member)
    client = core_app.test_client()
    body = {"processingPrograms": "xia2", "dataCollections": [sweep["uuid"]]}
    as_member = tokens.user("member")
    assert (
        client.post(f"{CORE}/processing-programs", json=body, headers=as_member).status_code == 403
    )
    reader = tokens.machine("reader", "core:read")
    assert client.post(f"{CORE}/processing-programs", json=body, headers=reader).status_code == 403
    run = register(pipeline, [sweep["uuid"]], result=result_document([sweep["uuid"]]))
    program = run["program"]["autoProcProgramId"]
    assert client.get(f"{CORE}/processing-programs/{program}", headers=as_member).status_code == 200
    outsider = tokens.user("outsider")
    assert client.get(f"{CORE}/processing-programs/{program}", headers=outsider).status_code == 404
    assert (
        client.get(
            f"{CORE}/data-collections/{sweep['uuid']}/processing", headers=outsider
        ).status_code
        == 404
    )


def test_session_summary_picks_the_best_result_with_fixed_queries(
    client, pipeline, core_db, sweeps
):
    first, second, third = sweeps["sweeps"]
    # first: xia2 complete at 1.6 Å, autoPROC complete at 1.5 Å (best), fast_dp failed 1.2 Å
    register(pipeline, [first["uuid"]], "xia2", result_document([first["uuid"]], high=1.6))
    register(
        pipeline,
        [first["uuid"]],
        "autoPROC",
        result_document([first["uuid"]], high=1.5, space_group="P 41 21 2", r_merge=0.07),
    )
    failed = result_document([first["uuid"]], high=1.2)
    failed["program"]["processingStatus"] = False
    register(pipeline, [first["uuid"]], "fast_dp", failed)
    # second: 1.4 Å but only 80 % complete, against 2.0 Å 99 % complete -> the complete one
    register(
        pipeline,
        [second["uuid"]],
        "xia2",
        result_document([second["uuid"]], high=1.4, completeness=80.0),
    )
    register(
        pipeline,
        [second["uuid"]],
        "autoPROC",
        result_document([second["uuid"]], high=2.0, completeness=99.0),
    )
    # third: nothing

    url = f"{CORE}/sessions/{sweeps['session'].uuid}/data-collections?sort=startTime"
    with count_queries(core_db.engine) as counter:
        page = client.get(url).json
    best = {dc["uuid"]: dc["bestResult"] for dc in page["results"]}
    assert best[first["uuid"]]["processingPrograms"] == "autoPROC"
    assert best[first["uuid"]]["resolutionLimitHigh"] == 1.5
    assert best[first["uuid"]]["spaceGroup"] == "P 41 21 2"
    assert best[first["uuid"]]["rMerge"] == 0.07
    assert best[first["uuid"]]["outerShell"]["ccHalf"] == 61.0
    assert best[second["uuid"]]["resolutionLimitHigh"] == 2.0
    assert best[third["uuid"]] is None
    one_page_queries = counter.count
    with count_queries(core_db.engine) as counter:
        client.get(url + "&limit=1")
    assert counter.count == one_page_queries <= 5


def test_comparison_of_a_sweep_and_of_a_multi_sweep_group(client, pipeline, sweeps):
    first, second, _third = sweeps["sweeps"]
    refs = [first["uuid"], second["uuid"]]
    register(pipeline, refs, "xia2 multiplex", result_document(refs, high=1.7))
    register(pipeline, refs, "autoPROC", result_document(refs, high=1.55, anisotropy=ANISOTROPY))
    register(pipeline, [first["uuid"]], "fast_dp", result_document([first["uuid"]], high=1.8))

    group = client.get(
        f"{CORE}/data-collection-groups/{sweeps['group']['uuid']}/processing/comparison"
    ).json
    assert [c["processingPrograms"] for c in group["columns"]] == [
        "xia2 multiplex",
        "autoPROC",
        "fast_dp",
    ]
    assert group["columns"][0]["dataCollections"] == sorted(refs)
    rows = {(row["shell"], row["field"]): row["values"] for row in group["rows"]}
    assert rows[("overall", "resolutionLimitHigh")] == [1.7, 1.55, 1.8]
    assert rows[("anisotropy", "resolutionLimit3")] == [None, 2.05, None]

    single = client.get(f"{CORE}/data-collections/{second['uuid']}/processing/comparison").json
    assert [c["processingPrograms"] for c in single["columns"]] == ["xia2 multiplex", "autoPROC"]


def test_mmcif_export_parses_back_with_the_same_numbers(client, pipeline, sweeps):
    sweep = sweeps["sweeps"][0]
    document = result_document([sweep["uuid"]], high=1.6)
    run = register(pipeline, [sweep["uuid"]], "xia2", copy.deepcopy(document))
    response = client.get(f"{CORE}/data-collections/{sweep['uuid']}/mmcif")
    assert response.status_code == 200
    assert response.mimetype == "chemical/x-mmcif"
    block = gemmi.cif.read_string(response.get_data(as_text=True)).sole_block()
    overall = document["statistics"]["overall"]
    assert float(block.find_value("_reflns.d_resolution_high")) == pytest.approx(1.6)
    assert float(block.find_value("_reflns.percent_possible_obs")) == pytest.approx(
        overall["completeness"]
    )
    assert float(block.find_value("_reflns.pdbx_Rmerge_I_obs")) == pytest.approx(
        overall["rMerge"], rel=1e-3
    )
    assert float(block.find_value("_reflns.pdbx_CC_half")) == pytest.approx(overall["ccHalf"] / 100)
    assert int(block.find_value("_reflns.number_obs")) == overall["nTotalUniqueObservations"]
    table = block.find("_reflns_shell.", ["d_res_high", "percent_possible_all", "pdbx_CC_half"])
    outer = document["statistics"]["outerShell"]
    assert len(table) == 2
    assert float(table[1][0]) == pytest.approx(outer["resolutionLimitHigh"])
    assert float(table[1][1]) == pytest.approx(outer["completeness"])
    assert float(table[1][2]) == pytest.approx(outer["ccHalf"] / 100)

    auto_proc_id = run["results"][0]["autoProc"]["autoProcId"]
    chosen = client.get(f"{CORE}/data-collections/{sweep['uuid']}/mmcif?autoProcId={auto_proc_id}")
    assert chosen.status_code == 200
    assert (
        client.get(f"{CORE}/data-collections/{sweep['uuid']}/mmcif?autoProcId=999999").status_code
        == 404
    )
    assert (
        client.get(f"{CORE}/data-collections/{sweep['uuid']}/mmcif?autoProcId=x").status_code == 400
    )


def test_processing_queries_do_not_grow_with_the_number_of_runs(client, pipeline, core_db, sweeps):
    sweep = sweeps["sweeps"][0]
    url = f"{CORE}/data-collections/{sweep['uuid']}/processing"
    register(pipeline, [sweep["uuid"]], "xia2", result_document([sweep["uuid"]]))
    with count_queries(core_db.engine) as counter:
        client.get(url)
    one_run = counter.count
    for programs in ("autoPROC", "fast_dp", "xia2 3d"):
        register(
            pipeline,
            [sweep["uuid"]],
            programs,
            result_document([sweep["uuid"]], anisotropy=ANISOTROPY),
        )
    with count_queries(core_db.engine) as counter:
        assert len(client.get(url).json["results"]) == 4
    assert counter.count == one_run
