from ispyb_core.demo import seed_demo

CORE = "/ispyb/api/v1/core"


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
