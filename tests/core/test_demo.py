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
