"""Live monitoring: summary statistics and histograms computed in the database (checked
against values computed here with the statistics module), and the per-movie series paged
by keyset (no OFFSET, the same cost at any depth)."""

from __future__ import annotations

import contextlib
import json
import statistics

import pytest
from sqlalchemy import event, text

from ispyb_shared.testing import count_queries

PERCENTILES = {"p5": 5, "p25": 25, "median": 50, "p75": 75, "p95": 95}


def expected_statistics(values):
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "count": len(values),
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        **{
            name: cuts[p - 1] if p != 50 else statistics.median(values)
            for name, p in PERCENTILES.items()
        },
    }


def assert_statistics(actual, values, unit):
    expected = expected_statistics(values)
    assert actual["unit"] == unit
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key


def test_summary_numbers_match_an_independent_computation(world):
    records = world.records(range(1, 301), seed=7)
    # Some results missing: statistics count only the rows that have them.
    for record in records[::10]:
        del record["ctf"]
    for record in records[::15]:
        record["motionCorrection"]["totalMotion"] = None
    assert world.ingest(records).status_code == 201

    response = world.get(f"/data-collections/{world.dc}/summary")
    assert response.status_code == 200, response.json
    summary = response.json
    assert summary["movies"] == 300
    assert summary["motionCorrections"] == 300
    assert summary["ctfs"] == 270
    assert summary["relativeIceThicknesses"] == 300
    assert summary["particlePickers"] == 300
    assert summary["particlesPicked"] == sum(
        r["particlePicker"]["numberOfParticles"] for r in records
    )
    assert summary["lastMovieNumber"] == 300
    assert summary["firstMovieTime"] == min(r["createdTimeStamp"] for r in records)
    assert summary["lastMovieTime"] == max(r["createdTimeStamp"] for r in records)

    stats = summary["statistics"]
    motion = [r["motionCorrection"]["totalMotion"] for r in records]
    assert_statistics(stats["totalMotion"], [v for v in motion if v is not None], "Å")
    ctfs = [r["ctf"] for r in records if "ctf" in r]
    assert_statistics(stats["estimatedDefocus"], [c["estimatedDefocus"] for c in ctfs], "Å")
    assert_statistics(stats["estimatedResolution"], [c["estimatedResolution"] for c in ctfs], "Å")
    assert_statistics(
        stats["relativeIceThickness.median"],
        [r["relativeIceThickness"]["median"] for r in records],
        "",
    )
    assert_statistics(
        stats["numberOfParticles"],
        [r["particlePicker"]["numberOfParticles"] for r in records],
        "particles",
    )


def test_summary_of_one_and_of_no_movie(world):
    empty = world.get(f"/data-collections/{world.dc}/summary").json
    assert empty["movies"] == 0 and empty["particlesPicked"] == 0
    assert empty["statistics"]["totalMotion"]["count"] == 0
    assert empty["statistics"]["totalMotion"]["median"] is None
    world.ingest(world.records([5]))
    one = world.get(f"/data-collections/{world.dc}/summary").json
    motion = one["statistics"]["totalMotion"]
    assert motion["p5"] == motion["median"] == motion["p95"] == motion["mean"]


def test_the_summary_costs_the_same_queries_whatever_the_size(world, em_db):
    world.ingest(world.records(range(1, 11)))
    with count_queries(em_db.engine) as small:
        world.get(f"/data-collections/{world.dc}/summary")
    world.ingest(world.records(range(11, 411)))
    with count_queries(em_db.engine) as large:
        world.get(f"/data-collections/{world.dc}/summary")
    assert small.count == large.count


def buckets(values, bins, low=None, high=None):
    low = min(values) if low is None else low
    high = max(values) if high is None else high
    width = (high - low) / bins
    counts = [0] * bins
    for value in values:
        if low <= value <= high:
            counts[min(int((value - low) / width), bins - 1)] += 1
    return counts


@pytest.mark.parametrize(
    "field, pick",
    [
        ("totalMotion", lambda r: r["motionCorrection"]["totalMotion"]),
        ("estimatedDefocus", lambda r: r["ctf"]["estimatedDefocus"]),
        ("relativeIceThickness.median", lambda r: r["relativeIceThickness"]["median"]),
        ("numberOfParticles", lambda r: r["particlePicker"]["numberOfParticles"]),
    ],
)
def test_histograms_match_an_independent_computation(world, field, pick):
    records = world.records(range(1, 501), seed=11)
    world.ingest(records)
    values = [pick(r) for r in records]
    for bins in (1, 7, 20, 200):
        response = world.get(f"/data-collections/{world.dc}/histogram?field={field}&bins={bins}")
        assert response.status_code == 200, response.json
        histogram = response.json
        assert histogram["count"] == 500 and histogram["outside"] == 0
        assert histogram["low"] == min(values) and histogram["high"] == max(values)
        assert [b["count"] for b in histogram["buckets"]] == buckets(values, bins)
        assert histogram["buckets"][-1]["high"] == max(values)


def test_the_values_own_range_holds_every_value_stored_at_single_precision(world):
    """MariaDB answers a FLOAT column's MIN and MAX rounded to 6 digits (1.8 for a stored
    1.7999999523): the values' own range must still hold the stored minimum and maximum."""
    records = world.records(range(1, 7), seed=5)
    for record, value in zip(records, (1.8, 2.3, 2.9, 3.1, 3.7, 4.1), strict=True):
        record["motionCorrection"]["totalMotion"] = value
    world.ingest(records)
    for bins in (1, 3, 6):
        histogram = world.get(
            f"/data-collections/{world.dc}/histogram?field=totalMotion&bins={bins}"
        ).json
        assert histogram["count"] == 6 and histogram["outside"] == 0, histogram
        assert sum(b["count"] for b in histogram["buckets"]) == 6, histogram
        assert histogram["buckets"][0]["count"] >= 1 and histogram["buckets"][-1]["count"] >= 1


def test_histogram_over_a_chosen_range(world):
    records = world.records(range(1, 201), seed=3)
    world.ingest(records)
    values = [r["motionCorrection"]["totalMotion"] for r in records]
    response = world.get(
        f"/data-collections/{world.dc}/histogram?field=totalMotion&bins=10&low=5&high=15"
    )
    histogram = response.json
    assert histogram["width"] == 1.0
    assert [b["count"] for b in histogram["buckets"]] == buckets(values, 10, 5, 15)
    assert histogram["outside"] == sum(not 5 <= v <= 15 for v in values)


def test_histogram_of_one_value_and_of_nothing(world):
    nothing = world.get(f"/data-collections/{world.dc}/histogram?field=astigmatism").json
    assert nothing["count"] == 0 and nothing["buckets"] == []
    records = world.records(range(1, 4))
    for record in records:
        record["ctf"]["astigmatism"] = 250.0
    world.ingest(records)
    same = world.get(f"/data-collections/{world.dc}/histogram?field=astigmatism&bins=5").json
    assert same["buckets"] == [{"low": 250.0, "high": 250.0, "count": 3}], same


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("field=colour", "field"),
        ("field=movieFullPath", "field"),
        ("", "field"),
        ("field=totalMotion&bins=0", "bins"),
        ("field=totalMotion&bins=201", "bins"),
        ("field=totalMotion&bins=many", "bins"),
        ("field=totalMotion&low=nan", "low"),
        ("field=totalMotion&low=5&high=1", "high"),
        ("field=totalMotion&colour=red", "colour"),
    ],
)
def test_bad_histogram_parameters(world, query, parameter):
    response = world.get(f"/data-collections/{world.dc}/histogram?{query}")
    assert response.status_code == 400, response.json
    assert response.json["code"] == "INVALID_PARAMETER"
    assert parameter in response.json["details"]


def test_the_series_is_paged_by_keyset_in_acquisition_order(world):
    # Sent in two batches, out of order, with gaps in the numbering.
    numbers = list(range(2, 2001, 2))
    world.ingest(world.records(numbers[500:]))
    world.ingest(world.records(numbers[:500]))
    seen, after, pages = [], None, 0
    while True:
        query = "limit=100" + (f"&after={after}" if after is not None else "")
        page = world.get(f"/data-collections/{world.dc}/movies?{query}").json
        pages += 1
        seen += [movie["movieNumber"] for movie in page["results"]]
        if page["next"] is None:
            break
        after = page["next"]["after"]
    assert seen == numbers and pages == 10
    # The list envelope of every list, links included: following links.next walks the same.
    url, linked = f"/data-collections/{world.dc}/movies?limit=300", []
    while url:
        page = world.get(url.split("/ispyb/api/v1/em", 1)[-1]).json
        assert {"total", "limit", "offset", "results", "links"} <= set(page)
        assert page["total"] is None and page["offset"] == 0 and page["links"]["prev"] is None
        linked += [movie["movieNumber"] for movie in page["results"]]
        url = page["links"]["next"]
    assert linked == numbers

    first = world.get(f"/data-collections/{world.dc}/movies?limit=1").json["results"][0]
    assert first["movieNumber"] == 2
    (motion,) = first["motionCorrections"]
    assert motion["totalMotion"] is not None
    assert len(motion["ctfs"]) == len(motion["relativeIceThicknesses"]) == 1
    assert len(motion["particlePickers"]) == 1

    newest = world.get(f"/data-collections/{world.dc}/movies?before=1000&limit=3").json
    assert [m["movieNumber"] for m in newest["results"]] == [998, 996, 994]
    assert newest["next"] == {"before": 994}
    assert "before=994" in newest["links"]["next"] and "limit=3" in newest["links"]["next"]
    latest = world.get(f"/data-collections/{world.dc}/movies?before=100000&limit=2").json
    assert [m["movieNumber"] for m in latest["results"]] == [2000, 1998]


@contextlib.contextmanager
def executed(engine):
    """(statement, parameters) of every statement ``engine`` runs inside the block."""
    seen = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def skips_rows(statement: str, parameters) -> bool:
    """Whether a statement has an OFFSET other than the "OFFSET 0" SQLAlchemy writes after
    every LIMIT on SQLite."""
    if "OFFSET" not in statement.upper():
        return False
    return not (statement.rstrip().endswith("OFFSET ?") and parameters[-1] == 0)


def test_a_deep_page_costs_what_the_first_costs_and_never_uses_offset(world, em_db):
    world.ingest(world.records(range(1, 1001)))
    with executed(em_db.engine) as first:
        world.get(f"/data-collections/{world.dc}/movies?limit=50")
    with executed(em_db.engine) as deep:
        world.get(f"/data-collections/{world.dc}/movies?limit=50&after=900")
    assert len(first) == len(deep)
    assert not any(skips_rows(*item) for item in first + deep)


SERIES_PAGE = (
    "SELECT * FROM Movie WHERE dataCollectionUUID = :dc AND movieNumber > 900 "
    "ORDER BY movieNumber LIMIT 11"
)


def test_the_series_reads_only_the_page_however_deep(world, em_db):
    """The keyset index leads straight to the page: the database reads the page's rows,
    not the 900 before them."""
    world.ingest(world.records(range(1, 1001)))
    with em_db.engine.connect() as connection:
        if em_db.dialect == "sqlite":
            plan = " ".join(
                row[-1]
                for row in connection.execute(
                    text("EXPLAIN QUERY PLAN " + SERIES_PAGE), {"dc": world.dc}
                )
            )
            assert "USING INDEX Movie_dataCollectionUUID_movieNumber" in plan, plan
            assert "movieNumber>?" in plan.replace(" ", ""), plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            connection.execute(text("ANALYZE TABLE Movie"))
            analysis = json.loads(
                connection.execute(
                    text("ANALYZE FORMAT=JSON " + SERIES_PAGE), {"dc": world.dc}
                ).scalar()
            )
            (step,) = analysis["query_block"]["nested_loop"]
            table = step["table"]
            assert table["key"] == "Movie_dataCollectionUUID_movieNumber", table
            assert table["used_key_parts"] == ["dataCollectionUUID", "movieNumber"], table
            assert table["r_rows"] == 11, table
            assert "filesort" not in json.dumps(analysis), analysis


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("after=x", "after"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("after=1&before=5", "before"),
        ("offset=10", "offset"),
    ],
)
def test_bad_series_parameters(world, query, parameter):
    response = world.get(f"/data-collections/{world.dc}/movies?{query}")
    assert response.status_code == 400
    assert parameter in response.json["details"]


def test_a_movie_with_its_results(world):
    body = world.ingest(world.records([7])).json
    movie_id = body["records"][0]["movieId"]
    by_id = world.get(f"/movies/{movie_id}").json
    assert by_id["movieNumber"] == 7
    assert by_id["motionCorrections"][0]["ctfs"][0]["estimatedDefocus"] > 0
    assert world.get(f"/movies/{by_id['uuid']}").json == by_id
    motion = by_id["motionCorrections"][0]
    assert world.get(f"/motion-corrections/{motion['motionCorrectionId']}").status_code == 200
    assert world.get(f"/ctfs/{motion['ctfs'][0]['uuid']}").status_code == 200
    ice = motion["relativeIceThicknesses"][0]
    assert world.get(f"/relative-ice-thicknesses/{ice['relativeIceThicknessId']}").json == ice
