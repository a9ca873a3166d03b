"""Files of SSX processing results: to whoever sees the run, or to a signed URL."""

from __future__ import annotations

import pytest

from tests.ssx.conftest import SSX, run_body
from tests.ssx.test_runs import register

SECRET = "ssx-test-signing-secret-0123456789"


@pytest.fixture
def pipeline(tokens):
    return tokens.machine("pipe", "ssx:write", "core:read", "core:acquisition:write")


def test_result_attachments_are_served_to_members_and_signed_urls(
    ssx_app,
    world,
    pipeline,
    tokens,
    tmp_path,
    monkeypatch,
):
    (tmp_path / "index.log").write_text("indexed 3000 lattices\n")
    files = {
        "roots": [str(tmp_path)],
        "signing_secret": SECRET,
        "url_seconds": 60,
        "thumbnail_cache": str(tmp_path / "thumbs"),
    }
    monkeypatch.setitem(ssx_app.config["ISPYB_CONFIG"], "files", files)
    client = ssx_app.test_client()
    run = register(ssx_app, pipeline, run_body()).get_json()
    attachments = [
        {"fileType": "Log", "filePath": str(tmp_path), "fileName": "index.log"},
        {"fileType": "Log", "filePath": "/etc", "fileName": "passwd"},
    ]
    posted = client.post(
        f"{SSX}/runs/{run['uuid']}/results",
        json={"indexingType": "Final", "status": "Success", "attachments": attachments},
        headers=pipeline,
    )
    assert posted.status_code == 201, posted.get_json()
    log_id, outside_id = (a["ssxProcessingResultAttachmentId"] for a in posted.json["attachments"])
    path = f"{SSX}/runs/{run['uuid']}/attachments/{log_id}"

    member = tokens.user("member")
    answer = client.get(path, headers=member)
    assert answer.status_code == 200 and answer.data == b"indexed 3000 lattices\n"
    assert answer.mimetype == "text/plain"
    assert client.get(path, headers=tokens.user("outsider")).status_code == 404
    outside = f"{SSX}/runs/{run['uuid']}/attachments/{outside_id}"
    assert client.get(outside, headers=member).status_code == 404
    assert client.get(path).status_code == 401

    url = client.get(f"{path}/url", headers=member).json["url"]
    assert client.get(url).status_code == 200
    query = url.split("?", 1)[1]
    assert client.get(f"{outside}?{query}").status_code == 403
    assert client.get(url.replace("signature=", "signature=f")).status_code == 403
