from pathlib import Path

from ispyb_core.demo import seed_demo

CORE = "/ispyb/api/v1/core"
EXAMPLE_CSV = Path(__file__).resolve().parents[2] / "docs" / "examples" / "shipment.csv"


def test_demo_seed_is_idempotent(client, core_db):
    first = seed_demo(core_db)
    assert "seeded" in first
    proposals = client.get(f"{CORE}/proposals").json
    assert proposals["total"] == 4
    sessions = client.get(f"{CORE}/sessions?limit=100").json
    assert {s["beamLineName"] for s in sessions["results"]} == {"i03", "i04"}
    assert client.get(f"{CORE}/sessions/mx1001-1/members").json["total"] == 3

    assert "nothing added" in seed_demo(core_db)
    assert client.get(f"{CORE}/proposals").json["total"] == 4
    assert client.get(f"{CORE}/sessions?limit=100").json["total"] == sessions["total"]


def test_demo_has_a_shipment_a_new_user_sees(core_app, core_db, tokens):
    seed_demo(core_db)
    user = core_app.test_client()
    headers = tokens.user("carol")
    shipments = user.get(f"{CORE}/shipments", headers=headers).json
    assert [s["shippingName"] for s in shipments["results"]] == ["Fragment screen, run 1"]
    shipment = user.get(f"{CORE}/shipments/{shipments['results'][0]['uuid']}", headers=headers)
    [dewar] = shipment.json["dewars"]
    assert [c["code"] for c in dewar["containers"]] == ["puck-A", "puck-B"]
    samples = [s for c in dewar["containers"] for s in c["samples"]]
    assert len(samples) == 6
    assert {s["crystal"]["protein"]["acronym"] for s in samples} == {"mpro", "lyso"}
    assert user.get(f"{CORE}/shipments", headers=tokens.user("alice")).json["total"] == 0
    assert seed_demo(core_db) == "demo data already present (nothing added)"
    # The example spreadsheet is written for mx1002's proteins: it imports into the demo.
    imported = user.post(
        f"{CORE}/shipments/{shipments['results'][0]['shippingId']}/import-csv",
        data=EXAMPLE_CSV.read_bytes(),
        content_type="text/csv",
        headers=headers,
    )
    assert imported.status_code == 201, imported.json
    assert [d["code"] for d in imported.json["dewars"]] == ["DW-1", "DW-A"]


def test_demo_has_data_collections_and_processing(client, core_db):
    seed_demo(core_db)
    summary = client.get(f"{CORE}/sessions/mx1001-1/data-collections?limit=100").json
    assert summary["total"] == 4  # one single sweep, three wedges of a multi-sweep group
    by_prefix = {}
    for sweep in summary["results"]:
        by_prefix.setdefault(sweep["imagePrefix"], []).append(sweep)
    assert len(by_prefix["thau"]) == 3
    assert len({sweep["dataCollectionGroupId"] for sweep in by_prefix["thau"]}) == 1
    (lyso,) = by_prefix["lyso"]
    assert lyso["bestResult"]["processingPrograms"] == "autoPROC staraniso"
    runs = client.get(f"{CORE}/data-collections/{lyso['uuid']}/processing").json["results"]
    assert sorted(run["program"]["processingPrograms"] for run in runs) == [
        "autoPROC staraniso",
        "xia2 dials",
    ]
    assert [r["results"][0]["anisotropy"] is not None for r in runs].count(True) == 1
    em = client.get(f"{CORE}/data-collections/7c0e5c1e-5d1a-4b8e-9a57-2f7f3a0c4e01").json
    assert em["visit"] == "cm1003-1" and em["experimentType"] == "single particle"
    assert "nothing added" in seed_demo(core_db)


def test_demo_seed_is_idempotent_by_its_own_keys_not_by_names(client, core_db, factory):
    """Users may reuse and change every name the demo uses: the seed finds its rows by
    their demo UUIDs (it once failed with MultipleResultsFound and make run could not
    start again)."""
    from sqlalchemy import select, update

    from ispyb_core.data_collections.models import DataCollection
    from ispyb_core.demo_keys import demo_uuid
    from ispyb_core.laboratories.models import Laboratory
    from ispyb_core.processing.models import AutoProcProgram
    from ispyb_core.sessions.models import BLSession

    seed_demo(core_db)
    with core_db.sessionmaker() as db:
        lab = db.execute(
            select(Laboratory).where(Laboratory.uuid == demo_uuid("laboratory/Beamline Science"))
        ).scalar_one()
        visit = db.execute(
            select(BLSession).where(BLSession.uuid == demo_uuid("session/mx1001-1"))
        ).scalar_one()
        sweep = db.execute(
            select(DataCollection).where(DataCollection.uuid == demo_uuid("data-collection/lyso/1"))
        ).scalar_one()
    assert lab.name == "Beamline Science" and visit.visit_number == 1
    # A second laboratory named like each demo one, through the API as a user would.
    for name in ("Structural Biology Lab", "Protein Crystallography", "Beamline Science"):
        response = client.post(f"{CORE}/laboratories", json={"name": name, "country": "France"})
        assert response.status_code == 201, response.json
    # Copies of the demo's data collection group, sweep and processing run.
    group = factory.data_collection_group(visit, comments="demo: lysozyme, one sweep")
    copy = factory.data_collection(
        group,
        imageDirectory=sweep.imageDirectory,
        imagePrefix="lyso",
        dataCollectionNumber=1,
    )
    run = factory.processing_run(copy)
    with core_db.sessionmaker() as db, db.begin():
        db.execute(
            update(AutoProcProgram)
            .where(AutoProcProgram.autoProcProgramId == run.autoProcProgramId)
            .values(processingCommandLine="demo: xia2 lyso_1")
        )
    # A demo laboratory renamed.
    renamed = client.patch(f"{CORE}/laboratories/{lab.laboratoryId}", json={"name": "Renamed"})
    assert renamed.status_code == 200, renamed.json
    labs = client.get(f"{CORE}/laboratories?limit=100").json["total"]

    assert seed_demo(core_db) == "demo data already present (nothing added)"
    assert client.get(f"{CORE}/laboratories?limit=100").json["total"] == labs
    assert client.get(f"{CORE}/proposals").json["total"] == 4


def test_a_database_seeded_before_demo_keys_is_not_seeded_twice(client, core_db):
    """Demo rows made by the seed of before (random UUIDs) are found by natural key."""
    from sqlalchemy import literal_column, update

    from ispyb_core.demo_data_collections import EM_DEMO_DATA_COLLECTION_UUID
    from ispyb_core.models import Base
    from ispyb_shared.uuids import uuid_sql_expression

    seed_demo(core_db)
    random_uuid = literal_column(uuid_sql_expression(core_db.dialect))
    with core_db.sessionmaker() as db, db.begin():
        for table in Base.metadata.sorted_tables:
            if "uuid" in table.c:  # all but the fixed one the EM demo refers to
                keep = table.c.uuid != EM_DEMO_DATA_COLLECTION_UUID
                db.execute(update(table).where(keep).values(uuid=random_uuid))
    assert seed_demo(core_db) == "demo data already present (nothing added)"
    assert client.get(f"{CORE}/proposals").json["total"] == 4


def test_demo_has_a_workflow_processing_jobs_and_messages(client, core_db):
    seed_demo(core_db)
    sweeps = client.get(f"{CORE}/sessions/mx1001-1/data-collections?limit=100").json["results"]
    lyso = next(sweep for sweep in sweeps if sweep["imagePrefix"] == "lyso")
    group = lyso["dataCollectionGroupId"]
    workflow = client.get(f"{CORE}/data-collection-groups/{group}/workflow").json
    assert workflow["workflowType"] == "MXPressE"
    assert [s["workflowStepType"] for s in workflow["steps"]] == [
        "Mesh",
        "Characterisation",
        "Collect",
    ]
    jobs = client.get(f"{CORE}/data-collections/{lyso['uuid']}/processing-jobs").json
    assert [j["recipe"] for j in jobs["results"]] == ["autoprocessing-xia2-dials"]
    assert jobs["results"][0]["parameters"][1] == {
        **jobs["results"][0]["parameters"][1],
        "parameterKey": "d_min",
        "parameterValue": "1.6",
    }
    messages = client.get(
        f"{CORE}/processing-messages?dataCollectionId={lyso['dataCollectionId']}"
    ).json
    assert [m["severity"] for m in messages["results"]] == ["WARNING", "INFO"]
    assert "nothing added" in seed_demo(core_db)
