"""Bulk ingestion: one transaction, idempotent by (data collection, movie number), bulk
inserts (a fixed number of statements whatever the batch size), refused whole when any
record is wrong, with the record's index and field named."""

from __future__ import annotations

import copy
import uuid

import pytest
from sqlalchemy import select

from ispyb_em.ingestion.schemas import MovieBatch
from ispyb_em.motion_correction.models import CTF
from ispyb_em.movies.models import Movie
from ispyb_shared.testing import count_queries
from tests.em.support import EM, movie_records, row_counts

KINDS = ("movies", "motionCorrections", "ctfs", "relativeIceThicknesses", "particlePickers")


def test_a_batch_is_stored_and_a_resend_stores_nothing(world, em_db):
    records = world.records(range(1, 101))
    response = world.ingest(records)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["received"] == 100
    for kind in KINDS:
        assert body[kind] == {"created": 100, "existing": 0}, kind
    assert len({item["movieId"] for item in body["records"]}) == 100
    counts = row_counts(em_db)
    assert counts["Movie"] == counts["MotionCorrection"] == counts["CTF"] == 100

    again = world.ingest(records)
    assert again.status_code == 200, again.json
    for kind in KINDS:
        assert again.json[kind] == {"created": 0, "existing": 100}, kind
    assert again.json["records"] == body["records"]
    assert row_counts(em_db) == counts


def test_an_overlapping_batch_stores_only_what_is_new(world, em_db):
    assert world.ingest(world.records(range(1, 101))).status_code == 201
    response = world.ingest(world.records(range(51, 151)))
    assert response.status_code == 201
    for kind in KINDS:
        assert response.json[kind] == {"created": 50, "existing": 50}, kind
    assert row_counts(em_db)["Movie"] == 150


def test_results_of_a_new_program_run_are_added_to_stored_movies(world, em_db):
    records = world.records(range(1, 11))
    world.ingest(records)
    rerun = world.post("/programs", {"dataCollectionUUID": world.dc}).json["autoProcProgramId"]
    for record in records:
        record["ctf"]["autoProcProgramId"] = rerun
        record["ctf"]["estimatedDefocus"] = 1000.0
    response = world.ingest(records)
    assert response.status_code == 201
    assert response.json["movies"] == {"created": 0, "existing": 10}
    assert response.json["ctfs"] == {"created": 10, "existing": 0}
    assert response.json["relativeIceThicknesses"] == {"created": 0, "existing": 10}
    assert row_counts(em_db)["CTF"] == 20


def test_a_resend_with_changed_values_changes_nothing_stored(world, em_db):
    records = world.records(range(1, 4))
    world.ingest(records)
    changed = copy.deepcopy(records)
    for record in changed:
        record["movieFullPath"] = "/elsewhere.tiff"
        record["ctf"]["estimatedDefocus"] = 1.0
    assert world.ingest(changed).status_code == 200
    with em_db.engine.connect() as connection:
        paths = set(connection.execute(select(Movie.movieFullPath)).scalars())
        defocus = set(connection.execute(select(CTF.estimatedDefocus)).scalars())
    assert "/elsewhere.tiff" not in paths
    assert 1.0 not in defocus


def test_movies_without_results_and_results_in_part(world, em_db):
    records = world.records(range(1, 5))
    del records[0]["motionCorrection"], records[0]["ctf"]
    del records[0]["relativeIceThickness"], records[0]["particlePicker"]
    del records[1]["ctf"]
    response = world.ingest(records)
    assert response.status_code == 201, response.json
    assert response.json["motionCorrections"]["created"] == 3
    assert response.json["ctfs"]["created"] == 2
    assert response.json["records"][0]["motionCorrectionId"] is None
    assert response.json["records"][1]["motionCorrectionId"] is not None


def test_records_of_several_data_collections_cost_one_call_to_core(world, em_core):
    second = em_core.add_data_collection(members=("member",))
    third = em_core.add_data_collection(members=("member",))
    records = world.records(range(1, 4))
    for data_collection in (second, third):
        programs = world.create_programs(data_collection)
        records += movie_records(data_collection, range(1, 4), programs)
    em_core.line.reset()
    pipeline = world.tokens.machine("another-pipeline", "em:write", "core:read")
    assert world.ingest(records, headers=pipeline).status_code == 201
    calls = em_core.list_requests()
    assert len(calls) == 1
    assert set(calls[0]["query"]["uuid.in"][0].split(",")) == {world.dc, second, third}
    # The caller's own token is forwarded, with the request id.
    assert calls[0]["authorization"] == pipeline["Authorization"]
    assert calls[0]["requestId"]
    # Answers are kept briefly for the same token.
    assert world.ingest(records, headers=pipeline).status_code == 200
    assert len(em_core.list_requests()) == 1


def test_statements_do_not_grow_with_the_batch(world, em_db):
    def statements(records):
        with count_queries(em_db.engine) as counter:
            assert world.ingest(records).status_code == 201
        return counter.statements

    small = statements(world.records(range(1, 6)))
    large = statements(world.records(range(1001, 1401)))
    assert len(small) == len(large)
    inserts = [s for s in large if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 5  # one (multi-row) INSERT per table

    with count_queries(em_db.engine) as resend:
        assert world.ingest(world.records(range(1001, 1401))).status_code == 200
    assert not [s for s in resend.statements if s.lstrip().upper().startswith("INSERT")]
    assert len(resend.statements) <= len(large)


def test_one_bad_record_refuses_the_whole_batch(world, em_db):
    before = row_counts(em_db)
    records = world.records(range(1, 31))
    records[17]["ctf"]["estimatedDefocus"] = "deep"
    response = world.ingest(records)
    assert response.status_code == 422
    assert response.json["code"] == "VALIDATION_ERROR"
    assert list(response.json["details"]) == ["records[17].ctf.estimatedDefocus"]
    assert row_counts(em_db) == before


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda r: r.pop("movieNumber"), "records[3].movieNumber"),
        (lambda r: r.update(movieNumber=None), "records[3].movieNumber"),
        (lambda r: r.update(movieNumber=1.5), "records[3].movieNumber"),
        (lambda r: r.update(dataCollectionUUID="not-a-uuid"), "records[3].dataCollectionUUID"),
        (lambda r: r.update(colour="blue"), "records[3].colour"),
        (
            lambda r: r["motionCorrection"].update(totalMotion=[1]),
            "records[3].motionCorrection.totalMotion",
        ),
        (lambda r: r["motionCorrection"].update(movieId=5), "records[3].motionCorrection.movieId"),
        (
            lambda r: r["relativeIceThickness"].update(median=1e39),
            "records[3].relativeIceThickness.median",
        ),
        (lambda r: r.update(createdTimeStamp="yesterday"), "records[3].createdTimeStamp"),
        (lambda r: r.update(movieFullPath="x" * 256), "records[3].movieFullPath"),
        (lambda r: r.update(numberOfFrames=2**31), "records[3].numberOfFrames"),
        (lambda r: r.pop("motionCorrection"), "records[3].ctf"),
        (lambda r: r["particlePicker"].pop("programId"), "records[3].particlePicker.programId"),
    ],
)
def test_the_bad_record_and_field_are_named(world, em_db, change, field):
    before = row_counts(em_db)
    records = world.records(range(1, 6))
    change(records[3])
    response = world.ingest(records)
    assert response.status_code == 422, response.json
    assert field in response.json["details"], response.json
    assert row_counts(em_db) == before


def test_references_the_caller_cannot_use_are_named(world, em_db, em_core):
    other_programs = world.create_programs(world.other_dc)
    before = row_counts(em_db)
    records = world.records(range(1, 7))
    records[0]["dataCollectionUUID"] = str(uuid.uuid4())  # not in core
    records[1]["motionCorrection"]["autoProcProgramId"] = other_programs["motion"]
    records[2]["ctf"]["autoProcProgramId"] = 999999
    records[3]["movieNumber"] = records[4]["movieNumber"]
    records[5]["foilHoleId"] = 424242
    response = world.ingest(records)
    assert response.status_code == 422, response.json
    assert set(response.json["details"]) == {
        "records[0].dataCollectionUUID",
        "records[1].motionCorrection.autoProcProgramId",
        "records[2].ctf.autoProcProgramId",
        "records[4].movieNumber",
        "records[5].foilHoleId",
    }
    assert row_counts(em_db) == before


def test_a_data_collection_the_caller_cannot_see_is_refused_like_a_missing_one(
    world, em_db, em_core, tokens
):
    before = row_counts(em_db)
    # The pipeline sees everything (core:read); a staff member of another beamline sees
    # neither data collection, so both are "not found".
    staff_elsewhere = tokens.user("heidi", "staff", beamlines=["i99"])
    response = world.ingest(world.records(range(1, 3)), headers=staff_elsewhere)
    assert response.status_code == 422
    assert set(response.json["details"]) >= {"records[0].dataCollectionUUID"}
    assert row_counts(em_db) == before


def test_too_many_records(world, em_app):
    limit = em_app.config["ISPYB_CONFIG"]["ingestion"]["max_records"]
    records = [
        {"dataCollectionUUID": world.dc, "movieNumber": number} for number in range(limit + 1)
    ]
    response = world.ingest(records)
    assert response.status_code == 422
    assert "records" in response.json["details"]


def test_empty_and_malformed_batches(world):
    assert world.post("/movies/batch", {"records": []}).status_code == 422
    assert "records" in world.post("/movies/batch", {}).json["details"]
    assert world.post("/movies/batch", {"records": {"a": 1}}).status_code == 422
    response = world.post("/movies/batch", {"records": [1, "x"]})
    assert set(response.json["details"]) == {"records[0]", "records[1]"}
    response = world.client.post(
        EM + "/movies/batch",
        data='{"records": [',
        content_type="application/json",
        headers=world.pipeline,
    )
    assert response.status_code == 400


def test_movies_in_foil_holes_of_their_grid(world, em_core):
    atlas = world.post(
        "/atlases",
        {"dataCollectionUUID": world.dc, "atlasImage": "/atlas.jpg", "pixelSize": 100.0},
    ).json
    square = world.post("/grid-squares", {"atlasId": atlas["atlasId"]}).json
    hole = world.post(
        "/foil-holes", {"gridSquareId": square["gridSquareId"], "foilHoleLabel": "FH1"}
    ).json
    records = world.records(range(1, 3))
    records[0]["foilHoleId"] = hole["foilHoleId"]
    assert world.ingest(records).status_code == 201

    other_grid = em_core.add_data_collection(members=("member",))
    programs = world.create_programs(other_grid)
    elsewhere = movie_records(other_grid, [1], programs)
    elsewhere[0]["foilHoleId"] = hole["foilHoleId"]
    response = world.ingest(elsewhere)
    assert response.status_code == 422
    assert "records[0].foilHoleId" in response.json["details"]


def test_a_concurrent_batch_storing_the_same_movies_first_is_a_conflict(world, em_db, monkeypatch):
    """Two pipelines sending the same new movies at once: both look the movies up, find
    none, and insert; the unique key of (data collection, movie number) lets the first
    win, the second gets 409 CONFLICT with nothing stored, and its resend stores nothing
    twice. The race is reproduced by hiding the stored movies from the look-up."""
    from ispyb_em.ingestion import service

    records = world.records(range(1, 4))
    assert world.ingest(records).status_code == 201
    before = row_counts(em_db)
    real_lookup = service._movie_ids
    calls = []

    def lookup_missing_the_other_batch(db_session, keys):
        calls.append(keys)
        return {} if len(calls) == 1 else real_lookup(db_session, keys)

    monkeypatch.setattr(service, "_movie_ids", lookup_missing_the_other_batch)
    response = world.ingest(records)
    assert response.status_code == 409, response.json
    assert response.json["code"] == "CONFLICT"
    assert row_counts(em_db) == before
    monkeypatch.undo()
    assert world.ingest(records).status_code == 200


def test_the_fast_loader_gives_what_marshmallow_gives(world):
    from ispyb_em.fastload import FastLoader

    schema = MovieBatch()
    loader = FastLoader(schema)
    assert loader.compiled
    body = {"records": world.records(range(1, 20))}
    body["records"][0]["createdTimeStamp"] = "2026-11-09T10:00:00.25"
    body["records"][1]["angle"] = 3  # an integer for a float column
    body["records"][2]["dataCollectionUUID"] = world.dc.upper()
    body["records"][3]["fluence"] = None
    assert loader.load(copy.deepcopy(body)) == schema.load(copy.deepcopy(body))
    # Spellings only marshmallow accepts, and errors, are marshmallow's.
    body["records"][4]["fluence"] = "40.5"
    body["records"][5]["createdTimeStamp"] = "2026-11-09T10:00:00+02:00"
    assert loader.load(copy.deepcopy(body)) == schema.load(copy.deepcopy(body))
    body["records"][6]["fluence"] = "much"
    with pytest.raises(Exception) as fast_error:
        loader.load(copy.deepcopy(body))
    with pytest.raises(Exception) as marshmallow_error:
        schema.load(copy.deepcopy(body))
    assert fast_error.value.messages == marshmallow_error.value.messages


NASTY_PATHS = [
    "/data/it's here.tiff",
    '/data/"quoted".tiff',
    "/data/back\\slash\\n.tiff",
    "/data/100%_done %s %(x)s.tiff",
    "/data/:name :1 ?.tiff",
    "/data/nul\x00byte.tiff",
    "/data/ünïcødé 电子 🧊.tiff",
    "/data/'); DROP TABLE Movie; --.tiff",
    "",
]


def test_any_string_is_stored_exactly(world, em_db):
    records = world.records(range(1, len(NASTY_PATHS) + 1))
    for record, path in zip(records, NASTY_PATHS, strict=True):
        record["movieFullPath"] = path
        record["motionCorrection"]["comments"] = path
    assert world.ingest(records).status_code == 201
    with em_db.engine.connect() as connection:
        stored = dict(connection.execute(select(Movie.movieNumber, Movie.movieFullPath)).all())
    assert [stored[record["movieNumber"]] for record in records] == NASTY_PATHS
    series = world.get(f"/data-collections/{world.dc}/movies?limit=100").json["results"]
    assert [m["motionCorrections"][0]["comments"] for m in series] == NASTY_PATHS


def test_sql_literals_of_the_bulk_insert():
    import datetime as dt

    from ispyb_em.ingestion.bulk import _literal

    def quote(text):
        return "'" + text.replace("'", "\\'") + "'"

    assert _literal(None, quote) == "NULL"
    assert _literal(True, quote) == "1" and _literal(False, quote) == "0"
    assert _literal(-42, quote) == "-42"
    assert _literal(1.5, quote) == "1.5e0" and _literal(1e-20, quote) == "1e-20"
    assert _literal("it's", quote) == "'it\\'s'"
    assert _literal(dt.datetime(2026, 11, 9, 10, 0, 5), quote) == "'2026-11-09 10:00:05'"
    for refused in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            _literal(refused, quote)
    for refused in (b"bytes", [1], dt.date(2026, 1, 1), dt.datetime.now(dt.UTC)):
        with pytest.raises(TypeError):
            _literal(refused, quote)
