"""What em sends its database per request: a list at most 2 round trips, an item 1, no
transaction control on reads (tests/core/test_round_trips.py has the rules). The calls
to core (who may see a data collection) are HTTP, not counted here."""

import pytest

from tests.support.round_trips import sent_to


@pytest.fixture
def ingested(world):
    response = world.ingest(world.records([1, 2, 3, 4]))
    assert response.status_code in (200, 201), response.json
    return world


def _get(world, em_db, path):
    with sent_to(em_db) as sent:
        response = world.get(path)
    assert response.status_code == 200, (path, response.json)
    assert sent.transaction_control() == [], f"{path}:\n{sent!r}"
    return response.json, sent


def test_a_list_is_at_most_two_round_trips(ingested, em_db):
    for limit in (1, 25):
        path = f"/programs?dataCollectionUUID={ingested.dc}&limit={limit}"
        body, sent = _get(ingested, em_db, path)
        assert body["results"]
        assert sent.count <= 2, sent


@pytest.mark.parametrize(
    ("resource", "table", "key", "round_trips"),
    [
        ("/programs", "AutoProcProgram", "autoProcProgramId", 1),
        # A movie comes with its results: the movie, then its motion corrections, CTFs,
        # ice thicknesses and pickers (a composite read, fixed whatever their number).
        ("/movies", "Movie", "movieId", 5),
        ("/motion-corrections", "MotionCorrection", "motionCorrectionId", 1),
        ("/ctfs", "CTF", "ctfId", 1),
    ],
)
def test_an_item_is_one_round_trip(ingested, em_db, resource, table, key, round_trips):
    with em_db.engine.connect() as connection:
        row_id = connection.exec_driver_sql(f"SELECT MIN({key}) FROM {table}").scalar_one()
    _body, sent = _get(ingested, em_db, f"{resource}/{row_id}")
    assert sent.count == round_trips, sent


def test_the_movie_series_page_has_a_fixed_number_of_round_trips(ingested, em_db):
    # The movies, then their motion corrections, CTFs, ice thicknesses, pickers.
    for limit in (1, 25):
        path = f"/data-collections/{ingested.dc}/movies?limit={limit}"
        body, sent = _get(ingested, em_db, path)
        assert body["results"]
        assert sent.count <= 5, sent


def test_the_summary_has_a_fixed_number_of_round_trips(ingested, em_db):
    small, sent_small = _get(ingested, em_db, f"/data-collections/{ingested.dc}/summary")
    ingested.ingest(ingested.records(list(range(5, 40))))
    large, sent_large = _get(ingested, em_db, f"/data-collections/{ingested.dc}/summary")
    assert large["movies"] > small["movies"]
    assert sent_small.count == sent_large.count, (sent_small, sent_large)
