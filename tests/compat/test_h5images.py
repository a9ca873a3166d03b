"""py-ispyb-ui's image viewer: ``/data/images/header``, ``/data/images/histogram`` and
``/data/images`` (the pixels) in py-ispyb's shapes, from core's detector-image routes
with the caller's token, against a core that serves files (an Eiger master with
bitshuffle/LZ4 data files, written as Dectris' writer lays them out: tests/support/nxmx)."""

from __future__ import annotations

import numpy as np
import pytest
import requests

from tests.compat.conftest import AUTH_URL, PREFIX, AuthStandIn
from tests.compat.test_authorization import CALLERS, expect
from tests.conftest import service_config
from tests.support import nxmx
from tests.support.in_process import CORE_URL, CoreLine, FlaskAdapter

PY = f"{PREFIX}/pyispyb"
SECRET = "compat-h5-signing-secret-0123456789"
H, W = 20, 30


@pytest.fixture(scope="module")
def detector_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("h5-files")
    stack = nxmx.frames(4, H, W, seed=11)
    nxmx.write_eiger_master(root, "lyso_1", stack, per_file=2)
    (root / "junk_1_master.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    return {"root": root, "stack": stack}


@pytest.fixture(scope="module")
def h5_core(core_app_session, core_database_url, detector_root):
    from ispyb_core.app import create_app

    files = {"roots": [str(detector_root["root"])], "signing_secret": SECRET, "url_seconds": 60}
    return create_app(
        service_config(core_database_url, files=files, api={"warm_up": False}),
        database=core_app_session.extensions["ispyb_database"],
    )


@pytest.fixture(scope="module")
def h5_compat(h5_core, tokens):
    from ispyb_compat.app import create_app

    session = requests.Session()
    session.mount(CORE_URL + "/", CoreLine(FlaskAdapter(h5_core)))
    session.mount(AUTH_URL + "/", AuthStandIn())
    app = create_app(
        {
            "logging": {"level": "INFO"},
            "api": {"warm_up": False},
            "auth": tokens.settings(),
            "core": {"url": CORE_URL, "cache_seconds": 0},
            "auth_service": {"url": AUTH_URL},
            "em": {"url": "http://em.test"},
            "ssx": {"url": "http://ssx.test"},
        },
        transport=session,
    )
    return app.test_client()


@pytest.fixture
def sweeps(world, factory, detector_root):
    """mx1's first sweep names the Eiger master; its second a file that is no HDF5; mx2's
    sweep the same master (the outsider's)."""
    from ispyb_core.data_collections.models import DataCollection

    root = str(detector_root["root"]) + "/"
    for dc, template in (
        (world.dcs[0], "lyso_1_master.h5"),
        (world.dcs[1], "junk_1_master.h5"),
        (world.other_dc, "lyso_1_master.h5"),
    ):
        with factory.database.sessionmaker() as session, session.begin():
            row = session.get(DataCollection, dc.dataCollectionId)
            row.imageDirectory, row.fileTemplate, row.numberOfImages = root, template, 4
    return world


def _q(dc, number=1):
    return f"dataCollectionId={dc}&imageNumber={number}"


BRAGGY = {
    "wavelength",
    "detector_distance",
    "beam_cx",
    "beam_cy",
    "beam_ocx",
    "beam_ocy",
    "detector_radius",
    "pixel_size_x",
    "pixel_size_y",
    "img_width",
    "img_height",
    "pxxpm",
    "pxypm",
    "strict_positive_min",
    "positive_min",
    "min",
    "max",
    "mean",
    "std",
}


def test_the_header_is_py_ispybs_braggy_hdr(h5_compat, sweeps, tokens, detector_root):
    dc = sweeps.dcs[0].dataCollectionId
    answer = h5_compat.get(f"{PY}/data/images/header?{_q(dc, 3)}", headers=tokens.user("member"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body) == {"braggy_hdr"}
    hdr = body["braggy_hdr"]
    assert set(hdr) == BRAGGY
    assert all(isinstance(hdr[key], int | float) for key in BRAGGY), hdr
    assert hdr["wavelength"] == pytest.approx(0.9763, rel=1e-6)
    assert hdr["detector_distance"] == pytest.approx(0.2497)  # metres, as py-ispyb's
    assert hdr["pixel_size_x"] == pytest.approx(7.5e-5) and hdr["pxxpm"] == pytest.approx(
        1 / 7.5e-5
    )
    assert (hdr["img_width"], hdr["img_height"]) == (W, H)
    assert hdr["beam_ocx"] == pytest.approx(W / 2 - (W / 2 + 1.25))
    assert hdr["beam_ocy"] == pytest.approx(H / 2 - (H / 2 - 0.75))
    assert hdr["detector_radius"] == pytest.approx(W * 7.5e-5 / 2)
    image = detector_root["stack"][2]
    valid = image[image != nxmx.GAP]
    assert hdr["max"] == valid.max() and hdr["min"] == valid.min()
    assert hdr["mean"] == pytest.approx(valid.mean())


def test_the_histogram_is_py_ispybs_image_histogram(h5_compat, sweeps, tokens):
    dc = sweeps.dcs[0].dataCollectionId
    answer = h5_compat.get(f"{PY}/data/images/histogram?{_q(dc)}", headers=tokens.user("member"))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body) == {"values", "bins", "shape", "max"}
    assert body["shape"] == [len(body["values"])] and len(body["bins"]) == len(body["values"]) + 1
    assert body["max"] == max(body["values"]) and sum(body["values"]) > 0
    # The types py-ispyb-ui's ImageHistogram reads.
    assert all(isinstance(v, int | float) for v in body["values"] + body["bins"])
    assert isinstance(body["shape"][0], int) and isinstance(body["max"], int | float)


def test_the_pixels_are_a_redirect_to_cores_signed_url(
    h5_compat, h5_core, sweeps, tokens, detector_root
):
    dc = sweeps.dcs[0].dataCollectionId
    answer = h5_compat.get(f"{PY}/data/images?{_q(dc, 4)}", headers=tokens.user("member"))
    assert answer.status_code == 302
    assert answer.headers["Cache-Control"] == "private, no-store"
    location = answer.headers["Location"]
    assert location.startswith("/ispyb/api/v1/core/") and "signature=" in location
    pixels = h5_core.test_client().get(location)
    assert pixels.status_code == 200
    decoded = np.frombuffer(pixels.data, dtype="<f4").reshape(H, W)
    expected = detector_root["stack"][3].astype(np.float32)
    expected[detector_root["stack"][3] == nxmx.GAP] = -1
    assert np.array_equal(decoded, expected)


@pytest.mark.parametrize(
    "query, field",
    [
        ("imageNumber=1", "dataCollectionId"),
        ("dataCollectionId=1", "imageNumber"),
        ("dataCollectionId=x&imageNumber=1", "dataCollectionId"),
        ("dataCollectionId=1&imageNumber=0", "imageNumber"),
        ("dataCollectionId=1&imageNumber=-3", "imageNumber"),
        ("dataCollectionId=1&imageNumber=99999999999999999999", "imageNumber"),
        ("dataCollectionId=1&imageNumber=1&skip=2", "skip"),
    ],
)
@pytest.mark.parametrize("route", ["/data/images", "/data/images/header", "/data/images/histogram"])
def test_bad_parameters_are_400_naming_the_field(h5_compat, tokens, query, field, route):
    answer = h5_compat.get(f"{PY}{route}?{query}", headers=tokens.user("member"))
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["code"] == "INVALID_PARAMETER"
    assert field in answer.get_json()["details"] and answer.get_json()["detail"]


@pytest.mark.parametrize("route", ["/data/images", "/data/images/header", "/data/images/histogram"])
def test_missing_images_unreadable_files_and_unknown_collections(h5_compat, sweeps, tokens, route):
    member = tokens.user("member")
    dc, junk = sweeps.dcs[0].dataCollectionId, sweeps.dcs[1].dataCollectionId
    beyond = h5_compat.get(f"{PY}{route}?{_q(dc, 5)}", headers=member)
    assert beyond.status_code == 404 and beyond.get_json()["code"] == "NOT_FOUND"
    unknown = h5_compat.get(f"{PY}{route}?{_q(999999)}", headers=member)
    assert unknown.status_code == 404
    unreadable = h5_compat.get(f"{PY}{route}?{_q(junk)}", headers=member)
    if route == "/data/images":  # the signed URL is made before the file is read
        assert unreadable.status_code == 302
    else:
        assert unreadable.status_code == 422, unreadable.get_json()
        assert unreadable.get_json()["code"] == "FILE_UNREADABLE"


READ = expect(404, 200, 200, 404, 200, 200, 403)
REDIRECT = expect(404, 302, 302, 404, 302, 302, 403)
MATRIX = {
    "image header": (
        lambda w: f"/pyispyb/data/images/header?{_q(w.dcs[0].dataCollectionId)}",
        READ,
    ),
    "image histogram": (
        lambda w: f"/pyispyb/data/images/histogram?{_q(w.dcs[0].dataCollectionId)}",
        READ,
    ),
    "image pixels": (lambda w: f"/pyispyb/data/images?{_q(w.dcs[0].dataCollectionId)}", REDIRECT),
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(MATRIX))
def test_authorization_matrix(h5_compat, sweeps, tokens, operation, caller):
    """A caller who cannot see the sweep through core gets nothing of its files."""
    path, expected = MATRIX[operation]
    answer = h5_compat.get(PREFIX + path(sweeps), headers=CALLERS[caller](tokens))
    assert answer.status_code == expected[caller], (operation, caller, answer.get_json())


def test_the_outsiders_own_sweep_is_theirs_only(h5_compat, sweeps, tokens):
    other = sweeps.other_dc.dataCollectionId
    assert (
        h5_compat.get(
            f"{PY}/data/images/header?{_q(other)}", headers=tokens.user("outsider")
        ).status_code
        == 200
    )
    assert (
        h5_compat.get(
            f"{PY}/data/images/header?{_q(other)}", headers=tokens.user("member")
        ).status_code
        == 404
    )
