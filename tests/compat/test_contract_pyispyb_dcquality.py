"""py-ispyb-ui's data-collection card, its per-image analysis and files (notes/clients.md
§1a, "DC card"): ``/datacollections/quality`` (polled every 5 s), ``/datacollections/
attachments(/{id})`` and ``/datacollections/images/quality/{id}`` against compat calling
the real core (which serves files) → the fields the UI reads (py-ispyb's schemas,
pyispyb/core/schemas/datacollections.py: PerImageAnalysis, DataCollectionFileAttachment),
with their types; the redirects an ``<img>`` follows; the authorization matrix; bad input."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.compat import test_datacollections as image_routes
from tests.compat.conftest import PREFIX
from tests.compat.test_authorization import CALLERS, expect
from tests.compat.test_contract_pyispyb_ui import NUMBER, PY, check

CORE = "/ispyb/api/v1/core"
# The image redirects' fixtures: a file root, a core serving it, compat calling that core.
file_root = image_routes.file_root
files_core = image_routes.files_core
files_compat = image_routes.files_compat


@pytest.fixture
def analysed(world, files_core, file_root, tokens):
    """mx1's first sweep analysed image by image (40 images, a plot) by a pipeline through
    core, with two attached files; its second sweep with none of it."""
    Image.new("RGB", (400, 300), (10, 120, 10)).save(file_root / "pia.png", "PNG")
    (file_root / "pia.log").write_text("40 images analysed\n")
    pipeline = files_core.test_client()
    headers = tokens.machine("dozor", "core:processing:write")
    dc = world.dcs[0].uuid
    images = [
        {
            "imageNumber": n,
            "goodBraggCandidates": 3 * n,
            "method2Res": 2.0 + n / 100,
            "totalIntegratedSignal": 1000.0 * n,
            "spotTotal": 4 * n,
        }
        for n in range(1, 41)
    ]
    images[4]["method2Res"] = None  # an image without a resolution estimate
    made = pipeline.post(
        f"{CORE}/data-collections/{dc}/image-quality",
        json={"images": images, "imageQualityIndicatorsPlotPath": str(file_root / "pia.png")},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    files = []
    for name, kind in (("pia.log", "log"), ("pia.png", "pia")):
        answer = pipeline.post(
            f"{CORE}/data-collections/{dc}/attachments",
            json={"fileFullPath": str(file_root / name), "fileType": kind},
            headers=headers,
        )
        assert answer.status_code == 201, answer.json
        files.append(answer.json)
    world.attachments = files
    return world


def envelope(body):
    check(body, {"results": list, "total": int, "skip": int, "limit": int})
    return body["results"]


def test_per_image_analysis_as_the_ui_plots_it(files_compat, analysed, tokens):
    dc = analysed.dcs[0].dataCollectionId
    answer = files_compat.get(
        f"{PY}/datacollections/quality?limit=500&dataCollectionId={dc}",
        headers=tokens.user("member"),
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    (analysis,) = envelope(body)
    assert body["total"] == 40 and body["limit"] == 500 and body["skip"] == 0
    check(
        analysis,
        {
            "dataCollectionId": int,
            "imageNumber": list,
            "totalIntegratedSignal": list,
            "method2Res": list,
            "goodBraggCandidates": list,
        },
    )
    assert analysis["dataCollectionId"] == dc
    assert analysis["imageNumber"] == list(range(1, 41))
    assert analysis["goodBraggCandidates"] == [3 * n for n in range(1, 41)]
    assert len(analysis["method2Res"]) == 39  # py-ispyb leaves a missing value out
    assert all(isinstance(value, NUMBER) for value in analysis["totalIntegratedSignal"])
    # skip/limit page the images
    page = files_compat.get(
        f"{PY}/datacollections/quality?dataCollectionId={dc}&skip=10&limit=5",
        headers=tokens.user("member"),
    ).get_json()
    assert page["results"][0]["imageNumber"] == [11, 12, 13, 14, 15]
    # a sweep not analysed: one object with empty series
    bare = files_compat.get(
        f"{PY}/datacollections/quality?dataCollectionId={analysed.dcs[1].dataCollectionId}",
        headers=tokens.user("member"),
    ).get_json()
    assert bare["total"] == 0 and bare["results"][0]["imageNumber"] == []


def test_attachments_with_their_download_urls(files_compat, files_core, analysed, tokens):
    dc = analysed.dcs[0].dataCollectionId
    member = tokens.user("member")
    body = files_compat.get(
        f"{PY}/datacollections/attachments?dataCollectionId={dc}", headers=member
    ).get_json()
    rows = envelope(body)
    assert body["total"] == 2
    for row, made in zip(rows, analysed.attachments, strict=True):
        check(
            row,
            {
                "dataCollectionFileAttachmentId": int,
                "dataCollectionId": int,
                "fileType": str,
                "_metadata": dict,
            },
        )
        check(row["_metadata"], {"url": str, "fileName": str})
        assert row["dataCollectionFileAttachmentId"] == made["dataCollectionFileAttachmentId"]
        assert row["_metadata"]["url"] == (
            f"{PY}/datacollections/attachments/{made['dataCollectionFileAttachmentId']}"
        )
    assert [row["_metadata"]["fileName"] for row in rows] == ["pia.log", "pia.png"]
    # the url: a 302 to core's signed URL, which an <a href> follows without a token
    answer = files_compat.get(rows[0]["_metadata"]["url"], headers=member)
    assert answer.status_code == 302, answer.get_json()
    assert answer.headers["Cache-Control"] == "private, no-store"
    location = answer.headers["Location"]
    assert location.startswith(f"{CORE}/data-collection-attachments/") and "signature=" in location
    assert files_core.test_client().get(location).data == b"40 images analysed\n"


def test_the_analysis_plot_is_a_redirect_an_img_follows(files_compat, files_core, analysed, tokens):
    dc = analysed.dcs[0].dataCollectionId
    answer = files_compat.get(
        f"{PY}/datacollections/images/quality/{dc}", headers=tokens.user("member")
    )
    assert answer.status_code == 302, answer.get_json()
    shown = files_core.test_client().get(answer.headers["Location"])
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    # no plot, or no such sweep: 404
    for path in (
        f"/datacollections/images/quality/{analysed.dcs[1].dataCollectionId}",
        "/datacollections/images/quality/999999",
        "/datacollections/attachments/999999",
    ):
        missing = files_compat.get(PY + path, headers=tokens.user("member"))
        assert missing.status_code == 404, path
        assert missing.get_json()["code"] == "NOT_FOUND"


def test_an_outsider_sees_nothing_of_it(files_compat, analysed, tokens):
    dc = analysed.dcs[0].dataCollectionId
    outsider = tokens.user("outsider")
    for path in (
        f"/datacollections/quality?dataCollectionId={dc}",
        f"/datacollections/attachments?dataCollectionId={dc}",
        f"/datacollections/images/quality/{dc}",
        f"/datacollections/attachments/{analysed.attachments[0]['dataCollectionFileAttachmentId']}",
    ):
        answer = files_compat.get(PY + path, headers=outsider)
        assert answer.status_code == 404, path
        assert "Location" not in answer.headers


LISTED = expect(404, 200, 200, 404, 200, 200, 403)
REDIRECT = expect(404, 302, 302, 404, 302, 302, 403)
MATRIX = {
    "per-image analysis": (
        lambda w: f"/pyispyb/datacollections/quality?dataCollectionId={w.dcs[0].dataCollectionId}",
        LISTED,
    ),
    "data collection attachments": (
        lambda w: (
            f"/pyispyb/datacollections/attachments?dataCollectionId={w.dcs[0].dataCollectionId}"
        ),
        LISTED,
    ),
    "data collection attachment file": (
        lambda w: (
            "/pyispyb/datacollections/attachments/"
            f"{w.attachments[0]['dataCollectionFileAttachmentId']}"
        ),
        REDIRECT,
    ),
    "per-image analysis plot": (
        lambda w: f"/pyispyb/datacollections/images/quality/{w.dcs[0].dataCollectionId}",
        REDIRECT,
    ),
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(MATRIX))
def test_authorization_matrix(files_compat, analysed, tokens, operation, caller):
    """Each answer is core's to the caller: who cannot see the sweep through core gets
    neither its analysis nor a URL of its files."""
    path, expected = MATRIX[operation]
    answer = files_compat.get(PREFIX + path(analysed), headers=CALLERS[caller](tokens))
    assert answer.status_code == expected[caller], (operation, caller, answer.get_json())
    if answer.status_code >= 400:
        assert answer.get_json()["code"] in {"UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"}
        assert "Location" not in answer.headers


@pytest.mark.parametrize(
    "path, field",
    [
        ("/datacollections/quality", "dataCollectionId"),
        ("/datacollections/quality?dataCollectionId=x", "dataCollectionId"),
        ("/datacollections/quality?dataCollectionId=0", "dataCollectionId"),
        ("/datacollections/quality?dataCollectionId=99999999999", "dataCollectionId"),
        ("/datacollections/quality?dataCollectionId=1&limit=0", "limit"),
        ("/datacollections/quality?dataCollectionId=1&skip=-1", "skip"),
        (
            "/datacollections/quality?dataCollectionId=1&dataCollectionGroupId=1",
            "dataCollectionGroupId",
        ),
        ("/datacollections/attachments", "dataCollectionId"),
        ("/datacollections/attachments?dataCollectionId=1&limit=x", "limit"),
        ("/datacollections/attachments?dataCollectionId=1&colour=red", "colour"),
        ("/datacollections/attachments/0", "dataCollectionFileAttachmentId"),
        ("/datacollections/attachments/99999999999", "dataCollectionFileAttachmentId"),
        ("/datacollections/images/quality/0", "dataCollectionId"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(files_compat, tokens, path, field):
    answer = files_compat.get(PY + path, headers=tokens.user("member"))
    assert answer.status_code == 400, answer.get_json()
    body = answer.get_json()
    assert field in body["details"] and body["detail"]


def dcquality_routes(compat_app) -> set[tuple[str, str]]:
    """This matrix's routes, for tests/compat/test_authorization.py's every-route check."""
    adapter = compat_app.url_map.bind("localhost")
    ids = type(
        "World",
        (),
        {
            "dcs": [type("Dc", (), {"dataCollectionId": 1})],
            "attachments": [{"dataCollectionFileAttachmentId": 1}],
        },
    )
    return {
        (
            "GET",
            adapter.match(PREFIX + path(ids).partition("?")[0], method="GET", return_rule=True)[
                0
            ].rule,
        )
        for path, _expected in MATRIX.values()
    }
