"""py-ispyb's data-collection images (card and viewer) and the statistics page's
``/stats/errors`` and ``/stats/hourlies``.

The images: compat answers a 302 to core's signed file URL, asked with the caller's
token; what an ``<img>`` (no token) then gets from that URL is checked against core with
files served (roots and a signing secret), compat calling it in-process."""

from __future__ import annotations

import pytest
import requests
from PIL import Image

from tests.compat.conftest import AUTH_URL, PREFIX, AuthStandIn
from tests.compat.test_authorization import CALLERS, expect
from tests.conftest import service_config
from tests.support.in_process import CORE_URL, CoreLine, FlaskAdapter

PY = f"{PREFIX}/pyispyb"
SECRET = "compat-dc-signing-secret-0123456789"


@pytest.fixture(scope="module")
def file_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("dc-files")
    Image.new("RGB", (640, 480), (200, 30, 30)).save(root / "snap1.jpg", "JPEG")
    Image.new("RGB", (320, 240), (0, 90, 200)).save(root / "snap2.jpg", "JPEG")
    Image.new("RGB", (512, 512), (90, 90, 90)).save(root / "image1.jpg", "JPEG")
    Image.new("RGB", (64, 64), (90, 90, 90)).save(root / "image1t.jpg", "JPEG")
    return root


@pytest.fixture(scope="module")
def files_core(core_app_session, core_database_url, file_root, tmp_path_factory):
    from ispyb_core.app import create_app

    files = {
        "roots": [str(file_root)],
        "thumbnail_cache": str(tmp_path_factory.mktemp("dc-thumbs")),
        "signing_secret": SECRET,
        "url_seconds": 60,
    }
    return create_app(
        service_config(core_database_url, files=files, api={"warm_up": False}),
        database=core_app_session.extensions["ispyb_database"],
    )


@pytest.fixture(scope="module")
def files_compat(files_core, tokens):
    """compat calling the core that serves files."""
    from ispyb_compat.app import create_app

    session = requests.Session()
    session.mount(CORE_URL + "/", CoreLine(FlaskAdapter(files_core)))
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


def _update(factory, model, key, **values):
    with factory.database.sessionmaker() as session, session.begin():
        row = session.get(model, key)
        for name, value in values.items():
            setattr(row, name, value)


@pytest.fixture
def images(world, factory, file_root):
    """mx1's first sweep with two crystal snapshots and a first image (JPEG and
    thumbnail); its second sweep with none."""
    from ispyb_core.data_collections.models import DataCollection
    from ispyb_core.images.models import Image as ImageRow

    done = world.dcs[0]
    _update(
        factory,
        DataCollection,
        done.dataCollectionId,
        xtalSnapshotFullPath1=str(file_root / "snap1.jpg"),
        xtalSnapshotFullPath2=str(file_root / "snap2.jpg"),
    )
    for number, name in ((2, "snap2.jpg"), (1, "image1.jpg")):
        factory._save(
            ImageRow(
                dataCollectionId=done.dataCollectionId,
                imageNumber=number,
                jpegFileFullPath=str(file_root / name),
                jpegThumbnailFileFullPath=str(file_root / "image1t.jpg"),
            )
        )
    return world


def _follow(files_core, answer):
    """What an <img src> gets: the redirect's target, fetched without a token."""
    assert answer.status_code == 302, answer.get_json()
    assert answer.headers["Cache-Control"] == "private, no-store"
    location = answer.headers["Location"]
    assert location.startswith("/ispyb/api/v1/core/") and "signature=" in location
    return files_core.test_client().get(location)


def _size(data: bytes) -> tuple[int, int]:
    import io

    return Image.open(io.BytesIO(data)).size


def test_a_crystal_snapshot_is_a_redirect_an_img_can_follow(
    files_compat, files_core, images, tokens
):
    member = tokens.user("member")
    dc = images.dcs[0].dataCollectionId
    first = _follow(
        files_core, files_compat.get(f"{PY}/datacollections/images/{dc}", headers=member)
    )
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    assert _size(first.data) == (640, 480)
    second = _follow(
        files_core, files_compat.get(f"{PY}/datacollections/images/{dc}?imageId=2", headers=member)
    )
    assert _size(second.data) == (320, 240)
    # snapshot=true: the thumbnail py-ispyb-ui's card shows
    thumb = _follow(
        files_core,
        files_compat.get(f"{PY}/datacollections/images/{dc}?snapshot=true", headers=member),
    )
    assert thumb.status_code == 200 and max(_size(thumb.data)) <= 256


def test_the_diffraction_image_is_the_first_images_jpeg_or_thumbnail(
    files_compat, files_core, images, tokens
):
    member = tokens.user("member")
    dc = images.dcs[0].dataCollectionId
    jpeg = _follow(
        files_core,
        files_compat.get(f"{PY}/datacollections/images/diffraction/{dc}", headers=member),
    )
    assert jpeg.status_code == 200 and _size(jpeg.data) == (512, 512)
    thumb = _follow(
        files_core,
        files_compat.get(
            f"{PY}/datacollections/images/diffraction/{dc}?snapshot=true", headers=member
        ),
    )
    assert thumb.status_code == 200 and _size(thumb.data) == (64, 64)


def test_missing_files_are_404(files_compat, images, tokens):
    member = tokens.user("member")
    bare = images.dcs[1].dataCollectionId
    for path in (
        f"/datacollections/images/{bare}",
        f"/datacollections/images/{images.dcs[0].dataCollectionId}?imageId=3",
        f"/datacollections/images/diffraction/{bare}",
        "/datacollections/images/999999",
        "/datacollections/images/diffraction/999999",
    ):
        answer = files_compat.get(PY + path, headers=member)
        assert answer.status_code == 404, path
        assert answer.get_json()["code"] == "NOT_FOUND"


def test_a_signed_location_works_for_that_file_only(files_compat, files_core, images, tokens):
    dc = images.dcs[0].dataCollectionId
    answer = files_compat.get(f"{PY}/datacollections/images/{dc}", headers=tokens.user("member"))
    location = answer.headers["Location"]
    other = location.replace("/snapshots/1?", "/snapshots/2?")
    assert files_core.test_client().get(other).status_code == 403
    assert files_core.test_client().get(location.split("?")[0]).status_code == 401


IMAGE = expect(404, 302, 302, 404, 302, 302, 403)
MATRIX = {
    "crystal snapshot": lambda w: f"/pyispyb/datacollections/images/{w.dcs[0].dataCollectionId}",
    "diffraction image": (
        lambda w: f"/pyispyb/datacollections/images/diffraction/{w.dcs[0].dataCollectionId}"
    ),
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(MATRIX))
def test_authorization_matrix(files_compat, images, tokens, operation, caller):
    """A caller who cannot see the sweep through core gets no URL of its files."""
    answer = files_compat.get(PREFIX + MATRIX[operation](images), headers=CALLERS[caller](tokens))
    assert answer.status_code == IMAGE[caller], (operation, caller, answer.get_json())
    if answer.status_code >= 400:
        assert answer.get_json()["code"] in {"UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"}
        assert "Location" not in answer.headers


@pytest.mark.parametrize(
    "path, field",
    [
        ("/datacollections/images/1?imageId=0", "imageId"),
        ("/datacollections/images/1?imageId=5", "imageId"),
        ("/datacollections/images/1?imageId=x", "imageId"),
        ("/datacollections/images/1?snapshot=maybe", "snapshot"),
        ("/datacollections/images/1?colour=blue", "colour"),
        ("/datacollections/images/0", "dataCollectionId"),
        ("/datacollections/images/99999999999", "dataCollectionId"),
        ("/datacollections/images/diffraction/1?snapshot=2", "snapshot"),
        ("/datacollections/images/diffraction/1?imageId=1", "imageId"),
        ("/datacollections/images/diffraction/0", "dataCollectionId"),
        ("/stats/errors", "sessionId"),
        ("/stats/errors?sessionId=x", "sessionId"),
        ("/stats/hourlies?sessionId=0", "sessionId"),
        ("/stats/hourlies?sessionId=1&runId=2", "runId"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(files_compat, tokens, path, field):
    answer = files_compat.get(PY + path, headers=tokens.user("member"))
    assert answer.status_code == 400, answer.get_json()
    body = answer.get_json()
    assert field in body["details"] and body["detail"]


# --- /stats/errors and /stats/hourlies (contract: py-ispyb-ui's statistics page) ----------


def test_stats_errors_and_hourlies_of_a_session(compat, world, factory, tokens):
    import datetime as dt

    from ispyb_core.data_collections.models import DataCollection
    from ispyb_core.robot_actions.models import RobotAction

    failed, aborted = world.dcs
    for dc, status, at in (
        (failed, "DataCollection Failed", dt.datetime(2026, 1, 5, 9, 15)),
        (aborted, "DataCollection Aborted", dt.datetime(2026, 1, 5, 14, 40)),
    ):
        _update(
            factory,
            DataCollection,
            dc.dataCollectionId,
            runStatus=status,
            comments="Beam lost",
            startTime=at,
        )
    factory._save(
        RobotAction(
            blsessionId=world.mx1_1.sessionId,
            actionType="LOAD",
            startTimestamp=dt.datetime(2026, 1, 5, 9, 5),
            endTimestamp=dt.datetime(2026, 1, 5, 9, 6),
        )
    )
    member = tokens.user("member")
    sid = world.mx1_1.sessionId
    errors = compat.get(f"{PY}/stats/errors?sessionId={sid}", headers=member)
    assert errors.status_code == 200, errors.get_json()
    (osc,) = errors.get_json()["totals"]
    assert {k: osc[k] for k in ("experimentType", "total", "failed", "aborted")} == {
        "experimentType": "OSC",
        "total": 2,
        "failed": 1,
        "aborted": 1,
    }
    assert osc["failedPercent"] == 50 and osc["abortedPercent"] == 50
    assert osc["messages"] == [{"count": 2, "message": "Beam lost"}]

    hourlies = compat.get(f"{PY}/stats/hourlies?sessionId={sid}", headers=member).get_json()
    for key in ("datacollections", "loaded"):
        assert hourlies[key]["hour"] == list(range(24))
        assert len(hourlies[key]["average"]) == 24
        assert all(isinstance(value, (int, float)) for value in hourlies[key]["average"])
    counts = hourlies["datacollections"]["average"]
    assert counts[9] > 0 and counts[14] > 0 and sum(1 for c in counts if c) == 2
    loaded = hourlies["loaded"]["average"]
    assert loaded[9] > 0 and sum(1 for c in loaded if c) == 1


def test_an_outsider_gets_404_for_the_stats_of_mx1(compat, world, tokens):
    for name in ("errors", "hourlies"):
        answer = compat.get(
            f"{PY}/stats/{name}?sessionId={world.mx1_1.sessionId}", headers=tokens.user("outsider")
        )
        assert answer.status_code == 404
