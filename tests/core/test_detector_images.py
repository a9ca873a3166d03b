"""A data collection's detector images read from its files (Eiger/NXmx HDF5 masters with
external links to bitshuffle/LZ4 data files, inline stacks, Pilatus CBF): header,
histogram, pixels; the file roots bound every file reached; bad files are 4xx."""

import struct

import numpy as np
import pytest

from ispyb_core.detector_images import reader
from tests.conftest import service_config
from tests.support import nxmx

CORE = "/ispyb/api/v1/core"
SECRET = "test-signing-secret-0123456789"
H, W = 24, 32


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("detector-data")
    outside = tmp_path_factory.mktemp("not-served")
    stack = nxmx.frames(10, H, W)
    mask = np.zeros((H, W), dtype=np.uint32)
    mask[0, 0] = 1  # a dead pixel the mask names
    (root / "eiger").mkdir()
    nxmx.write_eiger_master(root / "eiger", "lyso_1", stack, mask=mask)
    (root / "inline").mkdir()
    nxmx.write_eiger_master(root / "inline", "thau_1", stack[:3], inline=True, distance_units="mm")
    # A master whose data file is outside the roots, by a relative link.
    (root / "escape").mkdir()
    nxmx.write_eiger_master(root / "escape", "esc_1", stack[:2], link_prefix="../../")
    (root / "escape" / "esc_1_data_000001.h5").rename(outside.parent / "esc_1_data_000001.h5")
    # A master whose data file is missing; one that is not HDF5; one truncated.
    (root / "missing").mkdir()
    nxmx.write_eiger_master(root / "missing", "gone_1", stack[:2])
    (root / "missing" / "gone_1_data_000001.h5").unlink()
    (root / "bad").mkdir()
    (root / "bad" / "junk_1_master.h5").write_bytes(b"not an HDF5 file at all" * 10)
    nxmx.write_eiger_master(root / "bad", "cut_1", stack[:2])
    data = root / "bad" / "cut_1_data_000001.h5"
    data.write_bytes(data.read_bytes()[:-3000])
    # An HDF5 file that is no NeXus master.
    import h5py

    with h5py.File(root / "bad" / "plain_1_master.h5", "w") as plain:
        plain["something"] = np.arange(3)
    # CBF images, one per file.
    (root / "cbf").mkdir()
    cbf = np.random.default_rng(3).poisson(4, size=(H, W)).astype(np.int32)
    cbf[5, :] = -1  # a gap
    cbf[7, 7] = 40000  # a 16-bit delta
    cbf[7, 8] = 2_000_000  # a 32-bit delta
    for number in (1, 2):
        nxmx.write_cbf(root / "cbf" / f"ins_1_{number:04d}.cbf", cbf + number)
    (root / "cbf" / "broken_1_0001.cbf").write_bytes(b"###CBF: VERSION 1.5\r\nnothing else")
    return {"root": root, "outside": outside, "stack": stack, "mask": mask, "cbf": cbf}


@pytest.fixture(scope="module")
def images_app(core_app_session, core_database_url, dirs):
    from ispyb_core.app import create_app

    files = {"roots": [str(dirs["root"])], "signing_secret": SECRET, "url_seconds": 60}
    return create_app(
        service_config(core_database_url, files=files, api={"warm_up": False}),
        database=core_app_session.extensions["ispyb_database"],
    )


@pytest.fixture
def world(core_app, images_app, factory, dirs):
    root = dirs["root"]
    member, outsider = factory.person(login="member"), factory.person(login="outsider")
    mine = factory.proposal(proposalCode="mx", proposalNumber="1")
    theirs = factory.proposal(proposalCode="mx", proposalNumber="2")
    session = factory.session(proposalId=mine.proposalId, visit_number=1, beamLineName="i03")
    other = factory.session(proposalId=theirs.proposalId, visit_number=1, beamLineName="i03")
    factory.proposal_member(mine, member)
    factory.session_member(session, member)
    factory.proposal_member(theirs, outsider)
    factory.session_member(other, outsider)
    group = factory.data_collection_group(session)

    def dc(directory, template, images=None):
        return factory.data_collection(
            group, imageDirectory=directory, fileTemplate=template, numberOfImages=images
        ).dataCollectionId

    return {
        "eiger": dc(f"{root}/eiger/", "lyso_1_master.h5", 10),
        "inline": dc(f"{root}/inline/", "thau_1_master.h5"),
        "escape": dc(f"{root}/escape/", "esc_1_master.h5"),
        "gone": dc(f"{root}/missing/", "gone_1_master.h5"),
        "nofile": dc(f"{root}/eiger/", "nothing_1_master.h5"),
        "traversal": dc(f"{root}/../{dirs['outside'].name}/", "x_1_master.h5"),
        "junk": dc(f"{root}/bad/", "junk_1_master.h5"),
        "cut": dc(f"{root}/bad/", "cut_1_master.h5"),
        "plain": dc(f"{root}/bad/", "plain_1_master.h5"),
        "cbf": dc(f"{root}/cbf/", "ins_1_####.cbf", 2),
        "cbf_printf": dc(f"{root}/cbf/", "ins_1_%04d.cbf", 2),
        "cbf_broken": dc(f"{root}/cbf/", "broken_1_####.cbf"),
        "none": dc(None, None),
        "tiff": dc(f"{root}/eiger/", "lyso_1_####.tif"),
        "theirs": factory.data_collection(
            factory.data_collection_group(other),
            imageDirectory=f"{root}/eiger/",
            fileTemplate="lyso_1_master.h5",
        ).dataCollectionId,
    }


def as_user(app, tokens, login="member"):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens.user(login)["Authorization"]
    return client


def url(dc, number, what):
    return f"{CORE}/data-collections/{dc}/detector-images/{number}/{what}"


def _valid(image, mask):
    invalid = (image == nxmx.GAP) | (mask != 0)
    return image[~invalid].astype(np.float64)


@pytest.mark.parametrize("number", [1, 7])
def test_the_header_of_an_eiger_image_comes_from_the_nxmx_master(
    images_app, tokens, world, dirs, number
):
    answer = as_user(images_app, tokens).get(url(world["eiger"], number, "header"))
    assert answer.status_code == 200, answer.json
    header = answer.json
    assert header["format"] == "hdf5" and header["fileName"] == "lyso_1_master.h5"
    assert header["imageNumber"] == number and header["numberOfImages"] == 10
    assert header["wavelength"] == pytest.approx(0.9763, rel=1e-6)
    assert header["detectorDistance"] == pytest.approx(249.7)  # 0.2497 m
    assert header["pixelSizeX"] == pytest.approx(0.075) and header["pixelSizeY"] == pytest.approx(
        0.075
    )
    assert header["beamCenterX"] == pytest.approx(W / 2 + 1.25)
    assert header["beamCenterY"] == pytest.approx(H / 2 - 0.75)
    assert header["exposureTime"] == pytest.approx(0.004)
    assert header["countCutoff"] == 1000 and header["bitDepth"] == 32
    assert header["sensorMaterial"] == "Si" and header["sensorThickness"] == pytest.approx(0.45)
    assert header["detector"] == "Dectris EIGER2 Si 16M"
    assert (header["width"], header["height"], header["dataType"]) == (W, H, "uint32")
    valid = _valid(dirs["stack"][number - 1], dirs["mask"])
    stats = header["statistics"]
    assert stats["max"] == valid.max() == 5000 + number - 1
    assert stats["min"] == valid.min()
    assert stats["mean"] == pytest.approx(valid.mean())
    assert stats["std"] == pytest.approx(valid.std())
    assert stats["invalidPixels"] == H + W - 1 + 1  # the gap cross and the masked pixel
    assert stats["overloadedPixels"] == 1  # the spot, above the 1000 counts cut-off
    assert stats["strictPositiveMin"] == valid[valid > 0].min()


def test_the_histogram_has_py_ispybs_bins(images_app, tokens, world, dirs):
    answer = as_user(images_app, tokens).get(url(world["eiger"], 2, "histogram"))
    assert answer.status_code == 200, answer.json
    body = answer.json
    valid = _valid(dirs["stack"][1], dirs["mask"])
    kept = valid[valid < valid.mean() + 3 * valid.std()]
    assert len(body["bins"]) == len(body["values"]) + 1
    assert body["bins"] == [float(b) for b in range(int(kept.min()), int(kept.max()) + 2)]
    assert sum(body["values"]) == kept.size  # the bright spot is left out
    assert body["max"] == max(body["values"])
    assert body["dataCollectionId"] == world["eiger"] and body["imageNumber"] == 2


def test_the_pixels_are_float32_rows_with_the_invalid_at_minus_one(images_app, tokens, world, dirs):
    answer = as_user(images_app, tokens).get(url(world["eiger"], 6, "pixels"))
    assert answer.status_code == 200
    assert answer.mimetype == "application/octet-stream"
    assert answer.headers["X-Image-Width"] == str(W) and answer.headers["X-Image-Height"] == str(H)
    pixels = np.frombuffer(answer.data, dtype="<f4").reshape(H, W)
    expected = dirs["stack"][5].astype(np.float32)
    expected[(dirs["stack"][5] == nxmx.GAP) | (dirs["mask"] != 0)] = -1
    assert np.array_equal(pixels, expected)


def test_a_signed_url_gives_the_pixels_without_a_token(images_app, tokens, world):
    signed = as_user(images_app, tokens).get(url(world["eiger"], 1, "pixels/url"))
    assert signed.status_code == 200
    anonymous = images_app.test_client()
    assert anonymous.get(signed.json["url"]).status_code == 200
    assert anonymous.get(url(world["eiger"], 1, "pixels")).status_code == 401
    other = signed.json["url"].replace("/detector-images/1/", "/detector-images/2/")
    assert anonymous.get(other).status_code == 403
    assert anonymous.get(url(world["eiger"], 1, "header")).status_code == 401


def test_an_inline_stack_and_millimetre_units_are_read(images_app, tokens, world, dirs):
    header = as_user(images_app, tokens).get(url(world["inline"], 3, "header")).json
    assert header["numberOfImages"] == 3 and header["detectorDistance"] == pytest.approx(249.7)
    assert header["statistics"]["max"] == 5002
    assert as_user(images_app, tokens).get(url(world["inline"], 4, "header")).status_code == 404


@pytest.mark.parametrize("what", ["header", "histogram", "pixels", "pixels/url"])
def test_another_proposals_data_collection_is_not_found(images_app, tokens, world, what):
    outsider = as_user(images_app, tokens, "outsider")
    answer = outsider.get(url(world["eiger"], 1, what))
    assert answer.status_code == 404 and answer.json["code"] == "NOT_FOUND"
    assert as_user(images_app, tokens).get(url(world["theirs"], 1, what)).status_code == 404


@pytest.mark.parametrize("which", ["escape", "gone", "nofile", "traversal", "none", "tiff"])
def test_files_missing_or_outside_the_roots_are_not_found(images_app, tokens, world, which):
    answer = as_user(images_app, tokens).get(url(world[which], 1, "header"))
    assert answer.status_code == 404, answer.json
    assert answer.json["code"] == "NOT_FOUND"
    assert "/" not in answer.json["message"].split("data collection")[0]  # no path given


@pytest.mark.parametrize("which", ["junk", "cut", "plain", "cbf_broken"])
@pytest.mark.parametrize("what", ["header", "histogram", "pixels"])
def test_unreadable_files_are_422_in_the_envelope(images_app, tokens, world, which, what):
    answer = as_user(images_app, tokens).get(url(world[which], 1, what))
    assert answer.status_code == 422, (answer.status_code, answer.data[:300])
    assert answer.json["code"] == "FILE_UNREADABLE"
    assert set(answer.json) == {"code", "message", "details", "requestId"}


def test_image_numbers_beyond_the_collection_or_below_one(images_app, tokens, world):
    member = as_user(images_app, tokens)
    beyond = member.get(url(world["eiger"], 11, "header"))
    assert beyond.status_code == 404 and "number" in beyond.json["details"]
    assert member.get(url(world["eiger"], 0, "header")).status_code == 404
    assert (
        member.get(f"{CORE}/data-collections/{world['eiger']}/detector-images/x/header").status_code
        == 404
    )


@pytest.mark.parametrize("which", ["cbf", "cbf_printf"])
def test_a_cbf_images_header_and_pixels(images_app, tokens, world, dirs, which):
    member = as_user(images_app, tokens)
    header = member.get(url(world[which], 2, "header")).json
    assert header["format"] == "cbf" and header["fileName"] == "ins_1_0002.cbf"
    assert header["wavelength"] == pytest.approx(0.97625)
    assert header["detectorDistance"] == pytest.approx(300.0)
    assert header["pixelSizeX"] == pytest.approx(0.172)
    assert (header["beamCenterX"], header["beamCenterY"]) == (1231.5, 1263.5)
    assert header["exposureTime"] == pytest.approx(0.097)
    assert header["countCutoff"] == 1048500
    assert header["detector"] == "PILATUS3 6M, S/N 60-0128"
    assert header["sensorMaterial"] == "Silicon"
    assert header["sensorThickness"] == pytest.approx(1.0)
    image = dirs["cbf"] + 2
    assert header["statistics"]["max"] == image.max()
    assert header["statistics"]["invalidPixels"] == 0  # the gap row is -1 + 2 = 1 here
    pixels = member.get(url(world[which], 1, "pixels"))
    decoded = np.frombuffer(pixels.data, dtype="<f4").reshape(H, W)
    expected = (dirs["cbf"] + 1).astype(np.float32)
    expected[dirs["cbf"] + 1 < 0] = -1
    assert np.array_equal(decoded, expected)
    assert member.get(url(world[which], 3, "header")).status_code == 404


def test_byte_offset_decoding_follows_the_cbf_definition():
    # Values 0, 10, 300, 100000, 99990, -5: deltas 0, 10 (one byte), 290 (0x80, int16
    # 0x0122), 99700 (0x80, 0x8000, int32 0x00018574), -10 (one byte 0xF6), 99995 (int32).
    data = bytes.fromhex("00 0a 80 2201 80 0080 74850100 f6 80 0080") + struct.pack("<i", -99995)
    decoded = reader.byte_offset_decode(data, 6)
    assert decoded.tolist() == [0, 10, 300, 100000, 99990, -5]
    with pytest.raises(reader.Unreadable):
        reader.byte_offset_decode(data[:-2], 6)


def test_nothing_is_read_without_roots(client, world):
    answer = client.get(url(world["eiger"], 1, "header"))
    assert answer.status_code == 404 and answer.json["code"] == "NOT_FOUND"


def test_without_the_hdf5_extra_the_routes_answer_503(images_app, tokens, world, monkeypatch):
    def missing():
        raise reader.ReaderMissing("not installed")

    monkeypatch.setattr(reader, "_h5py", missing)
    answer = as_user(images_app, tokens).get(url(world["eiger"], 1, "header"))
    assert answer.status_code == 503 and answer.json["code"] == "SERVICE_UNAVAILABLE"


def test_the_demo_writes_an_eiger_master_that_core_reads(
    core_app, images_app, tokens, tmp_path, monkeypatch
):
    from ispyb_core.demo import seed_demo

    monkeypatch.setenv("ISPYB_VAR_DIR", str(tmp_path))
    files = dict(images_app.config["ISPYB_CONFIG"]["files"], roots=[str(tmp_path / "demo-files")])
    monkeypatch.setitem(images_app.config["ISPYB_CONFIG"], "files", files)
    seed_demo(core_app.extensions["ispyb_database"])
    admin = images_app.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = tokens.admin()["Authorization"]
    listed = admin.get(f"{CORE}/data-collections?limit=100").json["results"]
    rows = [row for row in listed if row["fileTemplate"] == "lyso_1_master.h5"]
    assert rows and rows[0]["imageDirectory"].startswith(str(tmp_path))
    header = admin.get(url(rows[0]["dataCollectionId"], 7, "header"))
    assert header.status_code == 200, header.json
    assert header.json["numberOfImages"] == 10 and header.json["width"] == 256
    assert header.json["wavelength"] == pytest.approx(0.9763)
    histogram = admin.get(url(rows[0]["dataCollectionId"], 1, "histogram")).json
    assert len(histogram["values"]) > 3


CALLER_TOKENS = {
    "anonymous": lambda tokens: {},
    "outsider": lambda tokens: tokens.user("outsider"),
    "member": lambda tokens: tokens.user("member"),
    "staff": lambda tokens: tokens.user("frank", "staff"),
    "admin": lambda tokens: tokens.user("root", "admin"),
    "staff-i04": lambda tokens: tokens.user("grace", "staff", beamlines=["i04"]),
    "client-no-scope": lambda tokens: tokens.machine("pipeline", "em:write"),
    "client-core-read": lambda tokens: tokens.machine("reader", "core:read"),
}
# mx1's sweep on i03: who sees it reads its files; who does not is told 404.
SEES = {"anonymous": 401, "outsider": 404, "member": 200, "staff": 200, "admin": 200}
SEES |= {"staff-i04": 404, "client-no-scope": 403, "client-core-read": 200}


@pytest.mark.parametrize("caller", list(CALLER_TOKENS))
@pytest.mark.parametrize("what", ["header", "histogram", "pixels", "pixels/url"])
def test_authorization_matrix_with_files(images_app, tokens, world, caller, what):
    client = images_app.test_client()
    answer = client.get(url(world["eiger"], 1, what), headers=CALLER_TOKENS[caller](tokens))
    assert answer.status_code == SEES[caller], (caller, what, answer.data[:200])
