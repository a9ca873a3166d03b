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
    assert {s["Crystal"]["Protein"]["acronym"] for s in samples} == {"mpro", "lyso"}
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
    runs = client.get(f"{CORE}/data-collections/{lyso['uuid']}/processing").json
    assert sorted(run["program"]["processingPrograms"] for run in runs) == [
        "autoPROC staraniso",
        "xia2 dials",
    ]
    assert [r["results"][0]["anisotropy"] is not None for r in runs].count(True) == 1
    em = client.get(f"{CORE}/data-collections/7c0e5c1e-5d1a-4b8e-9a57-2f7f3a0c4e01").json
    assert em["visit"] == "cm1003-1" and em["experimentType"] == "single particle"
    assert "nothing added" in seed_demo(core_db)
