"""Files named by rows (crystal snapshots, processing attachments): served only from the
configured roots, to whoever sees the row or holds a signed URL for exactly that file."""

import os
import time

import pytest
from PIL import Image

from ispyb_core.energy_scans.models import EnergyScan
from ispyb_core.processing.models import AutoProcProgramAttachment
from ispyb_core.robot_actions.models import RobotAction
from ispyb_core.xrf_spectra.models import XFEFluorescenceSpectrum
from tests.conftest import service_config

CORE = "/ispyb/api/v1/core"
SECRET = "test-signing-secret-0123456789"


@pytest.fixture(scope="module")
def file_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("beamline-data")
    outside = tmp_path_factory.mktemp("elsewhere")
    Image.new("RGB", (320, 240), (200, 30, 30)).save(root / "snap1.jpg", "JPEG")
    Image.new("RGB", (64, 32), (0, 90, 200)).save(root / "snap2.png", "PNG")
    (root / "xia2.log").write_text("".join(f"line {i}\n" for i in range(1000)))
    (outside / "secret.jpg").write_bytes((root / "snap1.jpg").read_bytes())
    os.symlink(outside / "secret.jpg", root / "escape.jpg")
    os.symlink(root / "snap1.jpg", root / "alias.jpg")
    (root / "a-directory").mkdir()
    return {"root": root, "outside": outside, "cache": tmp_path_factory.mktemp("thumbs")}


@pytest.fixture(scope="module")
def files_app(core_app_session, core_database_url, file_dirs):
    from ispyb_core.app import create_app

    files = {
        "roots": [str(file_dirs["root"])],
        "thumbnail_cache": str(file_dirs["cache"]),
        "signing_secret": SECRET,
        "url_seconds": 60,
    }
    app = create_app(
        service_config(core_database_url, files=files, api={"warm_up": False}),
        database=core_app_session.extensions["ispyb_database"],
    )
    return app


@pytest.fixture
def world(core_app, files_app, factory, file_dirs):
    root = file_dirs["root"]
    member, outsider = factory.person(login="member"), factory.person(login="outsider")
    mine = factory.proposal(proposalCode="mx", proposalNumber="1")
    theirs = factory.proposal(proposalCode="mx", proposalNumber="2")
    session = factory.session(proposalId=mine.proposalId, visit_number=1, beamLineName="i03")
    other = factory.session(proposalId=theirs.proposalId, visit_number=1, beamLineName="i03")
    factory.proposal_member(mine, member)
    factory.session_member(session, member)
    factory.proposal_member(theirs, outsider)
    factory.session_member(other, outsider)
    collection = factory.data_collection(
        factory.data_collection_group(session),
        xtalSnapshotFullPath1=str(root / "snap1.jpg"),
        xtalSnapshotFullPath2=str(root / "snap2.png"),
        xtalSnapshotFullPath3=f"{root}/../{file_dirs['outside'].name}/secret.jpg",
        xtalSnapshotFullPath4=str(root / "escape.jpg"),
    )
    program = factory.processing_run(collection)
    attachment = factory._save(
        AutoProcProgramAttachment(
            autoProcProgramId=program.autoProcProgramId,
            fileType="Log",
            filePath=str(root),
            fileName="xia2.log",
        )
    )
    odd = factory.data_collection(
        factory.data_collection_group(session),
        xtalSnapshotFullPath1=str(root / "a-directory"),
        xtalSnapshotFullPath2=str(root / "alias.jpg"),
        xtalSnapshotFullPath3=str(root / "missing.jpg"),
    )
    # The timeline's other images (robot actions, energy scans, XRF spectra).
    action = factory._save(
        RobotAction(
            blsessionId=session.sessionId,
            actionType="LOAD",
            xtalSnapshotBefore=str(root / "snap1.jpg"),
            xtalSnapshotAfter=str(root / "escape.jpg"),
        )
    )
    scan = factory._save(
        EnergyScan(
            sessionId=session.sessionId,
            element="Se",
            jpegChoochFileFullPath=str(root / "snap2.png"),
        )
    )
    spectrum = factory._save(
        XFEFluorescenceSpectrum(
            sessionId=session.sessionId, jpegScanFileFullPath=str(root / "snap1.jpg")
        )
    )
    theirs_scan = factory._save(
        EnergyScan(sessionId=other.sessionId, jpegChoochFileFullPath=str(root / "snap1.jpg"))
    )
    bare_spectrum = factory._save(XFEFluorescenceSpectrum(sessionId=session.sessionId))
    return {
        "dc": collection.dataCollectionId,
        "odd": odd.dataCollectionId,
        "attachment": attachment.autoProcProgramAttachmentId,
        "action": action.robotActionId,
        "scan": scan.energyScanId,
        "spectrum": spectrum.xfeFluorescenceSpectrumId,
        "theirs_scan": theirs_scan.energyScanId,
        "bare_spectrum": bare_spectrum.xfeFluorescenceSpectrumId,
    }


def as_user(app, tokens, login):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.user(login)["Authorization"]
    return client


def test_a_member_gets_the_snapshot_and_another_proposal_does_not(
    files_app, tokens, world, file_dirs
):
    member = as_user(files_app, tokens, "member")
    response = member.get(f"{CORE}/data-collections/{world['dc']}/snapshots/1")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data == (file_dirs["root"] / "snap1.jpg").read_bytes()
    png = member.get(f"{CORE}/data-collections/{world['dc']}/snapshots/2")
    assert png.status_code == 200 and png.mimetype == "image/png"

    outsider = as_user(files_app, tokens, "outsider")
    hidden = outsider.get(f"{CORE}/data-collections/{world['dc']}/snapshots/1")
    assert hidden.status_code == 404 and hidden.json["code"]
    assert (
        outsider.get(f"{CORE}/processing-attachments/{world['attachment']}/file").status_code == 404
    )
    assert (
        files_app.test_client()
        .get(f"{CORE}/data-collections/{world['dc']}/snapshots/1")
        .status_code
        == 401
    )


@pytest.mark.parametrize(
    ("which", "n"),
    [("dc", 3), ("dc", 4), ("odd", 1), ("odd", 3)],
    ids=["dotdot-traversal", "symlink-escape", "directory", "missing"],
)
def test_paths_outside_the_roots_or_not_files_are_refused(files_app, tokens, world, which, n):
    member = as_user(files_app, tokens, "member")
    response = member.get(f"{CORE}/data-collections/{world[which]}/snapshots/{n}")
    assert response.status_code == 404
    assert response.json["message"] == "This file is not available."


def test_a_symlink_within_the_roots_is_served(files_app, tokens, world):
    member = as_user(files_app, tokens, "member")
    assert member.get(f"{CORE}/data-collections/{world['odd']}/snapshots/2").status_code == 200


def test_nothing_is_served_without_roots(client, world):
    # `client` is core without files.roots: the row is visible, the file is not served.
    response = client.get(f"{CORE}/data-collections/{world['dc']}/snapshots/1")
    assert response.status_code == 404
    assert client.get(f"{CORE}/data-collections/{world['dc']}/snapshots/1/url").status_code == 404


def test_snapshot_numbers_are_one_to_four(files_app, tokens, world):
    member = as_user(files_app, tokens, "member")
    assert member.get(f"{CORE}/data-collections/{world['dc']}/snapshots/5").status_code == 404
    assert member.get(f"{CORE}/data-collections/{world['dc']}/snapshots/0").status_code == 404


def test_range_and_conditional_requests(files_app, tokens, world):
    member = as_user(files_app, tokens, "member")
    url = f"{CORE}/processing-attachments/{world['attachment']}/file"
    part = member.get(url, headers={"Range": "bytes=0-6"})
    assert part.status_code == 206
    assert part.data == b"line 0\n"
    assert part.headers["Content-Range"].startswith("bytes 0-6/")
    whole = member.get(url)
    assert whole.status_code == 200 and whole.mimetype == "text/plain"
    again = member.get(url, headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304
    since = member.get(url, headers={"If-Modified-Since": whole.headers["Last-Modified"]})
    assert since.status_code == 304


def test_thumbnails_are_made_once_at_the_asked_width(files_app, tokens, world, file_dirs):
    member = as_user(files_app, tokens, "member")
    url = f"{CORE}/data-collections/{world['dc']}/snapshots/1?width=64"
    first = member.get(url)
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    cached = [p for p in file_dirs["cache"].iterdir() if p.suffix == ".jpg"]
    assert len(cached) >= 1
    made = {p: p.stat().st_mtime_ns for p in cached}
    time.sleep(0.02)
    second = member.get(url)
    assert second.data == first.data
    assert {
        p: p.stat().st_mtime_ns for p in file_dirs["cache"].iterdir() if p.suffix == ".jpg"
    } == made
    from io import BytesIO

    with Image.open(BytesIO(first.data)) as image:
        assert image.size == (64, 48)


@pytest.mark.parametrize("width", ["8", "2000", "wide"])
def test_bad_widths_are_refused_naming_the_field(files_app, tokens, world, width):
    member = as_user(files_app, tokens, "member")
    response = member.get(f"{CORE}/data-collections/{world['dc']}/snapshots/1?width={width}")
    assert response.status_code == 400
    assert "width" in response.json["details"]


def signed(files_app, tokens, path):
    member = as_user(files_app, tokens, "member")
    response = member.get(f"{path}/url")
    assert response.status_code == 200, response.json
    return response.json["url"]


def test_a_signed_url_needs_no_token_for_that_file_only(files_app, tokens, world):
    anonymous = files_app.test_client()
    snapshot = f"{CORE}/data-collections/{world['dc']}/snapshots/1"
    url = signed(files_app, tokens, snapshot)
    assert url.startswith(f"{snapshot}?expires=")
    assert anonymous.get(url).status_code == 200

    query = url.split("?", 1)[1]
    other_file = anonymous.get(f"{CORE}/data-collections/{world['dc']}/snapshots/2?{query}")
    assert other_file.status_code == 403 and other_file.json["code"]
    # The signature opens no JSON route, not even the row's.
    row = anonymous.get(f"{CORE}/data-collections/{world['dc']}?{query}")
    assert row.status_code == 401
    altered = anonymous.get(url.replace("signature=", "signature=0"))
    assert altered.status_code == 403
    expires = int(query.split("expires=")[1].split("&")[0])
    later = anonymous.get(url.replace(f"expires={expires}", f"expires={expires + 3600}"))
    assert later.status_code == 403
    wider = anonymous.get(f"{url}&width=64")
    assert wider.status_code == 403


def test_a_signed_thumbnail_url_is_for_its_width(files_app, tokens, world):
    anonymous = files_app.test_client()
    snapshot = f"{CORE}/data-collections/{world['dc']}/snapshots/1"
    member = as_user(files_app, tokens, "member")
    url = member.get(f"{snapshot}/url?width=32").json["url"]
    assert "width=32" in url
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert anonymous.get(url.replace("width=32", "width=64")).status_code == 403


def test_an_expired_signed_url_is_refused(files_app, tokens, world, monkeypatch):
    attachment = f"{CORE}/processing-attachments/{world['attachment']}/file"
    url = signed(files_app, tokens, attachment)
    assert files_app.test_client().get(url).status_code == 200
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 61)
    response = files_app.test_client().get(url)
    assert response.status_code == 403
    assert "expired" in response.json["message"]


def test_only_visible_rows_get_signed_urls(files_app, tokens, world):
    outsider = as_user(files_app, tokens, "outsider")
    response = outsider.get(f"{CORE}/data-collections/{world['dc']}/snapshots/1/url")
    assert response.status_code == 404


def test_roots_need_a_signing_secret(core_database_url):
    from ispyb_core.app import create_app
    from ispyb_shared.config import ConfigError

    with pytest.raises(ConfigError, match=r"files\.signing_secret"):
        create_app(service_config(core_database_url, files={"roots": ["/data"]}))
    with pytest.raises(ConfigError, match=r"files\.roots"):
        create_app(
            service_config(
                core_database_url, files={"roots": ["relative/dir"], "signing_secret": SECRET}
            )
        )


def test_the_demo_writes_snapshots_that_core_serves(
    core_app, files_app, tokens, tmp_path, monkeypatch
):
    from ispyb_core.demo import seed_demo

    monkeypatch.setenv("ISPYB_VAR_DIR", str(tmp_path))
    files = dict(files_app.config["ISPYB_CONFIG"]["files"], roots=[str(tmp_path / "demo-files")])
    monkeypatch.setitem(files_app.config["ISPYB_CONFIG"], "files", files)
    seed_demo(core_app.extensions["ispyb_database"])
    admin = files_app.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    collections = admin.get(f"{CORE}/data-collections?limit=50").json["results"]
    shown = [c for c in collections if c["xtalSnapshotFullPath1"]]
    assert len(shown) >= 3
    ref = shown[0]["dataCollectionId"]
    response = admin.get(f"{CORE}/data-collections/{ref}/snapshots/1?width=100")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"


def test_a_diffraction_images_jpeg_and_thumbnail_follow_the_image_row(
    files_app, tokens, world, file_dirs
):
    from ispyb_core.images.models import Image as ImageRow

    root = file_dirs["root"]
    with files_app.extensions["ispyb_database"].sessionmaker() as db, db.begin():
        row = ImageRow(
            dataCollectionId=world["dc"],
            imageNumber=1,
            fileName="x_00001.cbf",
            fileLocation=str(root),
            jpegFileFullPath=str(root / "snap1.jpg"),
            jpegThumbnailFileFullPath=str(root / "escape.jpg"),
        )
        db.add(row)
        db.flush()
        image_id = row.imageId
    member = as_user(files_app, tokens, "member")
    jpeg = member.get(f"{CORE}/images/{image_id}/jpeg")
    assert jpeg.status_code == 200 and jpeg.mimetype == "image/jpeg"
    assert jpeg.data == (root / "snap1.jpg").read_bytes()
    small = member.get(f"{CORE}/images/{image_id}/jpeg?width=64")
    assert small.status_code == 200 and len(small.data) < len(jpeg.data)
    # The thumbnail column points outside the roots (a symlink escape): refused.
    assert member.get(f"{CORE}/images/{image_id}/thumbnail").status_code == 404
    outsider = as_user(files_app, tokens, "outsider")
    assert outsider.get(f"{CORE}/images/{image_id}/jpeg").status_code == 404
    signed = member.get(f"{CORE}/images/{image_id}/jpeg/url").json["url"]
    anonymous = files_app.test_client().get(signed)
    assert anonymous.status_code == 200 and anonymous.data == jpeg.data
    other = signed.replace(f"/images/{image_id}/jpeg", f"/images/{image_id}/thumbnail")
    assert files_app.test_client().get(other).status_code == 403


# --- the timeline's other images: robot actions, energy scans, XRF spectra -------------------


def test_robot_action_energy_scan_and_xrf_images_are_served_like_snapshots(
    files_app, tokens, world
):
    member = as_user(files_app, tokens, "member")
    outsider = as_user(files_app, tokens, "outsider")
    anonymous = files_app.test_client()
    files = {
        f"{CORE}/robot-actions/{world['action']}/snapshots/before": "image/jpeg",
        f"{CORE}/energy-scans/{world['scan']}/image": "image/png",
        f"{CORE}/xrf-spectra/{world['spectrum']}/image": "image/jpeg",
    }
    for route, mimetype in files.items():
        response = member.get(route)
        assert response.status_code == 200 and response.mimetype == mimetype, route
        assert response.headers["ETag"]
        # Another proposal's member and a caller without a token: not theirs.
        hidden = outsider.get(route)
        assert hidden.status_code == 404 and hidden.json["code"] == "NOT_FOUND"
        assert anonymous.get(route).status_code == 401
        thumbnail = member.get(f"{route}?width=32")
        assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
        # A signed URL for exactly that file, without a token.
        url = member.get(f"{route}/url").json["url"]
        assert url.startswith(f"{route}?expires=")
        assert anonymous.get(url).status_code == 200
        assert anonymous.get(url.replace("signature=", "signature=0")).status_code == 403
        assert outsider.get(f"{route}/url").status_code == 404
    # A signature of one file opens no other.
    url = member.get(f"{CORE}/energy-scans/{world['scan']}/image/url").json["url"]
    query = url.split("?", 1)[1]
    other = anonymous.get(f"{CORE}/xrf-spectra/{world['spectrum']}/image?{query}")
    assert other.status_code == 403


def test_the_roots_and_the_rows_columns_bound_the_timeline_images(files_app, tokens, world):
    member = as_user(files_app, tokens, "member")
    outsider = as_user(files_app, tokens, "outsider")
    # A symlink leaving the roots (the action's after snapshot), no file named, not a kind.
    for route in (
        f"/robot-actions/{world['action']}/snapshots/after",
        f"/xrf-spectra/{world['bare_spectrum']}/image",
        f"/xrf-spectra/{world['bare_spectrum']}/image/url",
        f"/robot-actions/{world['action']}/snapshots/during",
        "/energy-scans/999999/image",
    ):
        response = member.get(CORE + route)
        assert response.status_code == 404 and response.json["code"] == "NOT_FOUND", route
    # The other proposal's scan is its members'.
    assert member.get(f"{CORE}/energy-scans/{world['theirs_scan']}/image").status_code == 404
    assert outsider.get(f"{CORE}/energy-scans/{world['theirs_scan']}/image").status_code == 200
    bad = member.get(f"{CORE}/energy-scans/{world['scan']}/image?width=5")
    assert bad.status_code == 400 and "width" in str(bad.json["details"])


def test_the_timeline_has_their_signed_thumbnails(files_app, tokens, world):
    member = as_user(files_app, tokens, "member")
    visit = member.get(f"{CORE}/robot-actions/{world['action']}").json["blsessionId"]
    events = member.get(f"{CORE}/sessions/{visit}/events?type=robotAction,energyScan,xrfSpectrum")
    assert events.status_code == 200, events.json
    urls = {(e["type"], e["id"]): e["thumbnailUrl"] for e in events.json["results"]}
    assert urls[("robotAction", world["action"])].startswith(
        f"{CORE}/robot-actions/{world['action']}/snapshots/before?expires="
    )
    assert urls[("energyScan", world["scan"])].startswith(
        f"{CORE}/energy-scans/{world['scan']}/image?expires="
    )
    assert urls[("xrfSpectrum", world["spectrum"])].startswith(
        f"{CORE}/xrf-spectra/{world['spectrum']}/image?expires="
    )
    assert urls[("xrfSpectrum", world["bare_spectrum"])] is None
    anonymous = files_app.test_client()
    for url in filter(None, urls.values()):
        answer = anonymous.get(url)
        if "snapshots/before" in url or "/image?" in url:
            assert answer.status_code == 200, url
