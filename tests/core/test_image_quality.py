"""Per-image analysis (ISPyB's ImageQualityIndicators), files attached to data collections
(DataCollectionFileAttachment) and the analysis plot (DataCollection.
imageQualityIndicatorsPlotPath): docs/data-collections.md, "Per-image analysis"."""

from __future__ import annotations

import pytest
from PIL import Image
from sqlalchemy import func, select

from ispyb_shared.testing import count_queries
from tests.conftest import service_config
from tests.support.checks import assert_refused

CORE = "/ispyb/api/v1/core"
SECRET = "test-signing-secret-0123456789"


@pytest.fixture
def world(factory):
    member, outsider = factory.person(login="member"), factory.person(login="outsider")
    mine = factory.proposal(proposalCode="mx", proposalNumber="1")
    theirs = factory.proposal(proposalCode="mx", proposalNumber="2")
    session = factory.session(proposalId=mine.proposalId, visit_number=1, beamLineName="i03")
    factory.proposal_member(mine, member)
    factory.proposal_member(theirs, outsider)
    collection = factory.data_collection(factory.data_collection_group(session))
    run = factory.processing_run(collection)
    return {"dc": collection, "run": run}


def client_of(core_app, headers):
    client = core_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = headers["Authorization"]
    return client


@pytest.fixture
def pipeline(core_app, tokens):
    return client_of(core_app, tokens.machine("dozor", "core:processing:write"))


def quality_url(world, suffix=""):
    return f"{CORE}/data-collections/{world['dc'].uuid}/image-quality{suffix}"


def batch(numbers, **extra):
    return {
        "images": [
            {
                "imageNumber": n,
                "spotTotal": 10 * n,
                "goodBraggCandidates": 5 * n,
                "method2Res": 2.5,
                "totalIntegratedSignal": 1234.5 * n,
                "dozor_score": 0.5,
            }
            for n in numbers
        ],
        **extra,
    }


def count_rows(core_db, model_name: str) -> int:
    import ispyb_core.models as models

    model = getattr(models, model_name)
    with core_db.read_sessionmaker() as session:
        return session.execute(select(func.count()).select_from(model)).scalar()


def test_a_pipeline_posts_a_batch_and_members_read_it_by_image_number(
    core_app, tokens, world, pipeline
):
    sent = batch(
        [3, 1, 2],
        autoProcProgramId=world["run"].autoProcProgramId,
        imageQualityIndicatorsPlotPath="/data/i03/mx1-1/pia/plot.png",
    )
    response = pipeline.post(quality_url(world), json=sent)
    assert response.status_code == 201, response.json
    assert response.json == {
        "dataCollectionId": world["dc"].dataCollectionId,
        "created": 3,
        "replaced": 0,
    }
    member = client_of(core_app, tokens.user("member"))
    listed = member.get(quality_url(world)).json
    assert listed["total"] == 3
    rows = listed["results"]
    assert [row["imageNumber"] for row in rows] == [1, 2, 3]
    assert rows[1]["spotTotal"] == 20 and rows[1]["goodBraggCandidates"] == 10
    assert rows[1]["totalIntegratedSignal"] == 2469.0 and rows[1]["dozor_score"] == 0.5
    assert rows[1]["autoProcProgramId"] == world["run"].autoProcProgramId
    assert rows[1]["dataCollectionId"] == world["dc"].dataCollectionId
    assert rows[1]["uuid"] and rows[1]["recordTimeStamp"]
    read = member.get(f"{CORE}/data-collections/{world['dc'].uuid}").json
    assert read["imageQualityIndicatorsPlotPath"] == "/data/i03/mx1-1/pia/plot.png"
    # a filter, and the keyset pages of a long sweep
    assert [
        r["imageNumber"]
        for r in member.get(quality_url(world, "?imageNumber.gte=2")).json["results"]
    ] == [2, 3]
    first = member.get(quality_url(world, "?limit=2")).json
    after = member.get(first["links"]["next"]).json
    assert [r["imageNumber"] for r in after["results"]] == [3]
    assert after["total"] is None
    # the outsider sees nothing of it
    outsider = client_of(core_app, tokens.user("outsider"))
    assert_refused(outsider.get(quality_url(world)), 404, "NOT_FOUND")


def test_a_rerun_replaces_the_images_it_sends_in_one_transaction(
    core_app, core_db, tokens, world, pipeline
):
    assert pipeline.post(quality_url(world), json=batch([1, 2])).status_code == 201
    again = batch([2, 3])
    again["images"][0]["spotTotal"] = 999
    response = pipeline.post(quality_url(world), json=again)
    assert response.json["created"] == 1 and response.json["replaced"] == 1
    rows = client_of(core_app, tokens.user("member")).get(quality_url(world)).json["results"]
    assert [(r["imageNumber"], r["spotTotal"]) for r in rows] == [(1, 10), (2, 999), (3, 30)]
    # a batch with one bad image writes none of it
    before = count_rows(core_db, "ImageQualityIndicators")
    bad = batch([4, 5])
    bad["images"][1]["spotTotal"] = "many"
    assert_refused(pipeline.post(quality_url(world), json=bad), 422, "VALIDATION_ERROR", "images")
    assert count_rows(core_db, "ImageQualityIndicators") == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "images"),
        ({"images": []}, "images"),
        ({"images": [{"spotTotal": 1}]}, "images"),
        ({"images": [{"imageNumber": -1}]}, "images"),
        ({"images": [{"imageNumber": 2**24}]}, "images"),
        ({"images": [{"imageNumber": 1}, {"imageNumber": 1}]}, "images.1.imageNumber"),
        ({"images": [{"imageNumber": 1, "spotTotal": 2**31}]}, "images"),
        ({"images": [{"imageNumber": 1, "method2Res": "x"}]}, "images"),
        ({"images": [{"imageNumber": 1}], "autoProcProgramId": 0}, "autoProcProgramId"),
        ({"images": [{"imageNumber": 1}], "autoProcProgramId": 987654}, "autoProcProgramId"),
        (
            {"images": [{"imageNumber": 1}], "imageQualityIndicatorsPlotPath": "x" * 513},
            "imageQualityIndicatorsPlotPath",
        ),
        ({"images": [{"imageNumber": 1}], "colour": "red"}, "colour"),
        ({"images": [{"imageNumber": 1, "uuid": "x"}]}, "images"),
    ],
)
def test_bad_batches_are_refused_naming_the_field(world, pipeline, body, field):
    assert_refused(pipeline.post(quality_url(world), json=body), 422, "VALIDATION_ERROR", field)


def test_bad_list_parameters_name_the_parameter(core_app, tokens, world):
    member = client_of(core_app, tokens.user("member"))
    for query, name in (
        ("imageNumber.gte=x", "imageNumber.gte"),
        ("sort=spotTotal", "sort"),
        ("after=nonsense", "after"),
        ("colour=red", "colour"),
    ):
        assert_refused(member.get(quality_url(world, f"?{query}")), 400, "INVALID_PARAMETER", name)


def test_who_may_write_per_image_analysis(core_app, tokens, world):
    body = batch([1])
    for headers, status in (
        (tokens.user("member"), 403),
        (tokens.user("outsider"), 404),
        (tokens.user("grace", "staff", beamlines=["i04"]), 404),
        (tokens.user("frank", "staff"), 201),
        (tokens.machine("reader", "core:read"), 403),
        (tokens.machine("beamline", "core:acquisition:write"), 403),
    ):
        response = client_of(core_app, headers).post(quality_url(world), json=body)
        assert response.status_code == status, (headers, response.json)
    missing = f"{CORE}/data-collections/987654/image-quality"
    pipeline = client_of(core_app, tokens.machine("dozor", "core:processing:write"))
    assert_refused(pipeline.post(missing, json=body), 404, "NOT_FOUND")


def test_the_list_has_a_fixed_number_of_queries(core_app, core_db, tokens, world, pipeline):
    assert pipeline.post(quality_url(world), json=batch(range(1, 41))).status_code == 201
    member = client_of(core_app, tokens.user("member"))
    counts = {}
    for limit in (2, 30):
        with count_queries(core_db.engine) as counter:
            response = member.get(quality_url(world, f"?limit={limit}"))
        assert len(response.json["results"]) == limit
        counts[limit] = counter.count
    assert counts[2] == counts[30] <= 3, counts


# --- attachments ---------------------------------------------------------------------------


def attachments_url(world):
    return f"{CORE}/data-collections/{world['dc'].uuid}/attachments"


def test_a_pipeline_attaches_files_and_members_list_them(
    core_app, core_db, tokens, world, pipeline
):
    response = pipeline.post(
        attachments_url(world), json={"fileFullPath": "/data/i03/pia/spots.log", "fileType": "log"}
    )
    assert response.status_code == 201, response.json
    attachment = response.json
    assert attachment["fileName"] == "spots.log" and attachment["fileType"] == "log"
    assert attachment["dataCollectionId"] == world["dc"].dataCollectionId
    assert attachment["createTime"] and attachment["uuid"]
    member = client_of(core_app, tokens.user("member"))
    listed = member.get(attachments_url(world)).json
    assert [row["uuid"] for row in listed["results"]] == [attachment["uuid"]]
    one = member.get(
        f"{CORE}/data-collection-attachments/{attachment['dataCollectionFileAttachmentId']}"
    )
    assert one.json["uuid"] == attachment["uuid"]
    outsider = client_of(core_app, tokens.user("outsider"))
    assert_refused(
        outsider.get(f"{CORE}/data-collection-attachments/{attachment['uuid']}"), 404, "NOT_FOUND"
    )
    assert_refused(outsider.get(attachments_url(world)), 404, "NOT_FOUND")
    before = count_rows(core_db, "DataCollectionFileAttachment")
    for body, field in (
        ({"fileType": "log"}, "fileFullPath"),
        ({"fileFullPath": "relative.log", "fileType": "log"}, "fileFullPath"),
        ({"fileFullPath": "/x" * 200, "fileType": "log"}, "fileFullPath"),
        ({"fileFullPath": "/a.log", "fileType": "movie"}, "fileType"),
        ({"fileFullPath": "/a.log"}, "fileType"),
        ({"fileFullPath": "/a.log", "fileType": "log", "dataCollectionId": 1}, "dataCollectionId"),
    ):
        assert_refused(
            pipeline.post(attachments_url(world), json=body), 422, "VALIDATION_ERROR", field
        )
    assert_refused(
        member.post(attachments_url(world), json={"fileFullPath": "/a", "fileType": "log"}),
        403,
        "FORBIDDEN",
    )
    assert count_rows(core_db, "DataCollectionFileAttachment") == before


# --- files: the plot and the attachments' bytes --------------------------------------------


@pytest.fixture(scope="module")
def files_app(core_app_session, core_database_url, tmp_path_factory):
    from ispyb_core.app import create_app

    root = tmp_path_factory.mktemp("pia-data")
    Image.new("RGB", (300, 200), (20, 160, 40)).save(root / "plot.png", "PNG")
    (root / "spots.log").write_text("image 1: 10 spots\n")
    files = {
        "roots": [str(root)],
        "thumbnail_cache": str(tmp_path_factory.mktemp("thumbs")),
        "signing_secret": SECRET,
        "url_seconds": 60,
    }
    app = create_app(
        service_config(core_database_url, files=files, api={"warm_up": False}),
        database=core_app_session.extensions["ispyb_database"],
    )
    app.config["test_root"] = root
    return app


def test_the_plot_and_attachment_files_are_served_to_those_who_see_them(
    core_app, files_app, tokens, factory, world
):
    root = files_app.config["test_root"]
    pipeline = client_of(files_app, tokens.machine("dozor", "core:processing:write"))
    sent = batch([1], imageQualityIndicatorsPlotPath=str(root / "plot.png"))
    assert pipeline.post(quality_url(world), json=sent).status_code == 201
    attachment = pipeline.post(
        attachments_url(world), json={"fileFullPath": str(root / "spots.log"), "fileType": "log"}
    ).json
    member = client_of(files_app, tokens.user("member"))
    plot = member.get(quality_url(world, "/plot"))
    assert plot.status_code == 200 and plot.mimetype == "image/png"
    thumbnail = member.get(quality_url(world, "/plot?width=64"))
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    signed = member.get(quality_url(world, "/plot/url")).json["url"]
    anonymous = files_app.test_client()
    assert anonymous.get(signed).status_code == 200
    file_url = f"{CORE}/data-collection-attachments/{attachment['uuid']}/file"
    log = member.get(file_url)
    assert log.status_code == 200 and log.data == b"image 1: 10 spots\n"
    signed_log = member.get(f"{file_url}/url").json["url"]
    assert anonymous.get(signed_log).data == b"image 1: 10 spots\n"
    outsider = client_of(files_app, tokens.user("outsider"))
    assert_refused(outsider.get(quality_url(world, "/plot")), 404, "NOT_FOUND")
    assert_refused(outsider.get(f"{file_url}/url"), 404, "NOT_FOUND")
    # a data collection without a plot: 404
    elsewhere = factory.session(proposalId=factory.proposal().proposalId)
    bare = factory.data_collection(factory.data_collection_group(elsewhere))
    admin = client_of(files_app, tokens.user("root", "admin"))
    assert_refused(
        admin.get(f"{CORE}/data-collections/{bare.uuid}/image-quality/plot"), 404, "NOT_FOUND"
    )
