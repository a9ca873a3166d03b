"""Every kind of bad input gets a 4xx in the envelope naming the field; nothing is written."""

from __future__ import annotations

import pytest

from tests.em.support import EM, row_counts
from tests.support.checks import assert_refused


@pytest.fixture
def targets(world):
    """(method, url, a valid body) for every em endpoint that takes a body."""
    body = world.ingest(world.records([1])).json
    movie_id = body["records"][0]["movieId"]
    group = world.post(
        "/particle-classification-groups",
        {"programId": world.programs["class2d"], "type": "2D", "classes": [{"classNumber": 1}]},
    ).json
    class_id = group["classes"][0]["particleClassificationId"]
    tomogram = world.post("/tomograms", {"dataCollectionUUID": world.dc}).json
    atlas = world.post(
        "/atlases", {"dataCollectionUUID": world.dc, "atlasImage": "/a.jpg", "pixelSize": 1.0}
    ).json
    square = world.post("/grid-squares", {"atlasId": atlas["atlasId"]}).json
    return {
        "ingest batch": ("post", "/movies/batch", {"records": world.records([2])}),
        "create program": ("post", "/programs", {"dataCollectionUUID": world.dc}),
        "change program": (
            "patch",
            f"/programs/{world.programs['motion']}",
            {"processingMessage": "ok"},
        ),
        "create picker": (
            "post",
            "/particle-pickers",
            {"programId": world.programs["picking"], "numberOfParticles": 10},
        ),
        "create classification group": (
            "post",
            "/particle-classification-groups",
            {"programId": world.programs["class2d"], "type": "3D", "symmetry": "D2"},
        ),
        "select class": ("patch", f"/particle-classifications/{class_id}", {"selected": True}),
        "create initial model": (
            "post",
            "/cryoem-initial-models",
            {"resolution": 9.0, "particleClassificationIds": [class_id]},
        ),
        "create tomogram": ("post", "/tomograms", {"dataCollectionUUID": world.dc}),
        "create tilt alignment": (
            "post",
            "/tilt-image-alignments",
            {"movieId": movie_id, "tomogramId": tomogram["tomogramId"]},
        ),
        "create atlas": (
            "post",
            "/atlases",
            {"dataCollectionUUID": world.dc, "atlasImage": "/b.jpg", "pixelSize": 2.0},
        ),
        "create grid square": ("post", "/grid-squares", {"atlasId": atlas["atlasId"]}),
        "create foil hole": (
            "post",
            "/foil-holes",
            {"gridSquareId": square["gridSquareId"], "foilHoleLabel": "FH"},
        ),
    }


def send(world, method, url, **kwargs):
    return getattr(world.client, method)(EM + url, headers=world.pipeline, **kwargs)


def test_valid_bodies_are_accepted(world, targets):
    for name, (method, url, body) in targets.items():
        response = send(world, method, url, json=body)
        assert response.status_code in (200, 201), (name, response.json)


def test_malformed_bodies(world, em_db, targets):
    before = row_counts(em_db)
    for method, url, _ in targets.values():
        response = send(world, method, url, data='{"a": ', content_type="application/json")
        assert_refused(response, 400, "BAD_REQUEST")
        response = send(world, method, url, data="[1, 2]", content_type="application/json")
        assert_refused(response, 422, "VALIDATION_ERROR", "_body")
        response = send(world, method, url, data="a=b", content_type="text/plain")
        assert_refused(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert row_counts(em_db) == before


def test_unknown_and_read_only_fields(world, em_db, targets):
    before = row_counts(em_db)
    for name, (method, url, body) in targets.items():
        response = send(world, method, url, json={**body, "notAColumn": 1})
        assert_refused(response, 422, "VALIDATION_ERROR", "notAColumn")
        if name != "ingest batch":
            response = send(world, method, url, json={**body, "uuid": "x"})
            assert_refused(response, 422, "VALIDATION_ERROR", "uuid")
    assert row_counts(em_db) == before


@pytest.mark.parametrize(
    "target, field, value",
    [
        ("create program", "processingStatus", "perhaps"),
        ("create program", "processingPrograms", 12),
        ("change program", "processingStartTime", 5),
        ("create picker", "numberOfParticles", 1.5),
        ("create picker", "numberOfParticles", "12"),
        ("create picker", "particleDiameter", "wide"),
        ("create picker", "particleDiameter", 1e39),
        ("create classification group", "type", "4D"),
        ("create classification group", "batchNumber", 2**31),
        ("select class", "selected", "yes please"),
        ("create initial model", "particleClassificationIds", "1,2"),
        ("create tomogram", "sizeX", [1]),
        ("create tomogram", "dataCollectionUUID", "not-a-uuid"),
        ("create atlas", "mode", "Cinema"),
        ("create grid square", "angle", {"degrees": 1}),
        ("create foil hole", "foilHoleLabel", 7),
    ],
)
def test_wrong_types(world, em_db, targets, target, field, value):
    before = row_counts(em_db)
    method, url, body = targets[target]
    response = send(world, method, url, json={**body, field: value})
    assert_refused(response, 422, "VALIDATION_ERROR", field)
    assert row_counts(em_db) == before


@pytest.mark.parametrize(
    "target, field",
    [
        ("create program", "dataCollectionUUID"),
        ("create picker", "programId"),
        ("create classification group", "programId"),
        ("create classification group", "type"),
        ("create initial model", "particleClassificationIds"),
        ("create tomogram", "dataCollectionUUID"),
        ("create tilt alignment", "movieId"),
        ("create tilt alignment", "tomogramId"),
        ("create atlas", "dataCollectionUUID"),
        ("create atlas", "atlasImage"),
        ("create atlas", "pixelSize"),
        ("create grid square", "atlasId"),
        ("create foil hole", "gridSquareId"),
        ("create foil hole", "foilHoleLabel"),
        ("ingest batch", "records"),
    ],
)
def test_missing_required_fields(world, em_db, targets, target, field):
    before = row_counts(em_db)
    method, url, body = targets[target]
    without = {key: value for key, value in body.items() if key != field}
    assert_refused(send(world, method, url, json=without), 422, "VALIDATION_ERROR", field)
    assert_refused(
        send(world, method, url, json={**body, field: None}), 422, "VALIDATION_ERROR", field
    )
    assert row_counts(em_db) == before


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00", "2026-02-30", 20260101])
def test_bad_dates(world, em_db, targets, value):
    before = row_counts(em_db)
    for target in ("create program", "change program"):
        method, url, body = targets[target]
        response = send(world, method, url, json={**body, "processingEndTime": value})
        assert_refused(response, 422, "VALIDATION_ERROR", "processingEndTime")
    method, url, body = targets["ingest batch"]
    body["records"][0]["createdTimeStamp"] = value
    response = send(world, method, url, json=body)
    assert_refused(response, 422, "VALIDATION_ERROR", "records[0].createdTimeStamp")
    assert row_counts(em_db) == before


@pytest.mark.parametrize(
    "target, field, length",
    [
        ("create program", "processingCommandLine", 255),
        ("create classification group", "symmetry", 20),
        ("create foil hole", "foilHoleLabel", 30),
        ("create atlas", "atlasImage", 255),
    ],
)
def test_too_long_strings(world, em_db, targets, target, field, length):
    before = row_counts(em_db)
    method, url, body = targets[target]
    assert send(world, method, url, json={**body, field: "x" * length}).status_code in (200, 201)
    before = row_counts(em_db)
    response = send(world, method, url, json={**body, field: "é" * (length + 1)})
    assert_refused(response, 422, "VALIDATION_ERROR", field)
    assert row_counts(em_db) == before


@pytest.mark.parametrize(
    "target, field",
    [
        ("create picker", "programId"),
        ("create picker", "firstMotionCorrectionId"),
        ("create classification group", "particlePickerId"),
        ("create tilt alignment", "movieId"),
        ("create tilt alignment", "tomogramId"),
        ("create grid square", "atlasId"),
        ("create foil hole", "gridSquareId"),
        ("create tomogram", "autoProcProgramId"),
        ("create tomogram", "gridSquareId"),
    ],
)
def test_references_to_missing_rows(world, em_db, targets, target, field):
    before = row_counts(em_db)
    method, url, body = targets[target]
    response = send(world, method, url, json={**body, field: 987654})
    assert_refused(response, 422, "VALIDATION_ERROR", field)
    assert row_counts(em_db) == before


def test_duplicates(world, em_db, targets):
    method, url, body = targets["create tilt alignment"]
    assert send(world, method, url, json=body).status_code == 201
    before = row_counts(em_db)
    assert_refused(send(world, method, url, json=body), 409, "CONFLICT", "movieId")
    method, url, body = targets["ingest batch"]
    body["records"].append(dict(body["records"][0]))
    assert_refused(send(world, method, url, json=body), 422, "VALIDATION_ERROR")
    method, url, body = targets["create initial model"]
    twice = {**body, "particleClassificationIds": body["particleClassificationIds"] * 2}
    assert_refused(send(world, method, url, json=twice), 422, "VALIDATION_ERROR")
    assert row_counts(em_db) == before


def test_unknown_routes_and_methods(world):
    assert_refused(world.get("/nothing-here"), 404, "NOT_FOUND")
    assert_refused(
        world.client.delete(EM + "/programs/1", headers=world.pipeline), 405, "METHOD_NOT_ALLOWED"
    )
    assert world.get("/movies/batch").status_code == 404


def test_rows_that_do_not_exist(world):
    for path in (
        "/programs/987654",
        f"/programs/{'0' * 8}-0000-4000-8000-{'0' * 12}",
        "/programs/not-a-ref",
        "/movies/987654",
        "/data-collections/not-a-uuid/summary",
    ):
        assert_refused(world.get(path), 404, "NOT_FOUND")
