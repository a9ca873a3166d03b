"""`ispyb-em seed-demo`: a demo cryo-EM session for core's demo data collection."""

from __future__ import annotations

from ispyb_em.demo import DEMO_DATA_COLLECTION_UUID, MOVIES, SELECTED_CLASSES, seed_demo
from tests.em.support import row_counts


def test_the_demo_session_is_seeded_once(em_app, em_db, em_core, tokens):
    em_core.add_data_collection(
        uuid=DEMO_DATA_COLLECTION_UUID, members=("frank", "grace"), visit="cm1003-1"
    )
    assert "seeded" in seed_demo(em_db)
    counts = row_counts(em_db)
    assert "nothing added" in seed_demo(em_db)
    assert row_counts(em_db) == counts

    client = em_app.test_client()
    frank = tokens.user("frank")
    summary = client.get(
        f"/ispyb/api/v1/em/data-collections/{DEMO_DATA_COLLECTION_UUID}/summary", headers=frank
    ).json
    assert summary["movies"] == summary["motionCorrections"] == summary["ctfs"] == MOVIES
    assert summary["particlesPicked"] > 0
    assert summary["statistics"]["estimatedResolution"]["median"] > 0
    classes = client.get(
        "/ispyb/api/v1/em/particle-classifications"
        f"?dataCollectionUUID={DEMO_DATA_COLLECTION_UUID}&selected=true&limit=100",
        headers=frank,
    ).json
    assert classes["total"] == SELECTED_CLASSES
    assert all(c["classImageFullPath"].endswith(".png") for c in classes["results"])
    outsider = client.get(
        f"/ispyb/api/v1/em/data-collections/{DEMO_DATA_COLLECTION_UUID}/summary",
        headers=tokens.user("alice"),
    )
    assert outsider.status_code == 404


def test_the_command_line(em_database_url, monkeypatch, capsys, em_app):
    from ispyb_em.__main__ import main

    monkeypatch.setenv("ISPYB_EM__DATABASE__URL", em_database_url)
    assert main(["migrate"]) == 0
    assert main(["seed-demo"]) == 0
    assert main(["seed-demo"]) == 0
    assert "nothing added" in capsys.readouterr().out
